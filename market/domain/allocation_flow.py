"""The flow network of a batch (see :mod:`.allocation`): workshop chains pooled, demand classes, and
OR-Tools' min-cost flow that places the most units at the fewest unit-km."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np
from ortools.graph.python import min_cost_flow

from . import geo
from .matching import APPROVED, Business, OrderToMatch

SOURCE, SINK = 0, 1

#: (delivery province, kit, needed_by, declined_by): orders a flow cannot tell apart
DemandKey = tuple[str, str, date, frozenset[int]]


def demand_key(order: OrderToMatch) -> DemandKey:
    return (order.delivery_province, order.kit, order.needed_by, order.declined_by)


@dataclass
class Pool:
    """Active workshops of one province and kit set that the same orders of the batch declined."""

    province: str
    kits: frozenset[str]
    members: list[Business]
    #: the pool's production deadlines, ascending, and each member's room by each of them
    #: (``free_until`` before the batch: cumulative, non-decreasing along a row)
    deadlines: list[date] = field(default_factory=list)
    room: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), dtype=np.int64))


@dataclass(frozen=True, slots=True)
class Piece:
    """Units the flow sends from one pool, at one of its deadlines, to one demand class."""

    pool: int
    deadline_index: int
    units: int
    distance_km: int


@dataclass
class Network:
    """A solved batch: the pools, the demand classes and the flow as pieces per class."""

    pools: list[Pool]
    classes: list[DemandKey]
    pieces: dict[int, list[Piece]]
    units: int
    unit_km: int
    nodes: int
    arcs: int


def production_deadline(needed_by: date, maker: str, delivery: str) -> date:
    return needed_by - timedelta(days=geo.transit_days(maker, delivery))


def make_pools(businesses: Sequence[Business], orders: Sequence[OrderToMatch]) -> list[Pool]:
    """Active workshops grouped by (province, kit set, orders of the batch that declined them).

    Keying on the decliners keeps pooling exact under P8: an order either may use every member of
    a pool or none of them.
    """
    declined: dict[int, set[int]] = defaultdict(set)
    for o in orders:
        for b in o.declined_by:
            declined[b].add(o.id)
    groups: dict[tuple[str, frozenset[str], frozenset[int]], list[Business]] = defaultdict(list)
    for b in businesses:
        if b.status == APPROVED and not b.paused and b.weekly_capacity > 0 and b.kits:
            groups[(b.province, b.kits, frozenset(declined.get(b.id, ())))].append(b)
    ordered = sorted(groups.items(), key=lambda kv: min(b.id for b in kv[1]))
    return [Pool(province, kits, members) for (province, kits, _), members in ordered]


def member_room(pool: Pool, today: date) -> np.ndarray:
    """Each member's room by each pool deadline: ``free_until`` with its open work fixed, which is
    exactly the most new work due by that deadline that the capacity rule allows (computed in one
    numpy step for members holding no work: ``floor(w * days / 7)``)."""
    days = np.array([max(0, (d - today).days) for d in pool.deadlines], dtype=np.int64)
    room = np.empty((len(pool.members), len(days)), dtype=np.int64)
    for i, b in enumerate(pool.members):
        if b.schedule.total_remaining:
            room[i] = [b.schedule.free_until(d, today) for d in pool.deadlines]
        else:
            room[i] = b.weekly_capacity * days // 7
    return room


class _Arcs:
    """Arc columns for ``add_arcs_with_capacity_and_unit_cost``."""

    def __init__(self) -> None:
        self.tails: list[int] = []
        self.heads: list[int] = []
        self.capacities: list[int] = []
        self.costs: list[int] = []

    def add(self, tail: int, head: int, capacity: int, cost: int = 0) -> int:
        self.tails.append(tail)
        self.heads.append(head)
        self.capacities.append(capacity)
        self.costs.append(cost)
        return len(self.tails) - 1


def _chain(
    arcs: _Arcs, pool: Pool, first_node: int, classes: list[DemandKey], demand: list[int], today: date
) -> list[tuple[int, int, int, int]]:
    """Add one pool's chain and its arcs to the classes it may serve; return (arc, deadline index,
    class, km) for each class arc."""
    member_ids = {b.id for b in pool.members}
    serves = []
    for c, (province, kit, needed_by, declined) in enumerate(classes):
        due = production_deadline(needed_by, pool.province, province)
        if kit in pool.kits and due > today and not declined & member_ids:
            serves.append((due, c, geo.DISTANCE_KM[pool.province][province]))
    pool.deadlines = sorted({due for due, _, _ in serves})
    pool.room = member_room(pool, today)
    cumulative = pool.room.sum(axis=0).tolist()
    unbounded = sum(demand)
    before = 0
    for k, made in enumerate(cumulative):
        arcs.add(SOURCE, first_node + k, made - before)  # what the pool can add in this interval
        before = made
        if k + 1 < len(cumulative):
            arcs.add(first_node + k, first_node + k + 1, unbounded)  # made early, serves later
    index = {d: k for k, d in enumerate(pool.deadlines)}
    return [
        (arcs.add(first_node + index[due], 2 + c, demand[c], km), index[due], c, km) for due, c, km in serves
    ]


def build_and_solve(pools: list[Pool], orders: Sequence[OrderToMatch], today: date) -> Network:
    """Build every chain and class arc, place the most units at the fewest unit-km, and read the
    flow back as pieces per class."""
    by_class: dict[DemandKey, int] = defaultdict(int)
    for o in orders:
        by_class[demand_key(o)] += o.quantity
    classes = sorted(by_class, key=lambda c: (c[0], c[1], c[2], sorted(c[3])))
    demand = [by_class[c] for c in classes]
    arcs = _Arcs()
    served: list[tuple[int, int, int, int]] = []
    node = 2 + len(classes)
    for p, pool in enumerate(pools):
        served += [(arc, p, k, c) for arc, k, c, _ in _chain(arcs, pool, node, classes, demand, today)]
        node += len(pool.deadlines)
    for c, units in enumerate(demand):
        arcs.add(2 + c, SINK, units)
    solver = min_cost_flow.SimpleMinCostFlow()
    solver.add_arcs_with_capacity_and_unit_cost(
        np.array(arcs.tails, dtype=np.int32),
        np.array(arcs.heads, dtype=np.int32),
        np.array(arcs.capacities, dtype=np.int64),
        np.array(arcs.costs, dtype=np.int64),
    )
    total = sum(demand)
    solver.set_nodes_supplies(
        np.array([SOURCE, SINK], dtype=np.int32), np.array([total, -total], dtype=np.int64)
    )
    # Max flow first, then min cost among max flows: exactly "most units, then fewest unit-km".
    status = solver.solve_max_flow_with_min_cost()
    if status != solver.OPTIMAL:
        raise RuntimeError(f"min-cost flow failed: {status}")
    flows = solver.flows(np.array([s[0] for s in served], dtype=np.int32)).tolist() if served else []
    pieces: dict[int, list[Piece]] = defaultdict(list)
    for (arc, p, k, c), units in zip(served, flows, strict=True):
        if units:
            pieces[c].append(Piece(p, k, int(units), arcs.costs[arc]))
    return Network(
        pools, classes, pieces, solver.maximum_flow(), solver.optimal_cost(), node, len(arcs.tails)
    )
