"""The capacity rule: hand-checked examples and properties against the literal reference."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from market.domain.capacity import (
    Commitment,
    Schedule,
    capacity_until,
    free_capacity_until,
    is_feasible,
    utilization,
)
from market.domain.errors import DomainError

from .reference import brute_feasible, brute_free, brute_utilization

TODAY = date(2027, 3, 21)


def day(n: int) -> date:
    return TODAY + timedelta(days=n)


# -- examples you can check by hand --------------------------------------------------------------


def test_seventy_a_week_makes_ten_a_day():
    assert capacity_until(70, TODAY, day(7)) == 70
    assert capacity_until(70, TODAY, day(1)) == 10
    assert capacity_until(70, TODAY, TODAY) == 0
    assert capacity_until(70, TODAY, day(-3)) == 0
    assert capacity_until(20, TODAY, day(1)) == 2  # 20/7 = 2.86 a day, rounded down


def test_empty_business_can_take_its_whole_production_before_the_deadline():
    assert free_capacity_until(70, [], day(10), TODAY) == 100


def test_a_later_deadline_limits_what_an_earlier_one_can_take():
    # 10 a day; 140 due on day 14 uses the whole line: nothing fits before day 14 either.
    jobs = [Commitment(140, day(14))]
    assert free_capacity_until(70, jobs, day(7), TODAY) == 0
    assert free_capacity_until(70, jobs, day(21), TODAY) == 70
    # with 100 due on day 14 there is room for 40 before day 5 (50 made by then, 40 spare overall)
    assert free_capacity_until(70, [Commitment(100, day(14))], day(5), TODAY) == 40


def test_overdue_work_makes_a_business_infeasible():
    assert not is_feasible(70, [Commitment(5, TODAY)], TODAY)
    assert is_feasible(70, [Commitment(0, TODAY)], TODAY)
    assert is_feasible(70, [Commitment(10, day(1))], TODAY)
    assert not is_feasible(70, [Commitment(11, day(1))], TODAY)


def test_no_room_for_a_deadline_today_or_past():
    assert free_capacity_until(700, [], TODAY, TODAY) == 0
    assert free_capacity_until(700, [], day(-1), TODAY) == 0


def test_utilization_over_at_least_28_days():
    assert utilization(70, [], TODAY) == 0
    assert utilization(70, [Commitment(140, day(14))], TODAY) == pytest.approx(0.5)  # 140 / 280
    assert utilization(70, [Commitment(300, day(30))], TODAY) == pytest.approx(1.0)
    assert utilization(0, [Commitment(1, day(30))], TODAY) == 1.0


def test_min_weekly_capacity():
    s = Schedule(70, [Commitment(30, day(7)), Commitment(10, day(14))])
    assert s.min_weekly_capacity(TODAY) == 30
    assert Schedule(0, [Commitment(1, TODAY)]).min_weekly_capacity(TODAY) is None


def test_bad_values_are_domain_errors():
    with pytest.raises(DomainError):
        Commitment(-1, TODAY)
    with pytest.raises(DomainError):
        Schedule(-5, [])


# -- properties -----------------------------------------------------------------------------------

commitments = st.lists(st.builds(Commitment, st.integers(0, 300), st.integers(-3, 90).map(day)), max_size=12)
weekly = st.integers(0, 400)
deadlines = st.integers(-2, 100).map(day)
todays = st.integers(-5, 5).map(day)


@given(weekly, commitments, todays)
def test_feasibility_matches_the_rule_as_written(w, jobs, today):
    assert Schedule(w, jobs).is_feasible(today) == brute_feasible(w, jobs, today)


@given(weekly, commitments, deadlines, todays)
def test_free_capacity_matches_the_rule_as_written(w, jobs, deadline, today):
    assert Schedule(w, jobs).free_until(deadline, today) == brute_free(w, jobs, deadline, today)


@given(weekly, commitments, deadlines, todays)
def test_taking_the_free_capacity_keeps_a_feasible_business_feasible_and_one_more_does_not(
    w, jobs, deadline, today
):
    if not brute_feasible(w, jobs, today):
        return
    free = free_capacity_until(w, jobs, deadline, today)
    assert free >= 0
    if free:
        assert brute_feasible(w, [*jobs, Commitment(free, deadline)], today)
    if deadline > today:
        assert not brute_feasible(w, [*jobs, Commitment(free + 1, deadline)], today)


@given(weekly, commitments, deadlines, todays)
def test_free_capacity_never_shrinks_with_a_later_deadline_or_more_capacity(w, jobs, deadline, today):
    s = Schedule(w, jobs)
    f = s.free_until(deadline, today)
    assert s.free_until(deadline + timedelta(days=1), today) >= f
    assert Schedule(w + 7, jobs).free_until(deadline, today) >= f


@given(weekly, commitments, todays, st.randoms(use_true_random=False))
def test_order_of_commitments_does_not_matter(w, jobs, today, rnd: random.Random):
    shuffled = list(jobs)
    rnd.shuffle(shuffled)
    a, b = Schedule(w, jobs), Schedule(w, shuffled)
    assert a.is_feasible(today) == b.is_feasible(today)
    assert a.utilization(today) == b.utilization(today)
    for n in (1, 10, 40):
        assert a.free_until(day(n), today) == b.free_until(day(n), today)


@given(weekly, commitments, todays)
def test_utilization_is_in_zero_one_for_a_feasible_business(w, jobs, today):
    u = utilization(w, jobs, today)
    assert u == pytest.approx(brute_utilization(w, jobs, today))
    if brute_feasible(w, jobs, today):
        assert 0 <= u <= 1 + 1e-12


@given(weekly, commitments, todays)
def test_min_weekly_capacity_is_the_least_that_holds_the_work(w, jobs, today):
    m = Schedule(w, jobs).min_weekly_capacity(today)
    if m is None:
        assert not any(brute_feasible(c, jobs, today) for c in (0, 10_000))
    else:
        assert brute_feasible(m, jobs, today)
        if m > 0:
            assert not brute_feasible(m - 1, jobs, today)


@given(st.integers(1, 400), st.lists(st.tuples(st.integers(1, 200), st.integers(1, 80)), max_size=25), todays)
def test_filling_greedily_through_free_capacity_never_overbooks(w, wishes, today):
    """A sequence of takes, each at most the free capacity, keeps the business feasible."""
    jobs: list[Commitment] = []
    for qty, n in wishes:
        take = min(qty, free_capacity_until(w, jobs, day(n), today))
        if take:
            jobs.append(Commitment(take, day(n)))
        assert brute_feasible(w, jobs, today)
