"""Jobs: a business answers its offers, reports progress and ships; the buyer confirms delivery;
an admin moves a job to another business."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, select
from sqlalchemy.orm import selectinload

from ..domain import deadlines, geo, states
from ..domain.capacity import Schedule
from ..domain.errors import RuleBroken
from ..errors import Conflict, Forbidden, Invalid, NotFound
from ..extensions import db
from ..models import Business, Job, Order, User
from ..tasks import enqueue
from . import notifications as notify
from .businesses import require_approved
from .common import (
    audit,
    locked,
    move_job,
    now,
    offer,
    paginate,
    refresh_order_status,
    today,
    where_equal,
)
from .matching import open_commitments
from .reassignment import target_refusal

REMATCH_WAITING = "workers.jobs.rematch_waiting"


def _business_id_of(user: User) -> int | None:
    return db.session.scalar(select(Business.id).where(Business.owner_id == user.id))


def visible(user: User, job_id: int) -> Job:
    """The job if the user is its business, the order's buyer or an admin.

    :raises NotFound: otherwise.
    """
    job = db.session.get(Job, job_id)
    if job is None:
        raise NotFound("job_not_found", job_id=job_id)
    if user.role == "admin":
        return job
    if user.role == "business" and job.business_id == _business_id_of(user):
        return job
    if user.role == "buyer" and job.order.buyer_id == user.id:
        return job
    raise NotFound("job_not_found", job_id=job_id)


def late_job_clause(day: date) -> ColumnElement[bool]:
    """``deadlines.is_late`` in SQL: the job is open and its production deadline is before ``day``."""
    return and_(Job.status.in_(states.OPEN_JOB_STATUSES), Job.due_date < day)


def filter_jobs(q: Select[Any], filters: dict[str, Any]) -> Select[Any]:
    """Narrow a job query by the list filters: ``status``, ``statuses`` (the pages show several in
    one list), ``business_id``, ``order_id`` and ``late`` (open jobs past their production deadline)."""
    columns = {"status": Job.status, "business_id": Job.business_id, "order_id": Job.order_id}
    q = where_equal(q, filters, columns)
    if filters.get("statuses"):
        q = q.where(Job.status.in_(filters["statuses"]))
    if filters.get("late"):
        q = q.where(late_job_clause(today()))
    if filters.get("was_accepted"):  # work the business took on (a withdrawn offer never was)
        q = q.where(Job.accepted_at.is_not(None))
    return q


def listing(user: User, filters: dict[str, Any], page: int, per_page: int) -> tuple[list[Job], int]:
    """The jobs the user may see (a business its own, an admin all), newest first, filtered by
    :func:`filter_jobs` (``was_accepted``: only jobs the business accepted once)."""
    q = filter_jobs(select(Job), filters)
    if user.role != "admin":
        q = q.where(Job.business_id == (_business_id_of(user) or -1))
    q = q.options(
        selectinload(Job.events), selectinload(Job.business), selectinload(Job.order).selectinload(Order.kit)
    )
    return paginate(q.order_by(Job.id.desc()), page, per_page)


def _lock_order_and_jobs(order_id: int) -> Order:
    """The order locked, with its jobs read afresh under the lock: the job the caller read before
    locking (to find its order) may have been withdrawn, declined or expired meanwhile, and a row
    already in the session is not read again by a plain lazy load."""
    order = db.session.scalar(
        select(Order)
        .where(Order.id == order_id)
        .with_for_update(of=Order)
        .options(selectinload(Order.jobs))
        .execution_options(populate_existing=True)
    )
    if order is None:
        raise NotFound("order_not_found", order_id=order_id)
    return order


def _locked_own_job(
    user: User, job_id: int, *, as_business: bool, approved: bool = False
) -> tuple[Order, Job]:
    """Lock the job's order (the global lock order starts with orders), then return both.

    :raises NotFound: the job is not this user's to act on.
    :raises Forbidden: ``approved`` is asked and the user's workshop is not approved.
    """
    job = visible(user, job_id)
    if as_business and (user.role != "business" or job.business_id != _business_id_of(user)):
        raise NotFound("job_not_found", job_id=job_id)
    if approved:
        require_approved(job.business, user)
    order = _lock_order_and_jobs(job.order_id)
    job = next(j for j in order.jobs if j.id == job_id)
    return order, job


def accept(user: User, job_id: int) -> Job:
    """:raises Conflict: if the job is not an open offer or its offer has expired.
    :raises Forbidden: the workshop is not approved."""
    order, job = _locked_own_job(user, job_id, as_business=True, approved=True)
    if job.status != states.OFFERED:
        raise Conflict("offer_not_open_accept", job_id=job.id, status=job.status)
    if now() >= job.expires_at:
        raise Conflict("offer_expired", job_id=job.id)
    move_job(job, states.ACCEPTED, user)
    job.accepted_at = job.updated_at
    notify.job_accepted(job)
    refresh_order_status(order, user)
    db.session.commit()
    return job


def decline(user: User, job_id: int, reason: str | None) -> Job:
    """Say no to the order: this offer, and any other open offer the business holds for the same
    order, are declined; the units are re-matched elsewhere and never come back to it (P8).

    :raises Conflict: if the job is not an open offer.
    """
    order, job = _locked_own_job(user, job_id, as_business=True)
    if job.status != states.OFFERED:
        raise Conflict("offer_not_open_decline", job_id=job.id, status=job.status)
    for j in order.jobs:
        if j.business_id == job.business_id and j.status == states.OFFERED:
            move_job(j, states.DECLINED, user, reason=reason)
            j.closed_reason = reason
    refresh_order_status(order, user)
    db.session.commit()
    enqueue(REMATCH_WAITING)
    return job


def progress(user: User, job_id: int, units_done: int) -> Job:
    """:raises Invalid: units outside 0 … quantity or going down. :raises Conflict: wrong status.
    :raises Forbidden: the workshop is not approved."""
    order, job = _locked_own_job(user, job_id, as_business=True, approved=True)
    if job.status not in states.IN_HAND_JOB_STATUSES:
        raise Conflict("progress_not_accepted", job_id=job.id, status=job.status)
    before = job.units_done
    try:
        job.units_done = states.check_progress(job.quantity, job.units_done, units_done)
    except RuleBroken as err:  # bad input, not a bad state: 422 naming the field
        raise Invalid(err.code, {"units_done": [str(err)]}, **err.params) from None
    move_job(job, states.IN_PRODUCTION, user, units_done=units_done)
    refresh_order_status(order, user)
    db.session.commit()
    if job.units_done > before:  # kits made are kits the line no longer owes: room for waiting orders
        enqueue(REMATCH_WAITING)
    return job


def ship(
    user: User,
    job_id: int,
    carrier: str | None,
    tracking_code: str | None,
    shipped_quantity: int | None = None,
) -> Job:
    """Ship what is made: ``shipped_quantity`` (default the job's quantity) of the job's units.

    The shipped units count as made (a shipment is the last progress report). Below the job's
    quantity, the job's ``quantity`` becomes what was shipped (its shipped event keeps the
    original) and the rest returns to the order as unallocated units, matched again after the
    commit (oldest waiting orders first, as every freed unit).

    :raises Conflict: if the job is not accepted or in production.
    :raises Invalid: ``shipped_quantity`` outside 1 … the job's quantity.
    :raises Forbidden: the workshop is not approved."""
    order, job = _locked_own_job(user, job_id, as_business=True, approved=True)
    if job.status not in states.IN_HAND_JOB_STATUSES:
        raise Conflict("ship_not_accepted", job_id=job.id, status=job.status)
    ordered = job.quantity
    try:
        shipped = states.check_shipped(ordered, ordered if shipped_quantity is None else shipped_quantity)
    except RuleBroken as err:  # bad input, not a bad state: 422 naming the field
        raise Invalid(err.code, {"shipped_quantity": [str(err)]}, **err.params) from None
    move_job(
        job,
        states.SHIPPED,
        user,
        carrier=carrier,
        tracking_code=tracking_code,
        quantity=ordered,
        shipped_quantity=shipped,
        units_done_before=job.units_done,
        returned_to_order=ordered - shipped,
    )
    owed = ordered - job.units_done
    job.quantity = job.units_done = shipped
    job.shipped_at, job.carrier, job.tracking_code = job.updated_at, carrier, tracking_code
    notify.job_shipped(job)
    refresh_order_status(order, user)
    db.session.commit()
    if owed or shipped < ordered:  # units left the line with the shipment, or returned to the order
        enqueue(REMATCH_WAITING)
    return job


def deliver(user: User, job_id: int, received: int, note: str | None) -> Job:
    """The buyer (or an admin) confirms what arrived; a shortfall is recorded.

    :raises NotFound: not the order's buyer. :raises Conflict: not shipped.
    :raises Invalid: more received than the job's quantity.
    """
    job = visible(user, job_id)
    if user.role not in ("buyer", "admin"):
        raise Forbidden("deliver_not_buyer", job_id=job.id)
    order = _lock_order_and_jobs(job.order_id)
    job = next(j for j in order.jobs if j.id == job_id)
    if job.status != states.SHIPPED:
        raise Conflict("deliver_not_shipped", job_id=job.id, status=job.status)
    try:
        received = states.check_received(job.quantity, received)
    except RuleBroken as err:  # bad input, not a bad state: 422 naming the field
        raise Invalid(err.code, {"received_quantity": [str(err)]}, **err.params) from None
    move_job(
        job, states.DELIVERED, user, received_quantity=received, shortfall=job.quantity - received, note=note
    )
    job.delivered_at, job.received_quantity, job.delivery_note = job.updated_at, received, note
    notify.job_delivered(job, user)
    refresh_order_status(order, user)
    db.session.commit()
    return job


def reassign(admin: User, job_id: int, business_id: int) -> Job:
    """Move a job that has not shipped to another business, as a new offer to it.

    :raises NotFound: no such job or business. :raises Conflict: the job has shipped or closed, the
        business is not approved, lacks the kit or the capacity, or declined this order.
    """
    job = visible(admin, job_id)
    order = _lock_order_and_jobs(job.order_id)
    job = next(j for j in order.jobs if j.id == job_id)
    target = locked(Business, business_id)
    if target is None:
        raise NotFound("business_not_found", business_id=business_id)
    if job.status not in states.CANCELLABLE_JOB_STATUSES:
        raise Conflict("reassign_job_closed", job_id=job.id, status=job.status)
    declined = frozenset(j.business_id for j in order.jobs if j.status == states.DECLINED)
    refusal = target_refusal(job, target, declined)
    if refusal is not None:
        raise Conflict(refusal, job_id=job.id, business_id=target.id)
    transit = geo.transit_days(target.province, order.delivery_province)
    due = deadlines.production_deadline(order.needed_by, target.province, order.delivery_province)
    schedule = Schedule(target.weekly_capacity, open_commitments([target.id])[target.id])
    free = schedule.free_until(due, today())
    if free < job.quantity:
        raise Conflict("reassign_short_capacity", free=free, quantity=job.quantity, due=due)
    move_job(job, states.CANCELLED, admin, reason="reassigned", to_business_id=target.id)
    job.closed_reason = f"reassigned to business {target.id}"
    notify.offer_withdrawn(job)
    distance = geo.distance_km(target.province, order.delivery_province)
    explanation = {
        "distance_km": distance,
        "same_province": distance == 0,
        "transit_days": transit,
        "production_deadline": due.isoformat(),
        "free_capacity_before": free,
        "utilization_before": round(schedule.utilization(today()), 4),
        "rule": "admin_reassignment",
        "from_job_id": job.id,
    }
    new = offer(order, target.id, job.quantity, due, explanation, admin, reassigned_from=job.id)
    audit(admin, "job.reassigned", "job", new.id, from_job_id=job.id, business_id=target.id)
    refresh_order_status(order, admin)
    db.session.commit()
    enqueue(REMATCH_WAITING)  # the old business's freed capacity
    return new
