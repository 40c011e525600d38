"""``python -m workers``: one RQ worker with the RQ scheduler, bound to the app's configuration.

It rides through a lost Redis: RQ's work loop ends (see ``workers.riding``), the worker waits for
Redis with a backoff (capped at the sweep interval, so it is back within one interval of Redis),
schedules the sweep again and starts a fresh RQ worker. It quits only when told to (SIGTERM,
SIGINT) or, with ``--burst``, once the queue is empty.

The app is built once here and every job runs in this process (RQ's ``SimpleWorker``): no fork and
no fresh import per job. ``--fork`` keeps RQ's old mode, a work horse forked per job (see
``workers.jobs.worker_app`` for the connection hand-over then); ``bench/worker.py`` measures both.
"""

from __future__ import annotations

import argparse
import gc
import logging
import sys
import time

from flask import Flask
from redis.exceptions import RedisError

from market.tasks import queues, redis_connection

from .jobs import worker_app
from .riding import (
    Backoff,
    RedisLost,
    RidingSimpleWorker,
    RidingWorker,
    Stop,
    stop_on_signals,
    wait_for_redis,
)
from .schedule import sweep_now

log = logging.getLogger("workers")
#: a run of RQ's loop that lasted this long was a good one: the next wait starts short again
GOOD_SPELL_SECONDS = 60


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m workers", description=__doc__)
    parser.add_argument("--burst", action="store_true", help="quit when the queue is empty")
    parser.add_argument("--name", help="worker name (default: RQ's)")
    parser.add_argument("--no-sweep", action="store_true", help="do not start the periodic sweep")
    parser.add_argument("--fork", action="store_true", help="run each job in a forked work horse")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app = worker_app()
    if app.config["JOBS_MODE"] != "rq":
        print("python -m workers needs REDIS_URL (the scaled mode)", file=sys.stderr)
        return 2
    settle_heap()
    interval = max(1, int(app.config["SWEEP_INTERVAL_SECONDS"]))
    backoff = Backoff(first=0.5, cap=min(30, interval))
    stop_on_signals()
    try:
        for run in range(sys.maxsize):
            started = time.monotonic()
            ended = work_once(app, args, run, interval, backoff)
            if ended == "done":
                return 0
            if time.monotonic() - started > GOOD_SPELL_SECONDS:
                backoff.reset()
            stop_on_signals()
            log.warning("RQ's work loop ended (%s): starting again in %.1f s", ended, backoff.next)
            backoff.sleep()
    except Stop as signalled:
        log.info("stopping on %s", signalled)
    return 0


def settle_heap() -> None:
    """Put what start-up made (modules, the app, its configuration) out of the garbage collector's
    reach: it lives as long as the process, yet every full collection walked all of it again (some
    150,000 objects, about 0.09 s a time, three or four times per 2,000 orders matched: a third
    of a round's CPU time in ``bench/notifications.py``). Objects made by jobs are collected as
    before; a forked work horse (``--fork``) shares the frozen pages instead of copying them."""
    gc.collect()
    gc.freeze()


def work_once(app: Flask, args: argparse.Namespace, run: int, interval: int, backoff: Backoff) -> str:
    """One run of RQ's work loop, once Redis answers. Returns ``"done"`` when the worker should
    quit (a signal, or a burst that emptied the queue), else why the loop ended."""
    with app.app_context():
        connection = redis_connection()
        listened = queues()  # matching first; deliveries only when no matching job waits
    wait_for_redis(connection, backoff)
    worker_class = RidingWorker if args.fork else RidingSimpleWorker
    name = args.name if run == 0 or not args.name else f"{args.name}-{run}"
    worker = worker_class(
        listened,
        connection=connection,
        name=name,
        # wake from waiting for a job once an interval, so RQ's upkeep (and the watchdog) runs
        worker_ttl=min(420, interval + 15),
        maintenance_interval=interval,
    )
    if not args.no_sweep:
        worker.on_maintenance = lambda: look_after_sweep(app)
    try:
        if not args.no_sweep:
            with app.app_context():
                sweep_now()  # a Redis that came back empty forgot the chain; the slot id keeps it single
        worker.work(with_scheduler=True, burst=args.burst, logging_level="INFO")
    except (RedisError, RedisLost) as err:
        worker.lost_redis = True
        log.warning("lost Redis: %s", err)
    except Exception:
        # e.g. RQ refusing a name a killed worker still holds in Redis: the next run takes another
        log.exception("RQ's work loop failed")
    if worker.stop_signalled or (args.burst and not worker.lost_redis):
        return "done"
    return "lost Redis" if worker.lost_redis else "unexpected end"


def look_after_sweep(app: Flask) -> None:
    """The watchdog's look from the worker loop (never raises: see ``market.services.watchdog``)."""
    from market.extensions import db
    from market.services import watchdog

    with app.app_context():
        try:
            watchdog.check()
        finally:
            db.session.remove()


if __name__ == "__main__":
    raise SystemExit(main())
