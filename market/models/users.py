"""People who sign in, and their API tokens."""

from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String, false, true
from sqlalchemy.orm import Mapped, mapped_column

from ..config import utc_now
from ..extensions import db
from .types import UTCDateTime

ROLES = ("buyer", "business", "admin")
LOCALES = ("fa", "en")


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    # stored lower-cased: one account per address whatever its case
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(16))
    organization: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(32))
    locale: Mapped[str] = mapped_column(String(2), default="fa")
    # channels besides in-app (which cannot be turned off), and one message per event or a daily digest
    notify_email: Mapped[bool] = mapped_column(default=True, server_default=true())
    notify_sms: Mapped[bool] = mapped_column(default=False, server_default=false())
    digest: Mapped[str] = mapped_column(String(8), default="instant", server_default="instant")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    # buyers only: checked by an admin; until then a buyer's open orders are capped
    verified: Mapped[bool] = mapped_column(default=False, server_default=false())

    # part of every page session's identity: bumping it (sign-out, password change, suspension)
    # makes every cookie issued before worthless
    session_version: Mapped[int] = mapped_column(default=0, server_default="0")

    def get_id(self) -> str:
        """What Flask-Login keeps in the session: the id and the session version."""
        return f"{self.id}.{self.session_version}"


class ApiToken(db.Model):
    """An opaque bearer token; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
