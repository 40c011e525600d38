"""How fast RQ workers match orders, end to end: PostgreSQL, Redis, real ``python -m workers``.

Two modes, each on a fresh database with ``--workshops`` approved workshops placed as
``bench/marketgen.py`` places them (clustered in four provinces, the rest by population, its
capacities, kits, min lots and paused share) and orders drawn from the same generator's stream:

* **drain**: ``--orders`` orders are posted through the service layer with nobody on the queue;
  then, for each K of ``--workers``, K ``python -m workers --no-sweep`` processes are started and,
  once all K listen, the kits' matching nudges are queued. Reported: orders/s from the nudges to
  the last order's offers, and the mean and p99 time from the nudges (every order was committed
  before them) to each order's offers; the workers' start-up is reported apart. Each K is run
  ``--repeat`` times over the same orders (matched again from scratch); the median run by
  orders/s is shown.
* **steady**: ``--steady-workers`` workers run; orders are posted one by one at ``--rate`` a
  second for ``--seconds``; reported: mean and p99 time from an order's commit to its offers.

The offers' time is the order's ``updated_at``, which the matching round sets as it changes the
order's status, just before its commit. Prints a table and, as the last line, one JSON object.
It empties and recreates the database in BENCH_DATABASE_URL (default
postgresql+psycopg://postgres@127.0.0.1:5432/market_bench) and uses BENCH_REDIS_URL
(default redis://127.0.0.1:6379/13), queue ``market-bench``.

    .venv/bin/python bench/worker.py [--workshops 1000] [--orders 2000] [--workers 1 2 4]
                                     [--rate 20] [--seconds 30] [--steady-workers 2] [--no-steady]

Posting modes: ``--post single`` (the default) posts each order on its own, as a buyer does;
``--post batch`` posts them through ``POST /api/v1/orders/batch``, 1,000 lines a request.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flask import Flask  # noqa: E402
from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import create_engine, func, insert, select, text  # noqa: E402

from bench.marketgen import DEFAULT_SEED, TODAY, generate  # noqa: E402
from market.app import create_app  # noqa: E402
from market.domain import states  # noqa: E402
from market.extensions import db  # noqa: E402
from market.models import Business, Kit, Order, User, business_kits  # noqa: E402
from market.services import accounts, orders  # noqa: E402
from market.services.common import today  # noqa: E402
from market.tasks import queue, queues  # noqa: E402

DATABASE = os.environ.get("BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/market_bench")
REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
QUEUE = "market-bench"
#: the generator's stream of this many orders sets the order sizes (median about 50 kits)
STREAM = 10_000
POSTING_THREADS = 4

#: how a run posts its orders: (app, buyer, order bodies) -> None, each committed and nudged as
#: the API would. A batch poster (``POST /api/v1/orders/batch``) registers itself here.
Poster = Callable[[Flask, User, list[dict[str, Any]]], None]


def post_one_by_one(app: Flask, buyer: User, bodies: list[dict[str, Any]]) -> None:
    for body in bodies:
        orders.create(buyer, body, None, lambda o: {"id": o.id})


def post_as_batches(app: Flask, buyer: User, bodies: list[dict[str, Any]]) -> None:
    """``--post batch``: through ``POST /api/v1/orders/batch``, 1,000 lines a request, as a client would."""
    client = app.test_client()
    password = "bench-password-correct-horse-1234"
    accounts.set_password(buyer, password)
    buyer.verified = True  # bulk orders are for verified buyers
    db.session.commit()
    token, _ = accounts.issue_token(buyer.email, password)
    headers = {"Authorization": f"Bearer {token}"}
    began = time.perf_counter()
    for start in range(0, len(bodies), 1000):
        chunk = [{**b, "needed_by": b["needed_by"].isoformat()} for b in bodies[start : start + 1000]]
        r = client.post("/api/v1/orders/batch", json={"orders": chunk}, headers=headers)
        assert r.status_code == 201, r.get_json()
    seconds = time.perf_counter() - began
    print(f"  posted {len(bodies)} orders through /orders/batch in {seconds:.2f} s", file=sys.stderr)


POSTERS: dict[str, Poster] = {"single": post_one_by_one, "batch": post_as_batches}


def post_as(app: Flask, buyer_id: int, body: dict[str, Any]) -> None:
    """Post one order in an app context of its own (a posting thread's)."""
    with app.app_context():
        buyer = db.session.get(User, buyer_id)
        post_one_by_one(app, buyer, [body])
        db.session.remove()


def bench_app() -> Flask:
    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": DATABASE,
            "REDIS_URL": REDIS,
            "JOBS_MODE": "rq",
            "RQ_QUEUE": QUEUE,
            "SECRET_KEY": "bench",
            "RATELIMIT_ENABLED": False,
        }
    )


