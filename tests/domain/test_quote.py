"""The instant quote (domain/quote.py): a dry run of the engine that holds nothing.

Properties: the quote for ``needed_by`` is exactly what placing the order on the same pool
allocates; the units placed never fall as the date moves later (what makes the bisection exact);
``earliest_full_date`` is minimal (a day earlier does not place everything) and None only when the
last allowed date does not either; the candidates are never changed.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from market.domain import quote as q
from market.domain.capacity import Commitment
from market.domain.deadlines import MAX_LEAD_DAYS
from market.domain.errors import DomainError, UnknownProvince
from market.domain.matching import Business, CandidatePool, OrderToMatch, place_order

from .test_matching_properties import KITS, PROVINCES, SPLITS, TODAY, loaded_businesses

days_ahead = st.integers(1, 60) | st.integers(1, MAX_LEAD_DAYS)


def placed(bs, qty, kit, province, day, max_splits=None):
    order = OrderToMatch(q.QUOTE_ORDER_ID, kit, qty, province, day)
    return place_order(order, CandidatePool(bs), TODAY, max_splits)


@settings(max_examples=300, deadline=None)
@given(
    loaded_businesses(),
    st.integers(1, 600),
    days_ahead,
    st.sampled_from(KITS),
    st.sampled_from(PROVINCES),
    st.sampled_from([None, SPLITS]),
)
def test_the_quote_for_needed_by_is_what_placing_the_order_allocates(bs, qty, days, kit, province, splits):
    before = [(b.id, b.jobs) for b in bs]
    needed_by = TODAY + timedelta(days=days)
    got = q.quote(kit, qty, province, needed_by, bs, TODAY, max_splits=splits)
    real = placed(bs, qty, kit, province, needed_by, splits)
    assert got.placeable_by_needed_by == real.allocated
    by_province: dict[str, int] = {}
    for a in real.allocations:
        p = next(b.province for b in bs if b.id == a.business_id)
        by_province[p] = by_province.get(p, 0) + a.quantity
    assert {s.province: s.quantity for s in got.sources} == by_province
    assert got.sources_date == needed_by
    assert [(b.id, b.jobs) for b in bs] == before  # nothing held


@settings(max_examples=300, deadline=None)
@given(
    loaded_businesses(),
    st.integers(1, 600),
    days_ahead,
    days_ahead,
    st.sampled_from(KITS),
    st.sampled_from(PROVINCES),
    st.sampled_from([None, SPLITS]),
)
def test_units_placed_never_fall_as_the_date_moves_later(bs, qty, d1, d2, kit, province, splits):
    early, late = sorted((d1, d2))
    a = placed(bs, qty, kit, province, TODAY + timedelta(days=early), splits).allocated
    b = placed(bs, qty, kit, province, TODAY + timedelta(days=late), splits).allocated
    assert a <= b


@settings(max_examples=300, deadline=None)
@given(
    loaded_businesses(),
    st.integers(1, 600),
    st.none() | days_ahead,
    st.sampled_from(KITS),
    st.sampled_from(PROVINCES),
)
def test_the_earliest_full_date_is_minimal(bs, qty, days, kit, province):
    needed_by = None if days is None else TODAY + timedelta(days=days)
    got = q.quote(kit, qty, province, needed_by, bs, TODAY)
    last = TODAY + timedelta(days=MAX_LEAD_DAYS)
    if got.earliest_full_date is None:
        assert placed(bs, qty, kit, province, last).unallocated > 0
        return
    e = got.earliest_full_date
    assert TODAY < e <= last
    assert placed(bs, qty, kit, province, e).unallocated == 0
    if e - timedelta(days=1) > TODAY:
        assert placed(bs, qty, kit, province, e - timedelta(days=1)).unallocated > 0
    if needed_by is None:
        assert got.placeable_by_needed_by is None and got.sources_date == e
        assert sum(s.quantity for s in got.sources) == qty
    else:
        assert (got.placeable_by_needed_by == qty) == (e <= needed_by)


def biz(id: int, province: str, weekly: int, jobs=(), **kw) -> Business:
    return Business(id, province, weekly, frozenset({KITS[0]}), jobs=tuple(jobs), **kw)


def test_a_province_without_workshops_is_served_from_its_neighbour():
    # 70 a week in Lorestan (1 day to make 10 units); Khuzestan has no workshop.
    bs = [biz(1, "lorestan", 70), biz(2, "tehran", 70, [Commitment(10, TODAY + timedelta(days=5))])]
    got = q.quote(KITS[0], 150, "khuzestan", TODAY + timedelta(days=10), bs, TODAY)
    # Lorestan–Khuzestan: 243 km, 1 day of transit, so 9 production days: 90 units; Tehran is farther.
    assert got.sources[0].province == "lorestan" and got.sources[0].quantity == 90
    assert got.placeable_by_needed_by == sum(s.quantity for s in got.sources)
    assert got.earliest_full_date is not None and got.earliest_full_date <= TODAY + timedelta(days=40)
    nobody = q.quote(KITS[1], 5, "khuzestan", None, bs, TODAY)
    assert (nobody.earliest_full_date, nobody.sources, nobody.placeable_by_needed_by) == (None, (), None)


def test_bad_questions_are_refused():
    with pytest.raises(DomainError):
        q.quote(KITS[0], 0, "tehran", None, [], TODAY)
    with pytest.raises(DomainError):
        q.quote(KITS[0], 1, "tehran", TODAY, [], TODAY)
    with pytest.raises(DomainError):
        q.quote(KITS[0], 1, "tehran", TODAY + timedelta(days=MAX_LEAD_DAYS + 1), [], TODAY)
    with pytest.raises(UnknownProvince):
        q.quote(KITS[0], 1, "atlantis", None, [], TODAY)


def test_today_is_a_parameter():
    got = q.quote(KITS[0], 7, "tehran", None, [biz(1, "tehran", 70)], date(2030, 1, 1))
    assert got.earliest_full_date == date(2030, 1, 3)  # one day to make 7 (10 a day), one of transit
