"""What the outbox costs matching rounds: orders matched per second with the outbox on and off, and
notifications written per second while matching.

The marketplace and the orders are those of ``bench/worker.py`` (``--workshops`` approved
workshops placed like ``bench/marketgen.py``, ``--orders`` orders of its stream posted through the
service layer with nobody on the queue). Then the same posted orders are drained again and again,
from scratch each time (jobs, events, matching audit entries and notifications deleted, orders
pending again), alternately with the outbox **on** (as in production: each round writes its
notifications with one COPY, ``market/services/notify_bulk.py``, and nudges the delivery job)
and **off** (``notify_bulk.tell_round`` replaced by a no-op in the process that runs the rounds:
the same rounds writing no notification and nudging nothing). The off switch exists only in
this script; nothing in the project can turn the outbox off.

* ``--workers 0`` (the default): the rounds run in this process, one kit after the other, as one
  worker runs them, without RQ between (the matching transaction's own cost, least noise).
* ``--workers K``: K ``python -m workers`` processes, started once through this script and kept
  for every drain, as production keeps its workers (a worker started for each drain would pay its
  first round's cold caches again and again, the outbox's path among them). The outbox is switched
  for each drain by a Redis key they read once per round (``<queue>:bench-outbox``: both modes pay
  that read). With the outbox on they also run the delivery jobs that fan the notifications out
  and send them, as in production (on their own queue, stepping aside while a round runs:
  ``market/services/deliveries.py``), and the seconds until every notification is sent (to the
  log: no mail server) are reported too; the next drain starts once they are all sent.

Each mode is drained ``--runs`` times, on and off alternating (which goes first alternates too), so
both share the machine's noise, after one drain in each mode not counted (cold caches). Reported:
the medians of orders/s on and off and their ratio, the ratio of each pair (on ÷ off) with their
mean and a 95 % interval for that mean (bootstrap over the pairs, seeded: the drains of 2 workers
move by ±20 % with the order in which the two kits' rounds meet on their shared workshops), and the
notifications written per second of matching with the outbox on. In-process, the CPU time the
drain cost (this process and the database's backends, read from ``/proc``: the server must be
local) is reported as well, with its ratio: wall time on a machine busy with other work moves by a
factor of two between runs, CPU time far less. Prints a table and, last, one
JSON object. It EMPTIES the database in BENCH_DATABASE_URL and uses BENCH_REDIS_URL (see
``bench/worker.py``).

    .venv/bin/python bench/notifications.py [--workshops 1000] [--orders 2000] [--runs 5] [--workers 0]
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flask import Flask  # noqa: E402
from sqlalchemy import func, select, text  # noqa: E402

from bench import worker as scaled  # noqa: E402
from market.domain import states  # noqa: E402
from market.extensions import db  # noqa: E402
from market.models import Delivery, Notification, Order  # noqa: E402
from market.services import matching, notify_bulk  # noqa: E402
from market.tasks import queue  # noqa: E402

ON, OFF = "on", "off"
STOP_GRACE_SECONDS = 5


def outbox(mode: str) -> None:
    """Switch the rounds' outbox in this process: ``on`` as in production, ``off`` a no-op."""
    notify_bulk.tell_round = _REAL_TELL_ROUND if mode == ON else _tell_nothing  # type: ignore[assignment]


_REAL_TELL_ROUND = notify_bulk.tell_round


def _tell_nothing(*args: Any, **kwargs: Any) -> int:
    """The outbox off: the round writes no notification and nudges no delivery."""
    return 0


SWITCH = f"{scaled.QUEUE}:bench-outbox"


def _tell_as_switched(*args: Any, **kwargs: Any) -> int:
    """A worker's rounds: the outbox as the bench's Redis key says for this drain (on unless "off")."""
    on = queue().connection.get(SWITCH) != OFF.encode()
    return (_REAL_TELL_ROUND if on else _tell_nothing)(*args, **kwargs)


