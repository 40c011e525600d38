"""What the outbox costs matching: orders matched per second with notifications on and off, and
notifications written per second while matching.

Sets up 20 approved workshops and N orders whose matching waits (their jobs sit in a queue nobody
reads), then matches every order in this process through the service layer
(``market.services.matching.match_order``: lock, engine, offers, commit, hand-over of deliveries
to Redis), timed. "Off" replaces ``market.services.notifications.tell`` by a no-op: the same
matching without a row of outbox. Runs alternate on/off to share the machine's noise; medians are
reported. Prints a table and, last, one JSON object. Needs PostgreSQL and Redis; it EMPTIES the
database named by BENCH_DATABASE_URL (default postgresql+psycopg://postgres@127.0.0.1:5432/market_bench)
and uses the Redis of BENCH_REDIS_URL (default redis://127.0.0.1:6379/13) on a queue of its own.

    .venv/bin/python bench/notifications.py [--orders 300] [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flask import Flask  # noqa: E402
from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import func, select, text  # noqa: E402

from market.app import create_app  # noqa: E402
from market.extensions import db  # noqa: E402
from market.models import Delivery, Notification, Order  # noqa: E402
from market.services import accounts, businesses, matching, notifications, orders  # noqa: E402
from market.services.common import today  # noqa: E402
from market.tasks import queue  # noqa: E402

DATABASE = os.environ.get("BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/market_bench")
REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
QUEUE = "market-bench-notifications"
PROVINCES = ("kermanshah", "lorestan", "fars", "tehran", "hamadan", "isfahan")
PASSWORD = "bench-password-1234"


def make_app() -> Flask:
    from argon2 import PasswordHasher

    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": DATABASE,
            "REDIS_URL": REDIS,
            "JOBS_MODE": "rq",
            "RQ_QUEUE": QUEUE,
            "SECRET_KEY": "bench",
            "RATELIMIT_ENABLED": False,
            "PASSWORD_HASHER": PasswordHasher(time_cost=1, memory_cost=8, parallelism=1),
        }
    )


def setup(app: Flask, n_orders: int, seed: int) -> list[int]:
    """An emptied, migrated database with 20 approved workshops and ``n_orders`` unmatched orders."""
    rng = random.Random(seed)
    with app.app_context():
        with db.engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        upgrade(directory=str(ROOT / "migrations"))
        admin = accounts.create_admin("admin@bench.local", PASSWORD)
        for i in range(20):
            owner = accounts.register(
                {"email": f"w{i}@bench.local", "password": PASSWORD, "name": f"W {i}", "role": "business"}
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
            {"email": "buyer@bench.local", "password": PASSWORD, "name": "Buyer", "role": "buyer"}
        )
        for _ in range(n_orders):
            orders.create(
                buyer,
                {
                    "kit": rng.choice(["ELDERLY-COVID", "PREGNANT-HYGIENE"]),
                    "quantity": rng.randint(5, 60),
                    "delivery_province": rng.choice(PROVINCES),
                    "delivery_address": "x",
                    "needed_by": today() + timedelta(days=rng.randint(7, 40)),
                },
                None,
                lambda o: {"id": o.id},
            )
        ids = list(db.session.scalars(select(Order.id).order_by(Order.id)))
        db.session.rollback()
        queue().empty()
        return ids


def count(model: Any) -> int:
    n = db.session.scalar(select(func.count()).select_from(model)) or 0
    db.session.rollback()
    return int(n)


def timed_matching(app: Flask, ids: list[int], outbox: bool) -> dict[str, float]:
    original = notifications.tell
    if not outbox:
        notifications.tell = lambda *args, **kwargs: []  # type: ignore[assignment]
    try:
        with app.app_context():
            before = count(Notification), count(Delivery)
            began = time.perf_counter()
            for order_id in ids:
                matching.match_order(order_id)
            seconds = time.perf_counter() - began
            after = count(Notification), count(Delivery)
            queue().empty()
    finally:
        notifications.tell = original  # type: ignore[assignment]
    return {
        "seconds": seconds,
        "orders_per_second": len(ids) / seconds,
        "notifications": after[0] - before[0],
        "deliveries": after[1] - before[1],
        "notifications_per_second": (after[0] - before[0]) / seconds,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=300)
    parser.add_argument("--runs", type=int, default=3, help="runs of each mode, alternating")
    parser.add_argument("--seed", type=int, default=20261129)
    args = parser.parse_args(argv)
    app = make_app()
    runs: dict[bool, list[dict[str, float]]] = {True: [], False: []}
    print(f"{args.orders} orders, 20 workshops, PostgreSQL + Redis, matching in-process")
    print(f"{'outbox':>7} {'seconds':>8} {'orders/s':>9} {'notes':>6} {'notes/s':>8}")
    for _ in range(args.runs):
        for outbox in (True, False):
            ids = setup(app, args.orders, args.seed)
            r = timed_matching(app, ids, outbox)
            runs[outbox].append(r)
            print(
                f"{'on' if outbox else 'off':>7} {r['seconds']:>8.2f} {r['orders_per_second']:>9.1f} "
                f"{int(r['notifications']):>6} {r['notifications_per_second']:>8.1f}"
            )
    on = statistics.median(r["orders_per_second"] for r in runs[True])
    off = statistics.median(r["orders_per_second"] for r in runs[False])
    written = statistics.median(r["notifications_per_second"] for r in runs[True])
    print(
        f"median: {on:.1f} orders/s with the outbox, {off:.1f} without ({(1 - on / off) * 100:+.1f} % slower)"
    )
    print(
        json.dumps(
            {
                "orders": args.orders,
                "orders_per_second_outbox_on": round(on, 1),
                "orders_per_second_outbox_off": round(off, 1),
                "throughput_drop": round(1 - on / off, 3),
                "notifications_per_second": round(written, 1),
                "notifications_per_order": round(runs[True][0]["notifications"] / args.orders, 2),
            }
        )
    )
    with app.app_context():
        db.engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
