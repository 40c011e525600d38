"""The audit log as the admins read it: entries filtered by entity and action, the values the
filters offer, and the actors the entries name."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from ..extensions import db
from ..models import AuditEntry, User
from .common import paginate, where_equal


def audit_log(filters: dict[str, Any], page: int, per_page: int) -> tuple[list[AuditEntry], int]:
    columns = {"entity": AuditEntry.entity, "entity_id": AuditEntry.entity_id, "action": AuditEntry.action}
    q = where_equal(select(AuditEntry), filters, columns)
    return paginate(q.order_by(AuditEntry.id.desc()), page, per_page)


def audit_facets() -> tuple[list[str], list[str]]:
    """The entities and actions the audit log holds, for its filters."""
    entities = db.session.scalars(select(AuditEntry.entity).distinct().order_by(AuditEntry.entity))
    actions = db.session.scalars(select(AuditEntry.action).distinct().order_by(AuditEntry.action))
    return list(entities), list(actions)


def users_by_id(ids: set[int]) -> dict[int, User]:
    """The users with these ids (audit entries name their actor by id)."""
    if not ids:
        return {}
    return {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(ids)))}
