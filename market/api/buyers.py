from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from ..auth import me, require
from ..schemas.buyers import BuyerArgs, BuyerList, BuyerOut
from ..services import buyers
from . import presenters

blp = Blueprint("buyers", __name__, url_prefix="/api/v1/buyers", description="Buyers and their verification")


@blp.get("")
@require("admin")
@blp.arguments(BuyerArgs, location="query")
@blp.response(200, BuyerList)
def listing(args: dict[str, Any]) -> Any:
    """Buyers with the units they hold in open orders; ``?verified=false``: those awaiting verification."""
    found = buyers.listing(args.get("verified"), args["page"], args["per_page"])
    return presenters.page(found, args, lambda row: presenters.buyer(*row))


@blp.post("/<int:buyer_id>/verify")
@require("admin")
@blp.response(200, BuyerOut)
def verify(buyer_id: int) -> Any:
    """Verify a buyer: its open orders are no longer capped, and it may post bulk requisitions."""
    user = buyers.verify(me(), buyer_id)
    return presenters.buyer(user, buyers.open_units(user.id))
