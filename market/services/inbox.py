"""A person's own notifications: the list, the unread count, marking read; their channel choices."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select, update

from ..errors import NotFound
from ..extensions import db
from ..models import Notification, User
from . import notification_texts as texts
from .common import audit, now


def listing(user: User, unread: bool, page: int, per_page: int) -> tuple[list[Notification], int]:
    q = select(Notification).where(Notification.user_id == user.id)
    if unread:
        q = q.where(Notification.read_at.is_(None))
    total = db.session.scalar(select(func.count()).select_from(q.subquery())) or 0
    rows = db.session.scalars(
        q.order_by(Notification.id.desc()).limit(per_page).offset((page - 1) * per_page)
    )
    return list(rows), total


def unread_count(user: User) -> int:
    return (
        db.session.scalar(
            select(func.count(Notification.id)).where(
                Notification.user_id == user.id, Notification.read_at.is_(None)
            )
        )
        or 0
    )


def own(user: User, notification_id: int) -> Notification:
    """:raises NotFound: no such notification, or someone else's."""
    n = db.session.get(Notification, notification_id)
    if n is None or n.user_id != user.id:
        raise NotFound("No such notification.")
    return n


def mark_read(user: User, notification_id: int) -> Notification:
    """:raises NotFound: no such notification, or someone else's."""
    n = own(user, notification_id)
    if n.read_at is None:
        n.read_at = now()
    db.session.commit()
    return n


def mark_all_read(user: User) -> int:
    result = db.session.execute(
        update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=now())
    )
    db.session.commit()
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def present(n: Notification, locale: str) -> dict[str, Any]:
    """The notification as the API and the pages show it, its text in ``locale``."""
    rendered = texts.render(n.kind, n.params, locale)
    return {
        "id": n.id,
        "kind": n.kind,
        "text": rendered.full,
        "link": n.link,
        "created_at": n.created_at,
        "read_at": n.read_at,
    }


PROFILE_FIELDS = ("locale", "phone", "notify_email", "notify_sms", "digest")


def update_profile(user: User, data: dict[str, Any]) -> User:
    """Change the user's language, phone and notification channels (in-app cannot be turned off)."""
    for field in PROFILE_FIELDS:
        if field in data:
            setattr(user, field, data[field])
    audit(user, "user.updated", "user", user.id, fields=sorted(data))
    db.session.commit()
    return user
