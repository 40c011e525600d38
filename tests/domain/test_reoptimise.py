"""Re-optimisation planning (``market.domain.reoptimise``): accepted work never moves, the plan is
never worse than what it replaces, never overbooks, conserves every order, and planning again
after applying an exact plan moves nothing."""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from market.domain import geo
from market.domain.capacity import Commitment
from market.domain.errors import DomainError
from market.domain.matching import Business, OrderToMatch, match_order
from market.domain.reoptimise import Offer, Plan, plan_reoptimisation

from .batch_checks import check_batch
from .reference import brute_feasible
from .test_allocation import BOTH, KITS, TODAY, batches

config = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def engine_offers(
    orders: list[OrderToMatch], businesses: list[Business], accept_every: int = 0
) -> tuple[list[OrderToMatch], list[Offer], list[Business]]:
    """Match the orders one by one with the online engine, as the service does. Every
    ``accept_every``-th job is accepted: it becomes the business's fixed work and leaves the order's
    quantity. Return the orders (quantity = units not accepted), the offers, and the businesses with
    their accepted work only."""
    current = {b.id: b for b in businesses}
    accepted: dict[int, list[Commitment]] = defaultdict(list)
    left = {o.id: o.quantity for o in orders}
    offers: list[Offer] = []
    job_id = 0
    for o in orders:
        for a in match_order(o, list(current.values()), TODAY).allocations:
            job_id += 1
            b = current[a.business_id]
            current[b.id] = dataclasses.replace(b, jobs=(*b.jobs, Commitment(a.quantity, a.due_date)))
            if accept_every and job_id % accept_every == 0:
                accepted[b.id].append(Commitment(a.quantity, a.due_date))
                left[o.id] -= a.quantity
            else:
                offers.append(Offer(job_id, o.id, a.business_id, a.quantity, a.due_date))
    fixed = [dataclasses.replace(b, jobs=(*b.jobs, *accepted[b.id])) for b in businesses]
    rest = [dataclasses.replace(o, quantity=left[o.id]) for o in orders if left[o.id]]
    return rest, [x for x in offers if left[x.order_id]], fixed


def applied(plan: Plan, offers: list[Offer]) -> list[Offer]:
    """The offers after applying the plan: the kept ones and the made ones (new ids)."""
    gone = {o.job_id for o in plan.withdrawn}
    kept = [o for o in offers if o.job_id not in gone]
    start = max([o.job_id for o in offers], default=0) + 1
    made = [
        Offer(start + i, j.order_id, j.business_id, j.quantity, j.due_date) for i, j in enumerate(plan.made)
    ]
    return kept + made


def check_plan(orders: list[OrderToMatch], offers: list[Offer], fixed: list[Business], plan: Plan) -> None:
    check_batch(orders, fixed, plan.batch, TODAY)
    ids = {o.job_id for o in offers}
    assert {o.job_id for o in plan.withdrawn} <= ids, "only offers are withdrawn; accepted work never moves"
    after = applied(plan, offers)
    # never worse, and strictly better when it moves anything
    before_figures = (plan.units_placed_before, -plan.unit_km_before)
    after_figures = (plan.units_placed_after, -plan.unit_km_after)
    assert after_figures > before_figures if plan.moves else after_figures == before_figures
    province = {o.id: o.delivery_province for o in orders}
    by_id = {b.id: b for b in fixed}
    assert plan.units_placed_after == sum(o.quantity for o in after)
    assert plan.unit_km_after == sum(
        o.quantity * geo.DISTANCE_KM[province[o.order_id]][by_id[o.business_id].province] for o in after
    )
    # conservation: an order never holds more than its units
    held: dict[int, int] = defaultdict(int)
    for o in after:
        held[o.order_id] += o.quantity
    assert all(held[o.id] <= o.quantity for o in orders)
    # P1 with the accepted work and every offer the plan leaves
    for b in fixed:
        if brute_feasible(b.weekly_capacity, list(b.jobs), TODAY):
            work = list(b.jobs) + [Commitment(o.quantity, o.due_date) for o in after if o.business_id == b.id]
            assert brute_feasible(b.weekly_capacity, work, TODAY), b.id
    # P8: nothing made for an order at a business that declined it
    declined = {o.id: o.declined_by for o in orders}
    assert all(j.business_id not in declined[j.order_id] for j in plan.made)


@config
@given(batches(), st.sampled_from([0, 2, 3]))
def test_a_plan_is_never_worse_never_overbooks_and_applying_it_is_final(batch, accept_every):
    os, bs = batch
    orders, offers, fixed = engine_offers(os, bs, accept_every)
    plan = plan_reoptimisation(orders, offers, fixed, TODAY)
    check_plan(orders, offers, fixed, plan)
    again = plan_reoptimisation(orders, applied(plan, offers), fixed, TODAY)
    assert (again.units_placed_before, again.unit_km_before) == (plan.units_placed_after, plan.unit_km_after)
    check_plan(orders, applied(plan, offers), fixed, again)  # moves only if strictly better
    if plan.batch.exact:  # the first plan reached the optimum: nothing can be strictly better
        assert again.moves == ()


