"""Kit types buyers can order."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from ..config import utc_now
from ..extensions import db
from .types import UTCDateTime

TARGET_GROUPS = ("elderly", "pregnant", "general")


class Kit(db.Model):
    __tablename__ = "kits"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name_en: Mapped[str] = mapped_column(String(200))
    name_fa: Mapped[str] = mapped_column(String(200))
    target_group: Mapped[str] = mapped_column(String(16))
    unit_price: Mapped[int] = mapped_column(BigInteger)  # rials
    # [{"item_en": ..., "item_fa": ..., "quantity": n}, ...]
    contents: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
