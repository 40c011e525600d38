"""Handing committed deliveries to the queue, after the commit and only after it.

:func:`remember` marks a delivery made in the current transaction. When that transaction commits,
the deliveries' ids are handed over: in the scaled mode each is enqueued at once (a Redis push,
no SQL); in the embedded mode they wait for :func:`dispatch`, which runs them after the request
(and after a sweep), outside any transaction of the caller. A rollback forgets them with the rows.
If the hand-over is lost (Redis down, a worker killed), the sweep finds the delivery still pending.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from ..models import Delivery
from ..tasks import enqueue

DELIVER = "workers.jobs.deliver_notification"
_MADE = "outbox_made"
_READY = "outbox_ready"


def remember(delivery: Delivery) -> None:
    from ..extensions import db

    db.session().info.setdefault(_MADE, []).append(delivery)


@event.listens_for(Session, "before_commit")
def _collect(session: Session) -> None:
    made: list[Delivery] = session.info.pop(_MADE, [])
    if made:
        session.flush()
        session.info[_MADE + "_ids"] = [d.id for d in made]


@event.listens_for(Session, "after_commit")
def _hand_over(session: Session) -> None:
    ids: list[int] = session.info.pop(_MADE + "_ids", [])
    if not ids or not has_app_context():
        return
    if current_app.config["JOBS_MODE"] == "inline":
        session.info.setdefault(_READY, []).extend(ids)
        return
    for delivery_id in ids:
        enqueue(DELIVER, delivery_id, job_id=f"deliver-{delivery_id}")


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop(_MADE, None)
    session.info.pop(_MADE + "_ids", None)


def dispatch() -> int:
    """Deliver what the embedded mode's commits left ready; count them."""
    from ..extensions import db

    ids: list[int] = db.session().info.pop(_READY, [])
    for delivery_id in ids:
        enqueue(DELIVER, delivery_id)
    return len(ids)


def init_app(app: Any) -> None:
    if app.config["JOBS_MODE"] != "inline":
        return

    @app.after_request
    def deliver_after_request(response: Any) -> Any:
        dispatch()
        return response
