"""Who hears what. Each function tells of one event and is called inside the transaction that
makes the change (never after its commit): the notification rows and their pending deliveries
commit or roll back with it, so nothing is told that did not happen and nothing that happened is
lost. After the commit the deliveries are handed to the queue (see :mod:`.outbox`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select

from ..domain import states
from ..extensions import db
from ..models import Business, Job, Order, OrderMessage, User
from . import outbox


def tell(
    users: Iterable[User | int],
    kind: str,
    params: dict[str, Any],
    link: str | None,
    once_key: str | None = None,
) -> None:
    """A notification for each user (a User or an id), with a delivery per outside channel the user
    chose, written when the caller's transaction commits. A daily-digest user's deliveries are held."""
    outbox.add([u if isinstance(u, int) else u.id for u in users], kind, params, link, once_key)


def _owner(business_id: int) -> int:
    """The owner's user id (matching has the business rows at hand: no query)."""
    b = db.session.get(Business, business_id)
    assert b is not None
    return b.owner_id


def admins() -> list[User]:
    return list(db.session.scalars(select(User).where(User.role == "admin").order_by(User.id)))


def job_params(job: Job) -> dict[str, Any]:
    order = job.order
    return {
        "job_id": job.id,
        "order_id": job.order_id,
        "quantity": job.quantity,
        "kit_fa": order.kit.name_fa,
        "kit_en": order.kit.name_en,
        "due_date": job.due_date.isoformat(),
        "expires_at": job.expires_at.isoformat(),
    }


# a workshop hears of --------------------------------------------------------------------------


def offer_made(job: Job) -> None:
    tell([_owner(job.business_id)], "offer_new", job_params(job), f"/workshop/offers#job-{job.id}")


def offer_withdrawn(job: Job) -> None:
    tell([_owner(job.business_id)], "offer_withdrawn", job_params(job), "/workshop/offers")


def job_cancelled(job: Job) -> None:
    params = {**job_params(job), "units_done": job.units_done}
    tell([_owner(job.business_id)], "job_cancelled", params, f"/workshop/jobs#job-{job.id}")


def business_approved(b: Business) -> None:
    tell([_owner(b.id)], "business_approved", {"name": b.name}, "/workshop")


def business_suspended(b: Business) -> None:
    tell([_owner(b.id)], "business_suspended", {"name": b.name, "reason": b.suspend_reason}, "/workshop")


# a buyer hears of ------------------------------------------------------------------------------


def order_matched(order: Order, new_jobs: list[Job], allocated: int) -> None:
    provinces = sorted({j.business.province for j in new_jobs if j.business is not None})
    params = {
        "order_id": order.id,
        "allocated": allocated,
        "quantity": order.quantity,
        "workshops": len({j.business_id for j in new_jobs}),
        "provinces": provinces,
        "needed_by": order.needed_by.isoformat(),
    }
    tell([order.buyer_id], "order_matched", params, f"/orders/{order.id}")


def units_waiting(order: Order, unallocated: int, earliest: str | None) -> None:
    params = {"order_id": order.id, "unallocated": unallocated, "earliest": earliest}
    tell([order.buyer_id], "units_waiting", params, f"/orders/{order.id}")


def job_accepted(job: Job) -> None:
    params = {"order_id": job.order_id, "quantity": job.quantity, "province": job.business.province}
    tell([job.order.buyer_id], "job_accepted", params, f"/orders/{job.order_id}")


def job_shipped(job: Job) -> None:
    params = {
        "order_id": job.order_id,
        "quantity": job.quantity,
        "carrier": job.carrier,
        "tracking_code": job.tracking_code,
    }
    tell([job.order.buyer_id], "job_shipped", params, f"/orders/{job.order_id}")


def job_delivered(job: Job, actor: User) -> None:
    """The workshop hears its delivery was recorded; the buyer too when an admin recorded it."""
    params = {"order_id": job.order_id, "quantity": job.quantity, "received": job.received_quantity}
    tell([_owner(job.business_id)], "job_delivered", params, f"/workshop/jobs#job-{job.id}")
    if actor.id != job.order.buyer_id:
        tell([job.order.buyer_id], "job_delivered", params, f"/orders/{job.order_id}")


# admins hear of --------------------------------------------------------------------------------


def approval_needed(b: Business) -> None:
    tell(
        admins(),
        "approval_needed",
        {"name": b.name, "province": b.province},
        f"/admin/businesses?status={states.BUSINESS_PENDING}",
    )


def verification_needed(buyer: User) -> None:
    """A buyer signed up: admins verify it before it may order more than the unverified cap."""
    tell(
        admins(),
        "buyer_verification_needed",
        {"name": buyer.name, "organization": buyer.organization},
        "/admin/buyers?show=waiting",
    )


# messages --------------------------------------------------------------------------------------


def message_posted(message: OrderMessage, recipients: list[User], order: Order) -> None:
    author = message.author
    params = {"order_id": order.id, "author": author.name, "text": message.text[:200]}
    for user in recipients:
        if user.role == "buyer":
            link = f"/orders/{order.id}#messages"
        elif user.role == "business":
            link = f"/workshop/orders/{order.id}#messages"
        else:
            link = f"/admin/orders/{order.id}/messages"
        tell([user], "message_new", params, link)
