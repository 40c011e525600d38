"""Matching an order against the businesses, safely under concurrency.

One transaction per order: lock the order row, then every candidate business row in ascending
id (``SELECT … FOR UPDATE``), read their open work under those locks, ask the pure engine, write
the offers, commit. Two workers matching at once serialise on the businesses they share, and the
second one reads the first one's offers before deciding: nobody is overbooked (P1). A run for an
order that is no longer waiting changes nothing (P6), so a job that RQ delivers twice is harmless.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from sqlalchemy import func, select

from ..domain import matching, states
from ..domain.capacity import Commitment
from ..domain.errors import DomainError
from ..errors import NotFound
from ..extensions import db
from ..models import Business, Job, Order, business_kits
from . import notifications as notify
from .common import lock_order, now, offer, refresh_order_status, tally, today


@dataclass(frozen=True)
class MatchOutcome:
    order_id: int
    new_jobs: int
    allocated: int
    unallocated: int
    status: str


def open_commitments(business_ids: list[int]) -> dict[int, list[Commitment]]:
    """Open work (offered, accepted, in production) of these businesses, as the capacity rule sees it."""
    out: dict[int, list[Commitment]] = {b: [] for b in business_ids}
    if not business_ids:
        return out
    rows = db.session.execute(
        select(Job.business_id, Job.quantity, Job.units_done, Job.due_date).where(
            Job.business_id.in_(business_ids), Job.status.in_(states.OPEN_JOB_STATUSES)
        )
    )
    for business_id, quantity, done, due in rows:
        out[business_id].append(Commitment(max(0, quantity - done), due))
    return out


def domain_business(b: Business, kit_codes: frozenset[str], jobs: list[Commitment]) -> matching.Business:
    return matching.Business(
        id=b.id,
        province=b.province,
        weekly_capacity=b.weekly_capacity,
        kits=kit_codes,
        min_lot=b.min_lot,
        status=b.status,
        paused=b.paused,
        jobs=tuple(jobs),
    )


def order_to_match(
    order: Order, quantity: int, declined: frozenset[int], live_jobs: int = 0
) -> matching.OrderToMatch:
    """``quantity`` units of the order as the engine sees it (``declined``: businesses that declined it)."""
    return matching.OrderToMatch(
        id=order.id,
        kit=order.kit.code,
        quantity=quantity,
        delivery_province=order.delivery_province,
        needed_by=order.needed_by,
        declined_by=declined,
        live_jobs=live_jobs,
    )


def lock_candidates(kit_id: int) -> list[Business]:
    """Approved, unpaused businesses with capacity that make this kit, locked in ascending id."""
    return list(
        db.session.scalars(
            select(Business)
            .join(business_kits, business_kits.c.business_id == Business.id)
            .where(
                business_kits.c.kit_id == kit_id,
                Business.status == states.APPROVED,
                Business.paused.is_(False),
                Business.weekly_capacity > 0,
            )
            .order_by(Business.id)
            .with_for_update(of=Business)
            .execution_options(populate_existing=True)
        )
    )


def match_order(order_id: int) -> MatchOutcome | None:
    """Offer the order's unplaced units to the businesses the engine picks; commit.

    Returns None if the order does not exist (a job for a deleted order is a no-op).
    """
    try:
        order = lock_order(order_id)
    except NotFound:
        db.session.rollback()
        return None
    t = tally(order)
    moment, day = now(), today()
    waiting = order.cancelled_at is None and t.unallocated > 0 and order.needed_by > day
    new_jobs: list[Job] = []
    if waiting:
        candidates = lock_candidates(order.kit_id)
        work = open_commitments([b.id for b in candidates])
        declined = frozenset(
            db.session.scalars(
                select(Job.business_id).where(Job.order_id == order.id, Job.status == states.DECLINED)
            )
        )
        live = sum(1 for j in order.jobs if j.status in states.LIVE_JOB_STATUSES)
        kit = frozenset({order.kit.code})
        request = order_to_match(order, t.unallocated, declined, live)
        try:
            result = matching.match_order(
                request,
                [domain_business(b, kit, work[b.id]) for b in candidates],
                day,
                current_app.config["MAX_SPLITS"],
            )
        except DomainError as err:
            current_app.logger.warning("order %s cannot be matched: %s", order.id, err)
            result = None
        for a in result.allocations if result else ():
            new_jobs.append(
                offer(order, a.business_id, a.quantity, a.due_date, a.explanation.as_dict(), None)
            )
    first = order.matched_at is None
    if first:
        order.matched_at = moment
    order.last_matched_at = moment
    t = refresh_order_status(order, None)
    if new_jobs:
        notify.order_matched(order, new_jobs, t.allocated)
    if t.unallocated and waiting and (first or new_jobs):
        notify.units_waiting(order, t.unallocated, None)
    db.session.commit()
    return MatchOutcome(order_id, len(new_jobs), t.allocated, t.unallocated, t.status)


def waiting_order_ids(kit_id: int | None = None) -> list[int]:
    """Orders with units no business holds yet (or never matched), oldest first."""
    q = select(Order.id).where(Order.status.in_(states.WAITING_ORDER_STATUSES))
    if kit_id is not None:
        q = q.where(Order.kit_id == kit_id)
    return list(db.session.scalars(q.order_by(Order.id)))


def rematch_waiting(kit_id: int | None = None) -> int:
    """Match every waiting order again, oldest first, each in its own transaction; count the new jobs."""
    ids = waiting_order_ids(kit_id)
    db.session.rollback()  # end the read; each match takes its own locks
    created = 0
    for order_id in ids:
        outcome = match_order(order_id)
        created += outcome.new_jobs if outcome else 0
    return created


def count_open_offers() -> int:
    return db.session.scalar(select(func.count(Job.id)).where(Job.status == states.OFFERED)) or 0
