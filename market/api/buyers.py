from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from ..auth import me, require
from ..models import User
from ..schemas.buyers import BuyerArgs, BuyerList, BuyerOut
from ..services import buyers
from . import presenters

blp = Blueprint("buyers", __name__, url_prefix="/api/v1/buyers", description="Buyers and their verification")


def buyer(user: User, open_units: int) -> dict[str, Any]:
    return {
        "id": user.id,
        "email": user.email,
        "name": user.name,
        "organization": user.organization,
        "verified": user.verified,
        "open_units": open_units,
        "created_at": user.created_at,
    }


@blp.get("")
@require("admin")
@blp.arguments(BuyerArgs, location="query")
@blp.response(200, BuyerList)
def listing(args: dict[str, Any]) -> Any:
    """Buyers with the units they hold in open orders; ``?verified=false``: those awaiting verification."""
    rows, total = buyers.listing(args.get("verified"), args["page"], args["per_page"])
    return presenters.page([buyer(u, n) for u, n in rows], total, args)


@blp.post("/<int:buyer_id>/verify")
@require("admin")
@blp.response(200, BuyerOut)
def verify(buyer_id: int) -> Any:
    """Verify a buyer: its open orders are no longer capped, and it may post bulk requisitions."""
    me_ = me()
    user = buyers.verify(me_, buyer_id)
    return buyer(user, buyers.open_units(user.id))