def test_the_plan_swaps_what_order_by_order_matching_placed_badly():
    """Qom's order came first and took Tehran's workshop; Tehran's order then came from Fars. The
    plan withdraws both offers and makes the swap: Fars serves Qom, Tehran is served at home."""
    needed_by = TODAY + timedelta(days=8)
    bs = [Business(1, "tehran", 50, BOTH), Business(2, "fars", 70, BOTH)]
    os = [OrderToMatch(1, KITS[0], 50, "qom", needed_by), OrderToMatch(2, KITS[0], 50, "tehran", needed_by)]
    orders, offers, fixed = engine_offers(os, bs)
    assert [(o.order_id, o.business_id) for o in offers] == [(1, 1), (2, 2)]
    plan = plan_reoptimisation(orders, offers, fixed, TODAY)
    km = geo.DISTANCE_KM
    assert [o.job_id for o in plan.withdrawn] == [1, 2]
    assert [(j.order_id, j.business_id, j.quantity) for j in plan.made] == [(1, 2, 50), (2, 1, 50)]
    assert (plan.units_placed_before, plan.units_placed_after) == (100, 100)
    assert plan.unit_km_before == 50 * (km["qom"]["tehran"] + km["tehran"]["fars"])
    assert plan.unit_km_after == 50 * km["qom"]["fars"]
    assert plan.by_business() == {1: (50, 50), 2: (50, 50)}
    check_plan(orders, offers, fixed, plan)


def test_accepted_work_stays_and_waiting_units_are_placed_when_capacity_appears():
    """Business 1's accepted 20 units are fixed; order 2 waits for 30 units; a new workshop (2)
    appeared. The plan keeps order 1's offer and places the waiting units at the new workshop."""
    needed_by = TODAY + timedelta(days=8)
    fixed = [
        Business(1, "tehran", 70, BOTH, jobs=(Commitment(20, TODAY + timedelta(days=7)),)),
        Business(2, "tehran", 35, BOTH),
    ]
    orders = [
        OrderToMatch(1, KITS[0], 40, "tehran", needed_by),
        OrderToMatch(2, KITS[0], 30, "tehran", needed_by),
    ]
    offers = [Offer(7, 1, 1, 40, TODAY + timedelta(days=7))]
    plan = plan_reoptimisation(orders, offers, fixed, TODAY)
    assert plan.withdrawn == ()
    assert [(j.order_id, j.business_id, j.quantity) for j in plan.made] == [(2, 2, 30)]
    assert (plan.units_placed_before, plan.units_placed_after) == (40, 70)
    assert plan.spread_before == pytest.approx(60 / 280)  # business 1: 60 of the 280 it makes in 28 days
    check_plan(orders, offers, fixed, plan)


def test_nothing_to_gain_moves_nothing():
    needed_by = TODAY + timedelta(days=8)
    fixed = [Business(1, "tehran", 70, BOTH), Business(2, "tehran", 70, BOTH)]
    orders = [OrderToMatch(1, KITS[0], 30, "tehran", needed_by)]
    # the batch would give it to the other workshop (same distance): not better, so no move
    for holder in (1, 2):
        plan = plan_reoptimisation(
            orders, [Offer(1, 1, holder, 30, needed_by - timedelta(days=1))], fixed, TODAY
        )
        assert plan.moves == () and plan.unit_km_after == plan.unit_km_before == 0


@pytest.mark.parametrize(
    "offer",
    [
        Offer(1, 9, 1, 5, TODAY + timedelta(days=7)),  # order not in the plan
        Offer(1, 1, 9, 5, TODAY + timedelta(days=7)),  # unknown business
        Offer(1, 1, 1, 0, TODAY + timedelta(days=7)),  # no units
        Offer(1, 1, 1, 31, TODAY + timedelta(days=7)),  # more than the order
    ],
)
def test_offers_that_do_not_fit_the_orders_are_refused(offer):
    orders = [OrderToMatch(1, KITS[0], 30, "tehran", TODAY + timedelta(days=8))]
    with pytest.raises(DomainError):
        plan_reoptimisation(orders, [offer], [Business(1, "tehran", 70, BOTH)], TODAY)


def test_an_offer_listed_twice_is_refused():
    orders = [OrderToMatch(1, KITS[0], 30, "tehran", TODAY + timedelta(days=8))]
    offer = Offer(1, 1, 1, 5, TODAY + timedelta(days=7))
    with pytest.raises(DomainError):
        plan_reoptimisation(orders, [offer, offer], [Business(1, "tehran", 70, BOTH)], TODAY)
