"""The online matching engine: which businesses get an order's units (DESIGN.md, P1–P8).

One pass, deterministic, pure:

1. Eligible businesses are approved, not paused, list the kit, have capacity and never declined
   this order (P8).
2. They are grouped by distance from the delivery province (whole km between capitals, 0 inside
   it); groups are visited nearest first (P2).
3. Each business's room is the capacity rule's free capacity for *its* production deadline
   (``needed_by`` minus transit days from its province), so nothing it takes can overbook it (P1).
4. Inside a group, a business that can take the whole remainder goes first (P5: prefer one
   business that can take it all; one for which that is not below its min_lot before one for
   which it is); then the lower utilization, then the lower id (P4). Each chosen business takes all
   it can of what is left, up to ``max_splits`` jobs for the order. Putting P5's "one business
   that can take it all" before utilization costs no fairness (the whole job goes to the least
   utilized of those that can take it) and saves distance: ``bench/README.md`` has the figures.
5. A business whose room is below its ``min_lot`` is passed over (P5). Before the walk moves to a
   farther group, and after it, the nearest passed-over business whose room covers the whole
   remainder takes it as the order's last remainder: no unit goes farther while a nearer
   business could take it (P2), and a job below a min_lot is always the last remainder (P5).
6. What no business can take stays unallocated (P3); a second pass over the result finds nothing
   to do (P6). Every allocation carries its explanation (P7).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cached_property
from typing import Any

from . import geo
from .capacity import Commitment, Schedule
from .deadlines import production_deadline  # noqa: F401  (where callers have always found it)
from .errors import DomainError, UnknownProvince
from .states import APPROVED

MAX_SPLITS = 5

RULE_NEAREST = "nearest_first"
RULE_NEAREST_WHOLE_REMAINDER = "nearest_first_takes_whole_remainder"
RULE_NEAREST_LOWEST_UTILIZATION = "nearest_first_lowest_utilization"
RULE_LAST_REMAINDER = "last_remainder_below_min_lot"


@dataclass(frozen=True, eq=False)
class Business:
    """A candidate producer as matching sees it. ``jobs`` are its open commitments (offered,
    accepted, in production); the :attr:`schedule` built from them is computed once."""

    id: int
    province: str
    weekly_capacity: int
    kits: frozenset[str]
    min_lot: int = 1
    status: str = APPROVED
    paused: bool = False
    jobs: tuple[Commitment, ...] = ()

    @cached_property
    def schedule(self) -> Schedule:
        return Schedule(self.weekly_capacity, self.jobs)


@dataclass(frozen=True)
class OrderToMatch:
    """What matching needs of an order: ``quantity`` is what is still to place; ``live_jobs`` is
    how many jobs it already holds (they count toward ``max_splits``)."""

    id: int
    kit: str
    quantity: int
    delivery_province: str
    needed_by: date
    declined_by: frozenset[int] = frozenset()
    live_jobs: int = 0


@dataclass(frozen=True, slots=True)
class Explanation:
    """Why a business was chosen (P7); stored with the job."""

    distance_km: int
    same_province: bool
    tier: int
    transit_days: int
    production_deadline: date
    free_capacity_before: int
    utilization_before: float
    equally_near_with_room: int
    rule: str

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
        }


@dataclass(frozen=True, slots=True)
class Allocation:
    """One job to offer: ``quantity`` units of the order to ``business_id``, due ``due_date``."""

    business_id: int
    quantity: int
    due_date: date
    explanation: Explanation


@dataclass(frozen=True)
class MatchResult:
    order_id: int
    allocations: tuple[Allocation, ...]
    unallocated: int
    considered: int = field(default=0)

    @property
    def allocated(self) -> int:
        return sum(a.quantity for a in self.allocations)


def ineligibility(business: Business, order: OrderToMatch) -> str | None:
    """Why a business may not take this order's units: ``"business_inactive"`` (not approved, or
    paused), ``"business_lacks_kit"`` or ``"business_declined"`` (P8); None if it may. How many it
    can take is the capacity rule's answer, not this one's."""
    if business.status != APPROVED or business.paused:
        return "business_inactive"
    if order.kit not in business.kits:
        return "business_lacks_kit"
    if business.id in order.declined_by:
        return "business_declined"
    return None


def is_eligible(business: Business, order: OrderToMatch) -> bool:
    """Whether a business may receive offers for this order at all (before capacity): the rule
    every caller asks, the engine included."""
    return business.weekly_capacity > 0 and ineligibility(business, order) is None


def validate_order(order: OrderToMatch, today: date, max_splits: int = MAX_SPLITS) -> None:
    """:raises DomainError: for what matching can never honour."""
    if order.quantity <= 0:
        raise DomainError(f"quantity to place must be positive, got {order.quantity}")
    if order.needed_by <= today:
        raise DomainError(f"needed_by {order.needed_by.isoformat()} is not after {today.isoformat()}")
    if order.delivery_province not in geo.BY_CODE:
        raise UnknownProvince(order.delivery_province)
    if max_splits < 1:
        raise DomainError(f"max_splits must be at least 1, got {max_splits}")
    if order.live_jobs < 0:
        raise DomainError(f"live_jobs cannot be negative, got {order.live_jobs}")


class CandidatePool:
    """Candidate businesses grouped by province, so that a match visits only the provinces it
    needs, nearest first, and stops once the order is placed.

    Callers that match many orders against the same businesses (the benchmark, a batch) keep one
    pool and :meth:`put` each business again when its work changes; :func:`match_order` also
    accepts a plain iterable and builds a pool for the one call.
    """

    __slots__ = ("_by_id", "by_province")

    def __init__(self, businesses: Iterable[Business] = ()) -> None:
        self.by_province: dict[str, dict[int, Business]] = {}
        self._by_id: dict[int, str] = {}
        for b in businesses:
            if b.id in self._by_id:
                raise DomainError(f"business {b.id} is listed twice among the candidates")
            self.put(b)

    def put(self, business: Business) -> None:
        """Add a business, or replace the one with the same id.

        :raises UnknownProvince: if its province is not one of the 31.
        """
        if business.province not in geo.BY_CODE:
            raise UnknownProvince(business.province)
        old = self._by_id.get(business.id)
        if old is not None and old != business.province:
            del self.by_province[old][business.id]
        self.by_province.setdefault(business.province, {})[business.id] = business
        self._by_id[business.id] = business.province

    def __len__(self) -> int:
        return len(self._by_id)

    def __iter__(self) -> Iterator[Business]:
        for members in self.by_province.values():
            yield from members.values()

    def groups(self, delivery_province: str) -> Iterator[tuple[int, list[Business]]]:
        """(distance_km, businesses at that distance), nearest first."""
        for distance, provinces in geo.distance_groups(delivery_province):
            found: list[Business] = []
            for code in provinces:
                members = self.by_province.get(code)
                if members:
                    found.extend(members.values())
            if found:
                yield distance, found


def match_order(
    order: OrderToMatch,
    candidates: Iterable[Business] | CandidatePool,
    today: date,
    max_splits: int = MAX_SPLITS,
) -> MatchResult:
    """The jobs to offer for ``order`` among ``candidates`` (any order, any eligibility).

    :raises DomainError: quantity ≤ 0, ``needed_by`` not after ``today``, ``max_splits`` < 1, or
        the same business id twice among the candidates.
    :raises UnknownProvince: for the delivery province or a candidate's province.
    """
    validate_order(order, today, max_splits)
    pool = candidates if isinstance(candidates, CandidatePool) else CandidatePool(candidates)
    remaining = order.quantity
    slots = max_splits - order.live_jobs
    allocations: list[Allocation] = []
    # businesses passed over for min_lot, in visiting order: (business, free, explanation parts)
    passed: list[_Passed] = []
    considered = 0
    tier = 0
    for d, group in pool.groups(order.delivery_province):
        if remaining == 0 or slots <= 0:
            break
        # A nearer business passed over for its min_lot that can take the whole remainder gets it
        # before any unit goes farther (P2 outranks the min_lot preference for the last remainder).
        if passed and _give_remainder(passed, remaining, allocations):
            remaining = 0
            break
        transit = 1 + d // geo.TRANSIT_KM_PER_DAY
        due = order.needed_by - timedelta(days=transit)
        with_room = []
        for b in group:
            if not is_eligible(b, order):
                continue
            sched = b.schedule
            free = sched.free_until(due, today)
            considered += 1
            if free > 0:
                # P5 then P4: one that can take the whole remainder (at its usual lot) first, then
                # the least utilized, then the lowest id
                whole = free >= remaining
                key = (not whole, remaining < b.min_lot, sched.utilization(today), b.id)
                with_room.append((key, b, free))
        if not with_room:
            continue
        tier += 1
        with_room.sort(key=_first)
        equals = len(with_room)
        for key, b, free in with_room:
            if remaining == 0 or slots <= 0:
                break
            take = free if free < remaining else remaining
            if take < b.min_lot and take < remaining:
                passed.append((b, free, d, tier, transit, due, key[2], equals))
                continue
            if take < b.min_lot:
                why = RULE_LAST_REMAINDER
            elif equals == 1:
                why = RULE_NEAREST
            elif not key[0]:
                why = RULE_NEAREST_WHOLE_REMAINDER
            else:
                why = RULE_NEAREST_LOWEST_UTILIZATION
            allocations.append(
                Allocation(
                    b.id, take, due, Explanation(d, d == 0, tier, transit, due, free, key[2], equals, why)
                )
            )
            remaining -= take
            slots -= 1

    if remaining and slots > 0 and passed and _give_remainder(passed, remaining, allocations):
        remaining = 0
    return MatchResult(order.id, tuple(allocations), remaining, considered)


def _first(entry: tuple[tuple[bool, bool, float, int], Business, int]) -> tuple[bool, bool, float, int]:
    return entry[0]


_Passed = tuple[Business, int, int, int, int, date, float, int]


def _give_remainder(passed: list[_Passed], remaining: int, allocations: list[Allocation]) -> bool:
    """Give the whole remainder to the first (nearest, then least utilized) business passed over
    for its min_lot whose room covers it; say whether one did."""
    for b, free, d, tier, transit, due, util, equals in passed:
        if free >= remaining:
            allocations.append(
                Allocation(
                    b.id,
                    remaining,
                    due,
                    Explanation(d, d == 0, tier, transit, due, free, util, equals, RULE_LAST_REMAINDER),
                )
            )
            return True
    return False
