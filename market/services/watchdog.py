"""The sweep's watchdog: the periodic sweep reschedules itself through Redis, so a Redis that comes
back empty (or a scheduler that died with it) breaks the chain. Whatever broke it, the database
still says when a sweep last finished: if none has for ``OVERDUE_INTERVALS`` intervals, the next
worker loop or web request that looks (at most once an interval per process, one indexed read)
queues a sweep, and that sweep schedules its successor, so the chain is whole again.
"""

from __future__ import annotations

import contextlib
import time
from datetime import timedelta

from flask import current_app
from redis.exceptions import RedisError
from sqlalchemy.exc import SQLAlchemyError

from ..extensions import db
from ..tasks import claim_once, queue
from .common import now
from .sweeps import SWEEP, last_beat

OVERDUE_INTERVALS = 3
SWEEP_JOB = "workers.jobs.sweep"


def interval_seconds() -> int:
    return max(1, int(current_app.config["SWEEP_INTERVAL_SECONDS"]))


def sweep_overdue() -> bool:
    """Whether no sweep has finished for ``OVERDUE_INTERVALS`` intervals (or none ever has)."""
    at = last_beat(SWEEP)
    return at is None or now() - at > timedelta(seconds=OVERDUE_INTERVALS * interval_seconds())


def check() -> bool:
    """Queue a sweep if one is overdue; look at most once an interval in this process.

    Returns whether a sweep was queued. Never raises for an unreachable database or queue: the
    next look tries again.
    """
    if current_app.config["JOBS_MODE"] != "rq" or not current_app.config.get("SWEEP_WATCHDOG", True):
        return False
    interval = interval_seconds()
    state = current_app.extensions.setdefault("market_watchdog", {"looked": None})
    moment = time.monotonic()
    if state["looked"] is not None and moment - state["looked"] < interval:
        return False
    state["looked"] = moment
    try:
        if not sweep_overdue():
            return False
        # one per interval: however many processes notice at once, one sweep is queued
        job_id = f"market-sweep-watchdog-{int(time.time() // interval)}"
        if not claim_once(job_id, 2 * interval):
            return False
        queue().enqueue(
            SWEEP_JOB,
            job_id=job_id,
            result_ttl=max(600, interval * 2),
            failure_ttl=24 * 3600,
        )
    except (SQLAlchemyError, RedisError) as err:
        current_app.logger.warning("sweep watchdog could not look: %s", err)
        with contextlib.suppress(SQLAlchemyError):
            db.session.rollback()
        return False
    current_app.logger.warning("no sweep for %d intervals: one is queued", OVERDUE_INTERVALS)
    return True
