"""A bulk requisition: many orders posted, committed and matched together."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from ..config import utc_now
from ..extensions import db
from .types import UTCDateTime


class OrderBatch(db.Model):
    __tablename__ = "order_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    buyer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    # who posted it: the buyer, or an admin on the buyer's behalf
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    total: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