def reset(app: Flask) -> list[int]:
    """Back to the moment after posting (``bench/worker.py``'s reset) with no notification left and
    no delivery nudge pending. Returns the kits with orders."""
    with app.app_context():
        db.session.execute(text("DELETE FROM notification_deliveries"))
        db.session.execute(text("DELETE FROM notifications"))
        db.session.commit()
        queue().connection.delete(f"{scaled.QUEUE}:outbox-nudge")
        db.session.remove()
    return scaled.unmatch(app)


def _cpu(pid: int) -> float:
    """CPU seconds (user + system) of a local process so far, 0.0 if it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _server_cpu() -> dict[int, float]:
    """CPU seconds so far of each PostgreSQL backend serving this database (the server is local)."""
    pids = db.session.scalars(
        text(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
            " AND backend_type = 'client backend'"
        )
    ).all()
    db.session.rollback()
    return {pid: _cpu(pid) for pid in pids}


def drain_here(app: Flask, kit_ids: list[int], mode: str) -> dict[str, float]:
    """The kits' rounds run in this process, one kit after the other: their wall seconds, and the
    CPU seconds they cost this process and the database's backends (what other work on a busy
    machine does not inflate, unlike wall time)."""
    outbox(mode)
    gc.collect()  # every drain starts from the same heap: a collection left over is not its cost
    try:
        with app.app_context():
            server = _server_cpu()
            client = time.process_time()
            began = time.perf_counter()
            for kit_id in kit_ids:
                matching.match_kit(kit_id)
            seconds = time.perf_counter() - began
            client = time.process_time() - client
            server = sum(cpu - server.get(pid, 0.0) for pid, cpu in _server_cpu().items())
            db.session.remove()
    finally:
        outbox(ON)
    return {"seconds": seconds, "cpu_client": client, "cpu_server": server, "cpu_seconds": client + server}


def start_workers(app: Flask, workers: int) -> list[subprocess.Popen[bytes]]:
    """K workers of this script, their rounds' outbox switched by :data:`SWITCH`, listening."""
    procs = [
        subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), "--serve-worker"],
            cwd=ROOT,
            env=scaled.worker_env(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(workers)
    ]
    scaled.wait_for_workers(app, workers)
    return procs


def drain_with_workers(app: Flask, kit_ids: list[int], mode: str) -> dict[str, float]:
    """The running workers' outbox switched to ``mode``, then the kits' nudges queued: seconds until
    the last order has left ``pending``, and with the outbox on until every notification is sent
    (CPU time is not measured)."""
    with app.app_context():
        queue().connection.set(SWITCH, mode)
        began = time.perf_counter()
        seconds = scaled.nudge_and_wait(kit_ids, poll=0.01)
        delivered = wait_for_deliveries(began) if mode == ON else math.nan
        db.session.remove()
    return {"seconds": seconds, "delivered_seconds": delivered}


def wait_for_deliveries(began: float) -> float:
    """In an app context: wait until every notification is fanned out and no delivery is pending
    (the workers send them after the rounds); the seconds since ``began``, the nudges' moment."""
    left = select(func.count()).where(Notification.fanned_out_at.is_(None))
    pending = select(func.count()).where(Delivery.status == "pending")
    while db.session.scalar(left) or db.session.scalar(pending):
        db.session.rollback()
        if time.perf_counter() - began > 600:
            raise RuntimeError("notifications still undelivered after 10 minutes")
        time.sleep(0.1)
    db.session.rollback()
    return time.perf_counter() - began


def stop(app: Flask, procs: list[subprocess.Popen[bytes]]) -> None:
    """Stop the workers: SIGTERM, and SIGKILL for one still busy after a few seconds (with the
    outbox on, a worker may be fanning thousands of notifications out: the next drain starts from
    a reset database anyway, and a killed transaction is rolled back)."""
    killed = []
    for proc in procs:
        proc.terminate()
    for proc in procs:
        try:
            proc.wait(timeout=STOP_GRACE_SECONDS)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            killed.append(proc.pid)
    if killed:
        forget_workers(app, killed)


