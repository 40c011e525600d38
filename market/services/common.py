"""Helpers every service uses: the clock, audit entries, job events, row locks, order status."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import Select, select

from ..domain import states
from ..errors import NotFound
from ..extensions import db
from ..models import AuditEntry, Job, JobEvent, Order, User
from . import notifications as notify


def now() -> datetime:
    """The current time, aware UTC, from the app's clock (tests move it)."""
    value: datetime = current_app.config["CLOCK"]()
    return value


def today() -> date:
    """Today's date where the marketplace runs (Asia/Tehran by default)."""
    return now().astimezone(ZoneInfo(current_app.config["TIMEZONE"])).date()


def where_equal(q: Select[Any], filters: dict[str, Any], columns: dict[str, Any]) -> Select[Any]:
    """Narrow ``q`` by each filter that is set: ``columns[name] == filters[name]``."""
    for name, column in columns.items():
        if filters.get(name):
            q = q.where(column == filters[name])
    return q


def paginate(q: Select[Any], page: int, per_page: int) -> tuple[list[Any], int]:
    """One page of the query's rows (pages count from 1; a page past the end is empty) and how many
    rows there are in all: the one way every listing pages (Flask-SQLAlchemy's ``db.paginate``)."""
    result = db.paginate(q, page=page, per_page=per_page, error_out=False, count=True)
    return list(result.items), result.total or 0


def actor_id(actor: User | None) -> int | None:
    return actor.id if actor is not None else None


def audit(actor: User | None, action: str, entity: str, entity_id: int | None, **detail: Any) -> None:
    db.session.add(
        AuditEntry(
            at=now(),
            actor_id=actor_id(actor),
            action=action,
            entity=entity,
            entity_id=entity_id,
            detail=detail,
        )
    )


def move_job(job: Job, target: str, actor: User | None, **detail: Any) -> None:
    """Change a job's status through the state machine, writing its event and an audit entry.

    :raises IllegalTransition: for a move the job's table refuses.
    """
    before = job.status
    job.status = states.JOB.transition(before, target)
    job.updated_at = now()
    event = JobEvent(
        at=job.updated_at, actor_id=actor_id(actor), from_status=before, to_status=target, detail=detail
    )
    job.events.append(event)
    audit(
        actor,
        f"job.{target}",
        "job",
        job.id,
        order_id=job.order_id,
        business_id=job.business_id,
        from_status=before,
        **detail,
    )


Row = TypeVar("Row", bound=db.Model)


def locked(model: type[Row], row_id: int, *, key_share: bool = False) -> Row | None:
    """The row of ``model`` with this id, locked for this transaction (FOR UPDATE on PostgreSQL)
    and read afresh; None if there is none. ``key_share`` takes FOR NO KEY UPDATE instead: still
    one holder at a time, but rows that only point at this one (a foreign key takes KEY SHARE) can
    be inserted meanwhile."""
    statement = select(model).where(model.id == row_id).with_for_update(key_share=key_share)
    return db.session.scalar(statement.execution_options(populate_existing=True))


def lock_order(order_id: int) -> Order:
    """The order, locked for this transaction (FOR UPDATE on PostgreSQL).

    :raises NotFound: if there is no such order.
    """
    order = locked(Order, order_id)
    if order is None:
        raise NotFound("order_not_found", order_id=order_id)
    return order


def tally(order: Order) -> states.OrderTally:
    return states.tally_order(
        order.quantity,
        [states.JobShare(j.status, j.quantity) for j in order.jobs],
        matched=order.matched_at is not None,
        cancelled=order.cancelled_at is not None,
    )


def progress_of(order: Order) -> states.OrderProgress:
    """The order's units made, shipped and delivered, from its jobs."""
    return states.order_progress(
        states.JobProgress(j.status, j.quantity, j.units_done, j.received_quantity) for j in order.jobs
    )


def refresh_order_status(order: Order, actor: User | None) -> states.OrderTally:
    """Derive the order's status from its jobs and store it, through the order's state machine."""
    t = tally(order)
    if t.status != order.status:
        before = order.status
        order.status = states.ORDER.transition(before, t.status)
        order.updated_at = now()
        audit(actor, f"order.{t.status}", "order", order.id, from_status=before)
    return t


def offer(
    order: Order,
    business_id: int,
    quantity: int,
    due: date,
    match: dict[str, Any],
    actor: User | None,
    **detail: Any,
) -> Job:
    """A new offer of ``quantity`` units of ``order`` to a business, expiring after OFFER_TTL_HOURS,
    with its first event and its audit entry (matching and an admin's reassignment both make them)."""
    moment = now()
    job = Job(
        order=order,
        business_id=business_id,
        quantity=quantity,
        status=states.OFFERED,
        offered_at=moment,
        expires_at=moment + timedelta(hours=current_app.config["OFFER_TTL_HOURS"]),
        due_date=due,
        match=match,
        updated_at=moment,
    )
    db.session.add(job)
    db.session.flush()
    job.events.append(
        JobEvent(
            at=moment,
            actor_id=actor_id(actor),
            from_status=None,
            to_status=states.OFFERED,
            detail=detail or {"match": match},
        )
    )
    audit(
        actor,
        "job.offered",
        "job",
        job.id,
        order_id=order.id,
        business_id=business_id,
        quantity=quantity,
        rule=match.get("rule"),
    )
    notify.offer_made(job)
    return job
