"""The outbox's plumbing: notifications written with the caller's transaction, handed to the queue
after its commit and only after it.

:func:`add` puts the notification rows in the caller's session: they are inserted by the same
flush as the change they tell of (one more batched INSERT per commit, however many offers a
matching pass makes). Nothing else is read or written then: which channels a person hears on is
decided later, when a delivery job *fans out* the notification into its deliveries (see
:mod:`.deliveries`). After the commit the new notifications' ids are handed over: in the scaled
mode as one RQ job per commit (a Redis push, no SQL); in the embedded mode they wait for
:func:`dispatch`, which runs them after the request (and after a sweep), outside the caller's
transaction. A rollback forgets them with the rows. If the hand-over is lost (Redis down, a worker
killed), the sweep finds the notifications not yet fanned out.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from flask import current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from ..extensions import db
from ..models import Notification
from ..tasks import enqueue

DELIVER = "workers.jobs.deliver_notifications"
BATCH = 100  # notifications per delivery job
_MADE = "outbox_made"
_IDS = "outbox_ids"
_READY = "outbox_ready"


def add(
    user_ids: Iterable[int], kind: str, params: dict[str, Any], link: str | None, once_key: str | None
) -> None:
    """A notification for each user, in the current transaction."""
    moment: datetime = current_app.config["CLOCK"]()
    session = db.session()
    made = session.info.setdefault(_MADE, [])
    for user_id in user_ids:
        n = Notification(
            user_id=user_id, kind=kind, params=params, link=link, once_key=once_key, created_at=moment
        )
        session.add(n)
        made.append(n)


@event.listens_for(Session, "before_commit")
def _collect(session: Session) -> None:
    made: list[Notification] = session.info.pop(_MADE, [])
    if made:
        session.flush()
        session.info.setdefault(_IDS, []).extend(n.id for n in made if n.id is not None)


@event.listens_for(Session, "after_commit")
def _hand_over(session: Session) -> None:
    ids: list[int] = session.info.pop(_IDS, [])
    if not ids or not has_app_context():
        return
    if current_app.config["JOBS_MODE"] == "inline":
        session.info.setdefault(_READY, []).extend(ids)
        return
    hand_over(ids)


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop(_MADE, None)
    session.info.pop(_IDS, None)


def remember(notification_id: int) -> None:
    """Hand this (existing) notification over after the commit too."""
    db.session().info.setdefault(_IDS, []).append(notification_id)


def hand_over(ids: list[int]) -> None:
    """Queue (or, embedded, run) the delivery of these notifications, in batches."""
    for start in range(0, len(ids), BATCH):
        enqueue(DELIVER, ids[start : start + BATCH])


def dispatch() -> int:
    """Deliver what the embedded mode's commits left ready; count them."""
    ids: list[int] = db.session().info.pop(_READY, [])
    if ids:
        hand_over(ids)
    return len(ids)


def init_app(app: Any) -> None:
    if app.config["JOBS_MODE"] != "inline":
        return

    @app.after_request
    def deliver_after_request(response: Any) -> Any:
        dispatch()
        return response
