"""``python -m workers``: one RQ worker with the RQ scheduler, bound to the app's configuration.

The app is built once here and every job runs in this process (RQ's ``SimpleWorker``): no fork and
no fresh import per job. ``--fork`` keeps RQ's old mode, a work horse forked per job (see
``workers.jobs.worker_app`` for the connection hand-over then); ``bench/worker.py`` measures both.
"""

from __future__ import annotations

import argparse
import logging
import sys

from rq import SimpleWorker, Worker

from market.tasks import queue, redis_connection

from .jobs import worker_app
from .schedule import sweep_now


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m workers", description=__doc__)
    parser.add_argument("--burst", action="store_true", help="quit when the queue is empty")
    parser.add_argument("--name", help="worker name (default: RQ's)")
    parser.add_argument("--no-sweep", action="store_true", help="do not start the periodic sweep")
    parser.add_argument("--fork", action="store_true", help="run each job in a forked work horse")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    app = worker_app()
    if app.config["JOBS_MODE"] != "rq":
        print("python -m workers needs REDIS_URL (the scaled mode)", file=sys.stderr)
        return 2
    with app.app_context():
        connection = redis_connection()
        queues = [queue()]
        if not args.no_sweep:
            sweep_now()
    worker_class = Worker if args.fork else SimpleWorker
    worker = worker_class(queues, connection=connection, name=args.name)
    worker.work(with_scheduler=True, burst=args.burst, logging_level="INFO")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
