"""How fast RQ workers match orders, end to end: PostgreSQL, Redis, real ``python -m workers``.

Posts N orders through the service layer with nobody listening on the queue, then starts K burst
workers and times them until the queue is drained; repeats for each K. Prints a table and, as the
last line, one JSON object. Needs PostgreSQL and Redis: it uses (and empties) the database named
by BENCH_DATABASE_URL (default postgresql+psycopg://postgres@127.0.0.1:5432/market_bench, created
if missing) and Redis db 13.

    .venv/bin/python bench/worker.py [--orders 400] [--workers 1 2 4] [--batch]

``--batch`` posts the same orders through ``POST /api/v1/orders/batch`` (1,000 a request) instead
of one service call each.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402

from market.app import create_app  # noqa: E402
from market.extensions import db  # noqa: E402
from market.services import accounts, businesses, buyers, orders  # noqa: E402
from market.services.common import today  # noqa: E402
from market.tasks import queue  # noqa: E402

DATABASE = os.environ.get("BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/market_bench")
REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
QUEUE = "market-bench"
PROVINCES = ("kermanshah", "lorestan", "fars", "tehran", "hamadan", "isfahan")


def fresh_database() -> None:
    server, name = DATABASE.rsplit("/", 1)
    admin = create_engine(f"{server}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()


def post_as_batches(app: Any, email: str, bodies: list[dict[str, Any]]) -> None:
    """``--batch``: post the orders through the batch endpoint, 1,000 a request, as a client would."""
    client = app.test_client()
    token = client.post("/api/v1/auth/token", json={"email": email, "password": "bench-password-1234"})
    headers = {"Authorization": f"Bearer {token.get_json()['token']}"}
    began = time.perf_counter()
    for start in range(0, len(bodies), 1000):
        chunk = [{**b, "needed_by": b["needed_by"].isoformat()} for b in bodies[start : start + 1000]]
        r = client.post("/api/v1/orders/batch", json={"orders": chunk}, headers=headers)
        assert r.status_code == 201, r.get_json()
    seconds = time.perf_counter() - began
    print(f"  posted {len(bodies)} orders through /orders/batch in {seconds:.2f} s", file=sys.stderr)


def setup(n_orders: int, seed: int, batch: bool = False) -> None:
    """20 approved workshops and ``n_orders`` posted orders whose matching jobs wait in the queue."""
    fresh_database()
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": DATABASE,
            "REDIS_URL": REDIS,
            "JOBS_MODE": "rq",
            "RQ_QUEUE": QUEUE,
            "SECRET_KEY": "bench",
            "RATELIMIT_ENABLED": False,
        }
    )
    rng = random.Random(seed)
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        queue().empty()
        admin = accounts.create_admin("admin@bench.local", "bench-password-1234")
        for i in range(20):
            owner = accounts.register(
                {
                    "email": f"w{i}@bench.local",
                    "password": "bench-password-1234",
                    "name": f"Workshop {i}",
                    "role": "business",
                }
            )
            b = businesses.create(
                owner,
                {
                    "name": f"Workshop {i}",
                    "province": PROVINCES[i % len(PROVINCES)],
                    "city": "City",
                    "owner_group": "other",
                    "kits": ["ELDERLY-COVID", "PREGNANT-HYGIENE"],
                    "weekly_capacity": rng.choice([70, 140, 280]),
                    "min_lot": 1,
                    "phone": None,
                },
            )
            businesses.approve(admin, b.id)
        buyer = accounts.register(
            {
                "email": "buyer@bench.local",
                "password": "bench-password-1234",
                "name": "Buyer",
                "role": "buyer",
            }
        )
        buyers.verify(admin, buyer.id)  # an unverified buyer's open units are capped
        queue().empty()  # the approvals' nudges
        bodies = [
            {
                "kit": rng.choice(["ELDERLY-COVID", "PREGNANT-HYGIENE"]),
                "quantity": rng.randint(5, 60),
                "delivery_province": rng.choice(PROVINCES),
                "delivery_address": "x",
                "needed_by": today() + timedelta(days=rng.randint(7, 40)),
            }
            for _ in range(n_orders)
        ]
        if batch:
            post_as_batches(app, "buyer@bench.local", bodies)
        for body in [] if batch else bodies:
            orders.create(buyer, body, None, lambda o: {"id": o.id})
        assert queue().count == n_orders
        db.engine.dispose()


def drain(workers: int) -> float:
    """Seconds K burst workers take, from start to the last one's exit (start-up included)."""
    env = {
        **os.environ,
        "DATABASE_URL": DATABASE,
        "REDIS_URL": REDIS,
        "MARKET_QUEUE": QUEUE,
        "SECRET_KEY": "bench",
        "PYTHONPATH": str(ROOT),
    }
    began = time.perf_counter()
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "workers", "--burst", "--no-sweep"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(workers)
    ]
    for p in procs:
        p.wait()
    return time.perf_counter() - began


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=400)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--seed", type=int, default=20261128)
    parser.add_argument("--batch", action="store_true", help="post through POST /api/v1/orders/batch")
    args = parser.parse_args(argv)
    results = {}
    print(f"{args.orders} orders, 20 workshops, PostgreSQL + Redis, `python -m workers --burst`")
    print(f"{'workers':>8} {'seconds':>9} {'orders/s':>9}")
    for k in args.workers:
        setup(args.orders, args.seed, args.batch)
        seconds = drain(k)
        results[k] = round(args.orders / seconds, 1)
        print(f"{k:>8} {seconds:>9.1f} {results[k]:>9.1f}")
    base = results[args.workers[0]]
    print(
        json.dumps(
            {
                "orders": args.orders,
                "orders_per_second_by_workers": results,
                "speedup_vs_first": {k: round(v / base, 2) for k, v in results.items()},
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
