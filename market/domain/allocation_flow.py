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


_CODES = tuple(geo.DISTANCE_KM)
_INDEX = {code: i for i, code in enumerate(_CODES)}
_KM = np.array([[geo.DISTANCE_KM[a][b] for b in _CODES] for a in _CODES], dtype=np.int64)
_TRANSIT = 1 + _KM // geo.TRANSIT_KM_PER_DAY


class _Demand:
    """The demand classes as numpy columns, and the arcs built so far (one array per chunk)."""

    def __init__(self, classes: list[DemandKey], demand: list[int], today: date) -> None:
        kits = sorted({c[1] for c in classes})
        self.kit_index = {k: i for i, k in enumerate(kits)}
        self.province = np.array([_INDEX[c[0]] for c in classes], dtype=np.int64)
        self.kit = np.array([self.kit_index[c[1]] for c in classes], dtype=np.int64)
        self.needed_by = np.array([c[2].toordinal() for c in classes], dtype=np.int64)
        self.declined = [(i, c[3]) for i, c in enumerate(classes) if c[3]]
        self.demand = np.array(demand, dtype=np.int64)
        self.today = today.toordinal()
        self.chunks: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []
        self.arcs = 0

    def add(self, tails: np.ndarray, heads: np.ndarray, capacities: np.ndarray, costs: np.ndarray) -> int:
        """Add arcs; return the index of the first."""
        self.chunks.append((tails, heads, capacities, costs))
        self.arcs += len(tails)
        return self.arcs - len(tails)


def _chain(net: _Demand, pool: Pool, first_node: int, today: date) -> tuple[int, np.ndarray, np.ndarray]:
    """Add one pool's chain and its arcs to the classes it may serve; return the index of its first
    class arc, and for each class arc its deadline index in the pool and its class."""
    row = _INDEX[pool.province]
    due = net.needed_by - _TRANSIT[row, net.province]
    kits = [net.kit_index[k] for k in pool.kits if k in net.kit_index]
    mask = np.isin(net.kit, kits) & (due > net.today)
    if net.declined:
        member_ids = {b.id for b in pool.members}
        for c, declined in net.declined:
            if declined & member_ids:
                mask[c] = False
    served = np.nonzero(mask)[0]
    deadlines, deadline_index = np.unique(due[served], return_inverse=True)
    pool.deadlines = [date.fromordinal(int(d)) for d in deadlines]
    pool.room = member_room(pool, today)
    made = pool.room.sum(axis=0)
    count = len(deadlines)
    nodes = first_node + np.arange(count, dtype=np.int64)
    zeros = np.zeros(count, dtype=np.int64)
    # what the pool can add in each interval; work made early serves later deadlines
    net.add(np.full(count, SOURCE, dtype=np.int64), nodes, np.diff(made, prepend=0), zeros)
    unbounded = np.full(max(0, count - 1), int(net.demand.sum()), dtype=np.int64)
    net.add(nodes[:-1], nodes[1:], unbounded, zeros[:-1])
    first = net.add(nodes[deadline_index], 2 + served, net.demand[served], _KM[row, net.province[served]])
    return first, deadline_index, served


def build_and_solve(pools: list[Pool], orders: Sequence[OrderToMatch], today: date) -> Network:
    """Build every chain and class arc, place the most units at the fewest unit-km, and read the
    flow back as pieces per class."""
    by_class: dict[DemandKey, int] = defaultdict(int)
    for o in orders:
        by_class[demand_key(o)] += o.quantity
    classes = sorted(by_class, key=lambda c: (c[0], c[1], c[2], sorted(c[3])))
    net = _Demand(classes, [by_class[c] for c in classes], today)
    served: list[tuple[int, np.ndarray, np.ndarray]] = []
    node = 2 + len(classes)
    for pool in pools:
        served.append(_chain(net, pool, node, today))
        node += len(pool.deadlines)
    count = len(classes)
    net.add(
        2 + np.arange(count, dtype=np.int64),
        np.full(count, SINK, dtype=np.int64),
        net.demand,
        np.zeros(count, dtype=np.int64),
    )
    solver = min_cost_flow.SimpleMinCostFlow()
    tails, heads, capacities, costs = (np.concatenate(column) for column in zip(*net.chunks, strict=True))
    solver.add_arcs_with_capacity_and_unit_cost(
        tails.astype(np.int32), heads.astype(np.int32), capacities, costs
    )
    total = int(net.demand.sum())
    solver.set_nodes_supplies(
        np.array([SOURCE, SINK], dtype=np.int32), np.array([total, -total], dtype=np.int64)
    )
    # Max flow first, then min cost among max flows: exactly "most units, then fewest unit-km".
    status = solver.solve_max_flow_with_min_cost()
    if status != solver.OPTIMAL:
        raise RuntimeError(f"min-cost flow failed: {status}")
    pieces: dict[int, list[Piece]] = defaultdict(list)
    for p, (first, deadline_index, classes_served) in enumerate(served):
        arcs = np.arange(first, first + len(classes_served), dtype=np.int32)
        flows = solver.flows(arcs) if len(arcs) else np.zeros(0, dtype=np.int64)
        for i in np.nonzero(flows)[0].tolist():
            c = int(classes_served[i])
            pieces[c].append(Piece(p, int(deadline_index[i]), int(flows[i]), int(costs[first + i])))
    return Network(pools, classes, pieces, solver.maximum_flow(), solver.optimal_cost(), node, len(tails))
