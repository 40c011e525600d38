"""The admin's re-optimisation: every offer not yet accepted and every waiting order placed again
together (docs/allocation.md, "Re-optimisation"); previewed, and applied only when asked.

Reading: the orders in the plan are those not cancelled, not past their date, that hold an offer
or have units to place; each brings its units not in accepted work (offered + unplaced). The
workshops bring their open work; the plan's offers are taken out of it (they may move), everything
else (accepted, in production, offers of orders outside the plan) is fixed demand.

Applying takes the round's locks in the round's order (DESIGN.md: kit, orders ascending,
businesses ascending): every kit's row (FOR NO KEY UPDATE, kit ids ascending), so that no round
runs meanwhile; the plan's orders (FOR UPDATE, ascending), so that no workshop accepts or declines
one of their offers meanwhile (accepting locks the order first); every workshop that may hold or
get work (FOR UPDATE, ascending). It then reads everything afresh, plans, withdraws the offers the
plan moves (an event on each job, its workshop told: ``offer_withdrawn``) and makes the new ones
(events, audit, ``offer_new``), all in one transaction. Accepted work is never moved: it is read
under the orders' locks and is fixed demand in the plan.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from flask import current_app
from sqlalchemy import exists, or_, select
from sqlalchemy.orm import selectinload

from ..domain import matching, states
from ..domain.capacity import Commitment
from ..domain.reoptimise import Offer, Plan, plan_reoptimisation
from ..extensions import db
from ..models import Business, Job, Kit, Order, User, business_kits
from . import notifications as notify
from . import notify_bulk
from .common import audit, move_job, now, tally, today
from .round_batch import engine_unit_km
from .rounds import RoundOffer, lock_kit, order_to_match, write_offers, write_orders

#: an order whose units may be placed again: not closed, not shipped
PLANNABLE = (states.PENDING, states.AWAITING_CAPACITY, states.ALLOCATED, states.IN_PRODUCTION)
WITHDRAWN_REASON = "reoptimised"


@dataclass(frozen=True)
class Reoptimisation:
    """A plan and whether it was applied; ``new_job_ids`` are the jobs made, in the plan's order."""

    applied: bool
    plan: Plan
    new_job_ids: tuple[int, ...] = ()


def _orders(day: date, lock: bool) -> list[Order]:
    """The orders in the plan (see the module's note), oldest first, with their jobs read afresh."""
    has_offer = exists().where(Job.order_id == Order.id, Job.status == states.OFFERED)
    q = (
        select(Order)
        .where(
            Order.cancelled_at.is_(None),
            Order.status.in_(PLANNABLE),
            Order.needed_by > day,
            or_(Order.status.in_(states.WAITING_ORDER_STATUSES), has_offer),
        )
        .order_by(Order.id)
        .options(selectinload(Order.jobs), selectinload(Order.kit))
        .execution_options(populate_existing=True)
    )
    if lock:
        q = q.with_for_update(of=Order)
    return list(db.session.scalars(q))


def _businesses(lock: bool) -> dict[int, matching.Business]:
    """Every workshop with its kits and its open work (the plan's offers included; the caller
    takes them out), locked in ascending id when applying."""
    q = select(Business).order_by(Business.id).execution_options(populate_existing=True)
    if lock:
        q = q.with_for_update(of=Business)
    rows = list(db.session.scalars(q))
    kits: dict[int, set[str]] = {}
    for business_id, code in db.session.execute(
        select(business_kits.c.business_id, Kit.code).join(Kit, Kit.id == business_kits.c.kit_id)
    ):
        kits.setdefault(business_id, set()).add(code)
    return {
        b.id: matching.Business(
            b.id, b.province, b.weekly_capacity, frozenset(kits.get(b.id, ())), b.min_lot, b.status, b.paused
        )
        for b in rows
    }


def _open_work(offer_ids: set[int]) -> dict[int, list[Commitment]]:
    """Open work per workshop, without the plan's offers."""
    out: dict[int, list[Commitment]] = {}
    rows = db.session.execute(
        select(Job.id, Job.business_id, Job.quantity, Job.units_done, Job.due_date).where(
            Job.status.in_(states.OPEN_JOB_STATUSES)
        )
    )
    for job_id, business_id, quantity, done, due in rows:
        if job_id not in offer_ids:
            out.setdefault(business_id, []).append(Commitment(max(0, quantity - done), due))
    return out


