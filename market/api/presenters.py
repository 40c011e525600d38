"""Rows to the plain dicts the output schemas dump: derived figures are computed here, once."""

from __future__ import annotations

from typing import Any

from ..domain import states
from ..models import Business, Job, Order, User
from ..services.businesses import BusinessFigures
from ..services.common import tally


def order(o: Order) -> dict[str, Any]:
    t = tally(o)
    delivered = [j for j in o.jobs if j.status == states.DELIVERED]
    received = sum(j.received_quantity or 0 for j in delivered)
    return {
        "id": o.id,
        "buyer_id": o.buyer_id,
        "kit": o.kit.code,
        "quantity": o.quantity,
        "delivery_province": o.delivery_province,
        "delivery_address": o.delivery_address,
        "needed_by": o.needed_by,
        "note": o.note,
        "status": o.status,
        "unit_price": o.unit_price,
        "total_price": o.unit_price * o.quantity,
        "allocated_quantity": t.allocated,
        "unallocated_quantity": t.unallocated,
        "delivered_quantity": received,
        "shortfall": sum(j.quantity for j in delivered) - received,
        "created_at": o.created_at,
        "cancelled_at": o.cancelled_at,
        "cancel_reason": o.cancel_reason,
        "jobs": [order_job(j) for j in o.jobs],
    }


def order_job(j: Job) -> dict[str, Any]:
    return {
        "id": j.id,
        "business_id": j.business_id,
        "business_name": j.business.name,
        "province": j.business.province,
        "quantity": j.quantity,
        "status": j.status,
        "units_done": j.units_done,
        "due_date": j.due_date,
        "expires_at": j.expires_at,
        "shipped_at": j.shipped_at,
        "carrier": j.carrier,
        "tracking_code": j.tracking_code,
        "received_quantity": j.received_quantity,
    }


def job(j: Job) -> dict[str, Any]:
    return {
        **order_job(j),
        "order_id": j.order_id,
        "kit": j.order.kit.code,
        "delivery_province": j.order.delivery_province,
        "needed_by": j.order.needed_by,
        "offered_at": j.offered_at,
        "accepted_at": j.accepted_at,
        "delivered_at": j.delivered_at,
        "shortfall": None if j.received_quantity is None else j.quantity - j.received_quantity,
        "closed_reason": j.closed_reason,
        "match": j.match,
        "events": [
            {
                "at": e.at,
                "actor_id": e.actor_id,
                "from_status": e.from_status,
                "to_status": e.to_status,
                "detail": e.detail,
            }
            for e in j.events
        ],
    }


def job_for(viewer: User, j: Job) -> dict[str, Any]:
    """The job as ``viewer`` may see it. The job's business and admins see everything; the order's
    buyer sees status, quantities and dates, without ``match`` (other workshops' free capacity and
    utilization), with ``events`` as status and time only (no actor, no reason) and no
    ``closed_reason``: a workshop's figures and reasons are its own."""
    full = job(j)
    if viewer.role == "admin" or (viewer.role == "business" and j.business.owner_id == viewer.id):
        return full
    del full["match"], full["closed_reason"]
    full["events"] = [
        {"at": e["at"], "from_status": e["from_status"], "to_status": e["to_status"]} for e in full["events"]
    ]
    return full


def business(b: Business, figures: BusinessFigures | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": b.id,
        "owner_id": b.owner_id,
        "name": b.name,
        "province": b.province,
        "city": b.city,
        "owner_group": b.owner_group,
        "kits": [k.code for k in b.kits],
        "weekly_capacity": b.weekly_capacity,
        "min_lot": b.min_lot,
        "phone": b.phone,
        "status": b.status,
        "paused": b.paused,
        "suspend_reason": b.suspend_reason,
        "created_at": b.created_at,
        "approved_at": b.approved_at,
    }
    if figures is not None:
        out.update(
            committed_units=figures.committed_units,
            utilization=figures.utilization,
            on_time_rate=figures.on_time_rate,
        )
    return out


def page(items: list[Any], total: int, args: dict[str, Any]) -> dict[str, Any]:
    return {"items": items, "total": total, "page": args["page"], "per_page": args["per_page"]}
