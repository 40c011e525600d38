"""Independent checks of DESIGN.md's matching properties on one recorded engine call.

Nothing here reuses the engine's walk: free capacity and utilization are recomputed with the
brute-force capacity rule of ``reference.py``, distances from the geography table.
"""

from __future__ import annotations

from datetime import date, timedelta

from market.domain import geo
from market.domain.capacity import Commitment
from market.domain.matching import (
    RULE_LAST_REMAINDER,
    RULE_NEAREST,
    RULE_NEAREST_LOWEST_UTILIZATION,
    RULE_NEAREST_WHOLE_REMAINDER,
    Business,
    MatchResult,
    OrderToMatch,
    is_eligible,
)

from .reference import brute_feasible, brute_free, brute_utilization

RULES = {RULE_NEAREST, RULE_NEAREST_LOWEST_UTILIZATION, RULE_NEAREST_WHOLE_REMAINDER, RULE_LAST_REMAINDER}


def deadline_for(b: Business, order: OrderToMatch) -> date:
    return order.needed_by - timedelta(days=geo.transit_days(b.province, order.delivery_province))


def dist(b: Business, order: OrderToMatch) -> int:
    return geo.DISTANCE_KM[order.delivery_province][b.province]


def with_allocations(b: Business, result: MatchResult) -> list[Commitment]:
    return list(b.jobs) + [
        Commitment(a.quantity, a.due_date) for a in result.allocations if a.business_id == b.id
    ]


def free_before(b: Business, order: OrderToMatch, today: date) -> int:
    return brute_free(b.weekly_capacity, list(b.jobs), deadline_for(b, order), today)


def free_after(b: Business, order: OrderToMatch, result: MatchResult, today: date) -> int:
    return brute_free(b.weekly_capacity, with_allocations(b, result), deadline_for(b, order), today)


def check_p1(order: OrderToMatch, cands: tuple[Business, ...], result: MatchResult, today: date) -> None:
    """No allocation makes a business that held its work break the capacity rule."""
    for b in cands:
        if brute_feasible(b.weekly_capacity, list(b.jobs), today):
            assert brute_feasible(b.weekly_capacity, with_allocations(b, result), today), b.id


def check_p2(order: OrderToMatch, cands: tuple[Business, ...], result: MatchResult, today: date) -> None:
    """No unit goes farther while a nearer eligible business could legally take it."""
    eligible = [b for b in cands if is_eligible(b, order)]
    by_id = {b.id: b for b in cands}
    for a in result.allocations:
        d_x = dist(by_id[a.business_id], order)
        beyond = units_beyond(order, by_id, result, d_x)
        for y in eligible:
            if dist(y, order) < d_x:
                f = free_after(y, order, result, today)
                assert f == 0 or (f < y.min_lot and f < beyond), (
                    f"business {a.business_id} at {d_x} km got units while {y.id} at "
                    f"{dist(y, order)} km had room {f} (min_lot {y.min_lot}, {beyond} units beyond)"
                )


def check_p3(order: OrderToMatch, result: MatchResult) -> None:
    assert result.unallocated >= 0
    assert sum(a.quantity for a in result.allocations) + result.unallocated == order.quantity
    assert all(a.quantity > 0 for a in result.allocations)


def units_beyond(order: OrderToMatch, by_id: dict[int, Business], result: MatchResult, d: int) -> int:
    """Units that went to distance ``d`` or farther, or nowhere: what was left on reaching ``d``."""
    return result.unallocated + sum(
        a.quantity for a in result.allocations if dist(by_id[a.business_id], order) >= d
    )


