"""Figures for admins: the API's stats, demand against capacity, offers about to expire, late jobs,
the exports' rows and the impact summary (units delivered and income by owner group and province).
The audit log is in ``audit_log``, the queue's health in ``queue_health``."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from ..domain import deadlines, geo, states
from ..domain.capacity import CAPACITY_WEEKS, Schedule, four_week_load
from ..extensions import db
from ..models import Business, Job, Order
from .common import now, today
from .jobs import filter_jobs, late_job_clause
from .matching import open_commitments
from .orders import filter_orders


def admin_stats() -> dict[str, Any]:
    """The figures of ``GET /admin/stats`` (API.md)."""
    orders_by_status = dict(
        db.session.execute(select(Order.status, func.count()).group_by(Order.status)).all()
    )
    units_by_status = dict(
        db.session.execute(
            select(Job.status, func.coalesce(func.sum(Job.quantity), 0)).group_by(Job.status)
        ).all()
    )
    shipped = db.session.execute(
        select(Job.due_date, Job.shipped_at).where(Job.status.in_(states.SENT_JOB_STATUSES))
    ).all()
    on_time = deadlines.on_time_rate((due, at) for due, at in shipped)
    delivered = delivered_by("owner_group")
    return {
        "orders_by_status": orders_by_status,
        "units_by_status": {k: int(v) for k, v in units_by_status.items()},
        "capacity_by_province": capacity_by_province(),
        "unallocated_by_province": unallocated_by_province(),
        "on_time_rate": None if on_time is None else round(on_time, 4),
        "units_delivered_by_owner_group": {r.key: r.units for r in delivered},
        "income_by_owner_group": {r.key: r.income for r in delivered},
        "as_of": today(),
        "provinces": len(geo.PROVINCES),
    }


def capacity_by_province() -> list[dict[str, Any]]:
    """Approved workshops' weekly capacity and committed units by their province, with the
    province's four-week load (``capacity.four_week_load``)."""
    businesses = list(db.session.scalars(select(Business).where(Business.status == states.APPROVED)))
    work = open_commitments([b.id for b in businesses])
    per_province: dict[str, dict[str, Any]] = {}
    for b in businesses:
        s = Schedule(b.weekly_capacity, work[b.id])
        row = per_province.setdefault(b.province, {"weekly_capacity": 0, "committed_units": 0})
        row["weekly_capacity"] += b.weekly_capacity
        row["committed_units"] += s.total_remaining
    return [
        {
            "province": code,
            "weekly_capacity": r["weekly_capacity"],
            "committed_units": r["committed_units"],
            "utilization": four_week_load(r["committed_units"], r["weekly_capacity"]),
        }
        for code, r in sorted(per_province.items())
    ]


def unallocated_by_province() -> dict[str, int]:
    """Units of orders awaiting capacity that no business holds, by delivery province (only those
    with some)."""
    unallocated: dict[str, int] = defaultdict(int)
    waiting = db.session.execute(
        select(Order.id, Order.delivery_province, Order.quantity).where(
            Order.status == states.AWAITING_CAPACITY
        )
    ).all()
    if waiting:
        held = dict(
            db.session.execute(
                select(Job.order_id, func.sum(Job.quantity))
                .where(Job.order_id.in_([w[0] for w in waiting]), Job.status.in_(states.LIVE_JOB_STATUSES))
                .group_by(Job.order_id)
            ).all()
        )
        for order_id, province, quantity in waiting:
            unallocated[province] += quantity - (held.get(order_id) or 0)
    return dict(sorted((k, v) for k, v in unallocated.items() if v > 0))


# --- read-only queries for the admin pages -------------------------------------------------------


@dataclass(frozen=True)
class ProvinceLoad:
    """Demand against capacity in one province, in kits."""

    province: str
    demand: int  # units of open orders (neither cancelled nor delivered) delivered to the province
    capacity: int  # approved workshops located there: weekly capacity × CAPACITY_WEEKS

    @property
    def shortfall(self) -> int:
        return max(0, self.demand - self.capacity)


