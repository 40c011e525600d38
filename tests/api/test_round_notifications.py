"""A matching round tells what matching its orders one by one told, on both backends.

Orders of one kit wait with no workshop to make them; approving a workshop matches them all again
in one round. The round's notifications are compared with what the one-at-a-time functions of
:mod:`market.services.notifications` write for the same jobs (kinds, readers, params, links,
counts), the way matching order by order called them: each offer to its workshop's owner, "matched"
to the buyer of each order given offers, "units waiting" when units are left and the order is
matched for the first time or was given offers. A round that rolls back tells nobody.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select, update

from market.extensions import db
from market.models import Business, Job, Kit, Notification, Order
from market.services import notifications as notify
from market.services import quote as quotes
from market.services.common import tally

from ..support import Actor, ApiClient, Clock

Told = tuple[int, str, str, str | None]  # reader, kind, params (JSON), link
MATCHING = ("offer_new", "order_matched", "units_waiting")  # what matching tells


def key(user_id: int, kind: str, params: dict[str, Any], link: str | None) -> Told:
    return (user_id, kind, json.dumps(params, sort_keys=True), link)


def told_since(app: Flask, after_id: int) -> list[Told]:
    """The matching notifications written after ``after_id``, oldest first."""
    with app.app_context():
        rows = db.session.scalars(
            select(Notification)
            .where(Notification.id > after_id, Notification.kind.in_(MATCHING))
            .order_by(Notification.id)
        ).all()
        out = [key(n.user_id, n.kind, n.params, n.link) for n in rows]
        db.session.rollback()
    return out


def last_id(app: Flask) -> int:
    with app.app_context():
        n = db.session.scalar(select(func.max(Notification.id))) or 0
        db.session.rollback()
    return int(n)


def job_ids(app: Flask) -> set[int]:
    with app.app_context():
        ids = set(db.session.scalars(select(Job.id)))
        db.session.rollback()
    return ids


def told_one_by_one(app: Flask, order_ids: list[int], jobs_before: set[int]) -> list[Told]:
    """What matching these orders one by one (oldest first) told of the jobs made since
    ``jobs_before``, through the one-at-a-time functions, on orders matched before (the waiting
    units' earliest date: the quote for them, asked before any row is added)."""
    with app.app_context():
        orders = db.session.scalars(select(Order).where(Order.id.in_(order_ids)).order_by(Order.id)).all()
        plan = []
        for order in orders:
            new = sorted((j for j in order.jobs if j.id not in jobs_before), key=lambda j: j.id)
            for j in new:  # everything the functions read, loaded before they add rows
                _ = (j.order.kit, j.business)
            t = tally(order)
            q = quotes.for_waiting_units(order, t.unallocated) if t.unallocated and new else None
            plan.append((order, new, t, q and q.earliest_full_date and q.earliest_full_date.isoformat()))
        for order, new, t, earliest in plan:
            for j in new:
                notify.offer_made(j)
            if new:
                notify.order_matched(order, new, t.allocated)
            if t.unallocated and new:  # matched before: told again only when given offers
                notify.units_waiting(order, t.unallocated, earliest)
        made = [n for n in db.session.new if isinstance(n, Notification)]
        out = [key(n.user_id, n.kind, n.params, n.link) for n in made]
        db.session.rollback()
    return out


def offers_told_when_made(app: Flask, after_id: int) -> int:
    """Each "new offer" written after ``after_id`` bears the moment its job was offered (the round's
    moment, to the microsecond, as an aware UTC time); how many there are."""
    with app.app_context():
        told = db.session.scalars(
            select(Notification).where(Notification.id > after_id, Notification.kind == "offer_new")
        ).all()
        for n in told:
            job = db.session.get(Job, n.params["job_id"])
            assert job is not None and n.created_at == job.offered_at, (n.created_at, job)
            assert n.created_at.utcoffset() is not None
        db.session.rollback()
    return len(told)


Posted = tuple[list[Actor], list[Actor], list[dict[str, Any]]]  # workshops, buyers, orders


def post_waiting_orders(api: ApiClient, clock: Clock) -> Posted:
    """Two workshops not yet approved, two buyers, four orders of one kit that wait."""
    admin = api.admin()
    shops = [
        api.business(admin, approve=False, province="kermanshah", weekly_capacity=70),
        api.business(admin, approve=False, province="lorestan", weekly_capacity=40),
    ]
    buyers = [api.buyer(), api.buyer()]
    orders = [
        api.order(buyers[0], clock, quantity=60, delivery_province="kermanshah"),
        api.order(buyers[1], clock, quantity=50, delivery_province="lorestan"),
        api.order(buyers[0], clock, quantity=400, delivery_province="kermanshah"),
        api.order(buyers[1], clock, quantity=30, delivery_province="lorestan"),
    ]
    assert [o["status"] for o in orders] == ["awaiting_capacity"] * 4
    return shops, buyers, orders


def test_a_round_of_several_orders_tells_what_one_by_one_matching_told(api, clock, app) -> None:
    start = last_id(app)
    shops, buyers, orders = post_waiting_orders(api, clock)
    # each order's first matching found nobody: its buyer hears the units wait, once per order
    first = Counter((u, kind) for u, kind, _, _ in told_since(app, start))
    assert first == {(buyers[0].id, "units_waiting"): 2, (buyers[1].id, "units_waiting"): 2}

    admin = api.admin()
    for shop in shops:  # each approval: one round over the kit's four waiting orders
        before, jobs = last_id(app), job_ids(app)
        r = admin.post(f"/api/v1/businesses/{shop.business_id}/approve")
        assert r.status_code == 200, r.get_json()
        api.settle()
        got = told_since(app, before)
        expected = told_one_by_one(app, [o["id"] for o in orders], jobs)
        assert Counter(got) == Counter(expected)
        assert len(job_ids(app) - jobs) == Counter(t[1] for t in got)["offer_new"] > 0
        owners = {t[0] for t in got if t[1] == "offer_new"}
        assert owners == {shop.id}
        assert offers_told_when_made(app, before)
    # the first round gave offers to several orders in one go, and left the big one waiting
    kinds = Counter((u, kind) for u, kind, _, _ in told_since(app, start))
    assert kinds[(buyers[0].id, "order_matched")] + kinds[(buyers[1].id, "order_matched")] >= 3
    assert kinds[(buyers[0].id, "units_waiting")] >= 3
    assert {u for u, _ in kinds} == {buyers[0].id, buyers[1].id, shops[0].id, shops[1].id}


def test_a_round_with_nothing_new_tells_nobody(api, clock, app) -> None:
    _, _, orders = post_waiting_orders(api, clock)
    before = last_id(app)
    r = api.admin().post(f"/api/v1/orders/{orders[0]['id']}/rematch")
    assert r.status_code == 202, r.get_json()
    api.settle()
    assert told_since(app, before) == []


def test_a_round_that_rolls_back_tells_nobody(api, clock, app, monkeypatch: pytest.MonkeyPatch) -> None:
    from market.services.rounds import run_round

    post_waiting_orders(api, clock)
    with app.app_context():
        db.session.execute(update(Business).values(status="approved"))  # no rematch queued
        db.session.commit()
        kit_id = db.session.scalar(select(Kit.id).where(Kit.code == "ELDERLY-COVID"))
        before = db.session.scalar(select(func.count(Notification.id)))
        assert before
        written: list[int] = []

        def fail() -> None:  # the round's commit fails after the round wrote everything
            written.append(db.session.scalar(select(func.count(Notification.id))) or 0)
            raise RuntimeError("the commit failed")

        monkeypatch.setattr(db.session, "commit", fail)
        with pytest.raises(RuntimeError):
            run_round(kit_id, waiting=True)
        db.session.rollback()
        monkeypatch.undo()
        assert written and written[0] > before  # the round had something to tell
        assert db.session.scalar(select(func.count(Notification.id))) == before
        assert db.session.scalar(select(func.count(Job.id))) == 0
        assert not [k for k in db.session().info if k.startswith("outbox")]  # no nudge pending
        db.session.rollback()
        # the same round, committed, tells it
        run_round(kit_id, waiting=True)
        after = db.session.scalar(select(func.count(Notification.id)))
        db.session.rollback()
    assert after == written[0]


def test_units_waiting_carry_the_earliest_date_they_could_all_be_delivered(api, clock, app) -> None:
    """Issue 11: the buyer hears of the units waiting with the earliest date the quote gives for
    them (on the workshops as the round left them), and none when no workshop makes the kit."""
    start = last_id(app)
    shops, buyers, orders = post_waiting_orders(api, clock)
    waiting = [json.loads(p) for _, kind, p, _ in told_since(app, start) if kind == "units_waiting"]
    assert [p["earliest"] for p in waiting] == [None] * 4  # no workshop at all yet
    before = last_id(app)
    r = api.admin().post(f"/api/v1/businesses/{shops[0].business_id}/approve")
    assert r.status_code == 200, r.get_json()
    api.settle()
    waiting = [json.loads(p) for _, kind, p, _ in told_since(app, before) if kind == "units_waiting"]
    assert waiting and all(p["earliest"] is not None for p in waiting)
    big = next(p for p in waiting if p["order_id"] == orders[2]["id"])
    quote = (
        buyers[0]
        .post(
            "/api/v1/orders/quote",
            json={"kit": "ELDERLY-COVID", "quantity": big["unallocated"], "delivery_province": "kermanshah"},
        )
        .get_json()
    )
    assert big["earliest"] == quote["earliest_full_date"] > orders[2]["needed_by"]
