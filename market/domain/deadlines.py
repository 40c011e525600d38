"""The named rules about dates: the production deadline, the earliest and latest needed-by dates,
a late job, and the on-time rate."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta

from . import geo
from .states import OPEN_JOB_STATUSES

#: an order is needed tomorrow at the soonest: nothing can be made and delivered today
MIN_LEAD_DAYS = 1
#: an order is needed within a year at the latest: the programme plans a year ahead, and dates far
#: beyond it only hold capacity (and once broke the pages' calendar)
MAX_LEAD_DAYS = 365


def production_deadline(needed_by: date, business_province: str, delivery_province: str) -> date:
    """The date a business must finish by so that the kits arrive by ``needed_by``: ``needed_by``
    minus the transit days between the two provinces (DESIGN.md)."""
    return needed_by - timedelta(days=geo.transit_days(business_province, delivery_province))


def expected_arrival(
    due_date: date, business_province: str, delivery_province: str, shipped_on: date | None = None
) -> date:
    """When a job's kits should reach the buyer: the day it shipped (else its production deadline)
    plus the transit days between the two provinces. For a job on time this is never after the
    order's ``needed_by``; the production deadline is the workshop's date, not the buyer's."""
    start = shipped_on if shipped_on is not None else due_date
    return start + timedelta(days=geo.transit_days(business_province, delivery_province))


def earliest_needed_by(today: date) -> date:
    """The first date an order may be needed by."""
    return today + timedelta(days=MIN_LEAD_DAYS)


def latest_needed_by(today: date) -> date:
    """The last date an order may be needed by."""
    return today + timedelta(days=MAX_LEAD_DAYS)


def is_late(status: str, due_date: date, today: date) -> bool:
    """A job is late when it is still open (offered, accepted, in production) and its production
    deadline is before today."""
    return status in OPEN_JOB_STATUSES and due_date < today


def shipped_on_time(due_date: date, shipped_at: datetime | None) -> bool:
    """Whether a shipment left by its production deadline (the UTC date of ``shipped_at``)."""
    return shipped_at is not None and shipped_at.date() <= due_date


def on_time_rate(shipments: Iterable[tuple[date, datetime | None]]) -> float | None:
    """The share of shipped jobs (production deadline, shipped at) that left on time; None when
    nothing has shipped."""
    rows = list(shipments)
    if not rows:
        return None
    return sum(1 for due, at in rows if shipped_on_time(due, at)) / len(rows)
