"""The flow network of a batch (see :mod:`.allocation`): workshop chains pooled, demand classes, and
OR-Tools' min-cost flow that places the most units at the fewest unit-km."""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

import numpy as np
from ortools.graph.python import min_cost_flow

from . import geo
from .allocation_pools import (
    FAIRNESS_TRANCHES,
    DemandKey,
    Pool,
    demand_key,
    make_pools,
    member_room,
    tranche_capacities,
)
from .deadlines import production_deadline
from .matching import OrderToMatch

__all__ = ["DemandKey", "Keep", "Network", "Piece", "Pool", "build_and_solve", "demand_key", "make_pools"]

SOURCE, SINK = 0, 1


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


_CODES = tuple(geo.DISTANCE_KM)
_INDEX = {code: i for i, code in enumerate(_CODES)}
_KM = np.array([[geo.DISTANCE_KM[a][b] for b in _CODES] for a in _CODES], dtype=np.int64)
_SOME_DAY = date(2000, 1, 1)
#: days from a class's needed-by back to its production deadline at a business's province (rows)
#: for each delivery province (columns): ``deadlines.production_deadline`` as a numpy table
_LEAD = np.array(
    [[(_SOME_DAY - production_deadline(_SOME_DAY, a, b)).days for b in _CODES] for a in _CODES],
    dtype=np.int64,
)


class _Demand:
    """The demand classes as numpy columns, and the arcs built so far (one array per chunk)."""

    def __init__(self, classes: list[DemandKey], demand: list[int], today: date) -> None:
        kits = sorted({c[1] for c in classes})
        self.kit_index = {k: i for i, k in enumerate(kits)}
        self.province = np.array([_INDEX[c[0]] for c in classes], dtype=np.int64)
        self.kit = np.array([self.kit_index[c[1]] for c in classes], dtype=np.int64)
        self.needed_by = np.array([c[2].toordinal() for c in classes], dtype=np.int64)
        self.declined = [(i, c[3]) for i, c in enumerate(classes) if c[3]]
        self.classes = classes
        self.class_index = {c: i for i, c in enumerate(classes)}
        self.demand = np.array(demand, dtype=np.int64)
        self.total = int(self.demand.sum())
        self.today = today.toordinal()
        #: distances are multiplied by this so that keeping a unit held can be worth 1 (see Keep)
        self.scale = 1
        #: what keeping one held unit is worth (more than the whole fairness term, see _tranches)
        self.keep_unit = 1
        #: utilization tranches per pool (1: no fairness term)
        self.tranches = 1
        self.chunks: list[tuple[np.ndarray, ...]] = []
        self.arcs = 0

    def add(self, tails: np.ndarray, heads: np.ndarray, capacities: np.ndarray, costs: np.ndarray) -> int:
        """Add arcs; return the index of the first."""
        self.chunks.append((tails, heads, capacities, costs))
        self.arcs += len(tails)
        return self.arcs - len(tails)

    def chain(self, nodes: np.ndarray) -> None:
        """Free, unbounded arcs from each node to the next: work made early serves later deadlines."""
        links = max(0, len(nodes) - 1)
        self.add(
            nodes[:-1], nodes[1:], np.full(links, self.total, dtype=np.int64), np.zeros(links, dtype=np.int64)
        )

    def to_classes(self, tails: np.ndarray, row: int, served: np.ndarray) -> int:
        """Arcs to the classes ``served`` from a province's nodes, at the distance per unit."""
        return self.add(tails, 2 + served, self.demand[served], self.scale * _KM[row, self.province[served]])


