"""Matching rounds: one kit's waiting orders matched together, oldest first, in one transaction.

A round locks the kit's row, then its orders (at most ``MATCH_ROUND_SIZE``, oldest first, ascending
id), then every candidate business of the kit (ascending id); it loads their open work once,
places the orders, writes every offer, event and audit entry in one flush, and the notifications
they cause in one more INSERT (:mod:`.notify_bulk`), and commits once.

Placing: when the round holds more than one order with units to place, they are allocated
together by the batch allocator (:func:`market.domain.allocation.allocate_batch`, one min-cost
flow; what a batch guarantees is in docs/allocation.md: no placement of the round's orders places
more units, or as many with fewer unit-km, when the batch is exact; P1, P3, P5–P8 as for one
order). Each job's explanation says what the order-by-order engine would have spent on its order
(:mod:`.round_batch`). A round with one such order matches it with the online engine, exactly as
before.

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
from typing import Any

from flask import current_app
from sqlalchemy import insert, or_, select, update
from sqlalchemy.orm import selectinload

from ..domain import matching, states
from ..domain.allocation import BatchJob
from ..domain.capacity import Commitment
from ..domain.errors import DomainError
from ..extensions import db
from ..models import AuditEntry, Business, Job, JobEvent, Kit, Order
from . import notify_bulk
from .candidates import kit_candidates
from .common import locked, now, tally, today
from .round_batch import allocate_round


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


def order_to_match(order: Order, quantity: int, declined: frozenset[int]) -> matching.OrderToMatch:
    """``quantity`` units of the order as the engine sees it (``declined``: businesses that declined it)."""
    return matching.OrderToMatch(
        id=order.id,
        kit=order.kit.code,
        quantity=quantity,
        delivery_province=order.delivery_province,
        needed_by=order.needed_by,
        declined_by=declined,
    )


def declined_by(order: Order) -> frozenset[int]:
    """The businesses that declined the order's offers (never offered it again: P8)."""
    return frozenset(j.business_id for j in order.jobs if j.status == states.DECLINED)


def candidate_pool(kit: Kit) -> matching.CandidatePool:
    """The kit's candidates, locked in ascending id, with their open work loaded once."""
    return matching.CandidatePool(kit_candidates(kit.id, kit.code, lock=True))


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
    """The kit's row, locked: the round's mutex (see the module's note). FOR NO KEY UPDATE, so that
    orders of the kit can be posted while a round runs (their foreign key takes KEY SHARE on it):
    with FOR UPDATE, a buyer's post holding its own row and a round telling that buyer deadlocked."""
    return locked(Kit, kit_id, key_share=True)


@dataclass(frozen=True)
class RoundOffer:
    order: Order
    #: the engine's allocation, or a batch's job (the same fields, each with its explanation)
    allocation: matching.Allocation | BatchJob


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
    before = {o.id: (o.matched_at is None, _has_units_to_place(o, day)) for o in orders}
    offers = _match(orders, pool, day)
    moment = now()
    made = write_offers(offers, moment)
    after = write_orders(orders, offers, moment)
    told = [
        notify_bulk.RoundOrder(o, *before[o.id], after[o.id].allocated, after[o.id].unallocated)
        for o in orders
    ]
    notify_bulk.tell_round(kit, told, made, moment)
    db.session.commit()
    return RoundOutcome(kit_id, len(orders), orders[-1].id, len(offers))


def _has_units_to_place(order: Order, day: date) -> bool:
    """Not cancelled, not past its date, with units no live job holds: what matching looks at."""
    return order.cancelled_at is None and tally(order).unallocated > 0 and order.needed_by > day


def _match(orders: list[Order], pool: matching.CandidatePool, day: date) -> list[RoundOffer]:
    """The round's offers: its orders with units to place allocated together by the batch
    allocator when there are several (docs/allocation.md), a single one by the online engine."""
    todo = [o for o in orders if _has_units_to_place(o, day)]
    if len(todo) > 1:
        requests = [order_to_match(o, tally(o).unallocated, declined_by(o)) for o in todo]
        try:
            batch = allocate_round(requests, pool, day, current_app.config["MAX_SPLITS"] or None)
        except DomainError as err:  # an order the batch refuses: each order on its own, as before
            current_app.logger.warning("round of %s orders matched one by one: %s", len(todo), err)
        else:
            return [
                RoundOffer(o, j)
                for o, placed in zip(todo, batch.orders, strict=True)
                for j in placed.allocations
            ]
    return [RoundOffer(order, a) for order in orders for a in _match_one(order, pool, day)]


