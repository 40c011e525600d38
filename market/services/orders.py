"""Orders: posting (idempotently), reading, cancelling, re-running matching."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from flask import current_app
from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from ..domain import deadlines, refusals, states
from ..errors import Conflict, Invalid, NotFound
from ..extensions import db
from ..models import IdempotencyKey, Job, Kit, Order, User
from ..tasks import enqueue
from . import notifications as notify
from .common import audit, lock_order, move_job, now, paginate, refresh_order_status, today, where_equal

MATCH_ORDER = "workers.jobs.match_order"
REMATCH_WAITING = "workers.jobs.rematch_waiting"


def fingerprint(body: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()


def _replay(user: User, key: str, print_: str) -> tuple[int, dict[str, Any]] | None:
    """The first answer for this key, if it was claimed within the last 24 hours.

    :raises Invalid: if the key came with another body.
    """
    row = db.session.scalar(
        select(IdempotencyKey).where(IdempotencyKey.user_id == user.id, IdempotencyKey.key == key)
    )
    if row is None:
        return None
    if row.created_at < now() - timedelta(hours=current_app.config["IDEMPOTENCY_TTL_HOURS"]):
        db.session.delete(row)  # expired: the key may be used afresh
        db.session.flush()
        return None
    if row.fingerprint != print_:
        raise Invalid(
            "idempotency_key_reused",
            {"Idempotency-Key": [refusals.english("idempotency_key_reused_field", {})]},
        )
    return row.response_status, row.response_body


def create(
    buyer: User, data: dict[str, Any], idempotency_key: str | None, render: Callable[[Order], dict[str, Any]]
) -> tuple[int, dict[str, Any]]:
    """Post an order and start its matching. Returns the status and body of the answer, which is
    the first answer again when the same ``Idempotency-Key`` and body come back within 24 h.

    :raises Invalid: unknown or withdrawn kit, a date too soon, a key reused with another body.
    """
    print_ = fingerprint(data)
    if idempotency_key:
        replay = _replay(buyer, idempotency_key, print_)
        if replay is not None:
            db.session.rollback()
            return replay
    order = _new_order(buyer, data)
    body = render(order)
    if idempotency_key:
        db.session.add(
            IdempotencyKey(
                user_id=buyer.id,
                key=idempotency_key,
                fingerprint=print_,
                order_id=order.id,
                response_status=201,
                response_body=body,
                created_at=order.created_at,
            )
        )
    try:
        db.session.commit()
    except IntegrityError:
        # the same key claimed by a concurrent request: answer as it did
        db.session.rollback()
        replay = _replay(buyer, idempotency_key or "", print_) if idempotency_key else None
        if replay is None:
            raise
        return replay
    enqueue(MATCH_ORDER, order.id, job_id=f"match-order-{order.id}")
    return 201, body


def _new_order(buyer: User, data: dict[str, Any]) -> Order:
    """The order row (flushed, with its audit entry), once its kit and date pass.

    :raises Invalid: unknown or withdrawn kit, a date too soon.
    """
    kit = db.session.scalar(select(Kit).where(Kit.code == data["kit"]))
    if kit is None or not kit.active:
        raise Invalid.field("kit", "kit_not_orderable", code=data["kit"])
    earliest = deadlines.earliest_needed_by(today())
    if data["needed_by"] < earliest:
        raise Invalid.field("needed_by", "needed_by_too_early", earliest=earliest)
    moment = now()
    order = Order(
        buyer_id=buyer.id,
        kit=kit,
        quantity=data["quantity"],
        delivery_province=data["delivery_province"],
        delivery_address=data["delivery_address"],
        needed_by=data["needed_by"],
        note=data.get("note"),
        unit_price=kit.unit_price,
        status=states.PENDING,
        created_at=moment,
        updated_at=moment,
    )
    db.session.add(order)
    db.session.flush()
    audit(
        buyer,
        "order.created",
        "order",
        order.id,
        quantity=order.quantity,
        kit=kit.code,
        province=order.delivery_province,
    )
    return order


def visible(user: User, order_id: int) -> Order:
    """The order if the user is its buyer or an admin.

    :raises NotFound: otherwise.
    """
    order = db.session.get(Order, order_id)
    if order is None or (user.role != "admin" and order.buyer_id != user.id):
        raise NotFound("order_not_found", order_id=order_id)
    return order


def filter_orders(q: Select[Any], filters: dict[str, Any]) -> Select[Any]:
    """Narrow an order query by the list filters (status, delivery province, kit code)."""
    q = where_equal(q, filters, {"status": Order.status, "province": Order.delivery_province})
    if filters.get("kit"):
        q = q.where(Order.kit.has(Kit.code == filters["kit"]))
    return q


def listing(user: User, filters: dict[str, Any], page: int, per_page: int) -> tuple[list[Order], int]:
    q = filter_orders(select(Order), filters)
    if user.role != "admin":
        q = q.where(Order.buyer_id == user.id)
    q = q.options(selectinload(Order.jobs).selectinload(Job.business), selectinload(Order.kit))
    return paginate(q.order_by(Order.id.desc()), page, per_page)


def cancel(user: User, order_id: int, reason: str | None) -> Order:
    """Cancel an order and free the capacity its jobs held.

    :raises NotFound: not yours. :raises Conflict: once any of its jobs has shipped.
    """
    visible(user, order_id)
    order = lock_order(order_id)
    if order.cancelled_at is not None:
        raise Conflict("order_already_cancelled", order_id=order.id)
    if any(j.status in states.SENT_JOB_STATUSES for j in order.jobs):
        raise Conflict("order_partly_shipped", order_id=order.id)
    for job in order.jobs:
        if job.status in states.CANCELLABLE_JOB_STATUSES:
            move_job(job, states.CANCELLED, user, reason="order cancelled")
            notify.job_cancelled(job)
    order.cancelled_at = now()
    order.cancel_reason = reason
    refresh_order_status(order, user)
    db.session.commit()
    enqueue(REMATCH_WAITING)
    return order


def request_rematch(admin: User, order_id: int) -> Order:
    """Ask matching to run again for the order's unplaced units.

    :raises NotFound: no such order. :raises Conflict: a cancelled order. For an order with nothing
        left to place the run is harmless: matching finds nothing to do (P6).
    """
    order = visible(admin, order_id)
    if order.cancelled_at is not None:
        raise Conflict("order_cancelled", order_id=order.id)
    audit(admin, "order.rematch_requested", "order", order.id)
    db.session.commit()
    enqueue(MATCH_ORDER, order.id)
    return order