def _pool_chain(net: _Demand, pool: Pool, first_node: int, today: date) -> tuple[np.ndarray, np.ndarray]:
    """Add one pool's chain (one node per deadline of a class it may serve); return those classes
    and the node of each one's deadline."""
    row = _INDEX[pool.province]
    due = net.needed_by - _LEAD[row, net.province]
    kits = [net.kit_index[k] for k in pool.kits if k in net.kit_index]
    mask = np.isin(net.kit, kits) & (due > net.today)
    if pool.declined:
        member_ids = {b.id for b in pool.members}
        for c, declined in net.declined:
            if declined & member_ids:
                mask[c] = False
    served = np.nonzero(mask)[0]
    deadlines, deadline_index = np.unique(due[served], return_inverse=True)
    pool.deadlines = [date.fromordinal(int(d)) for d in deadlines]
    pool.room = member_room(pool, today)
    count = len(deadlines)
    nodes = first_node + np.arange(count, dtype=np.int64)
    made = np.diff(pool.room.sum(axis=0), prepend=0)  # what the pool can add in each interval
    root = first_node + count
    # the pool's root, fed through its utilization tranches (the k-th costing k per unit)
    tranches = tranche_capacities(pool, net.tranches, today)
    net.add(
        np.full(len(tranches), SOURCE, dtype=np.int64),
        np.full(len(tranches), root, dtype=np.int64),
        tranches,
        np.arange(len(tranches), dtype=np.int64),
    )
    net.add(np.full(count, root, dtype=np.int64), nodes, made, np.zeros(count, dtype=np.int64))
    net.chain(nodes)
    return served, nodes[deadline_index]


@dataclass
class _KitChain:
    """One kit's classes served from one province through one chain, fed at each deadline by the
    nodes of the province's pools holding that kit: each class then has one arc from the province
    instead of one per pool (about half the arcs with three kit sets per province)."""

    kit: str
    deadlines: np.ndarray  # ordinals, ascending
    nodes: np.ndarray
    first_class_arc: int
    classes: np.ndarray
    class_deadline: np.ndarray  # index into ``deadlines`` of each class
    #: (pool, first inflow arc, the pool's deadline index of each of the chain's deadlines)
    inflows: list[tuple[int, int, np.ndarray]] = field(default_factory=list)


def _kit_chains(
    net: _Demand, pools: list[Pool], province: str, shared: list[int], first_node: dict[int, int], node: int
) -> tuple[list[_KitChain], int]:
    """The kit chains of one province's pools that no order of the batch declined; return them and
    the next free node."""
    row = _INDEX[province]
    due = net.needed_by - _LEAD[row, net.province]
    chains = []
    for kit in sorted(frozenset().union(*(pools[p].kits for p in shared))):
        if kit not in net.kit_index:
            continue
        served = np.nonzero((net.kit == net.kit_index[kit]) & (due > net.today))[0]
        deadlines, class_deadline = np.unique(due[served], return_inverse=True)
        nodes = node + np.arange(len(deadlines), dtype=np.int64)
        node += len(deadlines)
        net.chain(nodes)
        chain = _KitChain(
            kit, deadlines, nodes, net.to_classes(nodes[class_deadline], row, served), served, class_deadline
        )
        for p in shared:
            if kit in pools[p].kits:
                ordinals = np.array([d.toordinal() for d in pools[p].deadlines], dtype=np.int64)
                at = np.searchsorted(ordinals, deadlines)  # the pool has every deadline of the chain
                zeros = np.zeros(len(nodes), dtype=np.int64)
                first = net.add(
                    first_node[p] + at, nodes, np.full(len(nodes), net.total, dtype=np.int64), zeros
                )
                chain.inflows.append((p, first, at))
        chains.append(chain)
    return chains, node


def _chain_pieces(
    solver: min_cost_flow.SimpleMinCostFlow, chain: _KitChain, out: list[int], km: list[int]
) -> list[tuple[int, Piece]]:
    """(class, piece) for a kit chain's flow: its outflows, deadline by deadline, are taken from its
    inflows first in, first out (a unit entering at one deadline and leaving at a later one is work
    its pool made early, moved along the pool's own chain)."""
    count = len(chain.deadlines)
    inflows = [
        (p, at, solver.flows(np.arange(first, first + count, dtype=np.int32)).tolist())
        for p, first, at in chain.inflows
    ]
    leaving: dict[int, list[int]] = defaultdict(list)
    for i, units in enumerate(out):
        if units:
            leaving[int(chain.class_deadline[i])].append(i)
    queue: deque[list[int]] = deque()
    found: dict[tuple[int, int], list[int]] = {}
    for j in range(count):
        queue.extend([p, flows[j]] for p, _, flows in inflows if flows[j])
        for i in leaving.get(j, ()):
            units = out[i]
            while units:
                head = queue[0]
                take = min(units, head[1])
                key = (int(chain.classes[i]), head[0])
                found.setdefault(key, [0, i])[0] += take
                units -= take
                head[1] -= take
                if not head[1]:
                    queue.popleft()
    at_of = {p: at for p, _, at in chain.inflows}
    return [
        (c, Piece(p, int(at_of[p][chain.class_deadline[i]]), units, km[i]))
        for (c, p), (units, i) in found.items()
    ]