def fresh_database() -> None:
    server, name = DATABASE.rsplit("/", 1)
    admin = create_engine(f"{server}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()


def setup(app: Flask, workshops: int, seed: int) -> int:
    """A fresh database with the generated workshops, approved, and one buyer; returns the buyer's id."""
    fresh_database()
    market = generate(seed, workshops, 1)
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        for q in queues():
            q.empty()
        kit_ids = {k.code: k.id for k in db.session.scalars(select(Kit))}
        moment = datetime.now(UTC)
        owners = [
            {
                "email": f"w{b.id}@bench.local",
                "password_hash": "!",
                "name": f"Workshop {b.id}",
                "role": "business",
            }
            for b in market.businesses
        ]
        owner_ids = db.session.scalars(
            insert(User).returning(User.id, sort_by_parameter_order=True), owners
        ).all()
        rows = [
            {
                "owner_id": owner_id,
                "name": f"Workshop {b.id}",
                "province": b.province,
                "city": "City",
                "owner_group": "other",
                "weekly_capacity": b.weekly_capacity,
                "min_lot": b.min_lot,
                "status": "approved",
                "paused": b.paused,
                "approved_at": moment,
            }
            for owner_id, b in zip(owner_ids, market.businesses, strict=True)
        ]
        ids = db.session.scalars(
            insert(Business).returning(Business.id, sort_by_parameter_order=True), rows
        ).all()
        links = [
            {"business_id": business_id, "kit_id": kit_ids[code]}
            for business_id, b in zip(ids, market.businesses, strict=True)
            for code in sorted(b.kits)
        ]
        db.session.execute(insert(business_kits), links)
        buyer = User(email="buyer@bench.local", password_hash="!", name="Buyer", role="buyer", verified=True)
        db.session.add(buyer)
        db.session.commit()
        return buyer.id


def order_bodies(workshops: int, count: int, seed: int) -> list[dict[str, Any]]:
    """The first ``count`` orders of the generator's stream, dated from today (in an app context)."""
    stream = generate(seed, workshops, STREAM).orders
    day = today()
    return [
        {
            "kit": o.kit,
            "quantity": o.quantity,
            "delivery_province": o.delivery_province,
            "delivery_address": "Health centre",
            "needed_by": day + (o.needed_by - TODAY),
        }
        for o in (stream[i % len(stream)] for i in range(count))
    ]


def worker_env() -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": DATABASE,
        "REDIS_URL": REDIS,
        "MARKET_QUEUE": QUEUE,
        "SECRET_KEY": "bench",
        "PYTHONPATH": str(ROOT),
    }


