from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from ..auth import me, require
from ..schemas.businesses import (
    BusinessArgs,
    BusinessDetailOut,
    BusinessIn,
    BusinessList,
    BusinessPatch,
    SuspendIn,
)
from ..services import businesses
from . import presenters

blp = Blueprint("businesses", __name__, url_prefix="/api/v1/businesses", description="Micro-producers")


def detail(b: Any) -> Any:
    return presenters.business(b, businesses.figures(b))


@blp.post("")
@require("business")
@blp.arguments(BusinessIn)
@blp.response(201, BusinessDetailOut)
def create(data: dict[str, Any]) -> Any:
    """Register the caller's business; it waits for an admin's approval."""
    return detail(businesses.create(me(), data))


@blp.get("")
@require("admin")
@blp.arguments(BusinessArgs, location="query")
@blp.response(200, BusinessList)
def listing(args: dict[str, Any]) -> Any:
    return presenters.page(
        businesses.listing(args, args["page"], args["per_page"]), args, presenters.business
    )


@blp.get("/<int:business_id>")
@require("business", "admin")
@blp.response(200, BusinessDetailOut)
def get(business_id: int) -> Any:
    return detail(businesses.visible(me(), business_id))


@blp.patch("/<int:business_id>")
@require("business", "admin")
@blp.arguments(BusinessPatch)
@blp.response(200, BusinessDetailOut)
def update(data: dict[str, Any], business_id: int) -> Any:
    """Edit capacity, kits, lot, contact or pause; more room re-matches waiting orders."""
    return detail(businesses.update(me(), business_id, data))


@blp.post("/<int:business_id>/approve")
@require("admin")
@blp.response(200, BusinessDetailOut)
def approve(business_id: int) -> Any:
    return detail(businesses.approve(me(), business_id))


@blp.post("/<int:business_id>/suspend")
@require("admin")
@blp.arguments(SuspendIn)
@blp.response(200, BusinessDetailOut)
def suspend(data: dict[str, Any], business_id: int) -> Any:
    """Suspend; its open offers are withdrawn and re-matched."""
    return detail(businesses.suspend(me(), business_id, data.get("reason")))