def forget_workers(app: Flask, pids: list[int]) -> None:
    """Unregister killed workers, which RQ would list until their time-to-live ran out (and
    ``bench/worker.py`` counts the workers listening before it starts the clock)."""
    from rq import Worker

    with app.app_context():
        for w in Worker.all(queue=queue()):
            if w.pid in pids:
                w.register_death()


def written(app: Flask) -> tuple[int, int]:
    """(orders no longer pending, notifications written)."""
    with app.app_context():
        done = db.session.scalar(select(func.count()).where(Order.status != states.PENDING)) or 0
        notes = db.session.scalar(select(func.count()).select_from(Notification)) or 0
        db.session.remove()
    return int(done), int(notes)


def one_drain(app: Flask, mode: str, workers: int) -> dict[str, float]:
    kit_ids = reset(app)
    r = drain_with_workers(app, kit_ids, mode) if workers else drain_here(app, kit_ids, mode)
    done, notes = written(app)
    cpu = r.get("cpu_seconds", math.nan)
    return {
        **r,
        "cpu_seconds": cpu,
        "orders": done,
        "orders_per_second": done / r["seconds"],
        "orders_per_cpu_second": done / cpu,
        "notifications": notes,
        "notifications_per_second": notes / r["seconds"],
    }


def measure(app: Flask, runs: int, workers: int) -> dict[str, list[dict[str, float]]]:
    """``runs`` drains in each mode, alternating, the first mode alternating too, after one drain
    in each mode not counted (the first after posting, or after the workers started, meets cold
    caches)."""
    one_drain(app, OFF, workers)
    one_drain(app, ON, workers)
    out: dict[str, list[dict[str, float]]] = {ON: [], OFF: []}
    for run in range(runs):
        for mode in (ON, OFF) if run % 2 == 0 else (OFF, ON):
            out[mode].append(one_drain(app, mode, workers))
            r = out[mode][-1]
            cpu = (
                f"{r['orders_per_cpu_second']:>10.1f} {r['cpu_seconds']:>6.2f}"
                if not workers
                else f"{'-':>10} {'-':>6}"
            )
            print(
                f"{run + 1:>4} {mode:>4} {r['orders_per_second']:>9.1f} {r['seconds']:>8.2f} {cpu}"
                f" {int(r['notifications']):>8} {r['notifications_per_second']:>9.1f}",
                flush=True,
            )
    if any(r["notifications"] for r in out[OFF]):
        raise RuntimeError("the outbox was off, yet notifications were written")
    return out


def summary(args: argparse.Namespace, out: dict[str, list[dict[str, float]]]) -> dict[str, Any]:
    def median(mode: str, key: str) -> float:
        return statistics.median(r[key] for r in out[mode])

    on, off = median(ON, "orders_per_second"), median(OFF, "orders_per_second")
    ratios = [a["orders_per_second"] / b["orders_per_second"] for a, b in zip(out[ON], out[OFF], strict=True)]
    low, high = interval(ratios)
    cpu: dict[str, Any] = {}
    if not args.workers:
        cpu_on, cpu_off = median(ON, "orders_per_cpu_second"), median(OFF, "orders_per_cpu_second")
        cpu = {
            "orders_per_cpu_second_outbox_on": round(cpu_on, 1),
            "orders_per_cpu_second_outbox_off": round(cpu_off, 1),
            "cpu_throughput_ratio": round(cpu_on / cpu_off, 3),
            "cpu_seconds_client_on_off": [round(median(m, "cpu_client"), 3) for m in (ON, OFF)],
            "cpu_seconds_server_on_off": [round(median(m, "cpu_server"), 3) for m in (ON, OFF)],
        }
    return {
        "workshops": args.workshops,
        "orders": args.orders,
        "runs": args.runs,
        "workers": args.workers,
        "orders_per_second_outbox_on": round(on, 1),
        "orders_per_second_outbox_off": round(off, 1),
        "throughput_ratio": round(on / off, 3),
        "throughput_ratio_per_pair": [round(r, 3) for r in ratios],
        "pair_ratio_mean": round(statistics.fmean(ratios), 3),
        "pair_ratio_mean_95": [round(low, 3), round(high, 3)],
        **cpu,
        "notifications_per_run": int(median(ON, "notifications")),
        "notifications_per_second": round(median(ON, "notifications_per_second"), 1),
        **({"all_delivered_seconds": round(median(ON, "delivered_seconds"), 2)} if args.workers else {}),
    }


