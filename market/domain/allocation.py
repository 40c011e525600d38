"""Batch allocation: many orders placed together by one min-cost flow (DESIGN.md, "Batch allocation
as a min-cost flow"; what it guarantees is in docs/allocation.md).

The online engine (:mod:`.matching`) places one order at a time, nearest first. A batch (a bulk
requisition, a backlog, the waiting orders when capacity appears) is placed here as a whole:

1. **Supply.** Each eligible workshop's room by each production deadline is exactly what the
   capacity rule allows: with its open commitments fixed, new work due by ``d`` may total at most
   ``Schedule.free_until(d)``, which never falls as ``d`` grows, so a chain of nodes, one per
   deadline, fed by the increments and linked by free forward arcs (work made early serves a later
   deadline), carries exactly the sets of new jobs the rule accepts. Workshops of one (province,
   kit set, orders of the batch that declined them) are pooled into one chain: the sum of their
   chains, which splits back to them exactly.
2. **Demand.** Orders that no flow can tell apart (delivery province, kit, needed-by, declines) form
   one class; a pool serves a class from the node of the class's production deadline there, at the
   distance between capitals per unit. Workshops an order declined have no arc to it (P8). The
   pools of a province that no order declined reach the classes of each kit through one shared
   chain per (province, kit), fed by their nodes: one arc per class and province, not per pool.
3. **Solve.** OR-Tools' ``SimpleMinCostFlow.solve_max_flow_with_min_cost``: the most units any
   placement can make first, then the fewest unit-km among those (lexicographically: an
   "unplaced" arc costing more than any distance would not be enough, see docs/allocation.md);
   among those, each pool's utilization tranches (costs rising with utilization, all together
   worth less than one unit-km) fill the least utilized pools first.
4. **Jobs** (:mod:`.allocation_jobs`): each class's flow is shared among its orders, oldest first,
   with the fewest pieces; each pool's flow is split to its workshops in deadline order, within
   each one's own chain, whole pieces first, the least utilized first (P4), never below a
   ``min_lot``; units a lot kept out are placed by the online engine's rules as last remainders.

Pure: no clock, no database; OR-Tools and numpy are computation.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from . import geo
from .allocation_flow import Keep, build_and_solve, make_pools
from .allocation_jobs import FROM_FLOW, RawJob, place
from .allocation_peers import Peers
from .errors import DomainError
from .matching import Business, OrderToMatch, validate_order

RULE_BATCH = "batch"
RULE_BATCH_LAST_REMAINDER = "batch_last_remainder_below_min_lot"
#: units the flow placed at a workshop whose min_lot they did not reach, placed again by the
#: online engine's walk (nearest first, a job below min_lot only as the order's last remainder)
RULE_BATCH_FILL = "batch_then_nearest_first"


@dataclass(frozen=True, slots=True)
class BatchExplanation:
    """Why a workshop got a batch job (P7); stored with the job like the engine's explanation."""

    distance_km: int
    same_province: bool
    transit_days: int
    production_deadline: date
    #: room for this deadline before the batch, and utilization before the batch
    free_capacity_before: int
    utilization_before: float
    rule: str
    #: units and unit-km of the whole order in this batch
    order_units: int
    order_unit_km: int
    #: unit-km the order-by-order engine spent on this order, when the caller knows it
    engine_unit_km: int | None = None
    #: the engine's terms, when the caller asks for them (``peers``): the rank of this distance
    #: among the distances of the workshops eligible for the order (1 = nearest), and how many
    #: workshops at this distance had room for this deadline before the batch
    tier: int | None = None
    equally_near_with_room: int | None = None

    @property
    def unit_km_saved(self) -> int | None:
        """What the batch saved against the engine for this order (negative: it spent more)."""
        return None if self.engine_unit_km is None else self.engine_unit_km - self.order_unit_km

    def as_dict(self) -> dict[str, Any]:
        return {
            "distance_km": self.distance_km,
            "same_province": self.same_province,
            "tier": self.tier,
            "transit_days": self.transit_days,
            "production_deadline": self.production_deadline.isoformat(),
            "free_capacity_before": self.free_capacity_before,
            "utilization_before": round(self.utilization_before, 4),
            "equally_near_with_room": self.equally_near_with_room,
            "rule": self.rule,
            "order_units": self.order_units,
            "order_unit_km": self.order_unit_km,
            "engine_unit_km": self.engine_unit_km,
            "unit_km_saved": self.unit_km_saved,
        }


@dataclass(frozen=True, slots=True)
class BatchJob:
    """One job to offer: ``quantity`` units of order ``order_id`` to ``business_id``, due ``due_date``."""

    order_id: int
    business_id: int
    quantity: int
    due_date: date
    explanation: BatchExplanation


@dataclass(frozen=True)
class OrderAllocation:
    """One order's share of a batch, shaped like the engine's ``MatchResult``."""

    order_id: int
    allocations: tuple[BatchJob, ...]
    unallocated: int

    @property
    def allocated(self) -> int:
        return sum(a.quantity for a in self.allocations)


