"""The outbox: a notification per person told, a delivery per outside channel, and order messages.

A notification is written in the same transaction as the change it tells of; its text is rendered
in the reader's language when it is read or sent (``kind`` and ``params`` are what is stored). A
delivery is one attempt-tracked send of one notification on one channel (email, SMS); once ``sent``
it carries the channel's own id for it and is never sent again.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..config import utc_now
from ..extensions import db
from .types import UTCDateTime
from .users import User

KINDS = (
    "offer_new",
    "offer_expiring",
    "offer_withdrawn",
    "job_cancelled",
    "job_due_soon",
    "business_approved",
    "business_suspended",
    "order_matched",
    "job_accepted",
    "job_shipped",
    "job_late",
    "units_waiting",
    "job_delivered",
    "approval_needed",
    "buyer_verification_needed",
    "orders_waiting",
    "queue_unhealthy",
    "message_new",
)
CHANNELS = ("email", "sms")
# pending: to send (at next_attempt_at); held: waits for the daily digest; bundled: in a digest not
# sent yet; sent: done, never again
DELIVERY_STATUSES = ("pending", "held", "bundled", "sent")
DIGESTS = ("instant", "daily")


class Notification(db.Model):
    __tablename__ = "notifications"
    __table_args__ = (
        Index("ix_notifications_user_read", "user_id", "read_at"),
        Index("ix_notifications_fanned_out_at", "fanned_out_at"),
        # what the sweep tells (an offer expiring, a late job) is told once: same key, one row
        UniqueConstraint("user_id", "once_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    link: Mapped[str | None] = mapped_column(String(300))
    once_key: Mapped[str | None] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # when its deliveries were made from the reader's channel choices (NULL: not yet; the sweep
    # finds it)
    fanned_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship()
    deliveries: Mapped[list[Delivery]] = relationship(back_populates="notification", order_by="Delivery.id")


class Delivery(db.Model):
    __tablename__ = "notification_deliveries"
    __table_args__ = (
        UniqueConstraint("notification_id", "channel"),
        Index("ix_notification_deliveries_status_next", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    notification_id: Mapped[int] = mapped_column(ForeignKey("notifications.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(8), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # the channel's id for what it accepted (the email's Message-ID, the gateway's message id)
    delivery_id: Mapped[str | None] = mapped_column(String(200))
    last_error: Mapped[str | None] = mapped_column(String(500))
    # a held delivery bundled into the daily digest sent as delivery ``digest_id``
    digest_id: Mapped[int | None] = mapped_column(index=True)

    notification: Mapped[Notification] = relationship(back_populates="deliveries")


class OrderMessage(db.Model):
    """A line in an order's thread between its buyer, its workshops and the admins."""

    __tablename__ = "order_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)

    author: Mapped[User] = relationship()
