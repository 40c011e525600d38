"""A matching round of several orders places them together, as the batch allocator places them.

The orders of one kit wait in the queue (nobody listens), then rounds of 40 orders run in-process
exactly as a worker runs them. The expected jobs come from the pure batch allocator called once per
round of 40 orders, oldest first, on the database's workshops that make the kit, each round seeing
the jobs of the rounds before it; each job's explanation carries what the online engine, run order
by order on the same workshops, spends on its order. The guarantee against the engine
(docs/allocation.md): a round's flow places at least the units the engine places one order at a
time, and when the batch is exact, as many units at no more unit-km. A round with one order to
place matches it with the engine, unchanged.
(Rounds of different kits run side by side: the arrival order that rounds keep is the kit's.)
"""

from __future__ import annotations

import dataclasses
import random
from collections import Counter
from datetime import date

from flask import Flask
from sqlalchemy import select

from market.domain import matching, states
from market.domain.allocation import allocate_batch
from market.extensions import db
from market.models import Business, Job, Kit, Order
from market.services import matching as matching_service
from market.services.common import today

from ..support import ApiClient, Clock
from .conftest import NEEDS_SERVICES, check_order_books, empty_queue, post_order

pytestmark = NEEDS_SERVICES

KITS = ["ELDERLY-COVID", "PREGNANT-HYGIENE"]
PROVINCES = ["kermanshah", "lorestan", "fars", "tehran", "hamadan", "ilam"]
Expected = tuple[int, int, int, str, dict[str, object]]  # order, business, units, due date, why
ENGINE_KEYS = matching.Explanation(0, True, 1, 1, date(2026, 1, 1), 0, 0.0, 1, "nearest_first").as_dict()


def waiting_now(
    app: Flask, kit: str
) -> tuple[date, dict[int, matching.Business], list[matching.OrderToMatch]]:
    """The workshops that make ``kit`` and can work, and the kit's pending orders, oldest first."""
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
        waiting = [
            matching.OrderToMatch(o.id, codes[o.kit_id], o.quantity, o.delivery_province, o.needed_by)
            for o in db.session.scalars(
                select(Order).where(Order.status == states.PENDING).order_by(Order.id)
            )
        ]
        db.session.rollback()
    makers = {i: b for i, b in shops.items() if matching.is_active(b) and kit in b.kits}
    return day, makers, waiting


def engine_round(
    requests: list[matching.OrderToMatch], shops: dict[int, matching.Business], day: date
) -> tuple[dict[int, int], int, int]:
    """What the engine does with these orders one by one on ``shops`` (a copy): unit-km per
    order, units placed, unit-km."""
    pool = matching.CandidatePool(shops.values())
    spent, units = {}, 0
    for r in requests:
        result = matching.place_order(r, pool, day, None)
        spent[r.id] = sum(a.quantity * a.explanation.distance_km for a in result.allocations)
        units += result.allocated
    return spent, units, sum(spent.values())


def in_rounds(app: Flask, kit: str, size: int) -> list[Expected]:
    """Every job rounds of ``size`` orders should make, each round a batch on the workshops as
    the rounds before it left them; checks each round against the engine on the way."""
    day, shops, waiting = waiting_now(app, kit)
    expected: list[Expected] = []
    for start in range(0, len(waiting), size):
        requests = waiting[start : start + size]
        spent, engine_units, engine_km = engine_round(requests, shops, day)
        batch = allocate_batch(requests, list(shops.values()), day, engine_unit_km=spent, peers=True)
        assert batch.flow_units >= engine_units  # never behind the engine
        if batch.exact:
            assert batch.units_placed == batch.flow_units
            assert batch.units_placed > engine_units or batch.unit_km <= engine_km
        for j in batch.jobs:
            shops[j.business_id] = matching.with_commitment(shops[j.business_id], j.quantity, j.due_date)
            why = j.explanation.as_dict()
            assert set(ENGINE_KEYS) <= set(why)  # read where the engine's explanations are read
            assert why["engine_unit_km"] == spent[j.order_id]
            assert why["unit_km_saved"] == spent[j.order_id] - why["order_unit_km"]
            expected.append((j.order_id, j.business_id, j.quantity, j.due_date.isoformat(), why))
    return expected


def test_rounds_place_their_orders_as_one_batch_each(make_app, clock: Clock) -> None:
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
    expected = in_rounds(app, KITS[0], 40)
    placed = Counter(e[0] for e in expected)
    assert len(placed) > 40 and max(placed.values()) >= 2 and len(placed) < 130  # splits, and waits
    assert {e[4]["rule"] for e in expected} & {"batch", "batch_then_nearest_first"}

    with app.app_context():
        kit = db.session.scalar(select(Kit.id).where(Kit.code == KITS[0]))
        db.session.rollback()
        first = matching_service.run_round(kit, waiting=False)
        assert (first.orders, first.full) == (40, True)  # a full round: match_kit runs the next ones
        matching_service.match_kit(kit)
        jobs = list(db.session.scalars(select(Job).order_by(Job.order_id, Job.id)))
        got = [(j.order_id, j.business_id, j.quantity, j.due_date.isoformat(), j.match) for j in jobs]
        db.session.rollback()
    assert sorted(got, key=lambda g: (g[0], g[1])) == sorted(expected, key=lambda e: (e[0], e[1]))

    books = check_order_books(app)
    assert books["statuses"][states.PENDING] == 0
    assert {o.status for o in books["orders"]} <= {states.ALLOCATED, states.AWAITING_CAPACITY}


def test_a_round_with_one_order_matches_it_with_the_engine(
    pg_app: Flask, market: ApiClient, clock: Clock
) -> None:
    admin = market.admin()
    for province in ("kermanshah", "lorestan", "kermanshah"):
        market.business(admin, province=province, weekly_capacity=35)
    empty_queue(pg_app)
    order = post_order(market.buyer(), clock, quantity=90, days=12)
    day, shops, waiting = waiting_now(pg_app, "ELDERLY-COVID")
    result = matching.match_order(waiting[0], list(shops.values()), day, None)
    expected = [
        (a.business_id, a.quantity, a.due_date.isoformat(), a.explanation.as_dict())
        for a in result.allocations
    ]
    with pg_app.app_context():
        kit = db.session.scalar(select(Order.kit_id).where(Order.id == order["id"]))
        db.session.rollback()
        matching_service.match_kit(kit)
        jobs = db.session.scalars(select(Job).order_by(Job.id)).all()
        got = [(j.business_id, j.quantity, j.due_date.isoformat(), j.match) for j in jobs]
        db.session.rollback()
    assert got == expected and len(got) >= 2


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
