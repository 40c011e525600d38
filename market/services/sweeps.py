"""The reconciler: what the queue may have lost, the database still knows.

``sweep()`` expires unanswered offers, then makes sure every order that waits gets matched: an
order still ``pending`` after a grace period (its job was lost with a worker or with Redis) and
every ``awaiting_capacity`` order. It is safe to run any number of times, anywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from ..domain import states
from ..extensions import db
from ..models import Job, Order
from ..tasks import enqueue
from . import deliveries, digests, outbox, reminders
from .common import lock_order, move_job, now, refresh_order_status

MATCH_ORDER = "workers.jobs.match_order"
REMATCH_WAITING = "workers.jobs.rematch_waiting"


@dataclass(frozen=True)
class SweepReport:
    expired_offers: int
    stale_pending: int
    awaiting: int
    deliveries: int = 0
    reminders: int = 0


def expire_offers() -> int:
    """Mark every offer past its ``expires_at`` as expired, order by order; count them."""
    moment = now()
    order_ids = sorted(
        set(
            db.session.scalars(
                select(Job.order_id).where(Job.status == states.OFFERED, Job.expires_at <= moment)
            )
        )
    )
    db.session.rollback()
    expired = 0
    for order_id in order_ids:
        order = lock_order(order_id)
        for job in order.jobs:
            if job.status == states.OFFERED and job.expires_at <= moment:
                move_job(job, states.EXPIRED, None, reason="offer not answered in time")
                expired += 1
        refresh_order_status(order, None)
        db.session.commit()
    return expired


def sweep() -> SweepReport:
    expired = expire_offers()
    grace = timedelta(seconds=current_app.config["PENDING_GRACE_SECONDS"])
    stale = list(
        db.session.scalars(
            select(Order.id)
            .where(Order.status == states.PENDING, Order.created_at <= now() - grace)
            .order_by(Order.id)
        )
    )
    awaiting = list(db.session.scalars(select(Order.id).where(Order.status == states.AWAITING_CAPACITY)))
    db.session.rollback()
    for order_id in stale:
        enqueue(MATCH_ORDER, order_id, job_id=f"match-order-{order_id}")
    if awaiting or expired:
        enqueue(REMATCH_WAITING, job_id="rematch-waiting")
    told = reminders.remind()
    digests.bundle_due()
    due = resend_deliveries()
    return SweepReport(expired, len(stale), len(awaiting), due, told)


def resend_deliveries() -> int:
    """Hand every due delivery to the queue again (lost with Redis, or failed and now due), and
    in the embedded mode run what this sweep's own commits made ready."""
    due = deliveries.due_ids()
    db.session.rollback()
    outbox.hand_over(due)
    outbox.dispatch()
    return len(due)
