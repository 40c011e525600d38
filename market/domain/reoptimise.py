"""Re-optimisation planning: what would move if every offer not yet accepted and every waiting
order were placed again together (DESIGN.md; docs/allocation.md, "Re-optimisation").

Accepted and in-production work stays where it is: it is the businesses' open work (``jobs``) and
the batch only adds to it. The offers (not yet accepted) and the orders' unplaced units are
re-solved by :func:`.allocation.allocate_batch`; the plan lists, per order, the offers it would
withdraw and the jobs it would make, with units placed, unit-km and utilization spread before and
after. Nothing changes here: the service applies a plan under the round's locks, or does not.

A plan moves something only when it is strictly better (more units placed, or as many at fewer
unit-km); otherwise it is empty, so applying an exact plan (``Plan.batch.exact``: the optimum) and
planning again moves nothing. The batch keeps offers where they are whenever that costs nothing,
and an offer whose business would hold the same units of the same order afterwards is not moved.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from . import geo
from .allocation import BatchJob, BatchResult, allocate_batch
from .capacity import Commitment
from .errors import DomainError
from .matching import Business, OrderToMatch, is_active


@dataclass(frozen=True, slots=True)
class Offer:
    """A job offered and not yet accepted: it may be withdrawn."""

    job_id: int
    order_id: int
    business_id: int
    quantity: int
    due_date: date


@dataclass(frozen=True)
class OrderMoves:
    """What the plan changes for one order."""

    order_id: int
    withdrawn: tuple[Offer, ...]
    made: tuple[BatchJob, ...]
    placed_before: int
    placed_after: int
    unit_km_before: int
    unit_km_after: int


@dataclass(frozen=True)
class Plan:
    """A re-optimisation, previewed: the moves, and the figures before and after."""

    moves: tuple[OrderMoves, ...]
    units_placed_before: int
    units_placed_after: int
    unit_km_before: int
    unit_km_after: int
    spread_before: float
    spread_after: float
    #: the batch solution the plan came from (its figures even when the plan is empty)
    batch: BatchResult

    @property
    def withdrawn(self) -> tuple[Offer, ...]:
        return tuple(o for m in self.moves for o in m.withdrawn)

    @property
    def made(self) -> tuple[BatchJob, ...]:
        return tuple(j for m in self.moves for j in m.made)

    def by_business(self) -> dict[int, tuple[int, int]]:
        """business id -> (units withdrawn, units made)."""
        out: dict[int, list[int]] = defaultdict(lambda: [0, 0])
        for o in self.withdrawn:
            out[o.business_id][0] += o.quantity
        for j in self.made:
            out[j.business_id][1] += j.quantity
        return {b: (w, m) for b, (w, m) in sorted(out.items())}


def _check(orders: Sequence[OrderToMatch], offers: Sequence[Offer], businesses: dict[int, Business]) -> None:
    """:raises DomainError: an offer of an order outside the plan or of an unknown business, an
    offer listed twice, or an order with more units offered than its quantity."""
    by_id = {o.id: o for o in orders}
    if len({o.job_id for o in offers}) != len(offers):
        raise DomainError("an offer is listed twice")
    offered: dict[int, int] = defaultdict(int)
    for o in offers:
        if o.order_id not in by_id:
            raise DomainError(f"offer {o.job_id} is for order {o.order_id}, which is not in the plan")
        if o.business_id not in businesses:
            raise DomainError(f"offer {o.job_id} is held by unknown business {o.business_id}")
        if o.quantity <= 0:
            raise DomainError(f"offer {o.job_id} has no units")
        offered[o.order_id] += o.quantity
    for order_id, units in offered.items():
        if units > by_id[order_id].quantity:
            raise DomainError(
                f"order {order_id} has {units} units offered, more than its {by_id[order_id].quantity}"
            )


def _spread(businesses: Iterable[Business], added: dict[int, list[Commitment]], today: date) -> float:
    """Utilization spread (max − min) over the businesses that can work, with ``added`` work."""
    values = [
        dataclasses.replace(b, jobs=(*b.jobs, *added.get(b.id, ()))).schedule.utilization(today)
        for b in businesses
        if is_active(b)
    ]
    return max(values) - min(values) if values else 0.0


def plan_reoptimisation(
    orders: Iterable[OrderToMatch],
    offers: Iterable[Offer],
    businesses: Iterable[Business],
    today: date,
    engine_unit_km: Mapping[int, int] | None = None,
) -> Plan:
    """The moves that re-placing every offer and waiting unit together would make.

    ``orders``: every order holding an offer or waiting, with ``quantity`` = its units not in
    accepted work (offered + unplaced). ``offers``: the offers not yet accepted. ``businesses``:
    with ``jobs`` = their accepted and in-production work only (fixed; never moved).
    ``engine_unit_km`` (order id -> unit-km of the online engine placing the orders one by one on
    the same businesses) feeds each new job's ``unit_km_saved``, as in a round (P7); the jobs are
    explained in the engine's terms too (tier, equally near with room).

    :raises DomainError: as :func:`.allocation.allocate_batch`, and for offers that do not fit the
        orders (see :func:`_check`).
    """
    order_list = sorted(orders, key=lambda o: o.id)
    offer_list = sorted(offers, key=lambda o: o.job_id)
    business_list = sorted(businesses, key=lambda b: b.id)
    by_id = {b.id: b for b in business_list}
    _check(order_list, offer_list, by_id)
    keep: dict[tuple[int, int], int] = defaultdict(int)
    for o in offer_list:
        keep[(o.order_id, o.business_id)] += o.quantity
    batch = allocate_batch(
        order_list, business_list, today, engine_unit_km=engine_unit_km, keep=keep, peers=True
    )
    order_of = {o.id: o for o in order_list}

    def km(order_id: int, business_id: int) -> int:
        return geo.DISTANCE_KM[order_of[order_id].delivery_province][by_id[business_id].province]

    before: dict[int, list[Offer]] = defaultdict(list)
    held: dict[int, list[Commitment]] = defaultdict(list)
    for o in offer_list:
        before[o.order_id].append(o)
        held[o.business_id].append(Commitment(o.quantity, o.due_date))
    after: dict[int, list[Commitment]] = defaultdict(list)
    for j in batch.jobs:
        after[j.business_id].append(Commitment(j.quantity, j.due_date))
    units_before = sum(o.quantity for o in offer_list)
    km_before = sum(o.quantity * km(o.order_id, o.business_id) for o in offer_list)
    better = (batch.units_placed, -batch.unit_km) > (units_before, -km_before)
    moves = tuple(
        m for o in order_list if better and (m := _order_moves(o, before[o.id], batch, km)) is not None
    )
    return Plan(
        moves,
        units_before,
        batch.units_placed if better else units_before,
        km_before,
        batch.unit_km if better else km_before,
        _spread(business_list, held, today),
        _spread(business_list, after if better else held, today),
        batch,
    )


def _order_moves(
    order: OrderToMatch, offers: list[Offer], batch: BatchResult, km: Callable[[int, int], int]
) -> OrderMoves | None:
    """The offers an order gives up and the jobs it gets; None if it keeps exactly what it holds."""
    offered: dict[int, int] = defaultdict(int)
    for o in offers:
        offered[o.business_id] += o.quantity
    jobs = batch.for_order(order.id).allocations
    new = {j.business_id: j.quantity for j in jobs}
    changed = {b for b in offered.keys() | new.keys() if offered.get(b, 0) != new.get(b, 0)}
    if not changed:
        return None
    return OrderMoves(
        order.id,
        tuple(o for o in offers if o.business_id in changed),
        tuple(j for j in jobs if j.business_id in changed),
        sum(offered.values()),
        sum(new.values()),
        sum(o.quantity * km(order.id, o.business_id) for o in offers),
        sum(j.quantity * j.explanation.distance_km for j in jobs),
    )
