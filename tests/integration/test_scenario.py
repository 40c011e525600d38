"""The life of several orders, end to end through the public API, with DESIGN.md's invariants read
from the database after every step.

Every workshop makes 10 kits a day (weekly_capacity 70), so free capacity is 10 × the days from
today to a job's production deadline (needed_by − transit days: 1 within a province, else
1 + km // 400). Distances used below: Kermanshah–Lorestan 150 km, Lorestan–Tehran 370 km,
Kermanshah–Tehran 422 km (2 transit days), Lorestan–Fars 590 km. "T" is the test's today.

Why the clock moves only near the end: on PostgreSQL the RQ workers match with the real clock,
so after the test moves its clock the workers' "today" lags the test's by two days. Before the
move every saturating job is shipped, so what the workers re-match afterwards (two expired offers
with weeks of slack) comes out the same on both backends and stays feasible at the test's today.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import timedelta
from itertools import pairwise
from typing import Any

from flask import Flask
from sqlalchemy import func, select

from market.domain import geo, states
from market.domain.capacity import Commitment, Schedule
from market.extensions import db
from market.models import AuditEntry, Business, Job, JobEvent, Order
from market.services.common import today
from market.services.sweeps import sweep

from ..support import PASSWORD, Actor, ApiClient, Clock

ELDERLY = "ELDERLY-COVID"
PREGNANT = "PREGNANT-HYGIENE"
MATCH_KEYS = ("distance_km", "same_province", "free_capacity_before", "utilization_before", "rule")


def check_invariants(app: Flask) -> None:
    """DESIGN.md's invariants over everything in the database, at the app's today."""
    with app.app_context():
        day = today()
        businesses = {b.id: b for b in db.session.scalars(select(Business))}
        orders = list(db.session.scalars(select(Order).order_by(Order.id)))
        jobs = list(db.session.scalars(select(Job).order_by(Job.id)))
        events: dict[int, list[JobEvent]] = defaultdict(list)
        for e in db.session.scalars(select(JobEvent).order_by(JobEvent.id)):
            events[e.job_id].append(e)
        audited = dict(
            db.session.execute(
                select(AuditEntry.action, func.count())
                .where(AuditEntry.action.like("job.%"))
                .group_by(AuditEntry.action)
            ).all()
        )

        # P1, the capacity rule: every business can still make its open work in time
        for b in businesses.values():
            work = [
                Commitment(max(0, j.quantity - j.units_done), j.due_date)
                for j in jobs
                if j.business_id == b.id and j.status in states.OPEN_JOB_STATUSES
            ]
            assert Schedule(b.weekly_capacity, work).is_feasible(day), (
                f"business {b.id} ({b.province}, {b.weekly_capacity}/week) is overbooked on {day}: {work}"
            )

        by_order: dict[int, list[Job]] = defaultdict(list)
        for j in jobs:
            by_order[j.order_id].append(j)
        for o in orders:
            own = by_order[o.id]
            live = [j for j in own if j.status in states.LIVE_JOB_STATUSES]
            allocated = sum(j.quantity for j in live)
            unallocated = o.quantity - allocated
            # P3, conservation
            assert unallocated >= 0, f"order {o.id}: jobs hold {allocated} of {o.quantity}"
            t = states.tally_order(
                o.quantity,
                [states.JobShare(j.status, j.quantity) for j in own],
                matched=o.matched_at is not None,
                cancelled=o.cancelled_at is not None,
            )
            assert (t.allocated, t.unallocated) == (allocated, unallocated)
            assert t.allocated + t.unallocated == o.quantity
            assert o.status == t.status, f"order {o.id} stored as {o.status}, its jobs say {t.status}"
            if o.cancelled_at is None and o.matched_at is not None:
                assert (o.status == states.AWAITING_CAPACITY) == (unallocated > 0), (o.id, o.status)
            if o.cancelled_at is not None:
                assert not [j.id for j in own if j.status in states.OPEN_JOB_STATUSES], o.id
            # P8: a decliner never holds a job of the order created after its decline
            for d in own:
                if d.status == states.DECLINED:
                    later = [j.id for j in own if j.business_id == d.business_id and j.id > d.id]
                    assert not later, f"business {d.business_id} declined order {o.id}, then got {later}"

        for j in jobs:
            o = next(x for x in orders if x.id == j.order_id)
            b = businesses[j.business_id]
            assert j.status in states.JOB_STATUSES
            assert j.quantity > 0 and 0 <= j.units_done <= j.quantity
            # history: at least one event, the last one says where the job is now
            history = events[j.id]
            assert history, f"job {j.id} has no events"
            assert history[0].from_status is None and history[0].to_status == states.OFFERED
            assert history[-1].to_status == j.status, (j.id, j.status, [e.to_status for e in history])
            for before, after in pairwise(history):
                assert after.from_status == before.to_status, (j.id, before.to_status, after.from_status)
            # P7: explained; the explanation agrees with geography and with the job
            missing = [k for k in MATCH_KEYS if k not in j.match]
            assert not missing, f"job {j.id} match lacks {missing}: {j.match}"
            assert j.match["distance_km"] == geo.distance_km(b.province, o.delivery_province)
            assert j.match["same_province"] is (b.province == o.delivery_province)
            assert j.match["rule"]
            assert 0 <= j.match["utilization_before"] <= 1
            assert j.quantity <= j.match["free_capacity_before"], (j.id, j.quantity, j.match)
            assert j.due_date == o.needed_by - timedelta(
                days=geo.transit_days(b.province, o.delivery_province)
            )

        # every job event has its audit entry
        moves = Counter(e.to_status for history in events.values() for e in history)
        for status, count in moves.items():
            assert audited.get(f"job.{status}", 0) >= count, (status, count, audited)


def ok(response: Any, status: int = 200) -> dict[str, Any]:
    body = response.get_json()
    assert response.status_code == status, (response.status_code, body)
    return dict(body)


def view(actor: Actor, order_id: int) -> dict[str, Any]:
    return ok(actor.get(f"/api/v1/orders/{order_id}"))


def shares(order: dict[str, Any]) -> list[tuple[int, int, str]]:
    """(business id, quantity, status) of each job, oldest first."""
    return [
        (j["business_id"], j["quantity"], j["status"]) for j in sorted(order["jobs"], key=lambda j: j["id"])
    ]


def job_of(order: dict[str, Any], business: Actor, status: str = states.OFFERED) -> int:
    (job_id,) = [
        j["id"] for j in order["jobs"] if j["business_id"] == business.business_id and j["status"] == status
    ]
    return int(job_id)


def amounts(order: dict[str, Any]) -> tuple[str, int, int]:
    return order["status"], order["allocated_quantity"], order["unallocated_quantity"]


def sign_in_again(api: ApiClient, *actors: Actor) -> None:
    for actor in actors:
        body = {"email": actor.email, "password": PASSWORD}
        actor.token = ok(api.client.post("/api/v1/auth/token", json=body))["token"]


def test_orders_live_their_whole_life_across_four_provinces(
    api: ApiClient, app: Flask, clock: Clock, backend: str
) -> None:
    admin = api.admin()
    check_invariants(app)
    prices = {k["code"]: k["unit_price"] for k in ok(api.client.get("/api/v1/kits"))["items"]}

    def workshop(province: str, owner_group: str, kits: list[str]) -> Actor:
        """A workshop signs up: its business is `pending` until an admin approves it."""
        city = geo.province(province).capital_en
        return api.business(
            admin,
            approve=False,
            name=f"Workshop {city} {owner_group}",
            province=province,
            city=city,
            owner_group=owner_group,
            kits=kits,
            weekly_capacity=70,
        )

    def approve(*workshops: Actor) -> None:
        for w in workshops:
            assert ok(admin.post(f"/api/v1/businesses/{w.business_id}/approve"))["status"] == "approved"
        api.settle()

    # the first deployment: Kermanshah, Lorestan, Fars, Tehran
    k1 = workshop("kermanshah", "female_head_of_household", [ELDERLY])
    k2 = workshop("kermanshah", "deaf", [ELDERLY, PREGNANT])
    lor = workshop("lorestan", "elderly", [ELDERLY])
    fars = workshop("fars", "disabled", [ELDERLY])
    teh = workshop("tehran", "youth", [ELDERLY, PREGNANT])
    approve(k1, k2, lor, fars, teh)
    check_invariants(app)
    health_center = api.buyer(organization="Kermanshah health center")
    ngo = api.buyer(organization="Tehran NGO")
    pharmacy = api.buyer(organization="Shiraz pharmacy")

    # -- 1. orders stay in their own province; equals share the work -----------------------------
    # Both Kermanshah workshops have 290 free until T+29; equally idle, the lower id gets the first.
    o_ksh1 = api.order(health_center, clock, quantity=30, delivery_province="kermanshah", days=30)
    assert amounts(o_ksh1) == ("allocated", 30, 0)
    assert shares(o_ksh1) == [(k1.business_id, 30, "offered")]
    check_invariants(app)
    # ... and the next goes to the other one, now the less utilized (P4)
    o_ksh2 = api.order(health_center, clock, quantity=20, delivery_province="kermanshah", days=30)
    assert shares(o_ksh2) == [(k2.business_id, 20, "offered")]
    assert "match" not in ok(health_center.get(f"/api/v1/jobs/{o_ksh2['jobs'][0]['id']}"))  # the buyer's view
    match = ok(admin.get(f"/api/v1/jobs/{o_ksh2['jobs'][0]['id']}"))["match"]
    assert match["distance_km"] == 0 and match["same_province"] is True
    assert match["free_capacity_before"] == 290 and match["utilization_before"] == 0
    check_invariants(app)
    o_fars = api.order(pharmacy, clock, quantity=40, delivery_province="fars", days=30)
    assert shares(o_fars) == [(fars.business_id, 40, "offered")]
    check_invariants(app)
    for actor, order in ((k1, o_ksh1), (k2, o_ksh2)):
        accepted = ok(actor.post(f"/api/v1/jobs/{job_of(order, actor)}/accept"))
        assert accepted["status"] == "accepted"
        check_invariants(app)
    assert amounts(view(health_center, o_ksh1["id"])) == ("allocated", 30, 0)

    # -- 2. a big order for Lorestan: Lorestan first, then the nearest other province ------------
    # Lorestan has 70 until T+7. Kermanshah (150 km) is nearer than Tehran (370 km): the idle
    # Tehran workshop gets nothing; of the two in Kermanshah the less utilized (k2) takes 30.
    o_split = api.order(ngo, clock, quantity=100, delivery_province="lorestan", days=8)
    assert amounts(o_split) == ("allocated", 100, 0)
    assert shares(o_split) == [(lor.business_id, 70, "offered"), (k2.business_id, 30, "offered")]
    assert {j["province"] for j in o_split["jobs"]} == {"lorestan", "kermanshah"}
    k2_share = ok(k2.get(f"/api/v1/jobs/{job_of(o_split, k2)}"))
    assert k2_share["match"]["distance_km"] == 150 and k2_share["match"]["same_province"] is False
    check_invariants(app)
    for actor in (lor, k2):
        ok(actor.post(f"/api/v1/jobs/{job_of(o_split, actor)}/accept"))
        check_invariants(app)
    # Tehran's own order stays in Tehran
    o_teh = api.order(ngo, clock, quantity=25, delivery_province="tehran", days=30)
    assert shares(o_teh) == [(teh.business_id, 25, "offered")]
    ok(teh.post(f"/api/v1/jobs/{job_of(o_teh, teh)}/accept"))
    check_invariants(app)

    # -- 3a. a decline: the units go to another business, never back to the decliner -------------
    # k1 (30 held) is less utilized than k2 (50 held), so k1 is offered the order and declines.
    o_decl = api.order(health_center, clock, quantity=40, delivery_province="kermanshah", days=30)
    assert shares(o_decl) == [(k1.business_id, 40, "offered")]
    declined_job = job_of(o_decl, k1)
    declined = ok(k1.post(f"/api/v1/jobs/{declined_job}/decline", json={"reason": "materials late"}))
    assert declined["status"] == "declined"
    api.settle()
    o_decl = view(health_center, o_decl["id"])
    # k1 still has the most room in Kermanshah, but it said no to this order (P8)
    assert shares(o_decl) == [(k1.business_id, 40, "declined"), (k2.business_id, 40, "offered")]
    assert amounts(o_decl) == ("allocated", 40, 0)
    ok(k1.post(f"/api/v1/jobs/{declined_job}/accept"), 409)
    check_invariants(app)

    # -- 3b. a decline where no one else has room for all of it ---------------------------------
    # Pregnancy kits: only k2 and the Tehran workshop make them. Tehran has 40 until T+4 and is
    # offered all 40; it declines. k2 (2 transit days) has 30 until T+3: it takes 30, 10 wait.
    o_preg = api.order(ngo, clock, kit=PREGNANT, quantity=40, delivery_province="tehran", days=5)
    assert shares(o_preg) == [(teh.business_id, 40, "offered")]
    ok(teh.post(f"/api/v1/jobs/{job_of(o_preg, teh)}/decline"))
    api.settle()
    o_preg = view(ngo, o_preg["id"])
    assert shares(o_preg) == [(teh.business_id, 40, "declined"), (k2.business_id, 30, "offered")]
    assert amounts(o_preg) == ("awaiting_capacity", 30, 10)
    assert ok(admin.get("/api/v1/admin/stats"))["unallocated_by_province"] == {"tehran": 10}
    check_invariants(app)

    # -- 5. two orders wait; a cancellation frees capacity and the older is served first ---------
    w1 = api.order(ngo, clock, kit=PREGNANT, quantity=75, delivery_province="tehran", days=5)
    assert shares(w1) == [(teh.business_id, 40, "offered")]
    assert amounts(w1) == ("awaiting_capacity", 40, 35)
    check_invariants(app)
    w2 = api.order(ngo, clock, kit=PREGNANT, quantity=20, delivery_province="tehran", days=5)
    assert shares(w2) == [] and amounts(w2) == ("awaiting_capacity", 0, 20)
    assert ok(admin.get("/api/v1/admin/stats"))["unallocated_by_province"] == {"tehran": 65}
    check_invariants(app)
    cancelled = ok(ngo.post(f"/api/v1/orders/{o_preg['id']}/cancel", json={"reason": "covered by UNFPA"}))
    assert cancelled["status"] == "cancelled"
    api.settle()
    o_preg = view(ngo, o_preg["id"])
    assert shares(o_preg) == [(teh.business_id, 40, "declined"), (k2.business_id, 30, "cancelled")]
    assert amounts(o_preg) == ("cancelled", 0, 40)
    # k2's 30 freed until T+3 all go to the older order; the younger still waits for all of it
    w1, w2 = view(ngo, w1["id"]), view(ngo, w2["id"])
    assert shares(w1) == [(teh.business_id, 40, "offered"), (k2.business_id, 30, "offered")]
    assert amounts(w1) == ("awaiting_capacity", 70, 5)
    assert shares(w2) == [] and amounts(w2) == ("awaiting_capacity", 0, 20)
    check_invariants(app)

    # -- 6. a new workshop registers; once approved it picks up the waiting orders ---------------
    new = workshop("tehran", "pregnant_women", [PREGNANT])
    assert ok(new.get(f"/api/v1/businesses/{new.business_id}"))["status"] == "pending"
    assert amounts(view(ngo, w1["id"])) == ("awaiting_capacity", 70, 5)  # pending: no offers yet
    assert amounts(view(ngo, w2["id"])) == ("awaiting_capacity", 0, 20)
    check_invariants(app)
    approve(new)
    w1, w2 = view(ngo, w1["id"]), view(ngo, w2["id"])
    assert shares(w1)[-1] == (new.business_id, 5, "offered") and amounts(w1) == ("allocated", 75, 0)
    assert shares(w2) == [(new.business_id, 20, "offered")] and amounts(w2) == ("allocated", 20, 0)
    assert ok(admin.get("/api/v1/admin/stats"))["unallocated_by_province"] == {}
    check_invariants(app)

    # -- 7. production, shipping, delivery with a shortfall --------------------------------------
    o_split = view(ngo, o_split["id"])
    assert amounts(o_split) == ("allocated", 100, 0)
    lor_job, k2_job = job_of(o_split, lor, "accepted"), job_of(o_split, k2, "accepted")
    assert (
        ok(lor.post(f"/api/v1/jobs/{lor_job}/progress", json={"units_done": 40}))["status"] == "in_production"
    )
    assert view(ngo, o_split["id"])["status"] == "in_production"
    check_invariants(app)
    ok(lor.post(f"/api/v1/jobs/{lor_job}/progress", json={"units_done": 30}), 422)  # never decreasing
    ok(lor.post(f"/api/v1/jobs/{lor_job}/ship", json={"carrier": "Post", "tracking_code": "IR-LOR-1"}))
    assert view(ngo, o_split["id"])["status"] == "in_production"  # k2's share is not out yet
    check_invariants(app)
    ok(k2.post(f"/api/v1/jobs/{k2_job}/ship", json={"carrier": "Tipax"}))
    assert view(ngo, o_split["id"])["status"] == "shipped"
    ok(ngo.post(f"/api/v1/orders/{o_split['id']}/cancel"), 409)  # too late to cancel
    check_invariants(app)
    delivered = ok(ngo.post(f"/api/v1/jobs/{lor_job}/deliver", json={"received_quantity": 68}))
    assert delivered["status"] == "delivered" and delivered["shortfall"] == 2
    assert view(ngo, o_split["id"])["status"] == "shipped"
    check_invariants(app)
    ok(ngo.post(f"/api/v1/jobs/{k2_job}/deliver", json={"received_quantity": 30, "note": "all there"}))
    o_split = view(ngo, o_split["id"])
    assert o_split["status"] == "delivered"
    assert o_split["delivered_quantity"] == 98 and o_split["shortfall"] == 2
    check_invariants(app)
    # the pregnancy kits: every share accepted, shipped and delivered in full
    for order in (w1, w2):
        for j in order["jobs"]:
            actor = next(a for a in (teh, k2, new) if a.business_id == j["business_id"])
            ok(actor.post(f"/api/v1/jobs/{j['id']}/accept"))
            ok(actor.post(f"/api/v1/jobs/{j['id']}/ship"))
            check_invariants(app)
        for j in order["jobs"]:
            ok(ngo.post(f"/api/v1/jobs/{j['id']}/deliver", json={"received_quantity": j["quantity"]}))
        got = view(ngo, order["id"])
        assert got["status"] == "delivered" and got["delivered_quantity"] == order["quantity"]
        assert got["shortfall"] == 0
        check_invariants(app)
    history = ok(ngo.get(f"/api/v1/jobs/{lor_job}"))["events"]
    assert [e["to_status"] for e in history] == [
        "offered",
        "accepted",
        "in_production",
        "shipped",
        "delivered",
    ]
    stats = ok(admin.get("/api/v1/admin/stats"))
    elderly_kit, pregnancy_kit = prices[ELDERLY], prices[PREGNANT]  # rials a kit
    delivered_units = {"elderly": 68, "deaf": 30 + 30, "youth": 40, "pregnant_women": 5 + 20}
    assert stats["units_delivered_by_owner_group"] == delivered_units
    assert stats["income_by_owner_group"] == {
        "elderly": 68 * elderly_kit,
        "deaf": 30 * elderly_kit + 30 * pregnancy_kit,
        "youth": 40 * pregnancy_kit,
        "pregnant_women": 25 * pregnancy_kit,
    }
    assert stats["on_time_rate"] == 1.0

    # -- 4. two days later: unanswered offers expire and their units are matched again -----------
    # Still open: accepted o_ksh1 (k1), o_ksh2 (k2), o_teh (teh); offered o_fars (fars) and
    # o_decl (k2). Expiry is not a decline: the same workshops, still the nearest with room, are
    # offered the units again; k1 declined o_decl and stays out of it although it is less busy.
    # Done before this point because the workers of the PostgreSQL run match with the real clock:
    # see the module's docstring.
    fars_job, decl_job = job_of(o_fars, fars), job_of(o_decl, k2)
    clock.advance(hours=49)
    if backend == "sqlite":
        ok(api.client.get("/api/v1/provinces"))  # any request runs the lazy sweep once answered
    else:  # no lazy sweep here: run the scheduler's sweep with the test's clock
        with app.app_context():
            assert sweep().expired_offers == 2
        api.settle()
    check_invariants(app)
    # two days on, the bearer tokens (24 h) have expired too
    assert admin.get("/api/v1/me").status_code == 401
    sign_in_again(api, admin, pharmacy, health_center, fars, k2)
    o_fars, o_decl = view(pharmacy, o_fars["id"]), view(health_center, o_decl["id"])
    assert shares(o_fars) == [(fars.business_id, 40, "expired"), (fars.business_id, 40, "offered")]
    assert amounts(o_fars) == ("allocated", 40, 0)
    assert shares(o_decl) == [
        (k1.business_id, 40, "declined"),
        (k2.business_id, 40, "expired"),
        (k2.business_id, 40, "offered"),
    ]
    assert amounts(o_decl) == ("allocated", 40, 0)
    expired = ok(pharmacy.get(f"/api/v1/jobs/{fars_job}"))
    assert [e["to_status"] for e in expired["events"]] == ["offered", "expired"]
    expired = ok(fars.get(f"/api/v1/jobs/{fars_job}"))  # its workshop sees who acted
    assert expired["events"][-1]["actor_id"] is None  # the system did it
    ok(fars.post(f"/api/v1/jobs/{fars_job}/accept"), 409)
    ok(k2.post(f"/api/v1/jobs/{decl_job}/accept"), 409)
    audit = ok(admin.get("/api/v1/admin/audit", query_string={"action": "job.expired"}))
    assert {a["entity_id"] for a in audit["items"]} == {fars_job, decl_job}

    stats = ok(admin.get("/api/v1/admin/stats"))
    assert stats["orders_by_status"] == {"allocated": 5, "delivered": 3, "cancelled": 1}
    assert stats["unallocated_by_province"] == {}
    assert stats["units_delivered_by_owner_group"] == delivered_units
    check_invariants(app)