@dataclass(frozen=True)
class BatchResult:
    """The jobs of a batch, per order in the batch's order (ids ascending)."""

    orders: tuple[OrderAllocation, ...]
    #: True when the jobs are the min-cost max flow itself (no lot forced a unit elsewhere): then
    #: no placement of the batch places more units, or as many with fewer unit-km
    exact: bool
    #: units the flow could place (an upper bound on any placement of the batch)
    flow_units: int
    flow_unit_km: int

    @property
    def jobs(self) -> tuple[BatchJob, ...]:
        return tuple(j for o in self.orders for j in o.allocations)

    @property
    def units_placed(self) -> int:
        return sum(o.allocated for o in self.orders)

    @property
    def unit_km(self) -> int:
        return sum(j.quantity * j.explanation.distance_km for j in self.jobs)

    def for_order(self, order_id: int) -> OrderAllocation:
        for o in self.orders:
            if o.order_id == order_id:
                return o
        raise KeyError(order_id)


def _checked(
    orders: Iterable[OrderToMatch], businesses: Iterable[Business], today: date
) -> tuple[list[OrderToMatch], list[Business]]:
    order_list = sorted(orders, key=lambda o: o.id)
    for o in order_list:
        validate_order(o, today)
    if len({o.id for o in order_list}) != len(order_list):
        raise DomainError("an order is listed twice in the batch")
    business_list = sorted(businesses, key=lambda b: b.id)
    if len({b.id for b in business_list}) != len(business_list):
        raise DomainError("a business is listed twice among the candidates")
    for b in business_list:
        geo.province(b.province)
    return order_list, business_list


def allocate_batch(
    orders: Iterable[OrderToMatch],
    businesses: Iterable[Business],
    today: date,
    engine_unit_km: Mapping[int, int] | None = None,
    keep: Keep | None = None,
    peers: bool = False,
) -> BatchResult:
    """Place a batch of orders as a whole among ``businesses`` (any eligibility, open work included).

    ``OrderToMatch.quantity`` is what is still to place of each order (a batch has no cap on jobs
    per order: P5, the number of jobs never makes units wait).
    ``engine_unit_km`` (order id -> unit-km of the online engine's jobs for it) only feeds the
    explanations' ``unit_km_saved``. ``keep`` ((order id, business id) -> units, e.g. the offers a
    re-optimisation may withdraw) is kept where that costs neither units nor unit-km. With
    ``peers``, each explanation also gets the engine's ``tier`` and ``equally_near_with_room``
    (a round's jobs are explained in the engine's terms; the bench's 10,000 orders skip them).

    :raises DomainError: an order with quantity ≤ 0 or needed-by not after ``today``, or an order
        or a business listed twice.
    :raises UnknownProvince: for an order's or a business's province.
    """
    order_list, business_list = _checked(orders, businesses, today)
    network = build_and_solve(make_pools(business_list, order_list), order_list, today, keep)
    jobs, exact = place(network, order_list, business_list, today, keep)
    return BatchResult(
        _explained(
            jobs,
            order_list,
            business_list,
            today,
            engine_unit_km or {},
            Peers(business_list, today) if peers else None,
        ),
        exact,
        network.units,
        network.unit_km,
    )


def _explained(
    jobs: list[RawJob],
    orders: list[OrderToMatch],
    businesses: list[Business],
    today: date,
    engine_unit_km: Mapping[int, int],
    peers: Peers | None,
) -> tuple[OrderAllocation, ...]:
    """Per order: its jobs with their explanations (a job below min_lot last), and what is left."""
    by_id = {b.id: b for b in businesses}
    per_order: dict[int, list[RawJob]] = defaultdict(list)
    for job in jobs:
        per_order[job[0]].append(job)
    out = []
    for o in orders:
        mine = per_order[o.id]
        units = sum(j[2] for j in mine)
        unit_km = sum(j[2] * geo.DISTANCE_KM[o.delivery_province][by_id[j[1]].province] for j in mine)
        made = []
        for _, business_id, quantity, due, source in mine:
            b = by_id[business_id]
            km = geo.DISTANCE_KM[o.delivery_province][b.province]
            if quantity < b.min_lot:
                rule = RULE_BATCH_LAST_REMAINDER
            else:
                rule = RULE_BATCH if source == FROM_FLOW else RULE_BATCH_FILL
            why = BatchExplanation(
                km,
                b.province == o.delivery_province,
                geo.transit_days(b.province, o.delivery_province),
                due,
                b.schedule.free_until(due, today),
                b.schedule.utilization(today),
                rule,
                units,
                unit_km,
                engine_unit_km.get(o.id),
                *(peers.of(o, km, due) if peers else (None, None)),
            )
            made.append(BatchJob(o.id, business_id, quantity, due, why))
        made.sort(key=lambda j: (j.explanation.rule == RULE_BATCH_LAST_REMAINDER, j.due_date, j.business_id))
        out.append(OrderAllocation(o.id, tuple(made), o.quantity - units))
    return tuple(out)
