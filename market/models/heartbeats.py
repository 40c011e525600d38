"""When periodic work last ran, kept in the database so that it outlives a Redis that comes back
empty: the watchdog and ``/metrics`` read it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UTCDateTime


class Heartbeat(db.Model):
    """One row per kind of periodic work (``"sweep"``); ``beat_at`` is when it last finished."""

    __tablename__ = "heartbeats"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    beat_at: Mapped[datetime] = mapped_column(UTCDateTime())
