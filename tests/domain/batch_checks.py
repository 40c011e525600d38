"""Independent checks of a batch allocation, and a brute force that finds the best placement of a
small batch by trying every assignment.

The per-order checks of ``checks.py`` (P3, P8, eligibility) are reused as they are; P1, P5 and P7
are restated for a batch: capacity is checked with every job of the batch on a business, a job
below min_lot must be its order's last remainder, and explanations carry the batch's terms.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date

from market.domain import geo
from market.domain.allocation import (
    RULE_BATCH,
    RULE_BATCH_FILL,
    RULE_BATCH_LAST_REMAINDER,
    BatchResult,
)
from market.domain.capacity import Commitment
from market.domain.matching import Business, OrderToMatch, is_eligible

from . import checks
from .reference import brute_feasible, brute_free, brute_utilization


def after_batch(b: Business, result: BatchResult) -> list[Commitment]:
    return list(b.jobs) + [Commitment(j.quantity, j.due_date) for j in result.jobs if j.business_id == b.id]


def check_batch(
    orders: Sequence[OrderToMatch], businesses: Sequence[Business], result: BatchResult, today: date
) -> None:
    """P1, P3, P5 (min_lot), P7, P8 and eligibility on a whole batch."""
    check_batch_p1(businesses, result, today)
    assert [o.order_id for o in result.orders] == sorted(o.id for o in orders)
    cands = tuple(businesses)
    for o in orders:
        mine = result.for_order(o.id)
        checks.check_p3(o, mine)  # type: ignore[arg-type]  # OrderAllocation is shaped like MatchResult
        checks.check_p8(o, mine)  # type: ignore[arg-type]
        checks.check_eligibility(o, cands, mine)  # type: ignore[arg-type]
        check_batch_p5(o, businesses, mine.allocations, mine.unallocated)
        check_batch_p7(o, businesses, result, today)
    assert result.units_placed <= result.flow_units


def check_batch_p1(businesses: Sequence[Business], result: BatchResult, today: date) -> None:
    """No business that held its work breaks the capacity rule with every job of the batch."""
    for b in businesses:
        if brute_feasible(b.weekly_capacity, list(b.jobs), today):
            assert brute_feasible(b.weekly_capacity, after_batch(b, result), today), b.id


def check_batch_p5(
    order: OrderToMatch, businesses: Sequence[Business], jobs: Sequence, unallocated: int
) -> None:
    """One job per business and order; a job below min_lot is the order's last remainder: the only
    one, listed last, and the order is fully placed."""
    by_id = {b.id: b for b in businesses}
    assert len({j.business_id for j in jobs}) == len(jobs), "a business twice for one order"
    below = [i for i, j in enumerate(jobs) if j.quantity < by_id[j.business_id].min_lot]
    assert len(below) <= 1, "more than one job below its min_lot"
    if below:
        assert below[0] == len(jobs) - 1 and unallocated == 0, (
            "a job below min_lot that is not the last remainder"
        )


def check_batch_p7(
    order: OrderToMatch, businesses: Sequence[Business], result: BatchResult, today: date
) -> None:
    by_id = {b.id: b for b in businesses}
    mine = result.for_order(order.id)
    units = sum(j.quantity for j in mine.allocations)
    unit_km = sum(j.quantity * checks.dist(by_id[j.business_id], order) for j in mine.allocations)
    for j in mine.allocations:
        b, e = by_id[j.business_id], j.explanation
        assert e.distance_km == checks.dist(b, order)
        assert e.same_province == (b.province == order.delivery_province)
        assert e.production_deadline == j.due_date == checks.deadline_for(b, order)
        assert e.transit_days == geo.transit_days(b.province, order.delivery_province)
        assert (
            e.free_capacity_before
            == brute_free(b.weekly_capacity, list(b.jobs), j.due_date, today)
            >= j.quantity
        )
        assert abs(e.utilization_before - brute_utilization(b.weekly_capacity, list(b.jobs), today)) < 1e-9
        assert e.rule in {RULE_BATCH, RULE_BATCH_FILL, RULE_BATCH_LAST_REMAINDER}
        assert (e.rule == RULE_BATCH_LAST_REMAINDER) == (j.quantity < b.min_lot)
        assert (e.order_units, e.order_unit_km) == (units, unit_km)
        if e.engine_unit_km is not None:
            assert e.unit_km_saved == e.engine_unit_km - unit_km
        assert e.as_dict()["rule"] == e.rule


def brute_best(
    orders: Sequence[OrderToMatch], businesses: Sequence[Business], today: date, lots: bool
) -> tuple[int, int]:
    """(units, unit-km) of the best of all placements: most units, then fewest unit-km.

    Every integer assignment of each order's units to its eligible businesses (P8 included) is
    tried; a placement counts if every business still holds its work (the literal rule of
    ``reference.py``; the businesses given must hold theirs before) and, with ``lots``, if each
    order has at most one job below its business's
    min_lot and only when the order is fully placed.
    """
    pairs = [(o, b) for o in orders for b in businesses if is_eligible(b, o)]
    assert all(brute_feasible(b.weekly_capacity, list(b.jobs), today) for b in businesses)
    added: dict[int, list[Commitment]] = defaultdict(list)
    left = {o.id: o.quantity for o in orders}
    below = {o.id: 0 for o in orders}
    best = (0, 0)

    def visit(i: int, units: int, unit_km: int) -> None:
        nonlocal best
        if i == len(pairs):
            if lots and any(below[o.id] and left[o.id] for o in orders):
                return
            if (units, -unit_km) > (best[0], -best[1]):
                best = (units, unit_km)
            return
        o, b = pairs[i]
        due = checks.deadline_for(b, o)
        km = checks.dist(b, o)
        for q in range(left[o.id] + 1):
            if q:
                added[b.id].append(Commitment(q, due))
                if not brute_feasible(b.weekly_capacity, list(b.jobs) + added[b.id], today):
                    added[b.id].pop()
                    break  # more units only make it worse
                small = lots and q < b.min_lot
                if small and below[o.id]:
                    added[b.id].pop()
                    continue
            else:
                small = False
            left[o.id] -= q
            below[o.id] += small
            visit(i + 1, units + q, unit_km + q * km)
            left[o.id] += q
            below[o.id] -= small
            if q:
                added[b.id].pop()

    visit(0, 0, 0)
    return best
