"""Bulk requisitions: up to 1,000 orders validated as a whole, committed in one transaction and
then matched (one nudge per order, after the commit, as for a single order)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from marshmallow import ValidationError
from sqlalchemy import func, select

from ..domain import refusals, states
from ..errors import Forbidden, Invalid, NotFound
from ..extensions import db
from ..models import Kit, Order, OrderBatch, User
from ..schemas.orders import OrderIn
from . import buyers
from .common import audit, now
from .orders import commit_or_replay, fingerprint, line_problems, nudge_kits, remember, replay

MAX_LINES = 1000

Render = Callable[[OrderBatch, list[Order]], dict[str, Any]]


def validate(lines: list[Any]) -> tuple[list[dict[str, Any]], dict[str, list[str]]]:
    """Every line checked as ``POST /orders`` checks one body; errors keyed ``orders.<i>.<field>``
    (``orders.<i>`` for a line that is not an object), every bad line reported at once."""
    kits = {k.code: k for k in db.session.scalars(select(Kit))}
    schema = OrderIn()
    cleaned: list[dict[str, Any]] = []
    errors: dict[str, list[str]] = {}
    for i, raw in enumerate(lines):
        try:
            data = schema.load(raw)
        except ValidationError as err:
            messages = err.messages if isinstance(err.messages, dict) else {"_schema": err.messages}
            for field, msgs in messages.items():
                key = f"orders.{i}" if field == "_schema" else f"orders.{i}.{field}"
                errors[key] = [str(m) for m in (msgs if isinstance(msgs, list) else [msgs])]
            data = err.valid_data if isinstance(err.valid_data, dict) else {}
        else:
            cleaned.append(data)
        for field, (code, params) in line_problems(data, kits.get(data.get("kit", ""))).items():
            errors[f"orders.{i}.{field}"] = [refusals.english(code, params)]
    return cleaned, errors


def resolve_buyer(actor: User, buyer_id: int | None) -> User:
    """Whom the orders are for: the buyer itself, or the verified buyer an admin names.

    :raises Invalid: an admin without ``buyer_id``, a buyer naming another, an id that is no buyer.
    :raises Forbidden: an unverified buyer (bulk requisitions are for verified buyers only).
    """
    if actor.role == "admin":
        if buyer_id is None:
            raise Invalid.field("buyer_id", "batch_buyer_required")
        try:
            buyer = buyers.get(buyer_id)
        except NotFound:
            raise Invalid.field("buyer_id", "batch_buyer_unknown", buyer_id=buyer_id) from None
        if not buyer.verified:
            raise Forbidden("batch_buyer_unverified", buyer_id=buyer.id)
        return buyer
    check_may_post(actor)
    if buyer_id is not None and buyer_id != actor.id:
        raise Invalid.field("buyer_id", "batch_for_another_buyer", buyer_id=buyer_id)
    return actor


def check_may_post(actor: User) -> None:
    """Checked before the body is read. :raises Forbidden: an unverified buyer."""
    if actor.role == "buyer" and not actor.verified:
        raise Forbidden("batch_unverified_buyer")


def create(
    actor: User,
    buyer_id: int | None,
    lines: list[Any],
    idempotency_key: str | None,
    render: Render,
) -> tuple[int, dict[str, Any]]:
    """Store every line as an order of one batch in one transaction, then start their matching.

    :raises Invalid: any bad line (nothing is stored), a bad ``buyer_id``, a key reused with another body.
    :raises Forbidden: an unverified buyer.
    """
    buyer = resolve_buyer(actor, buyer_id)
    print_ = fingerprint({"orders": lines, "buyer_id": buyer.id})
    if idempotency_key:
        first = replay(actor, idempotency_key, print_)
        if first is not None:
            db.session.rollback()
            return first
    if not 1 <= len(lines) <= MAX_LINES:
        raise Invalid.field("orders", "batch_size", max_lines=MAX_LINES)
    cleaned, errors = validate(lines)
    if errors:
        db.session.rollback()
        bad = len({k.split(".")[1] for k in errors})
        raise Invalid("batch_lines_invalid", errors, bad=bad, lines=len(lines))
    batch, placed = store(actor, buyer, cleaned)
    body = render(batch, placed)
    if idempotency_key:
        remember(actor, idempotency_key, print_, placed[0].id, body)
    first = commit_or_replay(actor, idempotency_key, print_)
    if first is not None:
        return first
    nudge_kits(sorted({order.kit_id for order in placed}))  # matched together, in rounds per kit
    return 201, body


def store(actor: User, buyer: User, lines: list[dict[str, Any]]) -> tuple[OrderBatch, list[Order]]:
    """The batch and its orders, flushed (not committed), with their audit entries."""
    moment = now()
    kits = {k.code: k for k in db.session.scalars(select(Kit))}
    batch = OrderBatch(buyer_id=buyer.id, created_by=actor.id, total=len(lines), created_at=moment)
    db.session.add(batch)
    db.session.flush()
    placed = [
        Order(
            buyer_id=buyer.id,
            kit=kits[data["kit"]],
            quantity=data["quantity"],
            delivery_province=data["delivery_province"],
            delivery_address=data["delivery_address"],
            needed_by=data["needed_by"],
            note=data.get("note"),
            unit_price=kits[data["kit"]].unit_price,
            status=states.PENDING,
            created_at=moment,
            updated_at=moment,
            batch_id=batch.id,
            jobs=[],
        )
        for data in lines
    ]
    db.session.add_all(placed)
    db.session.flush()
    audit(actor, "batch.created", "batch", batch.id, buyer_id=buyer.id, orders=len(placed))
    for order in placed:
        audit(
            actor,
            "order.created",
            "order",
            order.id,
            quantity=order.quantity,
            kit=order.kit.code,
            province=order.delivery_province,
            batch_id=batch.id,
        )
    return batch, placed


def visible(user: User, batch_id: int) -> OrderBatch:
    """The batch if the user is its buyer or an admin. :raises NotFound: otherwise."""
    batch = db.session.get(OrderBatch, batch_id)
    if batch is None or (user.role != "admin" and batch.buyer_id != user.id):
        raise NotFound("batch_not_found", batch_id=batch_id)
    return batch


def progress(batch: OrderBatch) -> dict[str, int]:
    """How many of the batch's orders are matched (every unit placed), waiting for capacity, not
    matched yet, or closed (cancelled, delivered)."""
    rows = db.session.execute(
        select(Order.status, func.count(Order.id)).where(Order.batch_id == batch.id).group_by(Order.status)
    )
    by_status = {status: int(n) for status, n in rows}
    pending = by_status.get(states.PENDING, 0)
    waiting = by_status.get(states.AWAITING_CAPACITY, 0)
    closed = by_status.get(states.CANCELLED, 0)
    total = sum(by_status.values())
    return {
        "total": total,
        "pending": pending,
        "awaiting_capacity": waiting,
        "cancelled": closed,
        "placed": total - pending - waiting - closed,
        "matched": total - pending,
    }