def _solve(net: _Demand, strict: bool = True) -> min_cost_flow.SimpleMinCostFlow | None:
    """The solved flow; None for costs out of range unless ``strict``."""
    tails, heads, capacities, costs = (np.concatenate(column) for column in zip(*net.chunks, strict=True))
    solver = min_cost_flow.SimpleMinCostFlow()
    solver.add_arcs_with_capacity_and_unit_cost(
        tails.astype(np.int32), heads.astype(np.int32), capacities, costs
    )
    supplies = np.array([net.total, -net.total], dtype=np.int64)
    solver.set_nodes_supplies(np.array([SOURCE, SINK], dtype=np.int32), supplies)
    # Max flow first, then min cost among max flows: exactly "most units, then fewest unit-km".
    status = solver.solve_max_flow_with_min_cost()
    if status == solver.BAD_COST_RANGE and not strict:
        return None
    if status != solver.OPTIMAL:
        raise RuntimeError(f"min-cost flow failed: {status}")
    return solver


#: units of an order that a business holds and should keep where that costs nothing:
#: (order id, business id) -> units
Keep = Mapping[tuple[int, int], int]


@dataclass
class _ClassArcs:
    """The class arcs out of one pool (declined by some order) or one kit chain."""

    first: int
    classes: np.ndarray
    tails: np.ndarray
    row: int
    #: a pool's: (pool, its deadline index of each class); a kit chain's: the chain
    pool: tuple[int, np.ndarray] | None = None
    chain: _KitChain | None = None
    #: (arc, position in ``classes``) of each parallel arc that rewards keeping units held
    kept: list[tuple[int, int]] = field(default_factory=list)

    def flows(self, solver: min_cost_flow.SimpleMinCostFlow) -> list[int]:
        arcs = np.arange(self.first, self.first + len(self.classes), dtype=np.int32)
        out = solver.flows(arcs).tolist() if len(arcs) else []
        for arc, i in self.kept:
            out[i] += solver.flow(arc)
        return out


def _reward_keeping(
    net: _Demand,
    keep: Keep,
    orders: Sequence[OrderToMatch],
    pools: list[Pool],
    arcs_of: dict[tuple, _ClassArcs],
) -> None:
    """Beside each class arc carrying units that one of its businesses holds for an order of the
    class, add a parallel arc for those units costing 1 less. Distances are scaled by more than all
    the units held, so this only chooses among placements equal in units and unit-km."""
    class_of = {o.id: net.class_index[demand_key(o)] for o in orders}
    kit_of = {o.id: o.kit for o in orders}
    pool_of = {b.id: p for p, pool in enumerate(pools) for b in pool.members}
    held: dict[tuple[tuple, int], int] = defaultdict(int)
    for (order_id, business_id), units in keep.items():
        p = pool_of.get(business_id)
        if p is None or order_id not in class_of or units <= 0:
            continue
        key = ("pool", p) if pools[p].declined else ("chain", pools[p].province, kit_of[order_id])
        held[(key, class_of[order_id])] += units
    for (key, c), units in sorted(held.items(), key=repr):
        arcs = arcs_of.get(key)
        where = np.nonzero(arcs.classes == c)[0] if arcs is not None else []
        if len(where):
            i = int(where[0])
            cost = net.scale * int(_KM[arcs.row, net.province[c]]) - net.keep_unit
            capacity = min(units, int(net.demand[c]))
            arc = net.add(arcs.tails[i : i + 1], np.array([2 + c]), np.array([capacity]), np.array([cost]))
            arcs.kept.append((arc, i))


