"""The outbox's plumbing: notifications written with the caller's transaction, delivered after
its commit and only after it.

:func:`add` puts the notification rows in the caller's session: they are inserted by the same
flush as the change they tell of (one more batched INSERT per commit, however many offers a
matching pass makes). Nothing else is read or written then: which channels a person hears on is
decided later, when the delivery job *fans out* each notification into its deliveries (see
:mod:`.deliveries`). After a commit that wrote notifications, the delivery job is nudged: in the
scaled mode one RQ job drains every notification not yet fanned out, and while one is queued and
not started, a further nudge costs a single Redis SET; in the embedded mode the draining runs after
the request (and after a sweep), outside the caller's transaction. A rollback forgets everything.
If a nudge is lost (Redis down, a worker killed), the sweep finds the notifications not fanned out.
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
from ..tasks import enqueue, enqueue_once

DRAIN = "workers.jobs.deliver_outbox"
DELIVER = "workers.jobs.deliver_notifications"
NUDGE_KEY = "outbox-nudge"
BATCH = 100  # notifications per delivery job
_MADE = "outbox_made"
_COMMITTED = "outbox_committed"
_READY = "outbox_ready"


def add(
    user_ids: Iterable[int], kind: str, params: dict[str, Any], link: str | None, once_key: str | None
) -> None:
    """A notification for each user, in the current transaction."""
    moment: datetime = current_app.config["CLOCK"]()
    session = db.session()
    for user_id in user_ids:
        session.add(
            Notification(
                user_id=user_id, kind=kind, params=params, link=link, once_key=once_key, created_at=moment
            )
        )
    session.info[_MADE] = True


@event.listens_for(Session, "before_commit")
def _collect(session: Session) -> None:
    if session.info.pop(_MADE, False):
        session.info[_COMMITTED] = True


@event.listens_for(Session, "after_commit")
def _nudge(session: Session) -> None:
    if not session.info.pop(_COMMITTED, False) or not has_app_context():
        return
    if current_app.config["JOBS_MODE"] == "inline":
        session.info[_READY] = True  # run by dispatch(), outside this transaction
        return
    enqueue_once(DRAIN, NUDGE_KEY)


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop(_MADE, None)
    session.info.pop(_COMMITTED, None)


def remember() -> None:
    """Nudge the delivery job after the commit, as a new notification would (a digest is ready)."""
    db.session().info[_COMMITTED] = True


def hand_over(ids: list[int]) -> None:
    """Queue (or, embedded, run) the delivery of these notifications, in batches."""
    for start in range(0, len(ids), BATCH):
        enqueue(DELIVER, ids[start : start + BATCH])


def dispatch() -> bool:
    """Embedded mode: drain the outbox if this session's commits wrote to it; say whether it did."""
    if not db.session().info.pop(_READY, False):
        return False
    enqueue(DRAIN)
    return True


def init_app(app: Any) -> None:
    if app.config["JOBS_MODE"] != "inline":
        return

    @app.after_request
    def deliver_after_request(response: Any) -> Any:
        dispatch()
        return response
