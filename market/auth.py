"""Who is calling: bearer tokens for the API (the web pages use Flask-Login's session), and the
role check every endpoint runs before it reads a body."""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, Request, current_app
from flask_login import current_user
from sqlalchemy import select

from .errors import Forbidden, Unauthorized
from .extensions import db, login
from .models import ApiToken, User

F = TypeVar("F", bound=Callable[..., Any])


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def user_from_bearer(request: Request) -> User | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    now = current_app.config["CLOCK"]()
    row = db.session.execute(
        select(ApiToken, User)
        .join(User, User.id == ApiToken.user_id)
        .where(ApiToken.token_hash == token_digest(token.strip()))
    ).first()
    if row is None:
        return None
    tok, user = row
    if tok.revoked_at is not None or tok.expires_at <= now:
        return None
    return user


def init_app(app: Flask) -> None:
    login.init_app(app)
    login.request_loader(user_from_bearer)

    @login.user_loader
    def load_user(user_id: str) -> User | None:
        return db.session.get(User, int(user_id)) if user_id.isdigit() else None

    @login.unauthorized_handler
    def unauthorized() -> None:
        raise Unauthorized("Sign in first: send a valid bearer token.")


def me() -> User:
    """The signed-in user.

    :raises Unauthorized: without valid credentials.
    """
    if not current_user.is_authenticated:
        raise Unauthorized("Sign in first: send a valid bearer token.")
    return current_user._get_current_object()  # type: ignore[no-any-return]


def require(*roles: str) -> Callable[[F], F]:
    """Refuse (401/403) before anything else runs, the body's validation included."""

    def decorator(view: F) -> F:
        @functools.wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            user = me()
            if roles and user.role not in roles:
                raise Forbidden(f"Only {' or '.join(roles)} users may do this.")
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator
