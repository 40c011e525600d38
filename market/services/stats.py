"""Figures for admins: demand against capacity, waiting units, delivery, income by owner group."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from flask import current_app
from redis.exceptions import RedisError
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from .. import tasks
from ..domain import geo, states
from ..domain.capacity import Schedule
from ..extensions import db
from ..models import AuditEntry, Business, Job, Order, User
from .common import now, today
from .matching import open_commitments
from .orders import filter_orders


def admin_stats() -> dict[str, Any]:
    orders_by_status = dict(
        db.session.execute(select(Order.status, func.count()).group_by(Order.status)).all()
    )
    units_by_status = dict(
        db.session.execute(
            select(Job.status, func.coalesce(func.sum(Job.quantity), 0)).group_by(Job.status)
        ).all()
    )

    businesses = list(db.session.scalars(select(Business).where(Business.status == "approved")))
    work = open_commitments([b.id for b in businesses])
    day = today()
    per_province: dict[str, dict[str, Any]] = {}
    for b in businesses:
        s = Schedule(b.weekly_capacity, work[b.id])
        row = per_province.setdefault(b.province, {"weekly_capacity": 0, "committed_units": 0, "_cap28": 0})
        row["weekly_capacity"] += b.weekly_capacity
        row["committed_units"] += s.total_remaining
        row["_cap28"] += b.weekly_capacity * 4
    capacity_by_province = [
        {
            "province": code,
            "weekly_capacity": r["weekly_capacity"],
            "committed_units": r["committed_units"],
            "utilization": round(min(r["committed_units"] / r["_cap28"], 9.99), 4) if r["_cap28"] else 0.0,
        }
        for code, r in sorted(per_province.items())
    ]

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

    shipped = db.session.execute(
        select(Job.due_date, Job.shipped_at).where(Job.status.in_([states.SHIPPED, states.DELIVERED]))
    ).all()
    on_time = (
        sum(1 for due, at in shipped if at is not None and at.date() <= due) / len(shipped)
        if shipped
        else None
    )

    delivered = db.session.execute(
        select(
            Business.owner_group,
            func.sum(Job.received_quantity),
            func.sum(Job.received_quantity * Order.unit_price),
        )
        .join(Job, Job.business_id == Business.id)
        .join(Order, Order.id == Job.order_id)
        .where(Job.status == states.DELIVERED)
        .group_by(Business.owner_group)
    ).all()
    return {
        "orders_by_status": orders_by_status,
        "units_by_status": {k: int(v) for k, v in units_by_status.items()},
        "capacity_by_province": capacity_by_province,
        "unallocated_by_province": dict(sorted((k, v) for k, v in unallocated.items() if v > 0)),
        "on_time_rate": None if on_time is None else round(on_time, 4),
        "units_delivered_by_owner_group": {g: int(u or 0) for g, u, _ in delivered},
        "income_by_owner_group": {g: int(i or 0) for g, _, i in delivered},
        "as_of": day,
        "provinces": len(geo.PROVINCES),
    }


def audit_log(filters: dict[str, Any], page: int, per_page: int) -> tuple[list[AuditEntry], int]:
    q = select(AuditEntry)
    if filters.get("entity"):
        q = q.where(AuditEntry.entity == filters["entity"])
    if filters.get("entity_id"):
        q = q.where(AuditEntry.entity_id == filters["entity_id"])
    if filters.get("action"):
        q = q.where(AuditEntry.action == filters["action"])
    total = db.session.scalar(select(func.count()).select_from(q.subquery())) or 0
    rows = db.session.scalars(q.order_by(AuditEntry.id.desc()).limit(per_page).offset((page - 1) * per_page))
    return list(rows), total


# --- read-only queries for the admin pages -------------------------------------------------------

#: the dashboard's capacity horizon: what approved workshops make in 28 days (weekly capacity × 4)
CAPACITY_WEEKS = 4
#: orders still to be made or delivered: they count as demand on the dashboard
CLOSED_ORDER_STATUSES = (states.CANCELLED, states.DELIVERED)


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
            .where(Order.status.not_in(CLOSED_ORDER_STATUSES))
            .group_by(Order.delivery_province)
        ).all()
    )
    capacity = dict(
        db.session.execute(
            select(Business.province, func.sum(Business.weekly_capacity))
            .where(Business.status == "approved")
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
            .where(Job.status.in_(states.OPEN_JOB_STATUSES), Job.due_date < today())
            .options(selectinload(Job.business), selectinload(Job.order))
            .order_by(Job.due_date, Job.id)
        )
    )


@dataclass(frozen=True)
class QueueReport:
    """How the background work is doing: ``state`` is "inline", "ok" or "unavailable"."""

    state: str
    length: int | None  # jobs waiting in the RQ queue (None inline, or when Redis is unreachable)
    stale_pending: int  # orders `pending` for longer than PENDING_GRACE_SECONDS: the sweep's backlog
    grace_seconds: int
    # seconds since the last sweep finished (/metrics' market_sweep_age_seconds); None: never
    last_sweep_seconds: int | None = None
    sweep_overdue: bool = False  # none for three intervals: the watchdog queues one


def queue_report() -> QueueReport:
    """The queue's health for the dashboard; never raises for an unreachable Redis."""
    grace = int(current_app.config["PENDING_GRACE_SECONDS"])
    stale = (
        db.session.scalar(
            select(func.count(Order.id)).where(
                Order.status == states.PENDING, Order.created_at <= now() - timedelta(seconds=grace)
            )
        )
        or 0
    )
    length: int | None = None
    try:
        state = tasks.queue_health()
        if state == "ok":
            length = tasks.queue().count
    except RedisError:
        state = "unavailable"
    from .sweeps import seconds_since_sweep
    from .watchdog import OVERDUE_INTERVALS, interval_seconds

    since = seconds_since_sweep()
    overdue = since is None or since > OVERDUE_INTERVALS * interval_seconds()
    return QueueReport(state, length, stale, grace, None if since is None else int(since), overdue)


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