def demand_by_province() -> list[ProvinceLoad]:
    """Every province with open demand or approved capacity, the most demanded first.

    Demand counts the full quantity of each open order delivered to the province; capacity is what
    its approved workshops (paused or not, as in :func:`admin_stats`) make in ``CAPACITY_WEEKS`` weeks.
    """
    demand = dict(
        db.session.execute(
            select(Order.delivery_province, func.sum(Order.quantity))
            .where(Order.status.not_in(states.CLOSED_ORDER_STATUSES))
            .group_by(Order.delivery_province)
        ).all()
    )
    capacity = dict(
        db.session.execute(
            select(Business.province, func.sum(Business.weekly_capacity))
            .where(Business.status == states.APPROVED)
            .group_by(Business.province)
        ).all()
    )
    loads = [
        ProvinceLoad(p, int(demand.get(p) or 0), int(capacity.get(p) or 0) * CAPACITY_WEEKS)
        for p in set(demand) | set(capacity)
    ]
    return sorted(loads, key=lambda row: (-row.demand, -row.capacity, row.province))


def expiring_offers(within: timedelta) -> list[Job]:
    """Open offers whose answer is due within ``within`` from now (not yet expired), soonest first."""
    moment = now()
    return list(
        db.session.scalars(
            select(Job)
            .where(Job.status == states.OFFERED, Job.expires_at > moment, Job.expires_at <= moment + within)
            .options(selectinload(Job.business), selectinload(Job.order))
            .order_by(Job.expires_at, Job.id)
        )
    )


def late_jobs() -> list[Job]:
    """Open jobs (offered, accepted, in production) whose production deadline is before today."""
    return list(
        db.session.scalars(
            select(Job)
            .where(late_job_clause(today()))
            .options(selectinload(Job.business), selectinload(Job.order))
            .order_by(Job.due_date, Job.id)
        )
    )


def orders_for_export(filters: dict[str, Any]) -> list[Order]:
    """Every order matching the filters (status, province, kit), oldest first, with buyer, kit and jobs."""
    q = filter_orders(select(Order), filters)
    return list(
        db.session.scalars(
            q.options(selectinload(Order.buyer), selectinload(Order.kit), selectinload(Order.jobs)).order_by(
                Order.id
            )
        )
    )


def jobs_for_export(filters: dict[str, Any]) -> list[Job]:
    """Every job matching the filters of ``jobs.filter_jobs``, oldest first."""
    q = filter_jobs(select(Job), filters)
    return list(
        db.session.scalars(
            q.options(selectinload(Job.business), selectinload(Job.order).selectinload(Order.kit)).order_by(
                Job.id
            )
        )
    )


@dataclass(frozen=True)
class ImpactRow:
    """What delivered work brought one group of workshops: ``dimension`` is "owner_group" or "province"."""

    dimension: str
    key: str
    jobs: int
    units: int  # kits the buyers confirmed receiving
    income: int  # rials: units received × the order's unit price


def delivered_by(dimension: str) -> list[ImpactRow]:
    """Jobs delivered, units received and income by the workshops' ``owner_group`` or ``province``
    (where the work was made and the money went), by income, largest first."""
    column = {"owner_group": Business.owner_group, "province": Business.province}[dimension]
    result = db.session.execute(
        select(
            column,
            func.count(Job.id),
            func.coalesce(func.sum(Job.received_quantity), 0),
            func.coalesce(func.sum(Job.received_quantity * Order.unit_price), 0),
        )
        .join(Job, Job.business_id == Business.id)
        .join(Order, Order.id == Job.order_id)
        .where(Job.status == states.DELIVERED)
        .group_by(column)
    ).all()
    group = [ImpactRow(dimension, key, int(n), int(units), int(income)) for key, n, units, income in result]
    return sorted(group, key=lambda r: (-r.income, r.key))


def impact_summary() -> list[ImpactRow]:
    """:func:`delivered_by` owner group, then by province."""
    return [*delivered_by("owner_group"), *delivered_by("province")]
