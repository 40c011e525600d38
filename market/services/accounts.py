"""Registration, tokens and admins."""

from __future__ import annotations

import functools
import hashlib
import secrets
from datetime import timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..errors import Conflict, Unauthorized
from ..extensions import db
from ..models import ApiToken, Business, User
from .common import audit, now


def hasher() -> PasswordHasher:
    """argon2id with argon2-cffi's defaults (RFC 9106 low-memory: t=3, m=64 MiB, p=4), above
    OWASP ASVS's minimum; tests may configure a cheaper one through PASSWORD_HASHER."""
    configured = current_app.config.get("PASSWORD_HASHER")
    return configured if configured is not None else _DEFAULT_HASHER


_DEFAULT_HASHER = PasswordHasher()


@functools.cache
def _dummy_hash(h: PasswordHasher) -> str:
    """Verified against when the email is unknown, so both answers take as long (made with the
    hasher in use, so its cost is the real one)."""
    return h.hash("not a real password, only for timing")


def normalize_email(email: str) -> str:
    return email.strip().lower()


def find_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalize_email(email)))


def token_digest(token: str) -> str:
    """What is stored of a bearer token: its SHA-256, never the token."""
    return hashlib.sha256(token.encode()).hexdigest()


def user_for_token(token: str) -> User | None:
    """The user a bearer token belongs to, if the token is known, unexpired and unrevoked."""
    row = db.session.execute(
        select(ApiToken, User)
        .join(User, User.id == ApiToken.user_id)
        .where(ApiToken.token_hash == token_digest(token))
    ).first()
    if row is None:
        return None
    found, user = row
    if found.revoked_at is not None or found.expires_at <= now():
        return None
    return user


def sign_in(email: str, password: str) -> User | None:
    """The pages' sign-in: :func:`check_password`, storing the password's new hash when an old
    one was rehashed."""
    user = check_password(email, password)
    db.session.commit()
    return user


def set_locale(user: User, locale: str) -> None:
    """Store the language the user chose."""
    user.locale = locale
    db.session.commit()


def business_id_of(user: User) -> int | None:
    """The id of the user's business, if it has one; the read ends here (the caller only answers)."""
    business_id = db.session.scalar(select(Business.id).where(Business.owner_id == user.id))
    db.session.rollback()
    return business_id


def register(data: dict[str, Any], *, role: str | None = None, actor: User | None = None) -> User:
    """Create an account.

    :raises Conflict: if the email is taken, whatever its case.
    """
    email = normalize_email(data["email"])
    if find_by_email(email) is not None:
        raise Conflict("email_taken")
    user = User(
        email=email,
        password_hash=hasher().hash(data["password"]),
        name=data["name"].strip(),
        role=role or data["role"],
        organization=data.get("organization"),
        phone=data.get("phone"),
        locale=data.get("locale") or "fa",
        created_at=now(),
    )
    db.session.add(user)
    try:
        db.session.flush()
    except IntegrityError:  # a concurrent registration won the race
        db.session.rollback()
        raise Conflict("email_taken") from None
    audit(actor or user, "user.registered", "user", user.id, role=user.role)
    db.session.commit()
    return user


def check_password(email: str, password: str) -> User | None:
    """The user if the pair is right, else None (in about the same time either way)."""
    user = find_by_email(email)
    try:
        hasher().verify(user.password_hash if user else _dummy_hash(hasher()), password)
    except (VerificationError, InvalidHashError):
        return None
    if user is None:
        return None
    if hasher().check_needs_rehash(user.password_hash):
        user.password_hash = hasher().hash(password)
    return user


def issue_token(email: str, password: str) -> tuple[str, int]:
    """A new bearer token and its lifetime in seconds.

    :raises Unauthorized: on a wrong email/password pair.
    """
    user = check_password(email, password)
    if user is None:
        db.session.rollback()
        raise Unauthorized("wrong_credentials")
    token = secrets.token_urlsafe(32)
    ttl = timedelta(hours=current_app.config["TOKEN_TTL_HOURS"])
    moment = now()
    db.session.add(
        ApiToken(user_id=user.id, token_hash=token_digest(token), created_at=moment, expires_at=moment + ttl)
    )
    db.session.commit()
    return token, int(ttl.total_seconds())


def revoke_token(token: str) -> bool:
    row = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == token_digest(token)))
    if row is None or row.revoked_at is not None:
        return False
    row.revoked_at = now()
    db.session.commit()
    return True


def create_admin(email: str, password: str, name: str = "Administrator") -> User:
    """Make an admin, or promote an existing account and reset its password (the CLI's job)."""
    user = find_by_email(email)
    if user is None:
        return register({"email": email, "password": password, "name": name}, role="admin")
    user.role = "admin"
    user.password_hash = hasher().hash(password)
    audit(None, "user.made_admin", "user", user.id)
    db.session.commit()
    return user
