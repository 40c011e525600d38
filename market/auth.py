"""Who is calling. The API knows only bearer tokens; the web pages know only Flask-Login's session
cookie. Keeping them apart means a cookie can never authorize an API call, so the API needs no
CSRF protection and the pages get it from Flask-WTF.

``require`` is the role check every API endpoint runs before it reads a body."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, Request, g, request

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


def init_app(app: Flask) -> None:
    login.init_app(app)
    login.login_view = "web.signin"

    @login.user_loader
    def load_user(user_id: str) -> User | None:
        return db.session.get(User, int(user_id)) if user_id.isdigit() else None


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
