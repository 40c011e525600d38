"""Batch allocation (``market.domain.allocation``): optimal against a brute force on small batches,
and P1, P3, P5, P7, P8 on larger random ones."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from market.domain import geo
from market.domain.allocation import RULE_BATCH, RULE_BATCH_LAST_REMAINDER, allocate_batch
from market.domain.allocation_flow import make_pools
from market.domain.capacity import Commitment
from market.domain.errors import DomainError, UnknownProvince
from market.domain.matching import MAX_SPLITS, Business, OrderToMatch, is_active, is_eligible, match_order
from market.domain.states import APPROVED, BUSINESS_PENDING, SUSPENDED

from .batch_checks import brute_best, check_batch
from .reference import brute_feasible

TODAY = date(2027, 3, 21)
KITS = ("ELDERLY", "PREGNANT")
BOTH = frozenset(KITS)
# Tehran and Alborz are near each other, Qom a little farther, Fars far (2 transit days).
PROVINCES = ("tehran", "alborz", "qom", "fars")
config = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def businesses(draw: st.DrawFn, most: int, capacities: list[int], lots: list[int]) -> list[Business]:
    out = []
    for i in range(1, draw(st.integers(1, most)) + 1):
        weekly = draw(st.sampled_from(capacities))
        jobs = tuple(
            Commitment(draw(st.integers(1, 4)), TODAY + timedelta(days=draw(st.integers(1, 8))))
            for _ in range(draw(st.integers(0, 2)))
        )
        if not brute_feasible(weekly, list(jobs), TODAY):
            jobs = ()  # the capacity rule is about businesses that hold their work
        out.append(
            Business(
                id=i,
                province=draw(st.sampled_from(PROVINCES)),
                weekly_capacity=weekly,
                kits=draw(st.sampled_from([BOTH, BOTH, frozenset(KITS[:1]), frozenset(KITS[1:])])),
                min_lot=draw(st.sampled_from(lots)),
                status=draw(st.sampled_from([APPROVED] * 6 + [BUSINESS_PENDING, SUSPENDED])),
                paused=draw(st.integers(0, 6)) == 0,
                jobs=jobs,
            )
        )
    return out


@st.composite
def orders(draw: st.DrawFn, most: int, quantity: int, business_ids: list[int]) -> list[OrderToMatch]:
    return [
        OrderToMatch(
            id=i,
            kit=draw(st.sampled_from(KITS)),
            quantity=draw(st.integers(1, quantity)),
            delivery_province=draw(st.sampled_from(PROVINCES)),
            needed_by=TODAY + timedelta(days=draw(st.integers(2, 8))),
            declined_by=frozenset(draw(st.sets(st.sampled_from(business_ids), max_size=1))),
        )
        for i in range(1, draw(st.integers(1, most)) + 1)
    ]


@st.composite
def small_batches(draw: st.DrawFn, lots: list[int]) -> tuple[list[OrderToMatch], list[Business]]:
    """≤ 3 workshops making 1–5 kits a day or none, ≤ 3 orders of ≤ 3 units: a brute force can try
    every placement."""
    bs = draw(businesses(3, [0, 7, 14, 21, 35], lots))
    return draw(orders(3, 3, [b.id for b in bs])), bs


@st.composite
def batches(draw: st.DrawFn) -> tuple[list[OrderToMatch], list[Business]]:
    bs = draw(businesses(7, [0, 7, 14, 35, 70, 140], [1, 1, 1, 5, 20]))
    return draw(orders(8, 60, [b.id for b in bs])), bs


def placed(result) -> tuple[int, int]:
    return result.units_placed, result.unit_km


@config
@given(small_batches(lots=[1]))
def test_as_good_as_the_best_placement_a_brute_force_finds(batch):
    """Without lots the batch is the flow itself: the most units, and for them the fewest unit-km,
    of every assignment the brute force tries."""
    os, bs = batch
    result = allocate_batch(os, bs, TODAY)
    assert result.exact
    assert placed(result) == brute_best(os, bs, TODAY, lots=False) == (result.flow_units, result.flow_unit_km)
    check_batch(os, bs, result, TODAY)


@config
@given(small_batches(lots=[1, 2, 3]))
def test_with_lots_optimal_whenever_the_flow_splits_within_them(batch):
    """With min_lots the result is one of the placements the brute force (lots obeyed) tries, so it
    is never better than the best; when the flow split within the lots (``exact``) it is the best
    even of the placements that ignore lots."""
    os, bs = batch
    result = allocate_batch(os, bs, TODAY)
    check_batch(os, bs, result, TODAY)
    units, unit_km = placed(result)
    with_lots = brute_best(os, bs, TODAY, lots=True)
    assert (units, -unit_km) <= (with_lots[0], -with_lots[1])
    if result.exact:
        assert (units, unit_km) == brute_best(os, bs, TODAY, lots=False)


@config
@given(batches())
def test_capacity_conservation_lots_declines_and_explanations(batch):
    os, bs = batch
    check_batch(os, bs, allocate_batch(os, bs, TODAY), TODAY)


@config
@given(batches())
def test_pools_hold_the_active_workshops_and_serve_only_orders_they_are_eligible_for(batch):
    """A pool's members may take work (``matching.is_active``), and every order the pool's arcs may
    reach (its kit in the pool's kits, no member declined by it) is one each member is eligible for."""
    os, bs = batch
    pools = make_pools(bs, os)
    members = [b for pool in pools for b in pool.members]
    assert sorted(b.id for b in members) == [b.id for b in bs if is_active(b)]
    for pool in pools:
        for o in os:
            reaches = o.kit in pool.kits and not any(b.id in o.declined_by for b in pool.members)
            assert all(is_eligible(b, o) == reaches for b in pool.members)


@config
@given(batches())
def test_p6_a_second_batch_over_what_is_left_places_nothing_when_exact(batch):
    """With the batch's jobs applied, the orders' unplaced units are units no placement can make:
    the flow was already maximum. And the same batch always gives the same jobs."""
    os, bs = batch
    result = allocate_batch(os, bs, TODAY)
    assert allocate_batch(list(reversed(os)), list(reversed(bs)), TODAY) == result
    if result.exact:
        added: dict[int, list[Commitment]] = {}
        for j in result.jobs:
            added.setdefault(j.business_id, []).append(Commitment(j.quantity, j.due_date))
        after = [dataclasses.replace(b, jobs=(*b.jobs, *added.get(b.id, ()))) for b in bs]
        left = [dataclasses.replace(o, quantity=result.for_order(o.id).unallocated) for o in os]
        again = allocate_batch([o for o in left if o.quantity], after, TODAY)
        assert again.units_placed == 0


def engine_one_by_one(
    os: list[OrderToMatch], bs: list[Business], max_splits: int | None = None
) -> dict[int, tuple[int, int]]:
    """The online engine over the orders in arrival order, each applied before the next:
    (units, unit-km) per order. ``max_splits`` None: the engine's own cap; else that cap."""
    current = {b.id: b for b in bs}
    placed = {}
    for o in os:
        cap = max_splits or MAX_SPLITS
        allocations = match_order(o, list(current.values()), TODAY, max_splits=cap).allocations
        placed[o.id] = (
            sum(a.quantity for a in allocations),
            sum(a.quantity * a.explanation.distance_km for a in allocations),
        )
        for a in allocations:
            b = current[a.business_id]
            current[b.id] = dataclasses.replace(b, jobs=(*b.jobs, Commitment(a.quantity, a.due_date)))
    return placed


@config
@given(batches())
def test_never_behind_the_order_by_order_engine(batch):
    """The engine's jobs (no cap on jobs) are one placement of the batch: the flow places at least
    as many units, and when the batch is the flow, as many at no more unit-km (or more units)."""
    os, bs = batch
    result = allocate_batch(os, bs, TODAY)
    per_order = engine_one_by_one(os, bs, max_splits=max(o.quantity for o in os))
    units, unit_km = (sum(x) for x in zip(*per_order.values(), strict=True))
    assert result.flow_units >= units
    if result.exact:
        assert (result.units_placed, -result.unit_km) >= (units, -unit_km)


def test_batch_saves_what_the_order_by_order_engine_spends():
    """Qom's order comes first: the engine gives it Tehran's workshop (the nearer), and Tehran's own
    order must then come from Fars. Together, Fars serves Qom (nearer to Fars) and Tehran is served
    at home."""
    needed_by = TODAY + timedelta(days=8)
    bs = [Business(1, "tehran", 50, BOTH), Business(2, "fars", 70, BOTH)]  # 50 by day 7, 60 by day 6
    os = [OrderToMatch(1, KITS[0], 50, "qom", needed_by), OrderToMatch(2, KITS[0], 50, "tehran", needed_by)]
    engine = {order_id: unit_km for order_id, (_, unit_km) in engine_one_by_one(os, bs).items()}
    result = allocate_batch(os, bs, TODAY, engine_unit_km=engine)
    km = geo.DISTANCE_KM
    assert engine == {1: 50 * km["qom"]["tehran"], 2: 50 * km["tehran"]["fars"]}
    assert [(j.order_id, j.business_id, j.quantity) for j in result.jobs] == [(1, 2, 50), (2, 1, 50)]
    assert result.unit_km == 50 * km["qom"]["fars"] < sum(engine.values())
    saved = {j.order_id: j.explanation.unit_km_saved for j in result.jobs}
    assert saved == {1: engine[1] - 50 * km["qom"]["fars"], 2: engine[2]}
    assert all(j.explanation.rule == RULE_BATCH for j in result.jobs)
    check_batch(os, bs, result, TODAY)


def test_work_made_early_serves_a_later_deadline_and_open_work_is_fixed():
    """A workshop making 10 a day holds 30 due on day 5: by day 5 it has room for 20 more, by day
    10 for 70. Orders due on days 6 and 11 (1 transit day) get all 70 of it, the first at most 20
    (which split of the 70 is a tie in units and unit-km); the rest is unplaced."""
    b = Business(1, "tehran", 70, BOTH, jobs=(Commitment(30, TODAY + timedelta(days=5)),))
    os = [
        OrderToMatch(1, KITS[0], 40, "tehran", TODAY + timedelta(days=6)),
        OrderToMatch(2, KITS[1], 60, "tehran", TODAY + timedelta(days=11)),
    ]
    result = allocate_batch(os, [b], TODAY)
    first, second = result.orders
    assert first.allocated <= 20 and first.allocated + second.allocated == 70
    assert result.units_placed + sum(o.unallocated for o in result.orders) == 100
    check_batch(os, [b], result, TODAY)


@pytest.mark.parametrize("busy", [1, 2])
def test_among_equal_placements_the_least_utilized_pool_is_filled_first(busy):
    """Two equally near pools (one kit set each) can serve an order: with units and unit-km tied,
    the fairness term sends it to the pool that is less utilized, whichever of the two that is."""
    held = (Commitment(100, TODAY + timedelta(days=20)),)
    bs = [
        Business(1, "tehran", 70, frozenset(KITS[:1]), jobs=held if busy == 1 else ()),
        Business(2, "tehran", 70, BOTH, jobs=held if busy == 2 else ()),
    ]
    os = [OrderToMatch(1, KITS[0], 30, "tehran", TODAY + timedelta(days=10))]
    result = allocate_batch(os, bs, TODAY)
    assert [(j.business_id, j.quantity) for j in result.jobs] == [(3 - busy, 30)]
    check_batch(os, bs, result, TODAY)


def test_shares_go_to_the_least_utilized_workshop_that_can_take_them_whole():
    needed_by = TODAY + timedelta(days=8)
    busy = Business(1, "tehran", 70, BOTH, jobs=(Commitment(40, TODAY + timedelta(days=20)),))
    idle = Business(2, "tehran", 70, BOTH)
    os = [OrderToMatch(1, KITS[0], 30, "tehran", needed_by)]
    assert [(j.business_id, j.quantity) for j in allocate_batch(os, [busy, idle], TODAY).jobs] == [(2, 30)]


def test_a_share_below_every_lot_is_placed_as_the_last_remainder():
    """Tehran's workshop (min_lot 10) can take the whole 4-unit order: the flow sends it there, no
    lot allows it as a share, and the fill places it as the order's last remainder."""
    bs = [Business(1, "tehran", 70, BOTH, min_lot=10), Business(2, "fars", 70, BOTH)]
    os = [OrderToMatch(1, KITS[0], 4, "tehran", TODAY + timedelta(days=8))]
    result = allocate_batch(os, bs, TODAY)
    assert [(j.business_id, j.quantity, j.explanation.rule) for j in result.jobs] == [
        (1, 4, RULE_BATCH_LAST_REMAINDER)
    ]
    check_batch(os, bs, result, TODAY)


def test_a_declined_workshop_gets_none_of_that_order():
    needed_by = TODAY + timedelta(days=8)
    bs = [Business(1, "tehran", 70, BOTH), Business(2, "tehran", 70, BOTH), Business(3, "fars", 700, BOTH)]
    os = [
        OrderToMatch(1, KITS[0], 60, "tehran", needed_by, declined_by=frozenset({1})),
        OrderToMatch(2, KITS[0], 60, "tehran", needed_by),
    ]
    result = allocate_batch(os, bs, TODAY)
    assert 1 not in {j.business_id for j in result.for_order(1).allocations}
    assert result.unit_km == 0 and result.units_placed == 120
    check_batch(os, bs, result, TODAY)


@pytest.mark.parametrize(
    ("orders_given", "error"),
    [
        ([OrderToMatch(1, KITS[0], 0, "tehran", TODAY + timedelta(days=3))], DomainError),
        ([OrderToMatch(1, KITS[0], 5, "tehran", TODAY)], DomainError),
        ([OrderToMatch(1, KITS[0], 5, "atlantis", TODAY + timedelta(days=3))], UnknownProvince),
        ([OrderToMatch(1, KITS[0], 5, "tehran", TODAY + timedelta(days=3))] * 2, DomainError),
    ],
)
def test_a_batch_it_can_never_honour_is_refused(orders_given, error):
    with pytest.raises(error):
        allocate_batch(orders_given, [Business(1, "tehran", 70, BOTH)], TODAY)


def test_the_same_business_twice_is_refused():
    b = Business(1, "tehran", 70, BOTH)
    with pytest.raises(DomainError):
        allocate_batch([OrderToMatch(1, KITS[0], 5, "tehran", TODAY + timedelta(days=3))], [b, b], TODAY)


def test_an_empty_batch_places_nothing():
    result = allocate_batch([], [Business(1, "tehran", 70, BOTH)], TODAY)
    assert result.orders == () and result.exact and result.flow_units == 0


def test_a_batch_with_no_workshop_able_to_take_it_waits_whole():
    orders = [OrderToMatch(1, KITS[0], 5, "tehran", TODAY + timedelta(days=2))]
    for candidates in (
        [],
        [Business(1, "tehran", 70, frozenset(KITS[1:]))],
        [Business(1, "fars", 700, BOTH)],
    ):
        result = allocate_batch(orders, candidates, TODAY)  # Fars: due today, no room
        assert [(o.allocated, o.unallocated) for o in result.orders] == [(0, 5)]


@pytest.mark.parametrize("held", [{1: 1, 2: 2}, {1: 2, 2: 1}])
def test_units_held_are_kept_where_that_costs_nothing(held):
    """Two Tehran orders of 60 (two kits: two classes), a workshop in Alborz and one in Qom each with
    room for exactly 60 by the deadline: either pairing costs the same unit-km, and the one held
    (``keep``) is the one made."""
    bs = [Business(1, "alborz", 70, BOTH), Business(2, "qom", 70, BOTH)]  # 60 by day 6
    os = [
        OrderToMatch(1, KITS[0], 60, "tehran", TODAY + timedelta(days=7)),
        OrderToMatch(2, KITS[1], 60, "tehran", TODAY + timedelta(days=7)),
    ]
    keep = {(order_id, business_id): 60 for order_id, business_id in held.items()}
    result = allocate_batch(os, bs, TODAY, keep=keep)
    assert {(j.order_id, j.business_id, j.quantity) for j in result.jobs} == {
        (o, b, 60) for o, b in held.items()
    }
    assert placed(result) == placed(allocate_batch(os, bs, TODAY))


@config
@given(small_batches(lots=[1]), st.randoms(use_true_random=False))
def test_keeping_held_units_never_costs_units_or_unit_km(batch, rng):
    """Whatever is held (``keep``), the batch is still the best placement the brute force finds."""
    os, bs = batch
    keep = {(o.id, b.id): rng.randint(1, 3) for o in os for b in bs if rng.random() < 0.4}
    result = allocate_batch(os, bs, TODAY, keep=keep)
    assert result.exact
    assert placed(result) == brute_best(os, bs, TODAY, lots=False)
    check_batch(os, bs, result, TODAY)


def test_the_workshop_holding_units_keeps_them_before_a_less_utilized_one_gets_them():
    needed_by = TODAY + timedelta(days=8)
    busy = Business(1, "tehran", 70, BOTH, jobs=(Commitment(40, TODAY + timedelta(days=20)),))
    idle = Business(2, "tehran", 70, BOTH)
    os = [OrderToMatch(1, KITS[0], 30, "tehran", needed_by)]
    result = allocate_batch(os, [busy, idle], TODAY, keep={(1, 1): 30})
    assert [(j.business_id, j.quantity) for j in result.jobs] == [(1, 30)]


def test_costs_too_wide_for_int64_with_the_fairness_term_fall_back_to_the_solve_without_it():
    """Held units (``keep``) multiply the distances' scale: with 10¹² of them the fairness term
    cannot fit in int64 costs, and the batch is solved without it: the same jobs as with none."""
    from market.domain import allocation_flow

    bs = [Business(1, "tehran", 70, BOTH), Business(2, "qom", 70, BOTH)]
    os = [OrderToMatch(1, KITS[0], 80, "tehran", TODAY + timedelta(days=10))]
    keep = {(1, 2): 10**12}
    wide = allocate_batch(os, bs, TODAY, keep=keep)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(allocation_flow, "FAIRNESS_TRANCHES", 1)
        plain = allocate_batch(os, bs, TODAY, keep=keep)
    assert wide.jobs == plain.jobs and wide.units_placed == wide.flow_units == 80
    assert wide.flow_unit_km == plain.flow_unit_km
    check_batch(os, bs, wide, TODAY)
