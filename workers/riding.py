"""What RQ's worker lacks to ride through a lost Redis.

RQ retries a lost connection only while it waits for a job; anywhere else (a heartbeat, the
registries' upkeep, the bookkeeping after a job, its own ``register_death`` on the way out) the
error ends ``work()`` or escapes from it, and its scheduler process dies with the connection. The
worker here turns every lost connection into a clean end of ``work()``, so that ``python -m
workers`` can wait for Redis with a backoff and start afresh: a new RQ worker, a new scheduler, and
the sweep scheduled again (a Redis that comes back empty has forgotten it).
"""

from __future__ import annotations

import contextlib
import logging
import signal
import time
from collections.abc import Callable
from types import FrameType
from typing import Any

from redis import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError
from rq import SimpleWorker, Worker
from rq.exceptions import StopRequested

log = logging.getLogger("workers")


class RedisLost(Exception):
    """The connection to Redis failed: leave RQ's work loop and start again once it answers."""


class Stop(BaseException):
    """SIGTERM or SIGINT between two runs of RQ's work loop: quit."""


class RidingMixin:
    """Ends RQ's work loop cleanly on a lost Redis, says whether a signal asked it to stop, and runs
    ``on_maintenance`` with RQ's periodic upkeep (the sweep's watchdog)."""

    lost_redis = False
    stop_signalled = False
    on_maintenance: Callable[[], None] | None = None

    def heartbeat(self, timeout: int | None = None, pipeline: Any = None) -> None:
        try:
            super().heartbeat(timeout, pipeline)  # type: ignore[misc]
        except RedisConnectionError as err:
            self.lost_redis = True
            raise RedisLost(str(err)) from err

    def run_maintenance_tasks(self) -> None:
        super().run_maintenance_tasks()  # type: ignore[misc]
        if self.on_maintenance is not None:
            self.on_maintenance()

    def request_stop(self, signum: int, frame: FrameType | None) -> None:
        self.stop_signalled = True
        try:
            super().request_stop(signum, frame)  # type: ignore[misc]
        except RedisError:  # it could not note the request in Redis: stop all the same
            raise StopRequested() from None

    def teardown(self) -> None:
        try:
            super().teardown()  # type: ignore[misc]
        except RedisError as err:
            # Redis is gone: RQ could not register the death (the key expires by itself); stop
            # the thread that listens for commands, or every lost connection would leave one behind
            self.lost_redis = True
            log.warning("Redis unreachable while stopping the worker: %s", err)
            thread = getattr(self, "pubsub_thread", None)
            if thread is not None:
                thread.stop()
                thread.join(timeout=1)
            with contextlib.suppress(Exception):
                self.pubsub.close()  # type: ignore[attr-defined]


class RidingWorker(RidingMixin, Worker):
    """A work horse forked per job."""


class RidingSimpleWorker(RidingMixin, SimpleWorker):
    """Jobs run in the worker's own process."""


class Backoff:
    """Waits that double from ``first`` up to ``cap`` seconds; ``reset`` after a good spell."""

    def __init__(self, first: float, cap: float) -> None:
        self.first = first
        self.cap = max(first, cap)
        self.next = first

    def reset(self) -> None:
        self.next = self.first

    def sleep(self) -> float:
        waited = self.next
        time.sleep(waited)
        self.next = min(self.cap, self.next * 2)
        return waited


def wait_for_redis(connection: Redis, backoff: Backoff) -> None:
    """Return once Redis answers a PING, waiting with ``backoff`` in between."""
    while True:
        try:
            connection.ping()
            return
        except RedisError as err:
            log.warning("Redis unreachable (%s): trying again in %.1f s", err, backoff.next)
            backoff.sleep()


def stop_on_signals() -> None:
    """Between runs of RQ's loop (whose own handlers are bound to a worker that has ended), SIGTERM
    and SIGINT quit at once: no job is running."""

    def stop(signum: int, _frame: FrameType | None) -> None:
        raise Stop(signal.Signals(signum).name)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
