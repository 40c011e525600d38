"""Turning a solved batch flow into jobs (see :mod:`.allocation`).

1. Each demand class's flow is shared among its orders: the oldest orders are placed first, and
   each order takes whole pieces where one fits (best fit, largest orders first), so an order is
   split over pools only when no piece holds it.
2. Each pool's share of an order is split among the pool's workshops, deadlines ascending (EDF:
   a workshop's room at a deadline is then its ``free_until`` less what it already took, and the
   pool's room always covers the pool's flow, so the split never runs dry). For each share, a
   workshop that can take it whole at its lot goes first, the least utilized of those (P4); if none
   can, the least utilized take all they can, each at least its ``min_lot`` (P5).
3. When a lot kept units out (rare: a pool where every workshop with room asks for more), what
   that order still lacks is placed by the online engine on the workshops as the batch left them:
   nearest first, and below a ``min_lot`` only as the order's last remainder.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import date

from .allocation_flow import Keep, Network, Piece, Pool, demand_key
from .capacity import UTILIZATION_HORIZON_DAYS, Commitment
from .matching import Business, CandidatePool, OrderToMatch, match_order

FROM_FLOW, FROM_FILL = "flow", "fill"

#: (order id, business id, units, production deadline, FROM_FLOW or FROM_FILL)
RawJob = tuple[int, int, int, date, str]


def share_class(
    orders: Sequence[OrderToMatch],
    pieces: Sequence[Piece],
    kept: Mapping[int, Mapping[int, int]] | None = None,
) -> list[tuple[OrderToMatch, int, int]]:
    """(order, piece index, units): the class's flow given to its orders, oldest first, in as few
    (order, piece) pairs as best-fit-decreasing finds; an order first takes what it holds in a
    piece's pool (``kept``: order id -> pool -> units)."""
    left = sum(p.units for p in pieces)
    placed: dict[int, int] = {}
    for o in sorted(orders, key=lambda o: o.id):
        placed[o.id] = min(o.quantity, left)
        left -= placed[o.id]
    remaining = [p.units for p in pieces]
    shares = []
    for o in sorted(orders, key=lambda o: (-placed[o.id], o.id)):
        need = placed[o.id]
        holds = dict((kept or {}).get(o.id, {}))
        for i, piece in enumerate(pieces):
            take = min(need, remaining[i], holds.get(piece.pool, 0))
            if take:
                holds[piece.pool] -= take
                remaining[i] -= take
                need -= take
                shares.append((o, i, take))
        while need:
            fits = [i for i, r in enumerate(remaining) if r >= need]
            if fits:
                i = min(fits, key=lambda i: (remaining[i], pieces[i].distance_km, i))
            else:
                i = max(range(len(remaining)), key=lambda i: (remaining[i], -i))
            take = min(need, remaining[i])
            remaining[i] -= take
            need -= take
            shares.append((o, i, take))
    return shares


class _Member:
    """A workshop of a pool while the pool's flow is split: its room row and what it took."""

    __slots__ = ("business", "last", "room", "total", "used", "utilization")

    def __init__(self, business: Business, room: list[int], today: date) -> None:
        self.business = business
        self.room = room
        self.used = 0
        self.total = business.schedule.total_remaining
        self.last = business.schedule.deadlines[-1] if self.total else 0
        self.utilization = business.schedule.utilization(today)

    def take(self, units: int, deadline: int, today: int) -> None:
        """Record ``units`` more due at the ordinal ``deadline``; utilization as ``Schedule`` counts it."""
        self.used += units
        self.total += units
        self.last = max(self.last, deadline)
        end = max(self.last, today + UTILIZATION_HORIZON_DAYS)
        self.utilization = 7 * self.total / (self.business.weekly_capacity * (end - today))


