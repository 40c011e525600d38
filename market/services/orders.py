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
from .buyers import check_open_units
from .common import audit, lock_order, move_job, now, paginate, refresh_order_status, today, where_equal

MATCH_ORDER = "workers.jobs.match_order"
#: the furthest ``needed_by`` an order may name, in days from today (the rule is in domain/deadlines.py)
MAX_DAYS_AHEAD = deadlines.MAX_LEAD_DAYS
MATCH_KIT = "workers.jobs.match_kit"
REMATCH_WAITING = "workers.jobs.rematch_waiting"


def fingerprint(body: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()


def replay(user: User, key: str, print_: str) -> tuple[int, dict[str, Any]] | None:
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


def placed_with_key(user: User, key: str) -> Order | None:
    """The order this user placed with this key within the last 24 hours, if any."""
    row = db.session.scalar(
        select(IdempotencyKey).where(IdempotencyKey.user_id == user.id, IdempotencyKey.key == key)
    )
    if row is None or row.created_at < now() - timedelta(hours=current_app.config["IDEMPOTENCY_TTL_HOURS"]):
        return None
    return db.session.get(Order, row.order_id)


def last_delivery_province(user: User) -> str | None:
    """Where the buyer's latest order goes: the province its next order most likely goes to."""
    q = select(Order.delivery_province).where(Order.buyer_id == user.id).order_by(Order.id.desc()).limit(1)
    return db.session.scalar(q)


def remember(user: User, key: str, print_: str, order_id: int, body: dict[str, Any]) -> None:
    """Claim the key with the answer to replay (written in the caller's transaction)."""
    db.session.add(
        IdempotencyKey(
            user_id=user.id,
            key=key,
            fingerprint=print_,
            order_id=order_id,
            response_status=201,
            response_body=body,
            created_at=now(),
        )
    )


def commit_or_replay(user: User, key: str | None, print_: str) -> tuple[int, dict[str, Any]] | None:
    """Commit; None once committed, or the first answer when a concurrent request with the same
    key committed first (its claim wins the unique constraint)."""
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        first = replay(user, key, print_) if key else None
        if first is None:
            raise
        return first
    return None


def line_problems(data: dict[str, Any], kit: Kit | None) -> dict[str, tuple[str, dict[str, Any]]]:
    """What the schema cannot know about an order's body, by field: the refusal code and its params
    (a kit that cannot be ordered, a date too soon or too far). Shared by single orders and batches (whose bad
    lines are checked on the fields that passed the schema, so that every error is reported at once)."""
    problems: dict[str, tuple[str, dict[str, Any]]] = {}
    if "kit" in data and (kit is None or not kit.active):
        problems["kit"] = ("kit_not_orderable", {"code": data["kit"]})
    earliest = deadlines.earliest_needed_by(today())
    if "needed_by" in data and data["needed_by"] < earliest:
        problems["needed_by"] = ("needed_by_too_early", {"earliest": earliest})
    latest = deadlines.latest_needed_by(today())
    if "needed_by" in data and data["needed_by"] > latest:
        problems["needed_by"] = ("needed_by_too_late", {"latest": latest})
    return problems


def checked_kit(data: dict[str, Any]) -> Kit:
    """The kit of an order's body, once its kit and date pass :func:`line_problems`.

    :raises Invalid: unknown or withdrawn kit, a date too soon or too far (the first problem).
    """
    kit = db.session.scalar(select(Kit).where(Kit.code == data["kit"]))
    problems = line_problems(data, kit)
    if problems:
        name, (code, params) = next(iter(problems.items()))
        raise Invalid.field(name, code, **params)
    assert kit is not None  # line_problems refuses a missing kit
    return kit


def create(
    buyer: User, data: dict[str, Any], idempotency_key: str | None, render: Callable[[Order], dict[str, Any]]
) -> tuple[int, dict[str, Any]]:
    """Post an order and start its matching. Returns the status and body of the answer, which is
    the first answer again when the same ``Idempotency-Key`` and body come back within 24 h.

    :raises Invalid: unknown or withdrawn kit, a date too soon or too far, a key reused with another body.
    """
    print_ = fingerprint(data)
    if idempotency_key:
        first = replay(buyer, idempotency_key, print_)
        if first is not None:
            db.session.rollback()
            return first
    order = _new_order(buyer, data)
    body = render(order)
    if idempotency_key:
        remember(buyer, idempotency_key, print_, order.id, body)
    first = commit_or_replay(buyer, idempotency_key, print_)
    if first is not None:
        return first
    nudge_kits([order.kit_id])
    return 201, body


def _new_order(buyer: User, data: dict[str, Any]) -> Order:
    """The order row (flushed, with its audit entry), once its kit, date and the buyer's cap pass.

    :raises Invalid: unknown or withdrawn kit, a date too soon or too far.
    :raises Conflict: an unverified buyer past the cap on open units.
    """
    kit = checked_kit(data)
    check_open_units(buyer, data["quantity"])
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


def nudge_kits(kit_ids: list[int]) -> None:
    """After a commit that posted orders: one matching nudge per kit (coalesced in the queue), so
    orders posted together are matched in the same rounds."""
    for kit_id in sorted(set(kit_ids)):
        enqueue(MATCH_KIT, kit_id)


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
