"""How the background work is doing, for the admin's dashboard: the RQ queue's state and length
(through ``market.tasks``, the one code that talks to RQ) and the orders the sweep has yet to
match."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from redis.exceptions import RedisError
from sqlalchemy import func, select

from .. import tasks
from ..domain import states
from ..extensions import db
from ..models import Order
from .common import now


@dataclass(frozen=True)
class QueueReport:
    """How the background work is doing: ``state`` is "inline", "ok" or "unavailable"."""

    state: str
    length: int | None  # jobs waiting in the RQ queues (None inline, or when Redis is unreachable)
    stale_pending: int  # orders `pending` for longer than PENDING_GRACE_SECONDS: the sweep's backlog
    grace_seconds: int
    # seconds since the last sweep finished (/metrics' market_sweep_age_seconds); None: never
    last_sweep_seconds: int | None = None
    sweep_overdue: bool = False  # none for three intervals: the watchdog queues one


def queue_report() -> QueueReport:
    """The queue's health for the dashboard; never raises for an unreachable Redis."""
    grace = int(current_app.config["PENDING_GRACE_SECONDS"])
    stale = (
        db.session.scalar(
            select(func.count(Order.id)).where(
                Order.status == states.PENDING, Order.created_at <= now() - timedelta(seconds=grace)
            )
        )
        or 0
    )
    length: int | None = None
    try:
        state = tasks.queue_health()
        if state == "ok":
            length = sum(q.count for q in tasks.queues())
    except RedisError:
        state = "unavailable"
    from .sweeps import seconds_since_sweep
    from .watchdog import OVERDUE_INTERVALS, interval_seconds

    since = seconds_since_sweep()
    overdue = since is None or since > OVERDUE_INTERVALS * interval_seconds()
    return QueueReport(state, length, stale, grace, None if since is None else int(since), overdue)
