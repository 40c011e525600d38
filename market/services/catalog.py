"""Provinces (shipped with the code) and kit types (admins add and edit them)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from ..domain import geo
from ..errors import Conflict, NotFound
from ..extensions import db
from ..models import Kit, User
from .common import audit, now


def provinces() -> list[geo.Province]:
    return list(geo.PROVINCES)


def kits(active_only: bool = False) -> list[Kit]:
    q = select(Kit).order_by(Kit.code)
    if active_only:
        q = q.where(Kit.active.is_(True))
    return list(db.session.scalars(q))


def kit_by_code(code: str) -> Kit:
    """:raises NotFound: for an unknown code."""
    kit = db.session.scalar(select(Kit).where(Kit.code == code))
    if kit is None:
        raise NotFound("kit_not_found", code=code)
    return kit


def create_kit(data: dict[str, Any], actor: User) -> Kit:
    """:raises Conflict: on a duplicate code."""
    if db.session.scalar(select(Kit.id).where(Kit.code == data["code"])) is not None:
        raise Conflict("kit_code_taken", code=data["code"])
    kit = Kit(**data, active=True, created_at=now())
    db.session.add(kit)
    db.session.flush()
    audit(actor, "kit.created", "kit", kit.id, code=kit.code)
    db.session.commit()
    return kit


def update_kit(code: str, data: dict[str, Any], actor: User) -> Kit:
    """:raises NotFound: for an unknown code. :raises Conflict: if renamed onto another kit's code."""
    kit = kit_by_code(code)
    new_code = data.get("code")
    if new_code and new_code != kit.code and db.session.scalar(select(Kit.id).where(Kit.code == new_code)):
        raise Conflict("kit_code_taken", code=new_code)
    for field, value in data.items():
        setattr(kit, field, value)
    audit(actor, "kit.updated", "kit", kit.id, fields=sorted(data))
    db.session.commit()
    return kit
