"""Matching rounds: one kit's waiting orders matched together, oldest first, in one transaction.

A round locks the kit's row, then its orders (at most ``MATCH_ROUND_SIZE``, oldest first, ascending
id), then every candidate business of the kit (ascending id); it loads their open work once,
matches the orders one after another with the pure engine over one ``CandidatePool`` (each offer
made is put back into the pool before the next order is matched, exactly as the database would
hold it), writes every offer, event and audit entry in one flush, and commits once. The result is
what matching the orders one by one in arrival order would give (P1–P8 as for one order).

Serialising rounds: a row lock on the kit (``SELECT … FROM kits … FOR UPDATE``), not an advisory
lock. It is released by the commit, by the rollback and by the death of the worker's session,
needs no key space of its own, works the same on SQLite (where every transaction is already
``BEGIN IMMEDIATE``) and shows in ``pg_locks`` like every other lock of the matching transaction.
Rounds of one kit queue up behind it; rounds of different kits run side by side and meet only on
the workshops that make both kits, whose rows every round locks in ascending id (no deadlock, no
overbooking: P1). The global lock order stays: kit, orders (ascending), businesses (ascending).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from ..domain import matching, states
from ..domain.capacity import Commitment
from ..domain.errors import DomainError
from ..extensions import db
from ..models import Business, Job, JobEvent, Kit, Order, business_kits
from .common import audit, now, refresh_order_status, tally, today


@dataclass(frozen=True)
class RoundOutcome:
    kit_id: int
    #: orders the round took, and the last one's id (the next round starts after it)
    orders: int
    last_order_id: int
    new_jobs: int

    @property
    def full(self) -> bool:
        """Whether the round took as many orders as a round may: another may follow at once."""
        return self.orders >= current_app.config["MATCH_ROUND_SIZE"]


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


def lock_candidates(kit_id: int) -> list[Business]:
    """Approved, unpaused businesses with capacity that make this kit, locked in ascending id."""
    return list(
        db.session.scalars(
            select(Business)
            .join(business_kits, business_kits.c.business_id == Business.id)
            .where(
                business_kits.c.kit_id == kit_id,
                Business.status == "approved",
                Business.paused.is_(False),
                Business.weekly_capacity > 0,
            )
            .order_by(Business.id)
            .with_for_update(of=Business)
            .execution_options(populate_existing=True)
        )
    )


def candidate_pool(kit: Kit) -> matching.CandidatePool:
    """The kit's candidates, locked, with their open work loaded once, as the engine sees them."""
    candidates = lock_candidates(kit.id)
    work = open_commitments([b.id for b in candidates])
    codes = frozenset({kit.code})
    return matching.CandidatePool(domain_business(b, codes, work[b.id]) for b in candidates)


def lock_round_orders(kit_id: int, *, waiting: bool, after_id: int, day: date) -> list[Order]:
    """The round's orders, locked, oldest first: the kit's ``pending`` ones, and with ``waiting``
    also those ``awaiting_capacity`` whose date has not passed (a passed one can never be placed)."""
    q = select(Order).where(Order.kit_id == kit_id, Order.id > after_id)
    if waiting:
        q = q.where(
            or_(
                Order.status == states.PENDING,
                (Order.status == states.AWAITING_CAPACITY) & (Order.needed_by > day),
            )
        )
    else:
        q = q.where(Order.status == states.PENDING)
    q = (
        q.order_by(Order.id)
        .limit(current_app.config["MATCH_ROUND_SIZE"])
        .with_for_update(of=Order)
        .options(selectinload(Order.jobs))
        .execution_options(populate_existing=True)
    )
    return list(db.session.scalars(q))


def lock_kit(kit_id: int) -> Kit | None:
    """The kit's row, locked: the round's mutex (see the module's note)."""
    return db.session.scalar(
        select(Kit).where(Kit.id == kit_id).with_for_update().execution_options(populate_existing=True)
    )


def run_round(kit_id: int, *, waiting: bool, after_id: int = 0) -> RoundOutcome:
    """One round for the kit (see the module's note); commits. ``after_id`` skips orders already
    seen by an earlier round of the same run."""
    kit = lock_kit(kit_id)
    day = today()
    orders = lock_round_orders(kit_id, waiting=waiting, after_id=after_id, day=day) if kit else []
    if kit is None or not orders:
        db.session.rollback()
        return RoundOutcome(kit_id, 0, after_id, 0)
    pool = candidate_pool(kit)
    offers: list[tuple[Order, Job]] = []
    moment = now()
    for order in orders:
        offers += [(order, job) for job in _match_one(order, kit, pool, day, moment)]
    db.session.flush()  # every job and its first event, in bulk
    for order, job in offers:
        audit(
            None,
            "job.offered",
            "job",
            job.id,
            order_id=order.id,
            business_id=job.business_id,
            quantity=job.quantity,
            rule=job.match.get("rule"),
        )
    for order in orders:
        if order.matched_at is None:
            order.matched_at = moment
        order.last_matched_at = moment
        refresh_order_status(order, None)
    db.session.commit()
    return RoundOutcome(kit_id, len(orders), orders[-1].id, len(offers))


def _match_one(
    order: Order, kit: Kit, pool: matching.CandidatePool, day: date, moment: datetime
) -> list[Job]:
    """The new offers for one order of the round (added to the session, not flushed)."""
    t = tally(order)
    if order.cancelled_at is not None or t.unallocated <= 0 or order.needed_by <= day:
        return []
    request = matching.OrderToMatch(
        id=order.id,
        kit=kit.code,
        quantity=t.unallocated,
        delivery_province=order.delivery_province,
        needed_by=order.needed_by,
        declined_by=frozenset(j.business_id for j in order.jobs if j.status == states.DECLINED),
    )
    try:
        result = matching.place_order(request, pool, day, current_app.config["MAX_SPLITS"] or None)
    except DomainError as err:
        current_app.logger.warning("order %s cannot be matched: %s", order.id, err)
        return []
    jobs = []
    ttl = current_app.config["OFFER_TTL_HOURS"]
    for a in result.allocations:
        explanation = a.explanation.as_dict()
        job = Job(
            order=order,
            business_id=a.business_id,
            quantity=a.quantity,
            status=states.OFFERED,
            offered_at=moment,
            expires_at=moment + timedelta(hours=ttl),
            due_date=a.due_date,
            match=explanation,
            updated_at=moment,
        )
        job.events.append(
            JobEvent(
                at=moment,
                actor_id=None,
                from_status=None,
                to_status=states.OFFERED,
                detail={"match": explanation},
            )
        )
        db.session.add(job)
        jobs.append(job)
    return jobs


def run_rounds(kit_id: int, *, waiting: bool) -> int:
    """Rounds for the kit, one after another, until one is not full; the new jobs made."""
    created, after = 0, 0
    while True:
        outcome = run_round(kit_id, waiting=waiting, after_id=after)
        created += outcome.new_jobs
        if not outcome.full:
            return created
        after = outcome.last_order_id
