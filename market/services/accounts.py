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
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from ..domain import text as text_rule
from ..domain.text import TextRefused, clean_name, clean_text
from ..errors import Conflict, Invalid, Unauthorized
from ..extensions import db
from ..models import ApiToken, Business, User
from . import notifications as notify
from .common import audit, now
from .passwords import guessable


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
    """The stored form of an address (:func:`market.domain.text.normalize_email`), or, for text
    that is no address, that text trimmed and lowercased (a key that matches no account)."""
    try:
        return text_rule.normalize_email(email)
    except TextRefused:
        return email.strip().lower()


def find_by_email(email: str) -> User | None:
    """The account of this address in its stored form; None for no account, or for text that is
    no address at all (it never reaches the database: a NUL would be an error on PostgreSQL)."""
    try:
        normalized = text_rule.normalize_email(email)
    except TextRefused:
        return None
    return db.session.scalar(select(User).where(User.email == normalized))


def _clean(data: dict[str, Any]) -> tuple[str, str, str | None]:
    """The email, name and organization in their stored forms (the API's schema did this already;
    pages and the command line come here with what was typed).

    :raises Invalid: naming the field.
    """
    field = "email"
    try:
        email = text_rule.normalize_email(data["email"])
        field = "name"
        name = clean_name(data["name"])
        field = "organization"
        organization = clean_text(data["organization"]) if data.get("organization") else None
    except TextRefused as err:
        raise Invalid.field(field, err.code, **err.params) from None
    return email, name, organization or None


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

    :raises Conflict: if the email is taken, whatever its case or lookalike form.
    :raises Invalid: a password that is common or easy to guess; an email, name or organization the
        text rule refuses.
    """
    email, name, organization = _clean(data)
    check_strength(data["password"], email, name)
    if find_by_email(email) is not None:
        raise Conflict("email_taken")
    user = User(
        email=email,
        password_hash=hasher().hash(data["password"]),
        name=name,
        role=role or data["role"],
        organization=organization,
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
    if user.role == "buyer" and not user.verified:
        notify.verification_needed(user)
    db.session.commit()
    return user


def check_strength(password: str, *user_inputs: str | None) -> None:
    """:raises Invalid: for a password that is common or easy to guess, saying why."""
    detail = guessable(password, user_inputs)
    if detail is not None:
        raise Invalid.field("password", "password_weak", detail=detail)


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


def end_sessions(user_id: int, *, tokens: bool = True) -> None:
    """End every page session of the user (its session version moves on, so every cookie issued
    before is refused) and, with ``tokens``, revoke its API tokens. Inside the caller's
    transaction: the caller commits."""
    db.session.execute(
        update(User).where(User.id == user_id).values(session_version=User.session_version + 1)
    )
    if tokens:
        db.session.execute(
            update(ApiToken)
            .where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
            .values(revoked_at=now())
        )


def sign_out(user: User) -> None:
    """Sign-out of the pages: every page session of the user ends (a copied cookie too); API
    tokens live on until they expire or are revoked."""
    end_sessions(user.id, tokens=False)
    db.session.commit()


def set_password(user: User, password: str, actor: User | None = None) -> None:
    """A new password: every session and token the old one opened ends with it."""
    user.password_hash = hasher().hash(password)
    end_sessions(user.id)
    audit(actor or user, "user.password_changed", "user", user.id)
    db.session.commit()


def create_admin(email: str, password: str, name: str = "Administrator") -> User:
    """Make an admin, or promote an existing account and reset its password (the CLI's job)."""
    user = find_by_email(email)
    if user is None:
        return register({"email": email, "password": password, "name": name}, role="admin")
    check_strength(password, email, name)
    user.role = "admin"
    audit(None, "user.made_admin", "user", user.id)
    set_password(user, password, actor=None)
    db.session.refresh(user)
    return user
