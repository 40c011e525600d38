"""Distances and transit days between provinces."""

from __future__ import annotations

import pytest

from market.domain import geo
from market.domain.errors import UnknownProvince


def test_distances_are_symmetric_and_zero_only_within_a_province():
    for a in geo.BY_CODE:
        for b in geo.BY_CODE:
            assert geo.distance_km(a, b) == geo.distance_km(b, a)
            assert (geo.distance_km(a, b) == 0) == (a == b)


def test_known_distances_between_capitals():
    # great-circle figures, checked against published tables to within a few km
    assert 380 <= geo.distance_km("tehran", "kermanshah") <= 430
    assert 660 <= geo.distance_km("tehran", "fars") <= 720
    assert 30 <= geo.distance_km("tehran", "alborz") <= 45
    assert geo.distance_km("kermanshah", "lorestan") < geo.distance_km("kermanshah", "tehran")


def test_transit_days():
    assert geo.transit_days("fars", "fars") == 1
    assert geo.transit_days("tehran", "alborz") == 1  # 36 km
    assert geo.transit_days("tehran", "kermanshah") == 2  # ~410 km
    d = geo.distance_km("west-azerbaijan", "sistan-baluchestan")
    assert geo.transit_days("west-azerbaijan", "sistan-baluchestan") == 1 + d // 400 >= 4


def test_provinces_by_distance_starts_at_home_and_never_gets_nearer():
    order = geo.provinces_by_distance("lorestan")
    assert order[0] == "lorestan" and len(order) == 31
    km = [geo.distance_km("lorestan", p) for p in order]
    assert km == sorted(km)


def test_unknown_province():
    for call in (
        lambda: geo.province("x"),
        lambda: geo.distance_km("tehran", "x"),
        lambda: geo.transit_days("x", "tehran"),
        lambda: geo.provinces_by_distance("x"),
    ):
        with pytest.raises(UnknownProvince):
            call()
