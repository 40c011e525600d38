"""A person's own notifications: the list, the unread count, marking read; their channel choices."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import SQLAlchemyError

from ..errors import NotFound
from ..extensions import db
from ..models import Notification, User
from . import notification_texts as texts
from .common import audit, now, paginate


def listing(user: User, unread: bool, page: int, per_page: int) -> tuple[list[Notification], int]:
    """One page of the user's notifications, newest first, and how many there are in all."""
    q = select(Notification).where(Notification.user_id == user.id)
    if unread:
        q = q.where(Notification.read_at.is_(None))
    return paginate(q.order_by(Notification.id.desc()), page, per_page)


def unread_count(user: User) -> int:
    return (
        db.session.scalar(
            select(func.count(Notification.id)).where(
                Notification.user_id == user.id, Notification.read_at.is_(None)
            )
        )
        or 0
    )


def header_count(user: User) -> int:
    """The unread count of every page's header; 0 when the database cannot answer, so the error
    page of a database that is down still renders (its failed transaction is rolled back)."""
    try:
        return unread_count(user)
    except SQLAlchemyError:
        db.session.rollback()
        return 0


def own(user: User, notification_id: int) -> Notification:
    """:raises NotFound: no such notification, or someone else's."""
    n = db.session.get(Notification, notification_id)
    if n is None or n.user_id != user.id:
        raise NotFound("notification_not_found", notification_id=notification_id)
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


def text_of(n: Notification, locale: str) -> str:
    """The notification's text as the API and the pages show it, in ``locale``."""
    return texts.render(n.kind, n.params, locale).full


PROFILE_FIELDS = ("locale", "phone", "notify_email", "notify_sms", "digest")


def update_profile(user: User, data: dict[str, Any]) -> User:
    """Change the user's language, phone and notification channels (in-app cannot be turned off)."""
    for field in PROFILE_FIELDS:
        if field in data:
            setattr(user, field, data[field])
    audit(user, "user.updated", "user", user.id, fields=sorted(data))
    db.session.commit()
    return user
