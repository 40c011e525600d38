"""The week calendar agrees with the capacity rule: a week is shown over capacity only where the
rule finds a deadline it cannot meet, and the rule finds none unless some week (or the later part)
is shown over."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from market.domain.capacity import Commitment, capacity_until, is_feasible
from market.domain.workload import week_calendar, week_of

from .reference import brute_feasible

TODAY = date(2027, 3, 21)


def day(n: int) -> date:
    return TODAY + timedelta(days=n)


commitments = st.lists(st.builds(Commitment, st.integers(0, 300), st.integers(-3, 90).map(day)), max_size=12)
weekly = st.integers(0, 400)
weeks = st.integers(1, 10)


def test_work_made_in_an_earlier_week_serves_a_later_deadline():
    # 7 a week, nothing due in week 1, 10 due at the end of week 2: a week's production alone
    # (7) is short of it, but 14 are made by then, so the rule holds it and the page must not
    # call week 2 over.
    cal = week_calendar(7, [Commitment(10, day(14))], TODAY, 8)
    second = cal.weeks[1]
    assert (second.due_units, second.can_make, second.made_ahead, second.short) == (10, 7, 7, 0)
    assert not second.over and not cal.over
    assert is_feasible(7, [Commitment(10, day(14))], TODAY)


def test_a_deadline_early_in_a_week_can_be_short_although_the_week_as_a_whole_is_not():
    # 70 a week (10 a day): 30 due on day 2 cannot be made (20 by then); the week makes 70.
    cal = week_calendar(70, [Commitment(30, day(2))], TODAY, 2)
    assert cal.weeks[0].short == 10 and cal.weeks[0].over
    assert cal.weeks[0].available >= cal.weeks[0].due_units


def test_overdue_work_is_short_in_the_first_week():
    cal = week_calendar(70, [Commitment(5, day(-2))], TODAY, 3)
    assert cal.weeks[0].due_units == 5 and cal.weeks[0].short == 5


def test_work_after_the_shown_weeks_is_counted_later():
    cal = week_calendar(7, [Commitment(100, day(30))], TODAY, 2)
    assert cal.later_units == 100 and cal.later_short == 100 - 30
    assert not any(w.over for w in cal.weeks) and cal.over


@given(weekly, commitments, st.integers(-5, 5).map(day), weeks)
def test_shown_over_capacity_iff_the_rule_judges_the_work_infeasible(w, jobs, today, n):
    cal = week_calendar(w, jobs, today, n)
    assert cal.over == (not is_feasible(w, jobs, today)) == (not brute_feasible(w, jobs, today))


@given(weekly, commitments, st.integers(-5, 5).map(day), weeks)
def test_each_week_is_short_exactly_where_one_of_its_deadlines_breaks_the_rule(w, jobs, today, n):
    cal = week_calendar(w, jobs, today, n)
    for k, week in enumerate(cal.weeks):
        mine = {c.deadline for c in jobs if c.remaining and min(week_of(today, c.deadline), n) == k}
        worst = max(
            (sum(c.remaining for c in jobs if c.deadline <= d) - capacity_until(w, today, d) for d in mine),
            default=0,
        )
        assert week.short == max(0, worst)
        if not mine:
            assert not week.over and week.due_units == 0


@given(weekly, commitments, st.integers(-5, 5).map(day), weeks)
def test_every_unit_is_in_one_week_or_later_and_production_is_counted_once(w, jobs, today, n):
    cal = week_calendar(w, jobs, today, n)
    assert sum(x.due_units for x in cal.weeks) + cal.later_units == sum(c.remaining for c in jobs)
    assert sum(x.can_make for x in cal.weeks) == capacity_until(w, today, today + timedelta(days=7 * n))


@given(weekly, commitments, weeks)
def test_a_week_not_short_whose_deadlines_are_its_last_day_fits_what_is_made_ahead_and_in_it(w, jobs, n):
    # with every deadline on a week's last day, EDF serves a week from what is made ahead and in it
    moved = [Commitment(c.remaining, day(7 * (week_of(TODAY, c.deadline) + 1))) for c in jobs]
    cal = week_calendar(w, moved, TODAY, n)
    for week in cal.weeks:
        if not any(x.over for x in cal.weeks):
            assert week.due_units <= week.available