def start_workers(count: int, *args: str) -> list[subprocess.Popen[bytes]]:
    return [
        subprocess.Popen(
            [sys.executable, "-m", "workers", "--no-sweep", *args],
            cwd=ROOT,
            env=worker_env(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(count)
    ]


def timings(app: Flask) -> list[tuple[datetime, datetime, datetime | None, str]]:
    """(created_at, offers' time, first round's start, status) of every order."""
    with app.app_context():
        rows = db.session.execute(
            select(Order.created_at, Order.updated_at, Order.last_matched_at, Order.status)
        )
        out = [tuple(r) for r in rows]
        db.session.rollback()
    return out  # type: ignore[return-value]


def p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]


def post(app: Flask, args: argparse.Namespace) -> float:
    """A fresh marketplace with the orders posted and nobody on the queue; the posting rate."""
    buyer_id = setup(app, args.workshops, args.seed)
    with app.app_context():
        bodies = order_bodies(args.workshops, args.orders, args.seed)
        buyer = db.session.get(User, buyer_id)
        began = time.perf_counter()
        POSTERS[args.post](app, buyer, bodies)
        rate = len(bodies) / (time.perf_counter() - began)
        db.session.remove()
    return rate


def unmatch(app: Flask) -> list[int]:
    """Back to the moment after posting, nudges aside: every job, event and matching audit entry
    gone, every order pending again, the queue empty. Returns the kits with orders."""
    with app.app_context():
        db.session.execute(text("DELETE FROM job_events"))
        db.session.execute(text("DELETE FROM jobs"))
        db.session.execute(text("DELETE FROM audit_log WHERE action <> 'order.created'"))
        db.session.execute(
            text("UPDATE orders SET status = 'pending', matched_at = NULL, last_matched_at = NULL")
        )
        kit_ids = list(db.session.scalars(select(Order.kit_id).distinct()))
        db.session.commit()
        for q in queues():
            q.empty()
        redis = queue().connection
        for key in redis.scan_iter(f"market:{QUEUE}:queued:*"):
            redis.delete(key)
        db.session.remove()
    vacuum()
    return kit_ids


def vacuum() -> None:
    """VACUUM ANALYZE the bench's database: every drain starts from the same tables, not from the
    dead rows of the drains before it (each leaves thousands, and autovacuum may wake mid-drain)."""
    engine = create_engine(DATABASE, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("VACUUM ANALYZE"))
    engine.dispose()


def wait_for_workers(app: Flask, count: int, timeout: float = 180) -> float:
    """Seconds until ``count`` workers listen on the queue."""
    from rq import Worker

    began = time.perf_counter()
    with app.app_context():
        while len(Worker.all(queue=queue())) < count:
            if time.perf_counter() - began > timeout:
                raise RuntimeError(f"{count} workers did not start in {timeout} s")
            time.sleep(0.1)
    return time.perf_counter() - began


def stop(procs: list[subprocess.Popen[bytes]]) -> None:
    for proc in procs:
        proc.send_signal(signal.SIGTERM)
    for proc in procs:
        proc.wait(timeout=60)


def nudge_and_wait(kit_ids: list[int], poll: float = 0.02) -> float:
    """In an app context: queue the kits' matching nudges, then wait until no order is pending;
    the seconds it took."""
    began = time.perf_counter()
    orders.nudge_kits(kit_ids)
    pending = select(func.count()).where(Order.status == states.PENDING)
    while db.session.scalar(pending):
        db.session.rollback()
        if time.perf_counter() - began > 600:
            raise RuntimeError("orders still pending after 10 minutes")
        time.sleep(poll)
    return time.perf_counter() - began


def drain(app: Flask, workers: int) -> dict[str, float]:
    """K workers started and listening, then the posted orders' nudges queued: time to drain them.

    The workers' start-up (importing the app: seconds on a busy machine) is reported apart.
    """
    kit_ids = unmatch(app)
    procs = start_workers(workers)
    try:
        startup = wait_for_workers(app, workers)
        with app.app_context():
            start = datetime.now(UTC)
            nudge_and_wait(kit_ids)
            db.session.remove()
    finally:
        stop(procs)
    rows = timings(app)
    last = max(r[1] for r in rows)
    span = (last - start).total_seconds()
    lags = [(done - start).total_seconds() for _, done, _, _ in rows]
    return {
        "workers": workers,
        "startup_seconds": round(startup, 2),
        "drain_seconds": round(span, 2),
        "orders_per_second": round(len(rows) / span, 1),
        "to_offers_mean_s": round(statistics.fmean(lags), 3),
        "to_offers_p99_s": round(p99(lags), 3),
    }


def steady(app: Flask, args: argparse.Namespace) -> dict[str, float]:
    """Workers running; orders posted one by one at ``--rate`` a second: commit-to-offers times."""
    buyer_id = setup(app, args.workshops, args.seed)
    procs = start_workers(args.steady_workers)
    try:
        wait_for_workers(app, args.steady_workers)
        with app.app_context():
            bodies = order_bodies(args.workshops, round(args.rate * args.seconds), args.seed)
            began = time.perf_counter()
            # a few posting threads, so that one slow request does not hold the next back
            with ThreadPoolExecutor(max_workers=POSTING_THREADS) as pool:
                futures = []
                for i, body in enumerate(bodies):
                    pause = began + i / args.rate - time.perf_counter()
                    if pause > 0:
                        time.sleep(pause)
                    futures.append(pool.submit(post_as, app, buyer_id, body))
            for future in futures:
                future.result()  # a failed post fails the bench
            posted = time.perf_counter() - began
            deadline = time.monotonic() + 300
            pending = select(func.count()).where(Order.status == states.PENDING)
            while db.session.scalar(pending) and time.monotonic() < deadline:
                db.session.rollback()
                time.sleep(0.2)
            db.session.remove()
    finally:
        stop(procs)
    rows = timings(app)
    lags = [(done - created).total_seconds() for created, done, _, status in rows if status != states.PENDING]
    if not lags:
        raise RuntimeError(f"none of the {len(rows)} orders posted was matched")
    return {
        "workers": args.steady_workers,
        "orders": len(rows),
        "posted_per_second": round(len(rows) / posted, 1),
        "left_pending": len(rows) - len(lags),
        "commit_to_offers_mean_s": round(statistics.fmean(lags), 3),
        "commit_to_offers_p99_s": round(p99(lags), 3),
        "commit_to_offers_max_s": round(max(lags), 3),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workshops", type=int, default=1000)
    parser.add_argument("--orders", type=int, default=2000)
    parser.add_argument("--workers", type=int, nargs="*", default=[1, 2, 4])
    parser.add_argument("--repeat", type=int, default=3, help="drains per worker count; the median is shown")
    parser.add_argument("--post", choices=sorted(POSTERS), default="single", help="how orders are posted")
    parser.add_argument("--rate", type=float, default=20.0, help="steady mode: orders a second")
    parser.add_argument("--seconds", type=float, default=30.0, help="steady mode: how long to post")
    parser.add_argument("--steady-workers", type=int, default=2)
    parser.add_argument("--no-steady", action="store_true", help="skip the steady mode")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = parser.parse_args(argv)
    app = bench_app()
    print(f"{args.orders} orders over {args.workshops} workshops, PostgreSQL + Redis, `python -m workers`")
    head = f"{'workers':>8} {'orders/s':>9} {'drain s':>8} {'mean s':>8} {'p99 s':>8} {'start-up s':>11}"
    print(head + "  (median run)")
    drains = []
    posting = post(app, args) if args.workers else 0.0
    for k in args.workers:
        runs = []
        for _ in range(args.repeat):
            runs.append(drain(app, k))
        runs.sort(key=lambda run: run["orders_per_second"])
        r = {**runs[len(runs) // 2], "orders_per_second_runs": [run["orders_per_second"] for run in runs]}
        drains.append(r)
        print(
            f"{k:>8} {r['orders_per_second']:>9} {r['drain_seconds']:>8}"
            f" {r['to_offers_mean_s']:>8} {r['to_offers_p99_s']:>8} {r['startup_seconds']:>11}"
        )
    result: dict[str, Any] = {
        "orders": args.orders,
        "workshops": args.workshops,
        "post": args.post,
        "posted_per_second": round(posting, 1),
        "drain": drains,
    }
    if not args.no_steady:
        s = steady(app, args)
        result["steady"] = s
        print(
            f"steady {args.rate:g} orders/s for {args.seconds:g} s, {args.steady_workers} workers: "
            f"commit to offers mean {s['commit_to_offers_mean_s']} s, p99 {s['commit_to_offers_p99_s']} s,"
            f" max {s['commit_to_offers_max_s']} s ({s['left_pending']} left pending)"
        )
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
