"""Order and job state machines, and the order status derived from its jobs."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from market.domain import states
from market.domain.errors import DomainError, IllegalTransition
from market.domain.states import JOB, ORDER, JobShare, tally_order

API_JOB_STATUSES = {
    "offered",
    "accepted",
    "in_production",
    "shipped",
    "delivered",
    "declined",
    "expired",
    "cancelled",
}
API_ORDER_STATUSES = {
    "pending",
    "awaiting_capacity",
    "allocated",
    "in_production",
    "shipped",
    "delivered",
    "cancelled",
}


def test_statuses_are_exactly_those_of_the_api():
    assert JOB.statuses == API_JOB_STATUSES == set(states.JOB_STATUSES)
    assert ORDER.statuses == API_ORDER_STATUSES == set(states.ORDER_STATUSES)


@pytest.mark.parametrize(
    ("current", "target"),
    [
        ("offered", "accepted"),
        ("offered", "declined"),
        ("offered", "expired"),
        ("offered", "cancelled"),
        ("accepted", "in_production"),
        ("accepted", "shipped"),
        ("accepted", "cancelled"),
        ("in_production", "in_production"),
        ("in_production", "shipped"),
        ("in_production", "cancelled"),
        ("shipped", "delivered"),
    ],
)
def test_job_moves_the_api_allows(current, target):
    assert JOB.transition(current, target) == target


@pytest.mark.parametrize(
    ("current", "target"),
    [
        ("offered", "in_production"),
        ("offered", "shipped"),
        ("accepted", "declined"),
        ("accepted", "expired"),
        ("shipped", "cancelled"),
        ("delivered", "shipped"),
        ("declined", "offered"),
        ("expired", "accepted"),
        ("cancelled", "offered"),
        ("shipped", "in_production"),
        ("offered", "nonsense"),
        ("nonsense", "offered"),
    ],
)
def test_job_moves_refused(current, target):
    with pytest.raises(IllegalTransition) as err:
        JOB.transition(current, target)
    assert (err.value.current, err.value.target) == (current, target)
    assert isinstance(err.value, DomainError)


def test_terminal_statuses():
    assert {s for s in JOB.statuses if JOB.is_terminal(s)} == {
        "delivered",
        "declined",
        "expired",
        "cancelled",
    }
    assert {s for s in ORDER.statuses if ORDER.is_terminal(s)} == {"delivered", "cancelled"}


def test_shipped_orders_cannot_be_cancelled():
    with pytest.raises(IllegalTransition):
        ORDER.transition("shipped", "cancelled")
    assert ORDER.transition("allocated", "cancelled") == "cancelled"


def shares(*pairs: tuple[str, int]) -> list[JobShare]:
    return [JobShare(s, q) for s, q in pairs]


@pytest.mark.parametrize(
    ("jobs", "matched", "expected"),
    [
        ([], False, ("pending", 0, 100)),
        ([], True, ("awaiting_capacity", 0, 100)),
        ([("offered", 60)], True, ("awaiting_capacity", 60, 40)),
        ([("offered", 60), ("declined", 40)], True, ("awaiting_capacity", 60, 40)),
        ([("offered", 60), ("accepted", 40)], True, ("allocated", 100, 0)),
        ([("in_production", 60), ("offered", 40)], True, ("in_production", 100, 0)),
        ([("shipped", 60), ("accepted", 40)], True, ("in_production", 100, 0)),
        ([("shipped", 60), ("delivered", 40), ("expired", 5)], True, ("shipped", 100, 0)),
        ([("delivered", 60), ("delivered", 40), ("cancelled", 10)], True, ("delivered", 100, 0)),
        ([("shipped", 60)], True, ("awaiting_capacity", 60, 40)),
    ],
)
def test_order_status_derived_from_jobs(jobs, matched, expected):
    t = tally_order(100, shares(*jobs), matched=matched)
    assert (t.status, t.allocated, t.unallocated) == expected


def test_a_cancelled_order_is_cancelled_whatever_its_jobs():
    assert tally_order(10, shares(("cancelled", 10)), matched=True, cancelled=True).status == "cancelled"


def test_jobs_holding_more_than_the_order_are_refused():
    with pytest.raises(DomainError):
        tally_order(10, shares(("offered", 8), ("accepted", 3)), matched=True)


job_lists = st.lists(st.tuples(st.sampled_from(states.JOB_STATUSES), st.integers(1, 50)), max_size=6)


@given(st.integers(1, 400), job_lists, st.booleans())
def test_conservation_allocated_plus_unallocated_is_quantity(qty, jobs, matched):
    live = sum(q for s, q in jobs if s in states.LIVE_JOB_STATUSES)
    if live > qty:
        with pytest.raises(DomainError):
            tally_order(qty, shares(*jobs), matched=matched)
        return
    t = tally_order(qty, shares(*jobs), matched=matched)
    assert t.allocated + t.unallocated == qty
    assert t.status in states.ORDER_STATUSES
    if matched:
        assert (t.status == "awaiting_capacity") == (t.unallocated > 0)


@given(
    st.integers(1, 100),
    st.lists(st.tuples(st.integers(0, 20), st.sampled_from(states.JOB_STATUSES)), min_size=1, max_size=12),
)
def test_any_sequence_of_job_moves_keeps_the_derived_order_status_a_legal_move(qty, moves):
    """Drive one order's jobs through random legal moves; each derived order status change must
    be a move the order's table allows (or no change)."""
    jobs = [["offered", qty]]
    status = tally_order(qty, shares(*map(tuple, jobs)), matched=True).status
    for index, target in moves:
        job = jobs[index % len(jobs)]
        if not JOB.can(job[0], target):
            continue
        job[0] = target
        if target in ("declined", "expired", "cancelled"):
            jobs.append(["offered", job[1]])  # re-matched: its units offered again elsewhere
        new = tally_order(qty, shares(*map(tuple, jobs)), matched=True).status
        if new != status:
            ORDER.transition(status, new)
            status = new


def test_progress_never_goes_down_and_stays_within_the_quantity():
    assert states.check_progress(10, 3, 7) == 7
    assert states.check_progress(10, 3, 3) == 3
    for bad in (2, 11, -1):
        with pytest.raises(DomainError):
            states.check_progress(10, 3, bad)


def test_received_quantity_within_zero_and_quantity():
    assert states.check_received(10, 0) == 0
    assert states.check_received(10, 10) == 10
    with pytest.raises(DomainError):
        states.check_received(10, 11)
    with pytest.raises(DomainError):
        states.check_received(10, -1)


@st.composite
def job_progress(draw: st.DrawFn) -> states.JobProgress:
    status = draw(st.sampled_from(states.JOB_STATUSES))
    quantity = draw(st.integers(1, 500))
    sent = status in states.SENT_JOB_STATUSES
    done = quantity if sent else draw(st.integers(0, quantity))
    received = draw(st.integers(0, quantity)) if status == states.DELIVERED else None
    return states.JobProgress(status, quantity, done, received)


@given(st.lists(job_progress(), max_size=8))
def test_an_orders_counts_never_say_more_was_received_than_shipped_or_shipped_than_made(jobs):
    counts = states.order_progress(jobs)
    live = sum(j.quantity for j in jobs if j.status in states.LIVE_JOB_STATUSES)
    assert live >= counts.made >= counts.shipped >= counts.delivered >= 0
    assert counts.shipped == sum(j.quantity for j in jobs if j.status in states.SENT_JOB_STATUSES)
