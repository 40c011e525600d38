"""What the workshop pages show beside the forms: the week calendar as the capacity rule counts
it, the earnings, where sign-in lands, and the count of waiting offers in the menu."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import redirect, url_for
from flask_login import current_user
from persiantools.jdatetime import JalaliDate

from ..models import Business
from ..services import businesses, workshop_figures
from . import bp, i18n
from .common import role_required, user

CALENDAR_WEEKS = 8


@dataclass(frozen=True)
class WeekRow:
    """A calendar week as the page draws it: the figures and the bar lengths in percent."""

    first_due: date
    last_due: date
    due_units: int
    offered_units: int
    can_make: int
    made_ahead: int
    short: int
    due_width: float
    available_width: float

    @property
    def over(self) -> bool:
        return self.short > 0


def calendar_rows(b: Business) -> tuple[list[WeekRow], int, int]:
    """The weeks (``domain.workload``), the units due after them, and how many of those the rule
    cannot make in time."""
    cal = businesses.calendar(b, CALENDAR_WEEKS)
    weeks = cal.weeks.weeks
    # one scale for every week, so bars compare across weeks as well as within one
    scale = max([1, *(w.due_units for w in weeks), *(w.available for w in weeks)])
    rows = [
        WeekRow(
            w.first_due,
            w.last_due,
            w.due_units,
            offered,
            w.can_make,
            w.made_ahead,
            w.short,
            round(100 * w.due_units / scale, 1),
            round(100 * w.available / scale, 1),
        )
        for w, offered in zip(weeks, cal.offered_units, strict=True)
    ]
    return rows, cal.weeks.later_units, cal.weeks.later_short


@bp.app_context_processor
def waiting_offers() -> dict[str, Any]:
    """A workshop's menu shows how many offers wait for its answer."""
    count = 0
    if current_user and current_user.is_authenticated and current_user.role == "business":
        count = workshop_figures.waiting_offers(current_user.id)
    return {"waiting_offers": count}


@bp.get("/workshop/home")
@role_required("business")
def workshop_home() -> Any:
    """Where a workshop lands at sign-in: its offers when any wait for an answer, else its profile."""
    if workshop_figures.waiting_offers(user().id):
        return redirect(url_for("web.offers"))
    return redirect(url_for("web.workshop"))


def month_name(month: workshop_figures.MonthEarnings) -> str:
    """The Jalali month's name and year in the reader's language: "آذر ۱۴۰۵" / "Azar 1405"."""
    return str(JalaliDate(month.year, month.month, 1).strftime("%B %Y", locale=i18n.lang()))
