"""Orders, the jobs they are split into, and each job's history."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..config import utc_now
from ..extensions import db
from .businesses import Business
from .kits import Kit
from .types import UTCDateTime
from .users import User


class Order(db.Model):
    __tablename__ = "orders"
    __table_args__ = (Index("ix_orders_status_id", "status", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    buyer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    kit_id: Mapped[int] = mapped_column(ForeignKey("kits.id"))
    quantity: Mapped[int]
    delivery_province: Mapped[str] = mapped_column(String(32), index=True)
    delivery_address: Mapped[str] = mapped_column(String(500))
    needed_by: Mapped[date] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)
    unit_price: Mapped[int] = mapped_column(BigInteger)  # rials, the kit's price when ordered
    status: Mapped[str] = mapped_column(String(20), default="pending")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    # first time matching ran for it (NULL while `pending`), last time it ran
    matched_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_matched_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cancel_reason: Mapped[str | None] = mapped_column(String(500))
    # the bulk requisition it came with, if any
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("order_batches.id"), index=True)

    kit: Mapped[Kit] = relationship()
    buyer: Mapped[User] = relationship()
    jobs: Mapped[list[Job]] = relationship(back_populates="order", order_by="Job.id")


class Job(db.Model):
    """One business's share of one order."""

    __tablename__ = "jobs"
    __table_args__ = (
        Index("ix_jobs_business_status", "business_id", "status"),
        Index("ix_jobs_status_expires", "status", "expires_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    business_id: Mapped[int] = mapped_column(ForeignKey("businesses.id"))
    quantity: Mapped[int]
    status: Mapped[str] = mapped_column(String(20), default="offered")
    offered_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    due_date: Mapped[date] = mapped_column(Date)  # production deadline
    units_done: Mapped[int] = mapped_column(default=0)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    shipped_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    carrier: Mapped[str | None] = mapped_column(String(120))
    tracking_code: Mapped[str | None] = mapped_column(String(120))
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    received_quantity: Mapped[int | None]
    delivery_note: Mapped[str | None] = mapped_column(Text)
    closed_reason: Mapped[str | None] = mapped_column(String(500))  # decline/cancel reason
    # why matching chose this business (P7)
    match: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)

    order: Mapped[Order] = relationship(back_populates="jobs")
    business: Mapped[Business] = relationship()
    events: Mapped[list[JobEvent]] = relationship(order_by="JobEvent.id", back_populates="job")


class JobEvent(db.Model):
    """A row per change of a job: its history."""

    __tablename__ = "job_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # NULL: the system
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    job: Mapped[Job] = relationship(back_populates="events")
