"""What the sweep tells, each once: offers about to expire, jobs due in 3 days, late jobs, orders
waiting over a day; and the queue unhealthy (from the health check). "Once" is the database's
word: each reminder carries a ``once_key`` unique per person, so a second sweep, or two sweeps at
the same time, add nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from ..domain import states
from ..extensions import db
from ..models import Business, Job, Notification, Order, User
from . import notifications as notify
from .common import now, today

EXPIRING_WITHIN = timedelta(hours=12)
DUE_SOON_DAYS = 3
WAITING_OVER = timedelta(hours=24)
IN_HAND = (states.ACCEPTED, states.IN_PRODUCTION)


def once(users: list[User], kind: str, params: dict[str, Any], link: str, key: str) -> int:
    """Tell each user who has not yet been told ``key``; count the notifications written."""
    told = set(
        db.session.scalars(
            select(Notification.user_id).where(
                Notification.once_key == key, Notification.user_id.in_([u.id for u in users])
            )
        )
    )
    fresh = [u for u in users if u.id not in told]
    written = 0
    for user in fresh:
        try:
            with db.session.begin_nested():  # a concurrent sweep told them first: skip, keep the rest
                notify.tell([user], kind, params, link, once_key=key)
                db.session.flush()
            written += 1
        except IntegrityError:
            pass
    return written


def _jobs(*conditions: Any) -> list[Job]:
    q = select(Job).where(*conditions).options(selectinload(Job.order).selectinload(Order.kit))
    return list(db.session.scalars(q.order_by(Job.id)))


def _owner(job: Job) -> User:
    b = db.session.get(Business, job.business_id)
    assert b is not None
    user = db.session.get(User, b.owner_id)
    assert user is not None
    return user


def offers_expiring() -> int:
    moment = now()
    found = _jobs(
        Job.status == states.OFFERED, Job.expires_at > moment, Job.expires_at <= moment + EXPIRING_WITHIN
    )
    return sum(
        once(
            [_owner(j)],
            "offer_expiring",
            notify.job_params(j),
            f"/workshop/offers#job-{j.id}",
            f"offer_expiring:{j.id}",
        )
        for j in found
    )


def jobs_due_soon() -> int:
    day = today()
    found = _jobs(
        Job.status.in_(IN_HAND), Job.due_date >= day, Job.due_date <= day + timedelta(days=DUE_SOON_DAYS)
    )
    told = 0
    for j in found:
        params = {**notify.job_params(j), "remaining": max(0, j.quantity - j.units_done)}
        told += once(
            [_owner(j)], "job_due_soon", params, f"/workshop/jobs#job-{j.id}", f"job_due_soon:{j.id}"
        )
    return told


def jobs_late() -> int:
    found = _jobs(Job.status.in_(IN_HAND), Job.due_date < today())
    told = 0
    for j in found:
        params = notify.job_params(j)
        told += once([j.order.buyer], "job_late", params, f"/orders/{j.order_id}", f"job_late:{j.id}")
        told += once(notify.admins(), "job_late", params, "/admin/jobs", f"job_late:{j.id}")
    return told


def orders_waiting() -> int:
    """One summary a day for the admins, when orders have waited over 24 hours for a workshop."""
    waiting = list(
        db.session.scalars(
            select(Order.id).where(
                Order.status.in_([states.PENDING, states.AWAITING_CAPACITY]),
                Order.created_at <= now() - WAITING_OVER,
            )
        )
    )
    if not waiting:
        return 0
    key = f"orders_waiting:{today().isoformat()}"
    return once(
        notify.admins(),
        "orders_waiting",
        {"count": len(waiting)},
        f"/admin/orders?status={states.AWAITING_CAPACITY}",
        key,
    )


def queue_unhealthy() -> int:
    """The admins hear once an hour at most that the queue does not answer (the health check calls this)."""
    key = f"queue_unhealthy:{now().strftime('%Y-%m-%dT%H')}"
    written = once(notify.admins(), "queue_unhealthy", {}, "/admin", key)
    db.session.commit()
    return written


STEPS: tuple[Callable[[], int], ...] = (offers_expiring, jobs_due_soon, jobs_late, orders_waiting)


def remind() -> int:
    """Every reminder that is due and not yet told, in one transaction; count them."""
    told = 0
    for step in STEPS:
        try:
            told += step()
        except Exception:  # one broken reminder must not stop the others, nor the sweep
            current_app.logger.exception("reminder %s failed", step.__name__)
            db.session.rollback()
            continue
        db.session.commit()
    return told
