from __future__ import annotations

from typing import Any

from flask import current_app, jsonify, make_response, request
from flask_smorest import Blueprint
from marshmallow import ValidationError

from ..auth import me, require
from ..domain import refusals
from ..errors import Invalid
from ..extensions import limiter
from ..models import Order, OrderBatch
from ..schemas.admin import Accepted
from ..schemas.orders import BatchDoc, BatchIn, BatchOut, CancelIn, OrderArgs, OrderIn, OrderList, OrderOut
from ..schemas.quote import QuoteIn, QuoteOut
from ..services import batches, orders
from ..services import quote as quotes
from . import presenters

blp = Blueprint("orders", __name__, url_prefix="/api/v1/orders", description="Orders from buyers")


def idempotency_key() -> str | None:
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return None
    key = key.strip()
    # printable ASCII only: a NUL would reach the database (an error on PostgreSQL)
    if not 1 <= len(key) <= 200 or not (key.isascii() and key.isprintable()):
        raise Invalid(
            "idempotency_key_length",
            {"Idempotency-Key": [refusals.english("idempotency_key_length_field", {})]},
        )
    return key


IDEMPOTENCY_HEADER = {
    "in": "header",
    "name": "Idempotency-Key",
    "schema": {"type": "string"},
    "required": False,
    "description": "Same key and body within 24 h: the first answer, nothing created.",
}


def orders_limit() -> str:
    return str(current_app.config["RATELIMIT_ORDERS"])


def per_user() -> str:
    """Rate limits on posting orders count per account, wherever it posts from."""
    return f"user:{me().id}"


@blp.post("")
@require("buyer")
@limiter.shared_limit(orders_limit, scope="post-orders", key_func=per_user)
@blp.arguments(OrderIn)
@blp.response(201, OrderOut)
@blp.doc(parameters=[IDEMPOTENCY_HEADER])
def create(data: dict[str, Any]) -> Any:
    """Post an order; matching starts right after the commit."""
    key = idempotency_key()
    status, body = orders.create(me(), data, key, lambda o: OrderOut().dump(presenters.order(o)))
    # already dumped (and possibly a replay of the stored first answer): sent as is
    return make_response(jsonify(body), status)


def quotes_limit() -> str:
    return str(current_app.config["RATELIMIT_QUOTES"])


@blp.post("/quote")
@require("buyer", "admin")
@limiter.shared_limit(quotes_limit, scope="quotes", key_func=per_user)
@blp.arguments(QuoteIn)
@blp.response(200, QuoteOut)
def quote(data: dict[str, Any]) -> Any:
    """A dry run of matching against capacity as it is now: how many units could be made and
    delivered by ``needed_by``, the earliest date for all of them, and where they would be made.
    Holds and writes nothing."""
    return quotes.quote(data)


def allow_batch_bodies() -> None:
    # up to 1,000 full order bodies do not fit the default body limit
    request.max_content_length = current_app.config["BATCH_MAX_CONTENT_LENGTH"]


def render_batch(batch: OrderBatch, placed: list[Order]) -> dict[str, Any]:
    out: dict[str, Any] = BatchOut().dump(
        {"batch_id": batch.id, "items": [presenters.order(o) for o in placed], "total": len(placed)}
    )
    return out


@blp.post("/batch")
@require("buyer", "admin")
@limiter.shared_limit(orders_limit, scope="post-orders", key_func=per_user)
@blp.doc(
    parameters=[IDEMPOTENCY_HEADER],
    requestBody={"required": True, "content": {"application/json": {"schema": BatchDoc}}},
    responses={"422": {"description": "Errors keyed orders.<index>.<field>; nothing stored."}},
)
@blp.response(201, BatchOut)
def create_batch() -> Any:
    """Post 1 to 1,000 orders at once (a bulk requisition): validated as a whole (nothing is stored
    if any line is bad), committed together, then matched. Verified buyers; an admin orders for a
    verified buyer with ``buyer_id``."""
    batches.check_may_post(me())
    allow_batch_bodies()
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise Invalid("batch_not_object", {"body": [refusals.english("batch_not_object_field", {})]})
    try:
        data = BatchIn().load(body)
    except ValidationError as err:
        errors = {str(k): [str(m) for m in v] for k, v in err.messages_dict.items()}
        raise Invalid("invalid_input", errors, fields=", ".join(sorted(errors))) from None
    status, out = batches.create(me(), data.get("buyer_id"), data["orders"], idempotency_key(), render_batch)
    return make_response(jsonify(out), status)


@blp.get("")
@require("buyer", "admin")
@blp.arguments(OrderArgs, location="query")
@blp.response(200, OrderList)
def listing(args: dict[str, Any]) -> Any:
    return presenters.page(orders.listing(me(), args, args["page"], args["per_page"]), args, presenters.order)


@blp.get("/<int:order_id>")
@require("buyer", "admin")
@blp.response(200, OrderOut)
def get(order_id: int) -> Any:
    return presenters.order(orders.visible(me(), order_id))


@blp.post("/<int:order_id>/cancel")
@require("buyer", "admin")
@blp.arguments(CancelIn)
@blp.response(200, OrderOut)
def cancel(data: dict[str, Any], order_id: int) -> Any:
    """Cancel; its jobs are cancelled and their capacity freed. 409 once anything has shipped."""
    return presenters.order(orders.cancel(me(), order_id, data.get("reason")))


@blp.post("/<int:order_id>/rematch")
@require("admin")
@blp.response(202, Accepted)
def rematch(order_id: int) -> Any:
    """Run matching again for the order's unplaced units."""
    orders.request_rematch(me(), order_id)
    return {"message": "Matching will run again for this order.", "order_id": order_id}
