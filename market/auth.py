"""Who is calling. The API knows only bearer tokens; the web pages know only Flask-Login's session
cookie. Keeping them apart means a cookie can never authorize an API call, so the API needs no
CSRF protection and the pages get it from Flask-WTF.

``require`` is the role check every API endpoint runs before it reads a body."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, Request, current_app, g, request, session
from flask_babel import lazy_gettext as _l
from flask_login import login_user, logout_user

from .errors import Forbidden, Unauthorized
from .extensions import db, login
from .models import User
from .services import accounts

F = TypeVar("F", bound=Callable[..., Any])


def user_from_bearer(request: Request) -> User | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return accounts.user_for_token(token.strip())


SIGNED_IN_AT = "signed_in_at"  # the session key holding the sign-in time (seconds since the epoch)


def init_app(app: Flask) -> None:
    login.init_app(app)
    login.login_view = "web.signin"
    # said in the visitor's language: the lazy text becomes a string when the request flashes it
    login.login_message = _l("Sign in to see this page.")
    login.login_message_category = "info"
    login.localize_callback = str
    login.user_loader(load_user)


def load_user(session_id: str) -> User | None:
    """The page session's user, checked on every request: the id, the user's current session
    version (bumped by sign-out, a password change, a suspension) and the sign-in time (at most
    SESSION_HOURS ago, however busy the session). Anything else is a signed-out visitor."""
    ident, _, version = session_id.partition(".")
    if not all(part.isascii() and part.isdigit() and len(part) <= 18 for part in (ident, version)):
        return None
    started = session.get(SIGNED_IN_AT)
    if not isinstance(started, int | float):
        return None
    if time.time() - started > current_app.config["SESSION_HOURS"] * 3600:
        return None
    user = db.session.get(User, int(ident))
    if user is None or user.session_version != int(version):
        return None
    return user


def start_session(user: User) -> None:
    """Sign in with a new session: whatever the visitor's cookie held before (its CSRF token
    included) is dropped, so a cookie planted or copied before sign-in is worth nothing after."""
    session.clear()
    login_user(user)
    # wall-clock time, like the cookie's own signature (CLOCK moves the marketplace's days)
    session[SIGNED_IN_AT] = int(time.time())


def end_session() -> None:
    """Forget the page session in this browser (the caller has bumped the user's session
    version, which ends the copies elsewhere)."""
    logout_user()
    session.clear()


_NO_USER = object()


def me() -> User:
    """The API caller, from its bearer token (looked up once per request).

    :raises Unauthorized: without a valid, unexpired, unrevoked token.
    """
    cached = g.get("api_user", _NO_USER)
    if cached is _NO_USER:
        cached = g.api_user = user_from_bearer(request)
    if cached is None:
        raise Unauthorized("sign_in_first")
    return cached  # type: ignore[return-value]


def require(*roles: str) -> Callable[[F], F]:
    """Refuse (401/403) before anything else runs, the body's validation included."""

    def decorator(view: F) -> F:
        @functools.wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            user = me()
            if roles and user.role not in roles:
                raise Forbidden("role_forbidden", roles=" or ".join(roles))
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator
