"""Matching use cases: what a nudge, an admin or the sweep asks for, in rounds per kit.

Every use case runs :mod:`.rounds`: a round takes a kit's waiting orders oldest first, locks the
kit, the orders and the kit's candidate businesses (in that order, ascending ids), matches the
orders one after another in memory and commits once. A run for an order that is no longer
waiting changes nothing (P6), so a job that RQ delivers twice is harmless; a round that finds
nothing to do costs one query.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from ..domain import states
from ..extensions import db
from ..models import Job, Kit, Order
from .common import tally
from .rounds import (  # noqa: F401  (re-exported: callers and tests import them from here)
    RoundOutcome,
    candidate_pool,
    domain_business,
    open_commitments,
    order_to_match,
    run_round,
    run_rounds,
)


@dataclass(frozen=True)
class MatchOutcome:
    order_id: int
    new_jobs: int
    allocated: int
    unallocated: int
    status: str


def match_kit(kit_id: int) -> int:
    """Match the kit's orders never matched yet (``pending``), oldest first; count the new jobs.

    This is the nudge after orders are posted: one per kit is enough, whatever the number of orders.
    """
    return run_rounds(kit_id, waiting=False)


def match_order(order_id: int) -> MatchOutcome | None:
    """Match the order, in a round with the other waiting orders of its kit.

    A ``pending`` order is matched with the kit's other new orders; an ``awaiting_capacity`` one
    (an admin's "re-run matching") with every waiting order of the kit, oldest first, so it never
    jumps the queue. Returns None if the order does not exist.
    """
    row = db.session.execute(select(Order.kit_id, Order.status).where(Order.id == order_id)).first()
    before = db.session.scalar(select(func.count(Job.id)).where(Job.order_id == order_id)) or 0
    db.session.rollback()
    if row is None:
        return None
    kit_id, status = row
    if status in (states.PENDING, states.AWAITING_CAPACITY):
        run_rounds(kit_id, waiting=status == states.AWAITING_CAPACITY)
    order = db.session.get(Order, order_id)
    if order is None:
        return None
    t = tally(order)
    made = len(order.jobs) - before
    db.session.rollback()
    return MatchOutcome(order_id, made, t.allocated, t.unallocated, t.status)


def waiting_order_ids(kit_id: int | None = None) -> list[int]:
    """Orders with units no business holds yet (or never matched), oldest first."""
    q = select(Order.id).where(Order.status.in_([states.AWAITING_CAPACITY, states.PENDING]))
    if kit_id is not None:
        q = q.where(Order.kit_id == kit_id)
    return list(db.session.scalars(q.order_by(Order.id)))


def waiting_kit_ids() -> list[int]:
    """Kits with orders waiting (``pending`` or ``awaiting_capacity``), ascending."""
    q = (
        select(Order.kit_id)
        .where(Order.status.in_([states.AWAITING_CAPACITY, states.PENDING]))
        .group_by(Order.kit_id)
        .order_by(Order.kit_id)
    )
    return list(db.session.scalars(q))


def rematch_waiting(kit_id: int | None = None) -> int:
    """Match every waiting order of the kit (or of every kit) again, oldest first, in rounds;
    count the new jobs."""
    kits = [kit_id] if kit_id is not None else waiting_kit_ids()
    db.session.rollback()
    return sum(run_rounds(k, waiting=True) for k in kits if db.session.get(Kit, k) is not None)


def count_open_offers() -> int:
    return db.session.scalar(select(func.count(Job.id)).where(Job.status == states.OFFERED)) or 0