def _class_arcs(net: _Demand, pools: list[Pool], today: date) -> tuple[dict[tuple, _ClassArcs], int]:
    """Every pool's chain, the kit chains, and the class arcs out of them; return the class arcs by
    ("pool", pool) or ("chain", province, kit), and the number of nodes."""
    node = 2 + len(net.demand)
    first_node: dict[int, int] = {}
    arcs_of: dict[tuple, _ClassArcs] = {}
    shared: dict[str, list[int]] = defaultdict(list)
    for p, pool in enumerate(pools):
        first_node[p] = node
        served, nodes = _pool_chain(net, pool, node, today)
        node += len(pool.deadlines) + 1  # the chain and its root
        if pool.declined:  # its own arcs: the kit chains are for pools every order may use
            row = _INDEX[pool.province]
            first = net.to_classes(nodes, row, served)
            arcs_of[("pool", p)] = _ClassArcs(first, served, nodes, row, pool=(p, nodes - first_node[p]))
        else:
            shared[pool.province].append(p)
    for province in sorted(shared):
        chains, node = _kit_chains(net, pools, province, shared[province], first_node, node)
        for chain in chains:
            tails = chain.nodes[chain.class_deadline]
            arcs_of[("chain", province, chain.kit)] = _ClassArcs(
                chain.first_class_arc, chain.classes, tails, _INDEX[province], chain=chain
            )
    return arcs_of, node


def _network(
    pools: list[Pool], orders: Sequence[OrderToMatch], today: date, keep: Keep | None, tranches: int
) -> tuple[_Demand, dict[tuple, _ClassArcs], int, min_cost_flow.SimpleMinCostFlow | None]:
    """Build and solve the network with ``tranches`` per pool; no solver if its costs do not fit
    in int64 (OR-Tools multiplies them by the number of nodes as it scales them)."""
    by_class: dict[DemandKey, int] = defaultdict(int)
    for o in orders:
        by_class[demand_key(o)] += o.quantity
    classes = sorted(by_class, key=lambda c: (c[0], c[1], c[2], sorted(c[3])))
    net = _Demand(classes, [by_class[c] for c in classes], today)
    net.tranches = tranches
    net.keep_unit = (tranches - 1) * net.total + 1
    net.scale = (sum(keep.values()) + 1 if keep else 1) * net.keep_unit
    if tranches > 1 and net.scale * int(_KM.max()) * (net.total + 1) >= 2**62:
        return net, {}, 0, None
    arcs_of, nodes = _class_arcs(net, pools, today)
    if keep:
        _reward_keeping(net, keep, orders, pools, arcs_of)
    count = len(classes)
    zeros = np.zeros(count, dtype=np.int64)
    net.add(2 + np.arange(count, dtype=np.int64), np.full(count, SINK, dtype=np.int64), net.demand, zeros)
    return net, arcs_of, nodes, _solve(net, strict=tranches == 1)


def build_and_solve(
    pools: list[Pool], orders: Sequence[OrderToMatch], today: date, keep: Keep | None = None
) -> Network:
    """Build every chain and class arc, place the most units at the fewest unit-km (and among
    those keep the most units of ``keep`` where they are held, and among those fill the least
    utilized pools first), and read the flow back as pieces per class (pool, its deadline index,
    units, distance)."""
    net, arcs_of, nodes, solver = _network(pools, orders, today, keep, FAIRNESS_TRANCHES)
    if solver is None:  # the fairness term does not fit in int64 costs: solve without it
        net, arcs_of, nodes, solver = _network(pools, orders, today, keep, 1)
    assert solver is not None
    pieces: dict[int, list[Piece]] = defaultdict(list)
    for arcs in sorted(arcs_of.values(), key=lambda a: a.first):
        out = arcs.flows(solver)
        km = _KM[arcs.row, net.province[arcs.classes]].tolist()
        if arcs.pool is not None:
            p, at = arcs.pool
            for i in (i for i, units in enumerate(out) if units):
                pieces[int(arcs.classes[i])].append(Piece(p, int(at[i]), out[i], km[i]))
        elif arcs.chain is not None:
            for c, piece in _chain_pieces(solver, arcs.chain, out, km):
                pieces[c].append(piece)
    unit_km = sum(piece.units * piece.distance_km for found in pieces.values() for piece in found)
    return Network(pools, net.classes, pieces, solver.maximum_flow(), unit_km, nodes, net.arcs)
