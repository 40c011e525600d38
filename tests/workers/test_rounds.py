"""A matching round gives what matching the same orders one by one, in arrival order, gives.

The orders of one kit wait in the queue (nobody listens), then rounds of 40 orders run in-process
exactly as a worker runs them; the expected jobs come from the pure engine called once per order,
oldest first, on the database's workshops, each order seeing the jobs of the orders before it.
(Rounds of different kits run side by side: the arrival order that rounds keep is the kit's.)
"""

from __future__ import annotations

import dataclasses
import random
from collections import Counter

from flask import Flask
from sqlalchemy import select

from market.domain import matching, states
from market.extensions import db
from market.models import Business, Job, Kit, Order
from market.services import matching as matching_service
from market.services.common import today

from ..support import ApiClient, Clock
from .conftest import NEEDS_SERVICES, check_order_books, empty_queue, post_order

pytestmark = NEEDS_SERVICES

KITS = ["ELDERLY-COVID", "PREGNANT-HYGIENE"]
PROVINCES = ["kermanshah", "lorestan", "fars", "tehran", "hamadan", "ilam"]


def one_by_one(app: Flask) -> list[tuple[int, int, int, str, dict[str, object]]]:
    """(order, business, units, due date, explanation) of every job the engine gives the waiting
    orders one at a time, oldest first, on the workshops as the database holds them now."""
    with app.app_context():
        day = today()
        shops = {
            b.id: matching.Business(
                b.id,
                b.province,
                b.weekly_capacity,
                frozenset(k.code for k in b.kits),
                b.min_lot,
                b.status,
                b.paused,
            )
            for b in db.session.scalars(select(Business).order_by(Business.id))
        }
        codes = {k.id: k.code for k in db.session.scalars(select(Kit))}
        waiting = list(
            db.session.scalars(select(Order).where(Order.status == states.PENDING).order_by(Order.id))
        )
        expected = []
        for o in waiting:
            request = matching.OrderToMatch(
                o.id, codes[o.kit_id], o.quantity, o.delivery_province, o.needed_by
            )
            result = matching.match_order(request, list(shops.values()), day)
            for a in result.allocations:
                b = shops[a.business_id]
                shops[b.id] = matching.with_commitment(b, a.quantity, a.due_date)
                expected.append(
                    (o.id, a.business_id, a.quantity, a.due_date.isoformat(), a.explanation.as_dict())
                )
        db.session.rollback()
    return expected


def test_rounds_give_what_matching_one_by_one_gives(make_app, clock: Clock) -> None:
    app: Flask = make_app(MATCH_ROUND_SIZE=40)
    market = ApiClient(app, app.test_client(), lambda: None)
    admin = market.admin()
    rng = random.Random(9)
    for i in range(14):
        market.business(
            admin,
            name=f"Workshop {i}",
            province=PROVINCES[i % len(PROVINCES)],
            kits=KITS if i % 3 else [KITS[i % 2]],
            weekly_capacity=rng.choice([21, 35, 70, 140]),
            min_lot=rng.choice([1, 1, 1, 10, 25]),
        )
    buyer = market.buyer()
    empty_queue(app)
    for _ in range(130):
        post_order(
            buyer,
            clock,
            kit=KITS[0],
            quantity=rng.randint(3, 160),
            delivery_province=rng.choice([*PROVINCES, "khuzestan", "qom", "yazd"]),
            days=rng.randint(4, 40),
        )
    expected = one_by_one(app)
    placed = Counter(e[0] for e in expected)
    assert len(placed) > 40 and max(placed.values()) >= 2 and len(placed) < 130  # splits, and waits

    with app.app_context():
        kit = db.session.scalar(select(Kit.id).where(Kit.code == KITS[0]))
        db.session.rollback()
        first = matching_service.run_round(kit, waiting=False)
        assert (first.orders, first.full) == (40, True)  # a full round: match_kit runs the next ones
        matching_service.match_kit(kit)
        jobs = list(db.session.scalars(select(Job).order_by(Job.order_id, Job.id)))
        got = [(j.order_id, j.business_id, j.quantity, j.due_date.isoformat(), j.match) for j in jobs]
        db.session.rollback()
    assert got == expected

    books = check_order_books(app)
    assert books["statuses"][states.PENDING] == 0
    assert {o.status for o in books["orders"]} <= {states.ALLOCATED, states.AWAITING_CAPACITY}


def test_a_round_with_nothing_to_do_writes_nothing(pg_app: Flask, market: ApiClient, clock: Clock) -> None:
    """P6 for rounds: once every order is matched, another round (a duplicate nudge) writes nothing."""
    admin = market.admin()
    market.business(admin, weekly_capacity=70)
    order = post_order(market.buyer(), clock, quantity=500, days=20)
    with pg_app.app_context():
        kit = db.session.scalar(select(Order.kit_id).where(Order.id == order["id"]))
        db.session.rollback()
        assert matching_service.match_kit(kit) == 1
        assert dataclasses.astuple(matching_service.run_round(kit, waiting=False)) == (kit, 0, 0, 0)
        assert matching_service.rematch_waiting(kit) == 0  # it waits, no room anywhere: nothing new
        assert (
            db.session.scalar(select(Order.status).where(Order.id == order["id"])) == states.AWAITING_CAPACITY
        )
        assert len(list(db.session.scalars(select(Job)))) == 1
        db.session.rollback()
