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
from .common import audit


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
    db.session.execute(select(User.id).where(User.id == buyer.id).with_for_update())
    held = open_units(buyer.id)
    limit = cap()
    if held + adding > limit:
        raise Conflict(
            f"Your account is not verified yet, so it may hold at most {limit:,} units in open orders "
            f"(you hold {held:,}; this order would add {adding:,}). Order at most {max(0, limit - held):,} "
            "units for now, or ask the programme's administrators to verify your organization."
        )


def get(buyer_id: int) -> User:
    """:raises NotFound: no such user, or not a buyer."""
    user = db.session.get(User, buyer_id)
    if user is None or user.role != "buyer":
        raise NotFound("No such buyer.")
    return user


def listing(verified: bool | None, page: int, per_page: int) -> tuple[list[tuple[User, int]], int]:
    """Buyers with their open units, newest first (those awaiting verification: oldest first)."""
    units = open_units_query().subquery()
    q = select(User, func.coalesce(units.c.units, 0)).outerjoin(units, units.c.buyer_id == User.id)
    q = q.where(User.role == "buyer")
    if verified is not None:
        q = q.where(User.verified.is_(verified))
    total = db.session.scalar(select(func.count()).select_from(q.subquery())) or 0
    order = User.id.asc() if verified is False else User.id.desc()
    rows = db.session.execute(q.order_by(order).limit(per_page).offset((page - 1) * per_page))
    return [(u, int(n)) for u, n in rows], total


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