def _plan(day: date, lock: bool) -> tuple[Plan, dict[int, Order], dict[int, Job]]:
    """The plan over the database as it is (read under the locks when ``lock``)."""
    orders = _orders(day, lock)
    shops = _businesses(lock)
    offers = {j.id: j for o in orders for j in o.jobs if j.status == states.OFFERED}
    requests = []
    for o in orders:
        units = tally(o).unallocated + sum(j.quantity for j in o.jobs if j.id in offers)
        if units > 0:
            declined = frozenset(j.business_id for j in o.jobs if j.status == states.DECLINED)
            requests.append(order_to_match(o, units, declined))
    work = _open_work(set(offers))
    businesses = [
        matching.Business(
            b.id,
            b.province,
            b.weekly_capacity,
            b.kits,
            b.min_lot,
            b.status,
            b.paused,
            tuple(work.get(b.id, ())),
        )
        for b in shops.values()
    ]
    # what the online engine would spend placing the same units one by one, oldest order first,
    # on the same workshops: each new job's unit_km_saved (P7), as in a round
    spent = engine_unit_km(
        requests, matching.CandidatePool(businesses), day, current_app.config["MAX_SPLITS"] or None
    )
    plan = plan_reoptimisation(
        requests,
        [Offer(j.id, j.order_id, j.business_id, j.quantity, j.due_date) for j in offers.values()],
        businesses,
        day,
        engine_unit_km=spent,
    )
    return plan, {o.id: o for o in orders}, offers


def preview() -> Reoptimisation:
    """What a re-optimisation would move now; changes nothing."""
    plan, _, _ = _plan(today(), lock=False)
    db.session.rollback()
    return Reoptimisation(False, plan)


def apply(admin: User) -> Reoptimisation:
    """Plan under the round's locks and apply the plan, in one transaction; commits."""
    for kit_id in db.session.scalars(select(Kit.id).order_by(Kit.id)).all():
        lock_kit(kit_id)
    plan, orders, offers = _plan(today(), lock=True)
    moment = now()
    for withdrawn in plan.withdrawn:
        job = offers[withdrawn.job_id]
        move_job(job, states.CANCELLED, admin, reason=WITHDRAWN_REASON)
        job.closed_reason = WITHDRAWN_REASON
        notify.offer_withdrawn(job)
    made = [RoundOffer(orders[j.order_id], j) for j in plan.made]
    new = write_offers(made, moment, actor_id=admin.id)
    touched = [orders[m.order_id] for m in plan.moves]
    after = write_orders(touched, made, moment)
    _tell(touched, after, new, moment)
    audit(
        admin,
        "reoptimise.applied",
        "reoptimisation",
        None,
        withdrawn=len(plan.withdrawn),
        made=len(new),
        units_placed_before=plan.units_placed_before,
        units_placed_after=plan.units_placed_after,
        unit_km_before=plan.unit_km_before,
        unit_km_after=plan.unit_km_after,
    )
    db.session.commit()
    return Reoptimisation(True, plan, tuple(o.job_id for o in new))


def _tell(
    orders: list[Order],
    after: dict[int, states.OrderTally],
    new: list[notify_bulk.NewOffer],
    moment: datetime,
) -> None:
    """Each new offer to its workshop, and each order given offers to its buyer, kit by kit."""
    got = {o.order.id for o in new}
    by_kit: dict[int, list[Order]] = {}
    for o in orders:
        if o.id in got:
            by_kit.setdefault(o.kit_id, []).append(o)
    for kit_orders in by_kit.values():
        kit = kit_orders[0].kit
        told = [
            notify_bulk.RoundOrder(o, False, False, after[o.id].allocated, after[o.id].unallocated)
            for o in kit_orders
        ]
        notify_bulk.tell_round(kit, told, [n for n in new if n.order.kit_id == kit.id], moment)


def named(plan: Plan) -> tuple[dict[int, Business], dict[int, Order]]:
    """The workshops and orders a plan names, by id, for a page."""
    shops = {o.business_id for o in plan.withdrawn} | {j.business_id for j in plan.made}
    order_ids = {m.order_id for m in plan.moves}
    businesses = {b.id: b for b in db.session.scalars(select(Business).where(Business.id.in_(shops)))}
    orders = {
        o.id: o
        for o in db.session.scalars(
            select(Order)
            .where(Order.id.in_(order_ids))
            .options(selectinload(Order.kit), selectinload(Order.buyer))
        )
    }
    return businesses, orders
