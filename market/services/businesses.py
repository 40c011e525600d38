"""The micro-producers: sign-up, profile, approval and suspension."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from .. import limits
from ..domain import deadlines, states
from ..domain.capacity import Commitment, Schedule
from ..domain.workload import WeekCalendar, week_calendar, week_of
from ..errors import Conflict, Forbidden, Invalid, NotFound
from ..extensions import db
from ..models import Business, Job, Kit, User
from ..tasks import enqueue
from . import notifications as notify
from .accounts import end_sessions
from .common import audit, lock_order, move_job, now, paginate, refresh_order_status, today, where_equal
from .matching import open_commitments

REMATCH_WAITING = "workers.jobs.rematch_waiting"


@dataclass(frozen=True)
class BusinessFigures:
    committed_units: int
    utilization: float
    on_time_rate: float | None


def _kits(codes: list[str]) -> list[Kit]:
    found = list(db.session.scalars(select(Kit).where(Kit.code.in_(codes))))
    missing = sorted(set(codes) - {k.code for k in found})
    if missing:
        raise Invalid.field("kits", "kits_unknown", codes=", ".join(missing))
    inactive = sorted(k.code for k in found if not k.active)
    if inactive:
        raise Invalid.field("kits", "kits_withdrawn", codes=", ".join(inactive))
    return found


def create(user: User, data: dict[str, Any]) -> Business:
    """:raises Conflict: if the user already has a business. :raises Invalid: for unknown kits."""
    if db.session.scalar(select(Business.id).where(Business.owner_id == user.id)) is not None:
        raise Conflict("business_exists")
    kits = _kits(data.pop("kits"))
    b = Business(owner_id=user.id, status=states.BUSINESS_PENDING, created_at=now(), **data)
    b.kits = kits
    db.session.add(b)
    db.session.flush()
    audit(user, "business.registered", "business", b.id, province=b.province)
    notify.approval_needed(b)
    db.session.commit()
    return b


def visible(user: User, business_id: int, *, lock: bool = False) -> Business:
    """The business if the user is its owner or an admin.

    :raises NotFound: otherwise (another tenant's business does not exist for you).
    """
    q = select(Business).where(Business.id == business_id)
    if lock:
        q = q.with_for_update().execution_options(populate_existing=True)
    b = db.session.scalar(q)
    if b is None or (user.role != "admin" and b.owner_id != user.id):
        raise NotFound("business_not_found", business_id=business_id)
    return b


def of_user(user: User) -> Business | None:
    return db.session.scalar(select(Business).where(Business.owner_id == user.id))


def listing(filters: dict[str, Any], page: int, per_page: int) -> tuple[list[Business], int]:
    q = where_equal(select(Business), filters, {"province": Business.province, "status": Business.status})
    if filters.get("kit"):
        q = q.where(Business.kits.any(Kit.code == filters["kit"]))
    return paginate(q.order_by(Business.id), page, per_page)


def figures(b: Business) -> BusinessFigures:
    work = open_commitments([b.id])[b.id]
    schedule = Schedule(b.weekly_capacity, work)
    shipped = db.session.execute(
        select(Job.due_date, Job.shipped_at).where(
            Job.business_id == b.id, Job.status.in_(states.SENT_JOB_STATUSES)
        )
    ).all()
    on_time = deadlines.on_time_rate((due, at) for due, at in shipped)
    return BusinessFigures(schedule.total_remaining, round(schedule.utilization(today()), 4), on_time)


def update(user: User, business_id: int, data: dict[str, Any]) -> Business:
    """Edit a profile. A capacity cut that would overbook the business is refused; a capacity
    rise, an unpause or a new kit re-matches waiting orders.

    :raises NotFound: not yours. :raises Forbidden: the workshop is not approved.
    :raises Conflict: a cut below the committed work.
    """
    b = visible(user, business_id, lock=True)
    require_approved(b, user)
    more_room = False
    if "weekly_capacity" in data and data["weekly_capacity"] != b.weekly_capacity:
        new = data["weekly_capacity"]
        if new < b.weekly_capacity:
            schedule = Schedule(new, open_commitments([b.id])[b.id])
            if not schedule.is_feasible(today()):
                need = schedule.min_weekly_capacity(today())
                if need is None:
                    raise Conflict("capacity_below_due_work", weekly_capacity=new)
                raise Conflict("capacity_below_open_work", weekly_capacity=new, needed=need)
        more_room = new > b.weekly_capacity
    if "paused" in data and b.paused and not data["paused"]:
        more_room = True
    if "kits" in data:
        kits = _kits(data.pop("kits"))
        more_room = more_room or bool({k.id for k in kits} - {k.id for k in b.kits})
        b.kits = kits
    for field, value in data.items():
        setattr(b, field, value)
    audit(user, "business.updated", "business", b.id, fields=sorted(data))
    db.session.commit()
    if more_room and b.status == states.APPROVED and not b.paused:
        enqueue(REMATCH_WAITING)
    return b


def approve(admin: User, business_id: int) -> Business:
    """:raises IllegalTransition: if already approved."""
    b = visible(admin, business_id, lock=True)
    b.status = states.BUSINESS.transition(b.status, states.APPROVED)
    b.approved_at = now()
    b.suspend_reason = None
    audit(admin, "business.approved", "business", b.id)
    notify.business_approved(b)
    db.session.commit()
    enqueue(REMATCH_WAITING)
    return b


#: what a suspension does with the workshop's accepted and in-production jobs (the admin chooses)
KEEP_JOBS, CANCEL_JOBS = limits.SUSPEND_JOBS
SUSPEND_JOB_CHOICES = limits.SUSPEND_JOBS


def suspend(admin: User, business_id: int, reason: str | None, jobs: str = KEEP_JOBS) -> Business:
    """Suspend a business; its open offers are withdrawn and their units re-matched. Its accepted
    and in-production jobs stay with it (``keep``: it cannot progress or ship them until approved
    again), or are cancelled and their units re-matched elsewhere (``cancel``).

    Locks follow the global order: the affected orders first (ascending), then the business.
    """
    if db.session.get(Business, business_id) is None:
        raise NotFound("business_not_found", business_id=business_id)
    if jobs not in SUSPEND_JOB_CHOICES:
        raise Invalid.field("jobs", "suspend_jobs_choice", choices=", ".join(SUSPEND_JOB_CHOICES))
    withdrawn = {states.OFFERED} if jobs == KEEP_JOBS else set(states.OPEN_JOB_STATUSES)
    order_ids = sorted(
        set(
            db.session.scalars(
                select(Job.order_id).where(Job.business_id == business_id, Job.status.in_(withdrawn))
            )
        )
    )
    orders = [lock_order(oid) for oid in order_ids]
    b = visible(admin, business_id, lock=True)
    b.status = states.BUSINESS.transition(b.status, states.SUSPENDED)
    b.suspend_reason = reason
    cancelled: list[int] = []
    for order in orders:
        for job in order.jobs:
            if job.business_id == b.id and job.status in withdrawn:
                move_job(job, states.CANCELLED, admin, reason="business suspended")
                job.closed_reason = "business suspended"
                cancelled.append(job.id)
                notify.offer_withdrawn(job)
        refresh_order_status(order, admin)
    audit(
        admin,
        "business.suspended",
        "business",
        b.id,
        reason=reason,
        jobs=jobs,
        withdrawn_orders=order_ids,
        cancelled_jobs=cancelled,
    )
    notify.business_suspended(b)
    end_sessions(b.owner_id)  # its owner's page sessions and API tokens end with the suspension
    db.session.commit()
    enqueue(REMATCH_WAITING)
    return b


def require_approved(b: Business, user: User) -> None:
    """A workshop acts only while approved: a pending or suspended one cannot change its profile,
    accept, progress or ship (an admin still can change its profile).

    :raises Forbidden: for its owner while it is not approved, saying why.
    """
    if user.role == "admin" or b.status == states.APPROVED:
        return
    if b.status == states.SUSPENDED:
        raise Forbidden("business_suspended")
    raise Forbidden("business_not_approved_yet")


def kit_codes(b: Business) -> list[str]:
    return [k.code for k in b.kits]


def capacity_needed(b: Business) -> int | None:
    """The smallest weekly capacity that keeps the business's open work feasible (0 with none),
    or None when work is already due today or earlier (no capacity is enough).

    The profile page shows it beside the capacity field, and names it when a cut is refused.
    """
    return Schedule(b.weekly_capacity, open_commitments([b.id])[b.id]).min_weekly_capacity(today())


@dataclass(frozen=True)
class Calendar:
    """The week calendar as the capacity rule counts it (``domain.workload``), and per week the
    units of offers not yet answered."""

    weeks: WeekCalendar
    offered_units: list[int]


def calendar(b: Business, weeks: int = 8) -> Calendar:
    """How full the business's calendar is, week by week from today (see ``domain.workload``)."""
    start = today()
    rows = db.session.execute(
        select(Job.status, Job.quantity, Job.units_done, Job.due_date).where(
            Job.business_id == b.id, Job.status.in_(states.OPEN_JOB_STATUSES)
        )
    ).all()
    offered = [0] * weeks
    work = []
    for status, quantity, done, deadline in rows:
        remaining = max(0, quantity - done)
        work.append(Commitment(remaining, deadline))
        k = week_of(start, deadline)
        if status == states.OFFERED and k < weeks:
            offered[k] += remaining
    return Calendar(week_calendar(b.weekly_capacity, work, start, weeks), offered)
