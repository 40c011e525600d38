"""A workshop's own figures: its offers waiting for an answer, and what it earns: per job
(quantity × the kit's price, rials) and in the current Jalali month.

A job earns its quantity × the order's unit price (the kit's price when the order was placed, the
price the programme pays for it). The month's total counts the jobs **shipped** in the current
Jalali month (by their shipping time in ``MARKET_TIMEZONE``): a shipped job earns its quantity, a
delivered one the kits the buyer confirmed received. Offers and jobs still in hand earn nothing
yet: the page shows what each would earn beside it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from flask import current_app
from persiantools.jdatetime import JalaliDate
from sqlalchemy import case, func, select

from ..domain import states
from ..extensions import db
from ..models import Business, Job, Order
from .common import now, today


@dataclass(frozen=True)
class MonthEarnings:
    year: int  # Jalali
    month: int  # Jalali, 1 … 12
    first_day: date  # Gregorian, the month's first day
    next_first_day: date  # Gregorian, the next month's first day
    jobs: int
    units: int
    rials: int


def jalali_month(day: date) -> tuple[int, int, date, date]:
    """The Jalali month holding ``day``: its year, number, first day and the next month's first day."""
    j = JalaliDate.to_jalali(day)
    year, month = (j.year, j.month + 1) if j.month < 12 else (j.year + 1, 1)
    first = JalaliDate(j.year, j.month, 1).to_gregorian()
    return j.year, j.month, first, JalaliDate(year, month, 1).to_gregorian()


def job_earnings(job: Job) -> int:
    """Rials a job earns: its quantity (the kits received, once delivered) × the order's unit price."""
    units = job.quantity
    if job.status == states.DELIVERED and job.received_quantity is not None:
        units = job.received_quantity
    return units * job.order.unit_price


def this_month(b: Business) -> MonthEarnings:
    """The workshop's earnings from jobs shipped in the current Jalali month (module docstring)."""
    year, month, first, nxt = jalali_month(today())
    zone = ZoneInfo(current_app.config["TIMEZONE"])
    start, end = (datetime.combine(d, time(), tzinfo=zone) for d in (first, nxt))
    units = case(
        (
            (Job.status == states.DELIVERED) & Job.received_quantity.is_not(None),
            Job.received_quantity,
        ),
        else_=Job.quantity,
    )
    n, total_units, total = db.session.execute(
        select(
            func.count(Job.id),
            func.coalesce(func.sum(units), 0),
            func.coalesce(func.sum(units * Order.unit_price), 0),
        )
        .join(Order, Order.id == Job.order_id)
        .where(
            Job.business_id == b.id,
            Job.status.in_(states.SENT_JOB_STATUSES),
            Job.shipped_at >= start,
            Job.shipped_at < end,
        )
    ).one()
    return MonthEarnings(year, month, first, nxt, int(n), int(total_units), int(total))


def waiting_offers(owner_id: int) -> int:
    """Offers the user's workshop can still answer (offered, not yet expired): the count in its menu."""
    q = (
        select(func.count(Job.id))
        .join(Business, Business.id == Job.business_id)
        .where(Business.owner_id == owner_id, Job.status == states.OFFERED, Job.expires_at > now())
    )
    return int(db.session.scalar(q) or 0)
