"""The buyer's order page, told as it happened: a timeline from the jobs' events, when each job's
kits should arrive, and what an open offer waits for.

Status words alone said more than was true ("allocated" while a workshop had only been offered
the job; "due" for the workshop's production deadline). Here each line says what happened, to how
many kits, and when; a workshop's reasons and figures stay its own (as in the API's buyer view).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask_babel import gettext as _

from ..domain import deadlines, states
from ..models import Job, JobEvent, Order
from . import i18n


@dataclass(frozen=True)
class Line:
    at: datetime
    text: str
    #: ties at the same moment keep the order things were written in (event ids)
    seq: int = 0
    #: a shipment's tracking code, shown apart (left to right inside the right-to-left line)
    tracking_code: str | None = None


def ordered_quantity(job: Job) -> int:
    """The job's quantity before a short shipment changed it (its shipped event keeps it)."""
    for e in job.events:
        if e.to_status == states.SHIPPED and "quantity" in (e.detail or {}):
            return int(e.detail["quantity"])
    return job.quantity


def workshop(job: Job) -> str:
    return _("%(name)s (%(province)s)", name=job.business.name, province=province(job.business.province))


def province(code: str) -> str:
    from . import province_name

    return province_name(code)


def offered_text(job: Job, first_answer: int, e: JobEvent) -> str:
    """An offer; one made after any workshop's answer or shipment (a decline, an expiry, a
    withdrawal, a short shipment) is the order matched again."""
    n = i18n.number(ordered_quantity(job))
    if e.id > first_answer or (e.detail or {}).get("reassigned_from"):
        return _("Matched again: %(n)s kits offered to %(workshop)s.", n=n, workshop=workshop(job))
    return _("%(n)s kits offered to %(workshop)s.", n=n, workshop=workshop(job))


def shipped_text(job: Job, detail: dict[str, Any]) -> str:
    text = _(
        "%(workshop)s shipped %(n)s kits.",
        workshop=workshop(job),
        n=i18n.number(int(detail.get("shipped_quantity", job.quantity))),
    )
    if detail.get("carrier"):
        text += " " + _("Carrier: %(carrier)s.", carrier=detail["carrier"])
    if detail.get("returned_to_order"):
        text += " " + _(
            "The other %(n)s went back to the order to be matched again.",
            n=i18n.number(int(detail["returned_to_order"])),
        )
    return text


def event_text(job: Job, e: JobEvent, first_answer: int) -> str:
    detail = e.detail or {}
    m = i18n.number(ordered_quantity(job))
    who = workshop(job)
    if e.to_status == states.OFFERED:
        return offered_text(job, first_answer, e)
    if e.to_status == states.ACCEPTED:
        return _("%(workshop)s accepted %(n)s kits.", workshop=who, n=m)
    if e.to_status == states.IN_PRODUCTION:
        done = i18n.number(int(detail.get("units_done", job.units_done)))
        return _("%(workshop)s: in production, %(done)s of %(n)s made.", workshop=who, done=done, n=m)
    if e.to_status == states.SHIPPED:
        return shipped_text(job, detail)
    if e.to_status == states.DELIVERED:
        received = i18n.number(int(detail.get("received_quantity", job.received_quantity or 0)))
        shipped = i18n.number(job.quantity)  # what was shipped, not what was first offered
        return _("Delivery confirmed: %(received)s of %(n)s kits received.", received=received, n=shipped)
    if e.to_status == states.DECLINED:
        return _("%(workshop)s declined %(n)s kits; they are matched again.", workshop=who, n=m)
    if e.to_status == states.EXPIRED:
        return _("The offer to %(workshop)s expired unanswered; its kits are matched again.", workshop=who)
    if detail.get("reason") == "order cancelled":
        return _("%(workshop)s's %(n)s kits cancelled with the order.", workshop=who, n=m)
    return _("%(workshop)s's %(n)s kits withdrawn; they are matched again.", workshop=who, n=m)


def lines(order: Order) -> list[Line]:
    """Everything that happened to the order, oldest first."""
    out = [Line(order.created_at, _("Order placed."), -1)]
    answers = [e.id for j in order.jobs for e in j.events if e.to_status != states.OFFERED]
    first_answer = min(answers, default=2**62)
    for job in order.jobs:
        out.extend(
            Line(e.at, event_text(job, e, first_answer), e.id, (e.detail or {}).get("tracking_code"))
            for e in job.events
        )
    if order.cancelled_at is not None:
        out.append(Line(order.cancelled_at, _("Order cancelled."), 2**62))
    return sorted(out, key=lambda line: (line.at, line.seq))


def arrival(job: Job) -> date | None:
    """When the job's kits should reach the buyer; None once they have (or for a closed job)."""
    if job.status not in states.OPEN_JOB_STATUSES | {states.SHIPPED}:
        return None
    shipped_on = i18n.to_local(job.shipped_at).date() if job.shipped_at is not None else None
    try:
        return deadlines.expected_arrival(
            job.due_date, job.business.province, job.order.delivery_province, shipped_on
        )
    except OverflowError:  # a deadline at the end of the calendar (an old row): no date to show
        return None


def order_arrival(order: Order, unallocated: int) -> date | None:
    """The last of the open jobs' arrivals; None while units wait for a workshop (or nothing is
    on its way)."""
    dates = [d for d in (arrival(j) for j in order.jobs) if d is not None]
    if unallocated or not dates:
        return None
    return max(dates)