def interval(values: list[float], resamples: int = 10_000) -> tuple[float, float]:
    """A 95 % bootstrap interval (percentiles, seeded) for the mean of ``values``."""
    rng = random.Random(0)
    means = sorted(statistics.fmean(rng.choices(values, k=len(values))) for _ in range(resamples))
    return means[int(0.025 * resamples)], means[int(0.975 * resamples) - 1]


def serve_worker() -> int:
    """``--serve-worker``: ``python -m workers --no-sweep`` with the rounds' outbox switched by
    :data:`SWITCH`."""
    from workers.__main__ import main as worker_main

    notify_bulk.tell_round = _tell_as_switched  # type: ignore[assignment]
    return worker_main(["--no-sweep"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workshops", type=int, default=1000)
    parser.add_argument("--orders", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=5, help="drains per mode; medians are shown")
    parser.add_argument("--workers", type=int, default=0, help="0: rounds in this process; K: K workers")
    parser.add_argument("--seed", type=int, default=scaled.DEFAULT_SEED)
    parser.add_argument("--serve-worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve_worker:
        return serve_worker()
    args.post = "single"
    app = scaled.bench_app()
    where = f"{args.workers} workers" if args.workers else "rounds in this process"
    print(f"{args.orders} orders over {args.workshops} workshops, PostgreSQL + Redis, {where}")
    scaled.post(app, args)
    if not args.workers:
        from workers.__main__ import settle_heap

        scaled.unmatch(app)
        settle_heap()  # as a worker does once started: the rounds here then run as in a worker
    print(
        f"{'run':>4} {'outbox':>4} {'orders/s':>9} {'drain s':>8} {'orders/cpu':>10} {'cpu s':>6}"
        f" {'notes':>8} {'notes/s':>9}"
    )
    procs = start_workers(app, args.workers) if args.workers else []
    try:
        s = summary(args, measure(app, args.runs, args.workers))
    finally:
        stop(app, procs)
    print(
        f"median: {s['orders_per_second_outbox_on']} orders/s with the outbox, "
        f"{s['orders_per_second_outbox_off']} without (ratio {s['throughput_ratio']}); "
        f"{s['notifications_per_second']} notifications written a second"
    )
    print(
        f"per pair (on ÷ off): mean {s['pair_ratio_mean']}, 95 % interval of the mean"
        f" {s['pair_ratio_mean_95'][0]}–{s['pair_ratio_mean_95'][1]}"
    )
    if args.workers:
        print(
            f"with the outbox on, every notification sent (here to the log: no MAIL_SERVER) "
            f"{s['all_delivered_seconds']} s after the nudges (median)"
        )
    if not args.workers:
        print(
            f"per CPU second (this process and the database's backends): "
            f"{s['orders_per_cpu_second_outbox_on']} orders with the outbox, "
            f"{s['orders_per_cpu_second_outbox_off']} without (ratio {s['cpu_throughput_ratio']}); "
            f"CPU s on / off: here {s['cpu_seconds_client_on_off']},"
            f" database {s['cpu_seconds_server_on_off']}"
        )
    print(json.dumps(s))
    return 0


if __name__ == "__main__":
    sys.exit(main())
