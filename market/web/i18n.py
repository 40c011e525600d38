"""Language, direction, Jalali dates, Persian digits and rials for the pages.

Persian is the default: right-to-left, Jalali calendar, Persian digits. English: left-to-right,
Gregorian, Latin digits. The language comes from the signed-in user's ``locale``, else from the
session (the language switch), else Persian.
"""

from __future__ import annotations

import re
from calendar import monthrange
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app, session
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user
from persiantools import characters, digits
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


def jalali(d: date) -> JalaliDate | None:
    """The Jalali date, or None where the calendar library cannot say (it stops at year 9377)."""
    try:
        return JalaliDate.to_jalali(d)
    except (ValueError, OverflowError):
        return None


def format_date(d: date | None) -> str:
    """Persian: Jalali with Persian digits and month name (۲۰ آذر ۱۴۰۵); English: 11 Dec 2026.

    Never raises: a date the Jalali calendar cannot express is shown as its ISO form, so one odd
    row cannot take a page down for everyone.
    """
    if d is None:
        return "—"
    if isinstance(d, datetime):
        d = to_local(d).date()
    if is_fa():
        j = jalali(d)
        if j is None:
            return digits.en_to_fa(d.isoformat())
        return str(j.strftime("%d %B %Y", locale="fa")).lstrip("۰")
    return f"{d.day} {EN_MONTHS[d.month - 1]} {d.year}"


def format_short_date(d: date) -> str:
    """Numeric: ۱۴۰۵/۰۹/۲۰ in Persian, 2026-12-11 in English (what the date field takes)."""
    if not is_fa():
        return d.isoformat()
    j = jalali(d)
    return digits.en_to_fa(j.strftime("%Y/%m/%d") if j is not None else d.isoformat())


def to_local(dt: datetime) -> datetime:
    try:
        return dt.astimezone(ZoneInfo(current_app.config["TIMEZONE"]))
    except OverflowError:  # the last hours of year 9999 have no local time: show them as stored
        return dt


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
#: a date written out: "29 Azar 1405", "۲۹ آذر ۱۴۰۵", "11 Dec 2026"
_WORDS = re.compile(r"^\s*(\d{1,2})\s+([^\d\s]+(?:\s[^\d\s]+)?)\s+(\d{4})\s*$")
JALALI_MONTHS_FA = (
    "فروردین", "اردیبهشت", "خرداد", "تیر", "مرداد", "شهریور", "مهر", "آبان", "آذر", "دی", "بهمن", "اسفند",
)  # fmt: skip
JALALI_MONTHS_EN = (
    "Farvardin", "Ordibehesht", "Khordad", "Tir", "Mordad", "Shahrivar",
    "Mehr", "Aban", "Azar", "Dey", "Bahman", "Esfand",
)  # fmt: skip
GREGORIAN_MONTHS_FA = (
    "ژانویه", "فوریه", "مارس", "آوریل", "مه", "ژوئن", "ژوئیه", "اوت", "سپتامبر", "اکتبر", "نوامبر", "دسامبر",
)  # fmt: skip
GREGORIAN_MONTHS_EN = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


def _named(calendar: str, *lists: tuple[str, ...]) -> dict[str, tuple[str, int]]:
    return {name.lower(): (calendar, n) for names in lists for n, name in enumerate(names, 1)}


#: month names as typed (lower case, Arabic letters as Persian ones) -> (calendar, month)
_MONTH_NAMES: dict[str, tuple[str, int]] = {
    **_named("jalali", JALALI_MONTHS_FA, JALALI_MONTHS_EN),
    **_named("gregorian", GREGORIAN_MONTHS_FA, GREGORIAN_MONTHS_EN, EN_MONTHS),
    "امرداد": ("jalali", 5),
}


class DateRefused(ValueError):
    """A date that cannot be read; ``str()`` says why, in the reader's language."""


def month_name(calendar: str, month: int) -> str:
    names = {
        ("jalali", True): JALALI_MONTHS_FA,
        ("jalali", False): JALALI_MONTHS_EN,
        ("gregorian", True): GREGORIAN_MONTHS_FA,
        ("gregorian", False): GREGORIAN_MONTHS_EN,
    }[calendar, is_fa()]
    return names[month - 1]


def _parts(text: str) -> tuple[str, int, int, int]:
    """(calendar, year, month, day) as typed.

    :raises DateRefused: for text that is no date at all.
    """
    normalized = digits.fa_to_en(digits.ar_to_fa(characters.ar_to_fa(text or "")))
    if m := _DATE.match(normalized):
        y, mo, d = (int(g) for g in m.groups())
        return ("jalali" if y < 1700 else "gregorian"), y, mo, d
    if (m := _WORDS.match(normalized)) and (found := _MONTH_NAMES.get(m.group(2).lower())):
        return found[0], int(m.group(3)), found[1], int(m.group(1))
    raise DateRefused(_("Enter a date like 1405/09/20 (Jalali) or 2026-12-11."))


def read_date(text: str) -> date:
    """A date typed in Jalali (1405/09/20, ۱۴۰۵/۰۹/۲۰, ۲۹ آذر ۱۴۰۵) or Gregorian (2026-12-11,
    11 Dec 2026). Years below 1700 are Jalali: the two calendars' years never overlap in practice.

    :raises DateRefused: saying what is wrong ("Azar has 30 days"), in the reader's language.
    """
    calendar, y, mo, d = _parts(text)
    try:
        days = JalaliDate.days_in_month(mo, y) if calendar == "jalali" else monthrange(y, mo)[1]
    except (ValueError, OverflowError, IndexError, KeyError):  # no such month (13), or year
        raise DateRefused(_("Enter a date like 1405/09/20 (Jalali) or 2026-12-11.")) from None
    if not 1 <= d <= days:
        raise DateRefused(
            _("%(month)s has %(days)s days.", month=month_name(calendar, mo), days=local_digits(days))
        )
    try:
        return JalaliDate(y, mo, d).to_gregorian() if calendar == "jalali" else date(y, mo, d)
    except (ValueError, OverflowError):
        raise DateRefused(_("Enter a date like 1405/09/20 (Jalali) or 2026-12-11.")) from None


def parse_date(text: str) -> date | None:
    """:func:`read_date`, or None if the text is not a date."""
    try:
        return read_date(text)
    except DateRefused:
        return None
