"""Figures for admins: demand against capacity, waiting units, delivery, income by owner group."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import func, select

from ..domain import geo, states
from ..domain.capacity import Schedule
from ..extensions import db
from ..models import AuditEntry, Business, Job, Order
from .common import today
from .matching import open_commitments


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
        "as_of": day.isoformat(),
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
