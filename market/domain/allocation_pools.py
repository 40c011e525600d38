"""The pools of a batch (see :mod:`.allocation`): active workshops grouped so that one chain of
room per deadline serves them all, each member's room, and the pool's utilization tranches."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

import numpy as np

from .capacity import UTILIZATION_HORIZON_DAYS
from .matching import Business, OrderToMatch, is_active

#: utilization tranches per pool in the flow's fairness term (see :func:`tranche_capacities`)
FAIRNESS_TRANCHES = 32

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
    #: orders of the batch that declined its members (empty for most pools)
    declined: frozenset[int] = frozenset()
    #: the pool's production deadlines, ascending, and each member's room by each of them
    #: (``free_until`` before the batch: cumulative, non-decreasing along a row)
    deadlines: list[date] = field(default_factory=list)
    room: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), dtype=np.int64))


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
        if is_active(b) and b.kits:
            groups[(b.province, b.kits, frozenset(declined.get(b.id, ())))].append(b)
    ordered = sorted(groups.items(), key=lambda kv: min(b.id for b in kv[1]))
    return [Pool(province, kits, members, declined) for (province, kits, declined), members in ordered]


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


def tranche_capacities(pool: Pool, k: int, today: date) -> np.ndarray:
    """The capacities of a pool's ``k`` utilization tranches (together: all its new room). The
    i-th holds the new units that take the pool from i/k to (i+1)/k of what its members can make
    by its last deadline (at least the utilization horizon); the flow charges i per unit in it,
    convex in utilization, so among placements equal in units, unit-km and kept units it fills
    the least utilized pools first. A unit costs at most k - 1 there (docs/allocation.md: the
    bound that keeps the whole term below one unit-km)."""
    room = int(pool.room[:, -1].sum()) if pool.room.size else 0
    if k == 1 or not room:
        return np.array([room], dtype=np.int64)
    days = max(UTILIZATION_HORIZON_DAYS, (pool.deadlines[-1] - today).days)
    basis = sum(b.weekly_capacity for b in pool.members) * days // 7
    load = sum(b.schedule.total_remaining for b in pool.members)
    edges = np.clip(basis * np.arange(k + 1, dtype=np.int64) // k - load, 0, room)
    edges[-1] = room
    return np.diff(edges)
