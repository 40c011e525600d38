"""The named rules about dates and load, each in one place in the domain."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from market.domain import capacity, deadlines, matching, states

DAY = date(2026, 12, 1)


def test_production_deadline_is_needed_by_minus_transit_days():
    assert deadlines.production_deadline(date(2026, 12, 20), "tehran", "tehran") == date(2026, 12, 19)
    # Kermanshah to Sistan and Baluchestan: well over 1,000 km, so 1 + km // 400 days
    far = deadlines.production_deadline(date(2026, 12, 20), "kermanshah", "sistan-baluchestan")
    assert far < date(2026, 12, 18)


def test_expected_arrival_is_the_production_deadline_plus_transit():
    needed = date(2026, 12, 20)
    for origin, to in [("tehran", "tehran"), ("kermanshah", "sistan-baluchestan"), ("fars", "tehran")]:
        due = deadlines.production_deadline(needed, origin, to)
        assert deadlines.expected_arrival(due, origin, to) == needed
    # once shipped, the day it left counts instead of the deadline
    assert deadlines.expected_arrival(date(2026, 12, 19), "tehran", "tehran", date(2026, 12, 10)) == date(
        2026, 12, 11
    )


def test_earliest_needed_by_is_tomorrow():
    assert deadlines.earliest_needed_by(DAY) == date(2026, 12, 2)


def test_latest_needed_by_is_a_year_ahead():
    assert deadlines.latest_needed_by(DAY) == date(2027, 12, 1)
    assert deadlines.earliest_needed_by(DAY) < deadlines.latest_needed_by(DAY)


@pytest.mark.parametrize(
    ("status", "due", "late"),
    [
        (states.OFFERED, date(2026, 11, 30), True),
        (states.IN_PRODUCTION, date(2026, 11, 30), True),
        (states.ACCEPTED, DAY, False),  # due today is not late yet
        (states.SHIPPED, date(2026, 11, 30), False),  # it left: no longer late
        (states.CANCELLED, date(2026, 11, 1), False),
    ],
)
def test_a_job_is_late_when_open_past_its_production_deadline(status: str, due: date, late: bool):
    assert deadlines.is_late(status, due, DAY) is late


def test_on_time_rate():
    assert deadlines.on_time_rate([]) is None
    on_time = (DAY, datetime(2026, 12, 1, 20, tzinfo=UTC))
    late = (DAY, datetime(2026, 12, 2, 1, tzinfo=UTC))
    never = (DAY, None)
    assert deadlines.on_time_rate([on_time, late, never, on_time]) == 0.5


def test_four_week_load_is_committed_over_four_weeks_of_capacity_capped():
    assert capacity.four_week_load(0, 0) == 0.0
    assert capacity.four_week_load(56, 28) == 0.5
    assert capacity.four_week_load(10_000, 1) == capacity.FOUR_WEEK_LOAD_CAP


def test_the_engine_asks_is_eligible(monkeypatch: pytest.MonkeyPatch):
    """The one eligibility rule decides inside the engine too: refuse everyone and nothing is placed."""
    order = matching.OrderToMatch(1, "ELDERLY", 10, "tehran", date(2026, 12, 30))
    shop = matching.Business(7, "tehran", 70, frozenset({"ELDERLY"}))
    assert matching.match_order(order, [shop], DAY).allocated == 10
    monkeypatch.setattr(matching, "is_eligible", lambda business, order: False)
    assert matching.match_order(order, [shop], DAY).allocated == 0


def test_ineligibility_names_the_reason():
    order = matching.OrderToMatch(1, "ELDERLY", 10, "tehran", date(2026, 12, 30), declined_by=frozenset({9}))
    shop = matching.Business(7, "tehran", 70, frozenset({"ELDERLY"}))
    assert matching.ineligibility(shop, order) is None
    paused = matching.Business(8, "tehran", 70, frozenset({"ELDERLY"}), paused=True)
    assert matching.ineligibility(paused, order) == "business_inactive"
    other_kit = matching.Business(8, "tehran", 70, frozenset({"PREGNANT"}))
    assert matching.ineligibility(other_kit, order) == "business_lacks_kit"
    declined = matching.Business(9, "tehran", 70, frozenset({"ELDERLY"}))
    assert matching.ineligibility(declined, order) == "business_declined"
    assert not matching.is_eligible(matching.Business(10, "tehran", 0, frozenset({"ELDERLY"})), order)
