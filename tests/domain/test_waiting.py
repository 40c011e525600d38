"""Why units wait (domain/waiting.py): one hand-checkable example per reason, and a property: the
units the report calls placeable are exactly what matching places."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from market.domain import waiting
from market.domain.capacity import Commitment
from market.domain.matching import Business, OrderToMatch, match_order

TODAY = date(2027, 3, 21)
KIT = "ELDERLY-COVID"


def biz(id: int, weekly: int = 70, **kw) -> Business:
    return Business(id=id, province="tehran", weekly_capacity=weekly, kits=frozenset({KIT}), **kw)


def order(qty: int, days: int = 30, declined: frozenset[int] = frozenset()) -> OrderToMatch:
    return OrderToMatch(1, KIT, qty, "tehran", TODAY + timedelta(days=days), declined)


def test_each_reason():
    full = (Commitment(290, TODAY + timedelta(days=29)),)  # 70 a week: all it makes by day 29
    r = waiting.explain_waiting(order(0), [biz(1)], TODAY)
    assert r.reason == waiting.NOTHING_WAITING
    r = waiting.explain_waiting(order(10, days=0), [biz(1)], TODAY)
    assert r.reason == waiting.DEADLINE_PASSED and r.left_waiting == 10
    r = waiting.explain_waiting(order(10), [biz(1, paused=True), biz(2, status="pending"), biz(3, 0)], TODAY)
    assert (r.reason, r.makers) == (waiting.NO_MAKER, 0)
    r = waiting.explain_waiting(order(10, declined=frozenset({1, 2})), [biz(1), biz(2)], TODAY)
    assert (r.reason, r.makers, r.declined, r.eligible) == (waiting.ALL_DECLINED, 2, 2, 0)
    r = waiting.explain_waiting(order(10), [biz(1, jobs=full), biz(2, jobs=full)], TODAY)
    assert (r.reason, r.eligible, r.with_room, r.placeable) == (waiting.NO_ROOM, 2, 0, 0)
    # 5 units of room, a lot of 20, 10 waiting: nothing can be placed
    nearly = (Commitment(285, TODAY + timedelta(days=29)),)
    r = waiting.explain_waiting(order(10), [biz(1, jobs=nearly, min_lot=20)], TODAY)
    assert (r.reason, r.with_room, r.room, r.below_min_lot) == (waiting.BELOW_MIN_LOT, 1, 5, 1)
    r = waiting.explain_waiting(order(100), [biz(1), biz(2, jobs=full)], TODAY)
    assert (r.reason, r.placeable, r.left_waiting) == (waiting.PLACEABLE, 100, 0)
    # 400 waiting, 290 placeable: the rest waits for lack of room
    r = waiting.explain_waiting(order(400), [biz(1), biz(2, jobs=full)], TODAY)
    assert (r.reason, r.placeable, r.left_waiting) == (waiting.NO_ROOM, 290, 110)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 140), st.integers(0, 400), st.integers(1, 40), st.integers(1, 30)),
        min_size=0,
        max_size=6,
    ),
    st.integers(1, 800),
    st.integers(1, 40),
    st.frozensets(st.integers(1, 6), max_size=3),
)
def test_placeable_is_what_matching_places(shape, qty, days, declined):
    bs = [
        biz(i, weekly, min_lot=lot, jobs=(Commitment(load, TODAY + timedelta(days=due)),))
        for i, (weekly, load, due, lot) in enumerate(shape, start=1)
    ]
    o = order(qty, days, declined)
    r = waiting.explain_waiting(o, bs, TODAY)
    assert r.placeable == match_order(o, bs, TODAY).allocated
    assert r.reason in waiting.REASONS and 0 <= r.placeable <= r.waiting == qty
    assert (r.reason == waiting.PLACEABLE) == (r.placeable == qty)
