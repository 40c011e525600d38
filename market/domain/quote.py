"""The instant quote: what placing an order would give, asked before it is placed.

A quote is a dry run of the online engine: :func:`placement` runs :func:`matching.place_order` on
a copy of the candidate pool (the caller's pool and businesses are never changed), so the units it
says can be placed by a date are exactly what placing the order on the same pool would allocate,
with the same capacity rule (each business's room before *its* production deadline, ``needed_by``
minus the transit days from its province), the same order of visits and the same min_lot rule.

The earliest date by which every unit could be made and delivered is found by bisection over the
allowed needed-by dates (tomorrow … 365 days ahead). That is exact because the units placed never
fall when ``needed_by`` moves later:

* a business's room for a new job, ``Schedule.free_until(D)``, never falls as ``D`` moves later
  (the slack at ``D`` grows with ``D``, and the later deadlines it is the minimum over are a
  subset of the earlier ones'); every business's production deadline moves with ``needed_by``;
* when the engine leaves units unplaced, it placed exactly the room of every eligible business
  whose room reaches its min_lot (each took all it had; one with less room than its min_lot takes
  only a whole last remainder, which would have ended the order): placed = S, the sum of those
  rooms, and every other business has less room than what is left;
* so if a date ``t`` places everything and a later ``t'`` does not: the businesses that placed
  at ``t`` had room ≥ min_lot there except perhaps the one that took the last remainder ``r``;
  the first ones' rooms only grew, so ``S(t') ≥ quantity − r``, and the last one has room at
  ``t'`` ≥ ``r`` > quantity − S(t') (what is left), so at ``t'`` it either counts in S or takes
  the remainder: a contradiction. With ``max_splits`` the passes of :func:`place_order` continue
  until nothing more fits, which gives the same fixed point.

``tests/domain/test_quote.py`` checks the monotonicity and the minimality with hypothesis.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from . import geo
from .deadlines import earliest_needed_by, latest_needed_by
from .errors import DomainError, UnknownProvince
from .matching import Business, CandidatePool, MatchResult, OrderToMatch, place_order

#: the order id a quote's dry run uses (no stored order has it)
QUOTE_ORDER_ID = 0


@dataclass(frozen=True, slots=True)
class Source:
    """Units that would be made in one province, and its distance from the delivery province."""

    province: str
    quantity: int
    distance_km: int


@dataclass(frozen=True, slots=True)
class Quote:
    kit: str
    quantity: int
    delivery_province: str
    needed_by: date | None
    #: units that could be made and delivered by ``needed_by``; None without ``needed_by``
    placeable_by_needed_by: int | None
    #: the first date by which every unit could be; None if none within 365 days
    earliest_full_date: date | None
    #: where the units for ``needed_by`` (or for ``earliest_full_date``) would be made
    sources: tuple[Source, ...]
    #: the date ``sources`` are for (``needed_by``, else ``earliest_full_date``, else the last date)
    sources_date: date

    @property
    def provinces(self) -> tuple[str, ...]:
        return tuple(s.province for s in self.sources)


def placement(
    kit: str,
    quantity: int,
    delivery_province: str,
    needed_by: date,
    businesses: Iterable[Business],
    today: date,
    declined_by: frozenset[int] = frozenset(),
    max_splits: int | None = None,
) -> MatchResult:
    """What placing the order would allocate now: :func:`place_order` on a fresh pool of the
    same businesses (they are immutable, so the caller's are never changed)."""
    order = OrderToMatch(QUOTE_ORDER_ID, kit, quantity, delivery_province, needed_by, declined_by)
    return place_order(order, CandidatePool(businesses), today, max_splits)


def sources(result: MatchResult, businesses: Iterable[Business]) -> tuple[Source, ...]:
    """The allocation's units by province of the businesses, nearest first."""
    province = {b.id: b.province for b in businesses}
    units: dict[str, list[int]] = {}
    for a in result.allocations:
        entry = units.setdefault(province[a.business_id], [0, a.explanation.distance_km])
        entry[0] += a.quantity
    rows = [Source(p, q, d) for p, (q, d) in units.items()]
    return tuple(sorted(rows, key=lambda s: (s.distance_km, s.province)))


def quote(
    kit: str,
    quantity: int,
    delivery_province: str,
    needed_by: date | None,
    businesses: Iterable[Business],
    today: date,
    declined_by: frozenset[int] = frozenset(),
    max_splits: int | None = None,
) -> Quote:
    """The quote for ``quantity`` units of ``kit`` delivered to ``delivery_province`` (see the
    module's note); holds nothing, changes nothing.

    :raises DomainError: quantity ≤ 0, or ``needed_by`` outside tomorrow … 365 days ahead.
    :raises UnknownProvince: for the delivery province.
    """
    if quantity <= 0:
        raise DomainError(f"quantity must be positive, got {quantity}")
    if delivery_province not in geo.BY_CODE:
        raise UnknownProvince(delivery_province)
    first, last = earliest_needed_by(today), latest_needed_by(today)
    if needed_by is not None and not first <= needed_by <= last:
        raise DomainError(f"needed_by {needed_by.isoformat()} is outside {first} … {last}")
    pool = list(businesses)

    def run(day: date) -> MatchResult:
        return placement(kit, quantity, delivery_province, day, pool, today, declined_by, max_splits)

    at_needed = run(needed_by) if needed_by is not None else None
    earliest: date | None
    if needed_by is not None and at_needed is not None and at_needed.unallocated == 0:
        earliest = earliest_full(run, first, needed_by)
    else:
        low = first if needed_by is None else needed_by + timedelta(days=1)
        earliest = earliest_full(run, low, last) if low <= last else None
    shown = needed_by or earliest or last
    result = at_needed if at_needed is not None else run(shown)
    return Quote(
        kit,
        quantity,
        delivery_province,
        needed_by,
        None if at_needed is None else at_needed.allocated,
        earliest,
        sources(result, pool),
        shown,
    )


def earliest_full(run: Callable[[date], MatchResult], low: date, high: date) -> date | None:
    """The first date in ``low … high`` at which ``run(date)`` leaves nothing unplaced, by
    bisection (the placed units never fall as the date moves later: see the module's note)."""
    if run(high).unallocated:
        return None
    lo, hi = low.toordinal(), high.toordinal()
    while lo < hi:
        mid = (lo + hi) // 2
        if run(date.fromordinal(mid)).unallocated:
            lo = mid + 1
        else:
            hi = mid
    return date.fromordinal(lo)
