"""The reconciler: what the queue may have lost, the database still knows.

``sweep()`` expires unanswered offers, then makes sure every order that waits gets matched: the
kits of orders still ``pending`` after a grace period (their nudge was lost with a worker or with
Redis) get a matching round, and every ``awaiting_capacity`` order a re-match. It is safe to run
any number of times, anywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ..domain import states
from ..extensions import db
from ..models import Heartbeat, Job, Order
from ..tasks import enqueue
from . import deliveries, digests, outbox, reminders
from .common import lock_order, move_job, now, refresh_order_status

MATCH_KIT = "workers.jobs.match_kit"
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
        db.session.execute(
            select(Order.id, Order.kit_id)
            .where(Order.status == states.PENDING, Order.created_at <= now() - grace)
            .order_by(Order.id)
        )
    )
    awaiting = list(db.session.scalars(select(Order.id).where(Order.status == states.AWAITING_CAPACITY)))
    db.session.rollback()
    # never coalesced: a nudge lost with its "queued" mark still set must not hold these back
    for kit_id in sorted({kit_id for _, kit_id in stale}):
        enqueue(MATCH_KIT, kit_id, job_id=f"sweep-match-kit-{kit_id}", coalesce=False)
    if awaiting or expired:
        enqueue(REMATCH_WAITING, job_id="rematch-waiting", coalesce=False)
    told = reminders.remind()
    digests.bundle_due()
    due = resend_deliveries()
    record_beat(SWEEP)
    return SweepReport(expired, len(stale), len(awaiting), due, told)


def resend_deliveries() -> int:
    """Hand every due delivery to the queue again (lost with Redis, or failed and now due), and
    in the embedded mode run what this sweep's own commits made ready."""
    due = deliveries.due_ids()
    db.session.rollback()
    outbox.hand_over(due)
    outbox.dispatch()
    return len(due)


SWEEP = "sweep"


def record_beat(name: str) -> None:
    """Note that the periodic work ``name`` has just run (an upsert, committed on its own)."""
    dialect = db.session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    statement = insert(Heartbeat).values(name=name, beat_at=now())
    db.session.execute(
        statement.on_conflict_do_update(index_elements=["name"], set_={"beat_at": statement.excluded.beat_at})
    )
    db.session.commit()


def last_beat(name: str = SWEEP) -> datetime | None:
    """When ``name`` last ran, or None if it never has."""
    at = db.session.scalar(select(Heartbeat.beat_at).where(Heartbeat.name == name))
    db.session.rollback()
    return at


def seconds_since_sweep() -> float | None:
    """Seconds since the last sweep finished (by the app's clock), None if none ever ran."""
    at = last_beat(SWEEP)
    return None if at is None else max(0.0, (now() - at).total_seconds())
