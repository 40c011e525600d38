"""The periodic sweep in the scaled mode.

RQ keeps no periodic schedule of its own that we rely on, so the sweep job schedules its
successor (through RQ's scheduler, ``enqueue_in``) before it does its work, and every worker
schedules one when it starts. Job ids name the time slot, so however many workers do this, each
slot holds one sweep. If the chain ever breaks (Redis came back empty, the scheduler died with it),
it is mended twice over: a worker schedules a sweep whenever it reconnects to Redis, and the
watchdog (``market.services.watchdog``) queues one when none has run for three intervals.
"""

from __future__ import annotations

import time
from datetime import timedelta

from flask import current_app

from market.tasks import claim_once, queue

#: finished sweeps stay listed in RQ's registry for ten minutes: what ran, when, and what it found
RESULT_TTL = 600


def _slot_id(at: float, interval: int) -> str:
    return f"market-sweep-{int(at // interval)}"


def schedule_next_sweep() -> None:
    interval = max(1, int(current_app.config["SWEEP_INTERVAL_SECONDS"]))
    at = time.time() + interval
    queue().enqueue_in(
        timedelta(seconds=interval),
        "workers.jobs.sweep",
        job_id=_slot_id(at, interval),
        result_ttl=RESULT_TTL,
        failure_ttl=24 * 3600,
    )


def sweep_now() -> None:
    """Queue a sweep now (a worker starting, or back with Redis); once per interval, however many
    workers start in it."""
    interval = max(1, int(current_app.config["SWEEP_INTERVAL_SECONDS"]))
    job_id = _slot_id(time.time(), interval) + "-start"
    if not claim_once(job_id, 2 * interval):
        return
    queue().enqueue(
        "workers.jobs.sweep",
        job_id=job_id,
        result_ttl=RESULT_TTL,
        failure_ttl=24 * 3600,
    )
