"""Helpers for the security tests: a browser-like page client that signs in through the form
with its CSRF token, and apps built with extra settings on either backend."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from market.app import create_app
from market.extensions import db

from ..conftest import base_config, reset_postgres
from ..support import PASSWORD, REDIS_URL, Clock, copy_db

TOKEN = re.compile(r'name="csrf_token"[^>]*?value="([^"]+)"')


def token_in(page: str) -> str:
    found = TOKEN.search(page)
    assert found, "no CSRF token on the page"
    return found.group(1)


class Browser:
    """One browser's cookie jar on the pages."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.client: FlaskClient = app.test_client()

    def sign_in(self, email: str, password: str = PASSWORD, **kw: Any) -> Any:
        form = self.client.get("/signin", **kw).get_data(as_text=True)
        data = {"email": email, "password": password, "csrf_token": token_in(form)}
        return self.client.post("/signin", data=data, **kw)

    def token(self, path: str = "/") -> str:
        return token_in(self.client.get(path).get_data(as_text=True))

    def cookie(self) -> str:
        found = self.client.get_cookie("session")
        assert found is not None, "no session cookie"
        return found.value

    def with_cookie(self, value: str) -> Browser:
        """Another browser carrying a copy of a session cookie."""
        other = Browser(self.app)
        other.client.set_cookie("session", value)
        return other

    def status(self, path: str) -> int:
        return self.client.get(path).status_code


@pytest.fixture
def make_app(
    backend: str, clock: Clock, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[Callable[..., Flask]]:
    """Apps on one database of the test's backend (several apps stand for several processes):
    SQLite without Redis (embedded), or PostgreSQL with Redis (scaled); jobs inline."""
    made: list[Flask] = []

    def make(**extra: Any) -> Flask:
        if backend == "sqlite":
            path = tmp_path / "market.db"
            if not path.exists():
                copy_db(request.getfixturevalue("sqlite_template"), path)
            cfg: dict[str, Any] = {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}", "REDIS_URL": None}
        else:
            url = request.getfixturevalue("pg_migrated")
            cfg = {"SQLALCHEMY_DATABASE_URI": url, "REDIS_URL": REDIS_URL}
        app = create_app({**base_config(clock), **cfg, "JOBS_MODE": "inline", **extra})
        if backend == "postgresql" and not made:
            reset_postgres(app)
        made.append(app)
        return app

    yield make
    for app in made:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