def _job_filters(q: Any, filters: dict[str, Any]) -> Any:
    if filters.get("status"):
        q = q.where(Job.status == filters["status"])
    if filters.get("business_id"):
        q = q.where(Job.business_id == filters["business_id"])
    if filters.get("order_id"):
        q = q.where(Job.order_id == filters["order_id"])
    if filters.get("late"):
        q = q.where(Job.status.in_(states.OPEN_JOB_STATUSES), Job.due_date < today())
    return q


def job_search(filters: dict[str, Any], page: int, per_page: int) -> tuple[list[Job], int]:
    """Jobs for the admin, newest first, filtered by status, business_id, order_id and ``late``
    (open jobs past their production deadline)."""
    q = _job_filters(select(Job), filters)
    total = db.session.scalar(select(func.count()).select_from(q.subquery())) or 0
    rows = db.session.scalars(
        q.options(selectinload(Job.business), selectinload(Job.order).selectinload(Order.kit))
        .order_by(Job.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    )
    return list(rows), total


def jobs_for_export(filters: dict[str, Any]) -> list[Job]:
    """Every job matching the filters of :func:`job_search`, oldest first."""
    q = _job_filters(select(Job), filters)
    return list(
        db.session.scalars(
            q.options(selectinload(Job.business), selectinload(Job.order).selectinload(Order.kit)).order_by(
                Job.id
            )
        )
    )


@dataclass(frozen=True)
class ReassignOption:
    """A workshop a job could move to, with the room it has by the job's production deadline."""

    business_id: int
    name: str
    province: str
    distance_km: int
    free_units: int  # what the capacity rule lets it take by the deadline it would get


def reassign_options(jobs: list[Job]) -> dict[int, list[ReassignOption]]:
    """For each open job: the approved, active workshops that make its kit, other than its own
    and those that declined its order, nearest first. ``jobs.reassign`` decides; this only informs."""
    open_jobs = [j for j in jobs if j.status in states.OPEN_JOB_STATUSES]
    if not open_jobs:
        return {}
    candidates = list(
        db.session.scalars(
            select(Business)
            .where(Business.status == "approved", Business.paused.is_(False))
            .options(selectinload(Business.kits))
            .order_by(Business.id)
        )
    )
    work = open_commitments([b.id for b in candidates])
    schedules = {b.id: Schedule(b.weekly_capacity, work[b.id]) for b in candidates}
    declined = {
        (order_id, business_id)
        for order_id, business_id in db.session.execute(
            select(Job.order_id, Job.business_id).where(
                Job.order_id.in_({j.order_id for j in open_jobs}), Job.status == states.DECLINED
            )
        )
    }
    day = today()
    out: dict[int, list[ReassignOption]] = {}
    for job in open_jobs:
        order = job.order
        options = []
        for b in candidates:
            if b.id == job.business_id or (order.id, b.id) in declined:
                continue
            if order.kit_id not in {k.id for k in b.kits}:
                continue
            due = order.needed_by - timedelta(days=geo.transit_days(b.province, order.delivery_province))
            options.append(
                ReassignOption(
                    b.id,
                    b.name,
                    b.province,
                    geo.distance_km(b.province, order.delivery_province),
                    schedules[b.id].free_until(due, day),
                )
            )
        out[job.id] = sorted(options, key=lambda o: (o.distance_km, -o.free_units, o.business_id))
    return out


def audit_facets() -> tuple[list[str], list[str]]:
    """The entities and actions the audit log holds, for its filters."""
    entities = db.session.scalars(select(AuditEntry.entity).distinct().order_by(AuditEntry.entity))
    actions = db.session.scalars(select(AuditEntry.action).distinct().order_by(AuditEntry.action))
    return list(entities), list(actions)


def users_by_id(ids: set[int]) -> dict[int, User]:
    """The users with these ids (audit entries name their actor by id)."""
    if not ids:
        return {}
    return {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(ids)))}


@dataclass(frozen=True)
class ImpactRow:
    """What delivered work brought one group of workshops: ``dimension`` is "owner_group" or "province"."""

    dimension: str
    key: str
    jobs: int
    units: int  # kits the buyers confirmed receiving
    income: int  # rials: units received × the order's unit price


def impact_summary() -> list[ImpactRow]:
    """Units delivered and income by the workshops' owner group, then by the workshops' province
    (where the work was made and the money went), each sorted by income, largest first."""
    rows: list[ImpactRow] = []
    for dimension, column in (("owner_group", Business.owner_group), ("province", Business.province)):
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
        group = [
            ImpactRow(dimension, key, int(n), int(units), int(income)) for key, n, units, income in result
        ]
        rows.extend(sorted(group, key=lambda r: (-r.income, r.key)))
    return rows
