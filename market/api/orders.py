from __future__ import annotations

from typing import Any

from flask import jsonify, make_response, request
from flask_smorest import Blueprint

from ..auth import me, require
from ..domain import refusals
from ..errors import Invalid
from ..schemas.admin import Accepted
from ..schemas.orders import CancelIn, OrderArgs, OrderIn, OrderList, OrderOut
from ..services import orders
from . import presenters

blp = Blueprint("orders", __name__, url_prefix="/api/v1/orders", description="Orders from buyers")


def idempotency_key() -> str | None:
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return None
    key = key.strip()
    if not 1 <= len(key) <= 200:
        raise Invalid(
            "idempotency_key_length",
            {"Idempotency-Key": [refusals.english("idempotency_key_length_field", {})]},
        )
    return key


@blp.post("")
@require("buyer")
@blp.arguments(OrderIn)
@blp.response(201, OrderOut)
@blp.doc(
    parameters=[
        {
            "in": "header",
            "name": "Idempotency-Key",
            "schema": {"type": "string"},
            "required": False,
            "description": "Same key and body within 24 h: the first answer, nothing created.",
        }
    ]
)
def create(data: dict[str, Any]) -> Any:
    """Post an order; matching starts right after the commit."""
    key = idempotency_key()
    status, body = orders.create(me(), data, key, lambda o: OrderOut().dump(presenters.order(o)))
    # already dumped (and possibly a replay of the stored first answer): sent as is
    return make_response(jsonify(body), status)


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
