"""Hand-checkable matching examples: each one a sentence of DESIGN.md with numbers you can verify."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest

from market.domain import states
from market.domain.capacity import Commitment
from market.domain.errors import DomainError, UnknownProvince
from market.domain.matching import (
    RULE_LAST_REMAINDER,
    RULE_NEAREST,
    RULE_NEAREST_LOWEST_UTILIZATION,
    Business,
    CandidatePool,
    OrderToMatch,
    match_order,
    place_order,
)

from .model import Market

TODAY = date(2027, 3, 21)
KIT = "ELDERLY"


def biz(id: int, province: str, weekly: int = 70, **kw) -> Business:
    return Business(id=id, province=province, weekly_capacity=weekly, kits=frozenset({KIT}), **kw)


def order(qty: int, province: str = "kermanshah", days: int = 30, **kw) -> OrderToMatch:
    return OrderToMatch(
        id=1, kit=KIT, quantity=qty, delivery_province=province, needed_by=TODAY + timedelta(days=days), **kw
    )


def test_same_province_first():
    r = match_order(order(50), [biz(1, "tehran"), biz(2, "kermanshah"), biz(3, "lorestan")], TODAY)
    assert [(a.business_id, a.quantity) for a in r.allocations] == [(2, 50)]
    e = r.allocations[0].explanation
    assert (e.distance_km, e.same_province, e.rule, e.tier) == (0, True, RULE_NEAREST, 1)
    assert r.unallocated == 0


def test_then_the_next_nearest_province():
    # Kermanshah → Lorestan (Khorramabad) is nearer than Kermanshah → Tehran.
    r = match_order(order(50), [biz(1, "tehran"), biz(3, "lorestan")], TODAY)
    assert [a.business_id for a in r.allocations] == [3]
    assert not r.allocations[0].explanation.same_province


def test_split_when_no_single_workshop_can():
    # 10 a day each, 29 production days (30 days less 1 day transit): 290 each, 580 from two.
    r = match_order(order(500), [biz(1, "kermanshah"), biz(2, "kermanshah")], TODAY)
    assert sorted((a.business_id, a.quantity) for a in r.allocations) == [(1, 290), (2, 210)]
    assert r.unallocated == 0
    assert {a.explanation.rule for a in r.allocations} == {RULE_NEAREST_LOWEST_UTILIZATION}


def test_a_farther_workshop_must_finish_earlier():
    # Kermanshah → Fars is about 620 km: 2 transit days, so production must end on day 28.
    r = match_order(order(1000, days=30), [biz(1, "fars")], TODAY)
    (a,) = r.allocations
    assert a.due_date == TODAY + timedelta(days=28)
    assert a.quantity == 280 and r.unallocated == 720
    assert a.explanation.transit_days == 2


def test_two_equal_workshops_share_work_by_utilization():
    m = Market(TODAY, [biz(1, "tehran", 70), biz(2, "tehran", 70)])
    winners = []
    for _ in range(6):
        oid = m.post_order(KIT, 30, "tehran", TODAY + timedelta(days=29))
        (job,) = m.live_jobs(oid)
        winners.append(job.business_id)
    # equal at first: the lower id; then always the less utilized one
    assert winners == [1, 2, 1, 2, 1, 2]


def test_the_remainder_waits_as_awaiting_capacity():
    m = Market(TODAY, [biz(1, "tehran", 70)])
    oid = m.post_order(KIT, 500, "tehran", TODAY + timedelta(days=11))  # 10 production days: 100
    t = m.tally(oid)
    assert (t.allocated, t.unallocated, t.status) == (100, 400, states.AWAITING_CAPACITY)
    # capacity appears: the waiting order is matched again, oldest first
    m.set_capacity(1, 140)
    t = m.tally(oid)
    assert (t.allocated, t.unallocated) == (200, 300)


def test_waiting_orders_are_served_oldest_first_when_capacity_appears():
    m = Market(TODAY, [biz(1, "tehran", 70)])
    first = m.post_order(KIT, 100, "tehran", TODAY + timedelta(days=11))
    second = m.post_order(KIT, 50, "tehran", TODAY + timedelta(days=11))
    assert m.tally(first).unallocated == 0 and m.tally(second).unallocated == 50
    third = m.post_order(KIT, 50, "tehran", TODAY + timedelta(days=11))
    m.set_capacity(1, 105)  # 50 more units before the deadline: the older waiting order gets them
    assert m.tally(second).unallocated == 0
    assert m.tally(third).unallocated == 50


def test_a_decliner_never_gets_the_units_back():
    m = Market(TODAY, [biz(1, "tehran", 700), biz(2, "alborz", 70)])
    oid = m.post_order(KIT, 100, "tehran", TODAY + timedelta(days=20))
    (job,) = m.live_jobs(oid)
    assert job.business_id == 1
    m.decline(job.id)
    jobs = m.live_jobs(oid)
    assert [j.business_id for j in jobs] == [2]  # the only other one, farther away
    m.decline(jobs[0].id)
    assert m.live_jobs(oid) == []
    t = m.tally(oid)
    assert (t.unallocated, t.status) == (100, states.AWAITING_CAPACITY)
    m.set_capacity(1, 1400)  # even with more room, business 1 stays out of this order
    assert m.live_jobs(oid) == []


def test_a_job_below_min_lot_only_as_the_last_remainder():
    # Business 1 in Kermanshah: 100 a day, 970 of the 1,000 it makes by day 10 held: room 30,
    # below its min_lot of 40. Business 2 in Kermanshah: 10 a day, idle: room 100 by day 10.
    # Business 3 in Tehran (2 transit days): room 90 by day 9.
    busy = (Commitment(970, TODAY + timedelta(days=10)),)
    near = Business(
        id=1, province="kermanshah", weekly_capacity=700, kits=frozenset({KIT}), min_lot=40, jobs=busy
    )
    idle, far = biz(2, "kermanshah", 70), biz(3, "tehran", 70)

    def placed(qty: int) -> list[tuple[int, int, str]]:
        r = match_order(order(qty, days=11), [near, idle, far], TODAY)
        return [(a.business_id, a.quantity, a.explanation.rule) for a in r.allocations]

    # 25 units: both could take them all; the idle one, the less utilized, does
    assert placed(25) == [(2, 25, RULE_NEAREST_LOWEST_UTILIZATION)]
    # 120: the idle one takes its 100, the last 20 go to business 1 below its lot, not to Tehran
    assert placed(120) == [(2, 100, RULE_NEAREST_LOWEST_UTILIZATION), (1, 20, RULE_LAST_REMAINDER)]
    # 200: business 1 is passed over (30 is below its lot and not the remainder); Tehran takes 90;
    # the last 10 then fit business 1 as the remainder
    assert placed(200) == [
        (2, 100, RULE_NEAREST_LOWEST_UTILIZATION),
        (3, 90, RULE_NEAREST),
        (1, 10, RULE_LAST_REMAINDER),
    ]
    # 250: 60 are left after Tehran, more than business 1's 30: they wait, no job below a lot
    r = match_order(order(250, days=11), [near, idle, far], TODAY)
    assert [(a.business_id, a.quantity) for a in r.allocations] == [(2, 100), (3, 90)]
    assert r.unallocated == 60


def test_the_number_of_jobs_never_leaves_units_waiting():
    cands = [biz(i, "tehran", 7) for i in range(1, 9)]  # 29 each before day 30
    r = match_order(order(1000, "tehran"), cands, TODAY)
    assert len(r.allocations) == 8 and r.unallocated == 1000 - 8 * 29
    # a per-pass limit keeps one pass short; placing runs the next passes at once
    r = match_order(order(1000, "tehran"), cands, TODAY, max_splits=5)
    assert len(r.allocations) == 5
    pool = CandidatePool(cands)
    r = place_order(order(1000, "tehran"), pool, TODAY, max_splits=5)
    assert [a.business_id for a in r.allocations] == list(range(1, 9)) and r.unallocated == 1000 - 8 * 29
    assert all(b.schedule.free_until(TODAY + timedelta(days=29), TODAY) == 0 for b in pool)


def test_ineligible_businesses_get_nothing():
    cands = [
        biz(1, "tehran", status="pending"),
        biz(2, "tehran", status="suspended"),
        biz(3, "tehran", paused=True),
        Business(id=4, province="tehran", weekly_capacity=70, kits=frozenset({"PREGNANT"})),
        biz(5, "tehran", 0),
    ]
    r = match_order(order(10, "tehran"), cands, TODAY)
    assert r.allocations == () and r.unallocated == 10


def test_same_input_same_output_whatever_the_candidate_order():
    rnd = random.Random(7)
    provinces = ["tehran", "alborz", "qom", "kermanshah", "fars", "lorestan"]
    cands = [biz(i, rnd.choice(provinces), rnd.randint(7, 200)) for i in range(1, 40)]
    first = match_order(order(2000, "qom"), cands, TODAY)
    for _ in range(5):
        rnd.shuffle(cands)
        assert match_order(order(2000, "qom"), cands, TODAY) == first


def test_what_can_never_be_honoured_is_a_domain_error():
    with pytest.raises(DomainError):
        match_order(order(0), [], TODAY)
    with pytest.raises(DomainError):
        match_order(order(-3), [], TODAY)
    with pytest.raises(DomainError):
        match_order(order(5, days=0), [], TODAY)
    with pytest.raises(DomainError):
        match_order(order(5, days=-10), [], TODAY)
    with pytest.raises(UnknownProvince):
        match_order(order(5, "atlantis"), [], TODAY)
    with pytest.raises(UnknownProvince):
        match_order(order(5), [biz(1, "atlantis")], TODAY)
    with pytest.raises(DomainError):
        match_order(order(5), [biz(1, "tehran"), biz(1, "fars")], TODAY)
    with pytest.raises(DomainError):
        match_order(order(5), [], TODAY, max_splits=0)
    assert issubclass(UnknownProvince, DomainError)


def test_a_passed_over_business_takes_the_remainder_before_anything_goes_farther():
    # Business 1 (utilization 0.35, so visited first) has room 30 by day 10, below its lot of 40:
    # passed over for 120 units. Business 2 (utilization 0.54) takes its 100. The 20 left fit
    # business 1 as the last remainder: they must not travel to Tehran.
    near = Business(
        id=1,
        province="kermanshah",
        weekly_capacity=700,
        kits=frozenset({KIT}),
        min_lot=40,
        jobs=(Commitment(970, TODAY + timedelta(days=10)),),
    )
    other = Business(
        id=2,
        province="kermanshah",
        weekly_capacity=70,
        kits=frozenset({KIT}),
        jobs=(Commitment(150, TODAY + timedelta(days=28)),),
    )
    r = match_order(order(120, days=11), [near, other, biz(3, "tehran", 700)], TODAY)
    assert [(a.business_id, a.quantity, a.explanation.rule) for a in r.allocations] == [
        (2, 100, RULE_NEAREST_LOWEST_UTILIZATION),
        (1, 20, RULE_LAST_REMAINDER),
    ]


def test_among_equals_the_least_utilized_goes_first_even_if_it_cannot_take_it_all():
    # Business 1 is idle (utilization 0) but can make only 29 by day 29; business 2 is half busy
    # and can still make 150. An order of 100: business 1 takes its 29, business 2 the other 71
    # (P4 first: taking the whole order to one business to save a job stranded units elsewhere).
    small = biz(1, "tehran", 7)
    busy = Business(
        id=2,
        province="tehran",
        weekly_capacity=70,
        kits=frozenset({KIT}),
        jobs=(Commitment(140, TODAY + timedelta(days=28)),),
    )
    busier = Business(
        id=3,
        province="tehran",
        weekly_capacity=70,
        kits=frozenset({KIT}),
        jobs=(Commitment(150, TODAY + timedelta(days=28)),),
    )
    r = match_order(order(100, "tehran"), [small, busier, busy], TODAY)
    assert [(a.business_id, a.quantity, a.explanation.rule) for a in r.allocations] == [
        (1, 29, RULE_NEAREST_LOWEST_UTILIZATION),
        (2, 71, RULE_NEAREST_LOWEST_UTILIZATION),
    ]
    r = match_order(order(300, "tehran"), [small, busier, busy], TODAY)
    assert [a.business_id for a in r.allocations] == [1, 2, 3]
    assert {a.explanation.rule for a in r.allocations} == {RULE_NEAREST_LOWEST_UTILIZATION}
