"""Buyers and their verification: until an admin has verified a buyer (a health centre, an NGO, a
pharmacy of the programme), the units it may hold in open orders are capped, so that nobody can
hold every workshop's capacity with one sign-up."""

from __future__ import annotations

from typing import Any

from flask import current_app
from sqlalchemy import Select, func, select

from ..domain import states
from ..errors import Conflict, NotFound
from ..extensions import db
from ..models import Order, User
from .common import audit, paginate


def open_units_query() -> Select[Any]:
    """Units per buyer in open orders (not delivered, not cancelled)."""
    return (
        select(Order.buyer_id, func.coalesce(func.sum(Order.quantity), 0).label("units"))
        .where(Order.cancelled_at.is_(None), Order.status.notin_([states.DELIVERED, states.CANCELLED]))
        .group_by(Order.buyer_id)
    )


def open_units(buyer_id: int) -> int:
    row = db.session.execute(open_units_query().where(Order.buyer_id == buyer_id)).first()
    return int(row.units) if row else 0


def cap() -> int:
    return int(current_app.config["UNVERIFIED_MAX_OPEN_UNITS"])


def check_open_units(buyer: User, adding: int) -> None:
    """Refuse an order that would take an unverified buyer past the cap on open units. The buyer's
    row is locked first, so two orders posted at once cannot both slip under it.

    :raises Conflict: with what to do about it.
    """
    if buyer.role != "buyer" or buyer.verified:
        return
    # FOR NO KEY UPDATE: orders of this buyer serialise here, while rows that point at the buyer
    # (a round's notifications to it) can still be inserted
    db.session.execute(select(User.id).where(User.id == buyer.id).with_for_update(key_share=True))
    held = open_units(buyer.id)
    limit = cap()
    if held + adding > limit:
        raise Conflict("unverified_cap", limit=limit, held=held, adding=adding, room=max(0, limit - held))


def get(buyer_id: int) -> User:
    """:raises NotFound: no such user, or not a buyer."""
    user = db.session.get(User, buyer_id)
    if user is None or user.role != "buyer":
        raise NotFound("buyer_not_found", buyer_id=buyer_id)
    return user


def open_units_of(buyer_ids: list[int]) -> dict[int, int]:
    """Units in open orders per buyer, for each of these buyers (0 for one with none)."""
    if not buyer_ids:
        return {}
    rows = db.session.execute(open_units_query().where(Order.buyer_id.in_(buyer_ids)))
    held = {buyer_id: int(units) for buyer_id, units in rows}
    return {buyer_id: held.get(buyer_id, 0) for buyer_id in buyer_ids}


def listing(verified: bool | None, page: int, per_page: int) -> tuple[list[tuple[User, int]], int]:
    """Buyers with their open units, newest first (those awaiting verification: oldest first)."""
    q = select(User).where(User.role == "buyer")
    if verified is not None:
        q = q.where(User.verified.is_(verified))
    order = User.id.asc() if verified is False else User.id.desc()
    users, total = paginate(q.order_by(order), page, per_page)
    units = open_units_of([u.id for u in users])
    return [(u, units[u.id]) for u in users], total


def awaiting(first: int) -> tuple[list[User], int]:
    """The ``first`` buyers awaiting verification (oldest first), and how many there are."""
    rows, total = listing(False, 1, first)
    return [u for u, _units in rows], total


def verify(admin: User, buyer_id: int) -> User:
    """Mark a buyer verified (again is harmless); its open orders are no longer capped.

    :raises NotFound: no such user, or not a buyer.
    """
    buyer = get(buyer_id)
    if not buyer.verified:
        buyer.verified = True
        audit(admin, "user.verified", "user", buyer.id)
    db.session.commit()
    return buyer