def split_pool(
    pool: Pool, shares: Sequence[tuple[OrderToMatch, int, int]], today: date, keep: Keep | None = None
) -> tuple[list[RawJob], list[tuple[OrderToMatch, int]]]:
    """Split a pool's shares ((order, deadline index, units)) among its members; return the jobs
    and the units no member could take at its lot (order, units). A member holding units of the
    order (``keep``) takes them back first, within its room and lot."""
    members = [_Member(b, row, today) for b, row in zip(pool.members, pool.room.tolist(), strict=True)]
    t = today.toordinal()
    jobs: list[RawJob] = []
    kept_out: list[tuple[OrderToMatch, int]] = []
    for order, k, units in sorted(shares, key=lambda s: (s[1], -s[2], s[0].id)):
        due = pool.deadlines[k]
        rest = units
        if keep:
            for m in members:
                take = min(m.room[k] - m.used, rest, keep.get((order.id, m.business.id), 0))
                if take > 0 and take >= m.business.min_lot:
                    m.take(take, due.toordinal(), t)
                    jobs.append((order.id, m.business.id, take, due, FROM_FLOW))
                    rest -= take
        with_room = [m for m in members if m.room[k] > m.used]
        whole = [m for m in with_room if m.room[k] - m.used >= rest >= m.business.min_lot]
        if whole:
            chosen = [min(whole, key=lambda m: (m.utilization, m.business.id))]
        else:
            chosen = sorted(with_room, key=lambda m: (m.used - m.room[k], m.utilization, m.business.id))
        for m in chosen if rest else ():
            take = min(m.room[k] - m.used, rest)
            if take < m.business.min_lot:
                continue
            m.take(take, due.toordinal(), t)
            jobs.append((order.id, m.business.id, take, due, FROM_FLOW))
            rest -= take
            if not rest:
                break
        if rest:
            kept_out.append((order, rest))
    return jobs, kept_out


def fill(
    lacking: dict[int, int],
    orders: dict[int, OrderToMatch],
    businesses: Sequence[Business],
    jobs: Sequence[RawJob],
    today: date,
) -> list[RawJob]:
    """Place what orders still lack (``lacking``: order id -> units) with the online engine, on the
    workshops as the batch left them."""
    added: dict[int, list[Commitment]] = defaultdict(list)
    for _, business_id, units, due, _ in jobs:
        added[business_id].append(Commitment(units, due))
    pool = CandidatePool(
        dataclasses.replace(b, jobs=(*b.jobs, *added[b.id])) if b.id in added else b for b in businesses
    )
    by_id = {b.id: b for b in businesses}
    filled: list[RawJob] = []
    for order_id in sorted(lacking):
        request = dataclasses.replace(orders[order_id], quantity=lacking[order_id])
        for a in match_order(request, pool, today, max_splits=None).allocations:
            filled.append((order_id, a.business_id, a.quantity, a.due_date, FROM_FILL))
            added[a.business_id].append(Commitment(a.quantity, a.due_date))
            b = by_id[a.business_id]
            pool.put(dataclasses.replace(b, jobs=(*b.jobs, *added[b.id])))
    return filled


def place(
    network: Network,
    orders: Sequence[OrderToMatch],
    businesses: Sequence[Business],
    today: date,
    keep: Keep | None = None,
) -> tuple[list[RawJob], bool]:
    """Every job of the batch (the same order and business merged into one job), and whether the
    jobs are the flow itself (no unit was kept out by a lot)."""
    by_class: dict[int, list[OrderToMatch]] = defaultdict(list)
    index = {c: i for i, c in enumerate(network.classes)}
    for o in orders:
        by_class[index[demand_key(o)]].append(o)
    per_pool: dict[int, list[tuple[OrderToMatch, int, int]]] = defaultdict(list)
    kept: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    pool_of = {b.id: p for p, pool in enumerate(network.pools) for b in pool.members}
    for (order_id, business_id), units in (keep or {}).items():
        if business_id in pool_of:
            kept[order_id][pool_of[business_id]] += units
    for c, pieces in network.pieces.items():
        for order, i, units in share_class(by_class[c], pieces, kept):
            per_pool[pieces[i].pool].append((order, pieces[i].deadline_index, units))
    jobs: list[RawJob] = []
    kept_out: dict[int, int] = defaultdict(int)
    for p in sorted(per_pool):
        made, out = split_pool(network.pools[p], per_pool[p], today, keep)
        jobs += made
        for order, units in out:
            kept_out[order.id] += units
    if kept_out:
        # the engine is asked for all the order still lacks, so that a job below a min_lot is the
        # last remainder of the order, not only of the units the lot kept out
        lacking = {o.id: o.quantity for o in orders if o.id in kept_out}
        for order_id, _, units, _, _ in jobs:
            if order_id in lacking:
                lacking[order_id] -= units
        jobs += fill(lacking, {o.id: o for o in orders}, businesses, jobs, today)
    merged: dict[tuple[int, int], RawJob] = {}
    for order_id, business_id, units, due, source in jobs:
        old = merged.get((order_id, business_id))
        if old is not None:
            units += old[2]
            source = FROM_FLOW if FROM_FLOW in (old[4], source) else source
        merged[(order_id, business_id)] = (order_id, business_id, units, due, source)
    return list(merged.values()), not kept_out
