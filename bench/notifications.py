"""What the outbox costs matching: orders matched per second with notifications on and off, and
notifications written per second while matching.

Sets up 20 approved workshops and N orders whose matching waits (their jobs sit in a queue nobody
reads), then matches every order in this process through the service layer
(``market.services.matching.match_order``: lock, engine, offers, commit, the outbox's nudge to
Redis), each timed. Half the orders, drawn at random, run with the outbox off
(``market.services.notifications.tell`` replaced by a no-op: the same matching without a row of
outbox), so both modes share the machine's noise order by order; medians over runs are reported.
Nobody drains the queue here, so after the first order the nudge is the one Redis SET it costs
while a delivery job waits. Prints a table and, last, one JSON object. Needs PostgreSQL and Redis;
it EMPTIES the database named by BENCH_DATABASE_URL (default
postgresql+psycopg://postgres@127.0.0.1:5432/market_bench) and uses the Redis of BENCH_REDIS_URL
(default redis://127.0.0.1:6379/13) on a queue of its own.

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
from market.models import Notification, Order  # noqa: E402
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


def quiet_tell(*args: Any, **kwargs: Any) -> None:
    """The outbox off: the same hooks run, nothing is written."""


def timed_matching(app: Flask, ids: list[int], seed: int) -> dict[bool, dict[str, float]]:
    """Match every order, each with the outbox on or off at random (half each), timing each one:
    both modes share whatever else the machine is doing at that moment."""
    rng = random.Random(seed)
    modes = [True] * (len(ids) // 2) + [False] * (len(ids) - len(ids) // 2)
    rng.shuffle(modes)
    spent = {True: 0.0, False: 0.0}
    original = notifications.tell
    with app.app_context():
        before = count(Notification)
        try:
            for order_id, outbox in zip(ids, modes, strict=True):
                notifications.tell = original if outbox else quiet_tell  # type: ignore[assignment]
                began = time.perf_counter()
                matching.match_order(order_id)
                spent[outbox] += time.perf_counter() - began
        finally:
            notifications.tell = original  # type: ignore[assignment]
        written = count(Notification) - before
        queue().empty()
    return {
        mode: {
            "orders": modes.count(mode),
            "seconds": spent[mode],
            "orders_per_second": modes.count(mode) / spent[mode],
            "notifications_per_second": (written / spent[mode]) if mode else 0.0,
            "notifications": written if mode else 0,
        }
        for mode in (True, False)
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=300)
    parser.add_argument("--runs", type=int, default=3, help="fresh marketplaces, each matched once")
    parser.add_argument("--seed", type=int, default=20261129)
    args = parser.parse_args(argv)
    app = make_app()
    drops, rates, on_all, off_all = [], [], [], []
    print(f"{args.orders} orders a run, 20 workshops, PostgreSQL + Redis, matching in-process")
    print(f"{'run':>4} {'on orders/s':>12} {'off orders/s':>13} {'drop':>7} {'notes/s':>8}")
    for run in range(args.runs):
        ids = setup(app, args.orders, args.seed + run)
        r = timed_matching(app, ids, args.seed + run)
        on, off = r[True]["orders_per_second"], r[False]["orders_per_second"]
        drops.append(1 - on / off)
        rates.append(r[True]["notifications_per_second"])
        on_all.append(on)
        off_all.append(off)
        print(f"{run + 1:>4} {on:>12.1f} {off:>13.1f} {drops[-1] * 100:>6.1f}% {rates[-1]:>8.1f}")
    drop = statistics.median(drops)
    print(f"median drop in matching throughput with the outbox: {drop * 100:.1f} %")
    print(
        json.dumps(
            {
                "orders_per_run": args.orders,
                "runs": args.runs,
                "orders_per_second_outbox_on": round(statistics.median(on_all), 1),
                "orders_per_second_outbox_off": round(statistics.median(off_all), 1),
                "throughput_drop": round(drop, 3),
                "notifications_per_second": round(statistics.median(rates), 1),
            }
        )
    )
    with app.app_context():
        db.engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
