"""Who hears what. Each function tells of one event and is called inside the transaction that
makes the change (never after its commit): the notification rows and their pending deliveries
commit or roll back with it, so nothing is told that did not happen and nothing that happened is
lost. After the commit the deliveries are handed to the queue (see :mod:`.outbox`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import current_app
from sqlalchemy import select

from ..extensions import db
from ..models import Business, Delivery, Job, Notification, Order, OrderMessage, User
from . import outbox


def tell(
    users: Iterable[User], kind: str, params: dict[str, Any], link: str | None, once_key: str | None = None
) -> list[Notification]:
    """A notification for each user, with a delivery per outside channel the user chose.

    Deliveries of a user on the daily digest are held for the digest.
    """
    moment = current_app.config["CLOCK"]()  # not .common.now: common imports this module
    made = []
    for user in users:
        n = Notification(user=user, kind=kind, params=params, link=link, once_key=once_key, created_at=moment)
        db.session.add(n)
        for channel in channels_of(user):
            status = "held" if user.digest == "daily" else "pending"
            d = Delivery(notification=n, channel=channel, status=status, attempts=0, next_attempt_at=moment)
            db.session.add(d)
            if status == "pending":
                outbox.remember(d)
        made.append(n)
    return made


def channels_of(user: User) -> list[str]:
    out = []
    if user.notify_email and user.email:
        out.append("email")
    if user.notify_sms and user.phone:
        out.append("sms")
    return out


def _owner(business_id: int) -> User:
    b = db.session.get(Business, business_id)
    assert b is not None
    return db.session.get(User, b.owner_id)  # type: ignore[return-value]


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
    tell([order.buyer], "order_matched", params, f"/orders/{order.id}")


def units_waiting(order: Order, unallocated: int, earliest: str | None) -> None:
    params = {"order_id": order.id, "unallocated": unallocated, "earliest": earliest}
    tell([order.buyer], "units_waiting", params, f"/orders/{order.id}")


def job_accepted(job: Job) -> None:
    params = {"order_id": job.order_id, "quantity": job.quantity, "province": job.business.province}
    tell([job.order.buyer], "job_accepted", params, f"/orders/{job.order_id}")


def job_shipped(job: Job) -> None:
    params = {
        "order_id": job.order_id,
        "quantity": job.quantity,
        "carrier": job.carrier,
        "tracking_code": job.tracking_code,
    }
    tell([job.order.buyer], "job_shipped", params, f"/orders/{job.order_id}")


def job_delivered(job: Job, actor: User) -> None:
    """The workshop hears its delivery was recorded; the buyer too when an admin recorded it."""
    params = {"order_id": job.order_id, "quantity": job.quantity, "received": job.received_quantity}
    tell([_owner(job.business_id)], "job_delivered", params, f"/workshop/jobs#job-{job.id}")
    if actor.id != job.order.buyer_id:
        tell([job.order.buyer], "job_delivered", params, f"/orders/{job.order_id}")


# admins hear of --------------------------------------------------------------------------------


def approval_needed(b: Business) -> None:
    tell(
        admins(),
        "approval_needed",
        {"name": b.name, "province": b.province},
        "/admin/businesses?status=pending",
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