def check_p4(order: OrderToMatch, cands: tuple[Business, ...], result: MatchResult, today: date) -> None:
    """Among equally near businesses, one with lower utilization (then lower id) that got nothing
    could not have taken a lot: no room, or room below its min_lot (P5)."""
    got = {a.business_id for a in result.allocations}
    eligible = [b for b in cands if is_eligible(b, order)]
    for x in (b for b in eligible if b.id in got):
        ux = brute_utilization(x.weekly_capacity, list(x.jobs), today)
        for y in eligible:
            if y.id in got or dist(y, order) != dist(x, order):
                continue
            uy = brute_utilization(y.weekly_capacity, list(y.jobs), today)
            if (uy, y.id) < (ux, x.id):
                f = free_before(y, order, today)
                assert f == 0 or f < y.min_lot, (
                    f"{x.id} (utilization {ux:.3f}) got work before {y.id} ({uy:.3f}) with room {f}"
                )


def check_p5(
    order: OrderToMatch,
    cands: tuple[Business, ...],
    result: MatchResult,
    today: date,
    max_splits: int | None = None,
) -> None:
    allocs = result.allocations
    assert max_splits is None or len(allocs) <= max_splits
    assert len({a.business_id for a in allocs}) == len(allocs), "a business twice in one pass"
    by_id = {b.id: b for b in cands}
    for i, a in enumerate(allocs):
        b = by_id[a.business_id]
        last = i == len(allocs) - 1
        if a.quantity < b.min_lot:
            assert last and result.unallocated == 0, "a job below min_lot that is not the last remainder"
        # each chosen business takes all it can of what is left
        if not (last and result.unallocated == 0):
            assert a.quantity == free_before(b, order, today), (a, free_before(b, order, today))


def check_p7(order: OrderToMatch, cands: tuple[Business, ...], result: MatchResult, today: date) -> None:
    by_id = {b.id: b for b in cands}
    for a in result.allocations:
        b, e = by_id[a.business_id], a.explanation
        assert e.distance_km == dist(b, order)
        assert e.same_province == (b.province == order.delivery_province)
        assert e.production_deadline == a.due_date == deadline_for(b, order)
        assert e.transit_days == geo.transit_days(b.province, order.delivery_province)
        assert e.free_capacity_before == free_before(b, order, today) >= a.quantity
        assert abs(e.utilization_before - brute_utilization(b.weekly_capacity, list(b.jobs), today)) < 1e-9
        assert e.rule in RULES
        assert (e.rule == RULE_LAST_REMAINDER) == (a.quantity < b.min_lot)
        assert e.tier >= 1 and e.equally_near_with_room >= 1
        d = e.as_dict()
        assert {"distance_km", "same_province", "free_capacity_before", "utilization_before", "rule"} <= set(
            d
        )


def check_p8(order: OrderToMatch, result: MatchResult) -> None:
    assert not {a.business_id for a in result.allocations} & order.declined_by


def check_eligibility(order: OrderToMatch, cands: tuple[Business, ...], result: MatchResult) -> None:
    by_id = {b.id: b for b in cands}
    for a in result.allocations:
        assert is_eligible(by_id[a.business_id], order)


def check_p5_never_stranded(
    order: OrderToMatch, cands: tuple[Business, ...], result: MatchResult, today: date
) -> None:
    """P5: the number of jobs is never why units wait. If some wait, every eligible business that
    got nothing has no room before its deadline, or room below both its min_lot and what waits."""
    if not result.unallocated:
        return
    got = {a.business_id for a in result.allocations}
    for b in cands:
        if b.id in got or not is_eligible(b, order):
            continue
        f = free_before(b, order, today)
        assert f == 0 or (f < b.min_lot and f < result.unallocated), (
            f"{result.unallocated} units wait while business {b.id} has room {f} (min_lot {b.min_lot})"
        )


def check_every_property(
    order: OrderToMatch, cands: tuple[Business, ...], result: MatchResult, today: date
) -> None:
    """P1–P5, P7, P8 of one match, as every whole-engine property test asks them."""
    check_p1(order, cands, result, today)
    check_p2(order, cands, result, today)
    check_p3(order, result)
    check_p4(order, cands, result, today)
    check_p5(order, cands, result, today)
    check_p5_never_stranded(order, cands, result, today)
    check_p7(order, cands, result, today)
    check_p8(order, result)
