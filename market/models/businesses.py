"""The micro-producers and the kits each makes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..config import utc_now
from ..domain import states
from ..extensions import db
from .kits import Kit
from .types import UTCDateTime

OWNER_GROUPS = ("female_head_of_household", "deaf", "disabled", "elderly", "pregnant_women", "youth", "other")
BUSINESS_STATUSES = states.BUSINESS_STATUSES

business_kits = Table(
    "business_kits",
    db.metadata,
    Column("business_id", ForeignKey("businesses.id", ondelete="CASCADE"), primary_key=True),
    Column("kit_id", ForeignKey("kits.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Business(db.Model):
    __tablename__ = "businesses"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    province: Mapped[str] = mapped_column(String(32), index=True)
    city: Mapped[str] = mapped_column(String(120))
    owner_group: Mapped[str] = mapped_column(String(32))
    weekly_capacity: Mapped[int]
    min_lot: Mapped[int] = mapped_column(default=1)
    phone: Mapped[str | None] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default=states.BUSINESS_PENDING, index=True)
    paused: Mapped[bool] = mapped_column(default=False)
    suspend_reason: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    kits: Mapped[list[Kit]] = relationship(secondary=business_kits, order_by=Kit.code)
