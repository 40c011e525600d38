"""Demand against the capacity that can actually serve it by its dates (the admin's chart).

The old picture compared a province's demand with the workshops located in it; but matching serves
a province from any province, nearest first, within each order's date. So the units of an order
count as served when a live job holds them (matching placed them by the capacity rule), or when a
dry run of matching would place them now: the waiting orders of each kit are placed one after the
other, oldest first, on one copy of the kit's candidate pool (as a round would, :func:`place_order`),
which holds nothing. What is left is the shortage, each unit with the reason it waits
(:func:`waiting.explain_waiting`, asked of the units left on the pool once the dry run placed
what it could of that order).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date

from .errors import DomainError
from .matching import Business, CandidatePool, OrderToMatch, place_order
from .waiting import DEADLINE_PASSED, PLACEABLE, explain_waiting


@dataclass(frozen=True, slots=True)
class OpenOrder:
    """An open order as the chart sees it: ``held`` units are in live jobs; ``waiting`` is
    what matching would place (its quantity is the units no job holds)."""

    province: str
    quantity: int
    held: int
    waiting: OrderToMatch | None


@dataclass
class ProvinceServing:
    """One delivery province: units ordered, units that can be delivered by their dates (held by a
    job or placeable now), and the units left waiting by reason."""

    province: str
    demand: int = 0
    served: int = 0
    reasons: dict[str, int] = field(default_factory=dict)

    @property
    def capacity(self) -> int:
        """What the chart draws against demand: the capacity that serves it by its dates."""
        return self.served

    @property
    def shortfall(self) -> int:
        return self.demand - self.served

    @property
    def waiting(self) -> int:
        return sum(self.reasons.values())


def serving(
    orders: Iterable[OpenOrder],
    pools: dict[str, list[Business]],
    today: date,
    max_splits: int | None = None,
) -> list[ProvinceServing]:
    """Each delivery province's demand, what can serve it by its dates, and why the rest waits;
    ``orders`` oldest first, ``pools`` the candidates by kit code (never changed). The most
    short first, then the most demanded."""
    by_province: dict[str, ProvinceServing] = {}
    copies = {kit: CandidatePool(bs) for kit, bs in pools.items()}
    for o in orders:
        row = by_province.setdefault(o.province, ProvinceServing(o.province))
        row.demand += o.quantity
        row.served += o.held
        if o.waiting is None or o.waiting.quantity <= 0:
            continue
        pool = copies.setdefault(o.waiting.kit, CandidatePool())
        placed, reason = _dry_place(o.waiting, pool, today, max_splits)
        row.served += placed
        if o.waiting.quantity > placed:
            row.reasons[reason] = row.reasons.get(reason, 0) + o.waiting.quantity - placed
    return sorted(by_province.values(), key=lambda r: (-r.shortfall, -r.demand, r.province))


def _dry_place(
    order: OrderToMatch, pool: CandidatePool, today: date, max_splits: int | None
) -> tuple[int, str]:
    """Units the dry run places for the order (the pool then holds them), and why the rest waits."""
    if order.needed_by <= today:
        return 0, DEADLINE_PASSED
    try:
        placed = place_order(order, pool, today, max_splits).allocated
    except DomainError:
        return 0, DEADLINE_PASSED
    if placed == order.quantity:
        return placed, PLACEABLE
    # why the rest waits, asked of the workshops as they are once the dry run placed what it could
    return placed, explain_waiting(replace(order, quantity=order.quantity - placed), list(pool), today).reason
