"""The one date parser of the pages (``market.web.i18n.read_date``): Jalali and Gregorian dates as
people type them, numbers or month names, Persian or Latin digits; an impossible day says why."""

from __future__ import annotations

from datetime import date

import pytest
from flask import Flask

from market.web import i18n


@pytest.mark.parametrize(
    ("typed", "day"),
    [
        ("۲۹ آذر ۱۴۰۵", date(2026, 12, 20)),
        ("29 آذر 1405", date(2026, 12, 20)),
        ("۲۹ آذر ۱۴۰۵ ", date(2026, 12, 20)),
        ("29 Azar 1405", date(2026, 12, 20)),
        ("۱۴۰۵/۰۹/۲۹", date(2026, 12, 20)),
        ("1405/09/29", date(2026, 12, 20)),
        ("۱ فروردین ۱۴۰۶", date(2027, 3, 21)),
        ("٢٩ آذر ١٤٠٥", date(2026, 12, 20)),  # Arabic digits
        ("2026-12-20", date(2026, 12, 20)),
        ("20 Dec 2026", date(2026, 12, 20)),
        ("20 December 2026", date(2026, 12, 20)),
        ("۲۰ دسامبر ۲۰۲۶", date(2026, 12, 20)),
        ("1403/12/30", date(2025, 3, 20)),  # a leap year's Esfand has 30 days
    ],
)
def test_dates_as_people_type_them(app: Flask, typed: str, day: date):
    with app.test_request_context():
        assert i18n.read_date(typed) == day
        assert i18n.parse_date(typed) == day


@pytest.mark.parametrize(
    ("typed", "fa", "en"),
    [
        ("1405/09/31", "آذر ۳۰ روز دارد.", "Azar has 30 days."),
        ("۳۱ آذر ۱۴۰۵", "آذر ۳۰ روز دارد.", "Azar has 30 days."),
        ("1404/12/30", "اسفند ۲۹ روز دارد.", "Esfand has 29 days."),
        ("2026-02-29", "فوریه ۲۸ روز دارد.", "February has 28 days."),
        ("1405/09/00", "آذر ۳۰ روز دارد.", "Azar has 30 days."),
    ],
)
def test_a_day_the_month_lacks_says_how_many_days_it_has(app: Flask, typed: str, fa: str, en: str):
    with app.test_request_context():
        with pytest.raises(i18n.DateRefused) as refused:
            i18n.read_date(typed)
        assert str(refused.value) == fa
        assert i18n.parse_date(typed) is None
    with app.test_request_context():
        from flask import session

        session["lang"] = "en"
        with pytest.raises(i18n.DateRefused) as refused:
            i18n.read_date(typed)
        assert str(refused.value) == en


@pytest.mark.parametrize(
    "typed", ["", "abc", "1405/13/10", "29 Brumaire 1405", "1405/09", "0000-01-01", "99999-1-1"]
)
def test_what_is_no_date_gets_the_general_message(app: Flask, typed: str):
    with app.test_request_context():
        with pytest.raises(i18n.DateRefused) as refused:
            i18n.read_date(typed)
        assert "۱۴۰۵/۰۹/۲۰" in str(refused.value)
