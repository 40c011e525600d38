"""Language, direction, Jalali dates, Persian digits and rials for the pages.

Persian is the default: right-to-left, Jalali calendar, Persian digits. English: left-to-right,
Gregorian, Latin digits. The language comes from the signed-in user's ``locale``, else from the
session (the language switch), else Persian.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app, session
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user
from persiantools import digits
from persiantools.jdatetime import JalaliDate

LANGUAGES = ("fa", "en")
EN_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def select_locale() -> str:
    if current_user and current_user.is_authenticated and current_user.locale in LANGUAGES:
        return str(current_user.locale)
    lang = session.get("lang")
    return lang if lang in LANGUAGES else "fa"


def lang() -> str:
    loc = get_locale()
    return loc.language if loc is not None else "fa"


def is_fa() -> bool:
    return lang() == "fa"


def direction() -> str:
    return "rtl" if is_fa() else "ltr"


def local_digits(text: object) -> str:
    return digits.en_to_fa(str(text)) if is_fa() else str(text)


def number(value: int | float | None) -> str:
    """Thousands separated; Persian digits and the Arabic thousands separator in Persian."""
    if value is None:
        return "—"
    text = f"{value:,}" if isinstance(value, int) else f"{value:,.1f}"
    return digits.en_to_fa(text).replace(",", "٬").replace(".", "٫") if is_fa() else text


def rials(value: int | None) -> str:
    return _("%(amount)s rials", amount=number(value))


def percent(value: float | None) -> str:
    return "—" if value is None else _("%(n)s%%", n=local_digits(round(value * 100)))


def jalali(d: date) -> JalaliDate:
    return JalaliDate.to_jalali(d)


def format_date(d: date | None) -> str:
    """Persian: Jalali with Persian digits and month name (۲۰ آذر ۱۴۰۵); English: 11 Dec 2026."""
    if d is None:
        return "—"
    if isinstance(d, datetime):
        d = to_local(d).date()
    if is_fa():
        j = jalali(d)
        return str(j.strftime("%d %B %Y", locale="fa")).lstrip("۰")
    return f"{d.day} {EN_MONTHS[d.month - 1]} {d.year}"


def format_short_date(d: date) -> str:
    """Numeric: ۱۴۰۵/۰۹/۲۰ in Persian, 2026-12-11 in English (what the date field takes)."""
    return digits.en_to_fa(jalali(d).strftime("%Y/%m/%d")) if is_fa() else d.isoformat()


def to_local(dt: datetime) -> datetime:
    return dt.astimezone(ZoneInfo(current_app.config["TIMEZONE"]))


def format_datetime(dt: datetime | None) -> str:
    if dt is None:
        return "—"
    local = to_local(dt)
    return f"{format_date(local.date())} {local_digits(local.strftime('%H:%M'))}"


def format_duration(delta: timedelta) -> str:
    """Time left, coarse: "2 days 3 hours" / "۲ روز ۳ ساعت"; "expired" when negative."""
    seconds = int(delta.total_seconds())
    if seconds <= 0:
        return _("expired")
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    parts: list[str] = []
    if days:
        parts.append(ngettext("%(n)s day", "%(n)s days", days, n=local_digits(days)))
    if hours or days:
        parts.append(ngettext("%(n)s hour", "%(n)s hours", hours, n=local_digits(hours)))
    if not days:
        parts.append(_("%(n)s min", n=local_digits(minutes)))
    return " ".join(parts)


_DATE = re.compile(r"^\s*(\d{4})\s*[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{1,2})\s*$")


def parse_date(text: str) -> date | None:
    """A date typed in Jalali (1405/09/20, ۱۴۰۵/۰۹/۲۰) or Gregorian (2026-12-11); None if it is not one.

    Years below 1700 are Jalali: the two calendars' years never overlap in practice.
    """
    normalized = digits.fa_to_en(digits.ar_to_fa(text or ""))
    m = _DATE.match(normalized)
    if not m:
        return None
    y, mo, d = (int(g) for g in m.groups())
    try:
        if y < 1700:
            return JalaliDate(y, mo, d).to_gregorian()
        return date(y, mo, d)
    except ValueError:
        return None