def _match_one(order: Order, pool: matching.CandidatePool, day: date) -> tuple[matching.Allocation, ...]:
    """What the engine offers one order of the round; the pool then holds those offers."""
    if not _has_units_to_place(order, day):
        return ()
    request = order_to_match(order, tally(order).unallocated, declined_by(order))
    try:
        return matching.place_order(request, pool, day, current_app.config["MAX_SPLITS"] or None).allocations
    except DomainError as err:
        current_app.logger.warning("order %s cannot be matched: %s", order.id, err)
        return ()


def write_offers(
    offers: list[RoundOffer], moment: datetime, actor_id: int | None = None
) -> list[notify_bulk.NewOffer]:
    """Every offer of the round with its first event and its audit entry: three bulk inserts
    (``actor_id``: who made them; None for matching). Returns the offers made, with their jobs'
    ids, for the notifications (and the re-optimisation)."""
    if not offers:
        return []
    expires = moment + timedelta(hours=current_app.config["OFFER_TTL_HOURS"])
    explained = [o.allocation.explanation.as_dict() for o in offers]
    rows = [
        {
            "order_id": o.order.id,
            "business_id": o.allocation.business_id,
            "quantity": o.allocation.quantity,
            "status": states.OFFERED,
            "offered_at": moment,
            "expires_at": expires,
            "due_date": o.allocation.due_date,
            "match": why,
            "updated_at": moment,
        }
        for o, why in zip(offers, explained, strict=True)
    ]
    ids = db.session.scalars(insert(Job).returning(Job.id, sort_by_parameter_order=True), rows).all()
    events = [
        {
            "job_id": i,
            "at": moment,
            "actor_id": actor_id,
            "from_status": None,
            "to_status": states.OFFERED,
            "detail": {"match": why},
        }
        for i, why in zip(ids, explained, strict=True)
    ]
    db.session.execute(insert(JobEvent), events)
    entries = [
        {
            "at": moment,
            "actor_id": actor_id,
            "action": "job.offered",
            "entity": "job",
            "entity_id": i,
            "detail": {
                "order_id": o.order.id,
                "business_id": o.allocation.business_id,
                "quantity": o.allocation.quantity,
                "rule": why["rule"],
            },
        }
        for i, o, why in zip(ids, offers, explained, strict=True)
    ]
    db.session.execute(insert(AuditEntry), entries)
    return [
        notify_bulk.NewOffer(
            i, o.order, o.allocation.business_id, o.allocation.quantity, o.allocation.due_date, expires
        )
        for i, o in zip(ids, offers, strict=True)
    ]


def write_orders(
    orders: list[Order], offers: list[RoundOffer], moment: datetime
) -> dict[int, states.OrderTally]:
    """Each order of the round: matched now, its status as its jobs (old and new) imply, through
    the order's state machine, with an audit entry for each change; bulk updates. Returns each
    order's tally after the round."""
    new: dict[int, list[states.JobShare]] = {}
    for o in offers:
        new.setdefault(o.order.id, []).append(states.JobShare(states.OFFERED, o.allocation.quantity))
    changes, entries, tallies = [], [], {}
    for order in orders:
        shares = [states.JobShare(j.status, j.quantity) for j in order.jobs] + new.get(order.id, [])
        t = states.tally_order(order.quantity, shares, matched=True, cancelled=order.cancelled_at is not None)
        tallies[order.id] = t
        row: dict[str, Any] = {
            "id": order.id,
            "matched_at": order.matched_at or moment,
            "last_matched_at": moment,
        }
        if t.status != order.status:
            row |= {"status": states.ORDER.transition(order.status, t.status), "updated_at": moment}
            entries.append(
                {
                    "at": moment,
                    "actor_id": None,
                    "action": f"order.{t.status}",
                    "entity": "order",
                    "entity_id": order.id,
                    "detail": {"from_status": order.status},
                }
            )
        changes.append(row)
    for keys in {tuple(sorted(r)) for r in changes}:  # one executemany per set of columns
        db.session.execute(update(Order), [r for r in changes if tuple(sorted(r)) == keys])
    if entries:
        db.session.execute(insert(AuditEntry), entries)
    return tallies


def run_rounds(kit_id: int, *, waiting: bool) -> int:
    """Rounds for the kit, one after another, until one is not full; the new jobs made."""
    created, after = 0, 0
    while True:
        outcome = run_round(kit_id, waiting=waiting, after_id=after)
        created += outcome.new_jobs
        if not outcome.full:
            return created
        after = outcome.last_order_id
