"""Which database errors mean "unavailable" (503 with Retry-After) rather than a bug (500), and the
settings that keep a down database from hanging requests. The real outage, with a PostgreSQL that
is crashed and started again, is in ``tests/workers/test_outages.py``."""

from __future__ import annotations

import re
import socket
import sqlite3
from pathlib import Path

import psycopg
import pytest
from flask import Flask
from psycopg import errors as pg
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from market.app import create_app
from market.config import load
from market.domain import refusals
from market.errors import database_unavailable
from market.extensions import db

from .conftest import base_config
from .support import PASSWORD, ApiClient, Clock, copy_db


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.mark.parametrize(
    "err",
    [
        OperationalError("SELECT 1", {}, psycopg.OperationalError("connection refused")),
        OperationalError("SELECT 1", {}, pg.AdminShutdown("terminating connection")),
        OperationalError("SELECT 1", {}, pg.CannotConnectNow("the database system is starting up")),
        OperationalError("SELECT 1", {}, sqlite3.OperationalError("database is locked")),
        PoolTimeout("QueuePool limit reached"),
    ],
    ids=["refused", "admin-shutdown", "starting-up", "sqlite-locked", "pool-timeout"],
)
def test_a_lost_or_restarting_database_is_unavailable(err: Exception) -> None:
    assert database_unavailable(err)


@pytest.mark.parametrize(
    "err",
    [
        IntegrityError("INSERT", {}, pg.UniqueViolation("duplicate key")),
        OperationalError("SELECT", {}, pg.LockNotAvailable("could not obtain lock")),
        ProgrammingError("SELECT", {}, pg.UndefinedTable("no such table")),
        OperationalError("SELECT", {}, sqlite3.OperationalError("no such table: orders")),
        ValueError("not a database error"),
    ],
    ids=["unique", "lock-not-available", "undefined-table", "sqlite-no-table", "other"],
)
def test_a_refused_statement_or_a_bug_is_not(err: Exception) -> None:
    assert not database_unavailable(err)


def test_postgresql_connections_time_out_within_seconds() -> None:
    cfg = load({"DATABASE_URL": "postgresql://market@db/market", "DATABASE_CONNECT_TIMEOUT": "2"})
    assert cfg["SQLALCHEMY_ENGINE_OPTIONS"]["connect_args"] == {"connect_timeout": 2}
    assert cfg["SQLALCHEMY_ENGINE_OPTIONS"]["pool_pre_ping"]  # a connection cut by a restart is replaced
    assert load({"DATABASE_URL": "postgresql://market@db/market"})["SQLALCHEMY_ENGINE_OPTIONS"][
        "connect_args"
    ] == {"connect_timeout": 3}
    assert "connect_args" not in load({})["SQLALCHEMY_ENGINE_OPTIONS"]  # SQLite: a file, no connecting


def test_signing_in_works_while_the_rate_limits_redis_is_down(sqlite_template: Path, tmp_path: Path) -> None:
    """Rate limits live in Redis in the scaled mode; with Redis down they are counted in the process
    instead of turning every sign-in into a 500."""
    copy_db(sqlite_template, tmp_path / "market.db")
    config = {
        **base_config(Clock()),
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'market.db'}",
        "JOBS_MODE": "inline",
        "REDIS_URL": None,
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_STORAGE_URI": f"redis://127.0.0.1:{free_port()}/0",  # nobody listens there
        "RATELIMIT_AUTH": "2 per minute",
    }
    app = create_app(config)
    client = app.test_client()
    body = {"email": "nobody@example.org", "password": "wrong password"}
    assert [client.post("/api/v1/auth/token", json=body).status_code for _ in range(3)] == [401, 401, 429]
    with app.app_context():
        db.engine.dispose()


def test_an_unreachable_database_is_the_refusal_database_unavailable(tmp_path: Path) -> None:
    """The 503 says the refusal by its stable code: the API its English sentence, the page its page
    text in the reader's language (``market/web/refusals.py``)."""
    (tmp_path / "market.db").mkdir()  # a folder where the database file should be: it never opens
    config = {
        **base_config(Clock()),
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'market.db'}",
        "JOBS_MODE": "inline",
        "REDIS_URL": None,
    }
    client = create_app(config).test_client()
    api = client.get("/api/v1/kits")
    assert api.status_code == 503 and "Retry-After" in api.headers
    assert api.get_json() == {"message": refusals.MESSAGES["database_unavailable"], "code": 503}
    page = client.get("/")
    assert page.status_code == 503 and "Retry-After" in page.headers
    assert "به پایگاه داده دسترسی ندارد" in page.get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True))
    assert token, "the page's language switch has no CSRF token"
    client.post("/language/en", data={"csrf_token": token.group(1)})  # the switch works without the database
    assert "cannot reach its database right now" in client.get("/").get_data(as_text=True)


@pytest.mark.parametrize("backend", ["sqlite"])
@pytest.mark.parametrize(("method", "path"), [("get", "/signout"), ("get", "/no-such-page")])
def test_an_error_page_for_a_signed_in_user_while_the_database_is_down_is_the_outage_page(
    app: Flask, api: ApiClient, method: str, path: str
) -> None:
    """A 405 or 404 page asks who is signed in (its header); with the database gone that fails too.
    The answer is the outage page (503, Retry-After), never a bare 500."""
    buyer = api.buyer()
    client = app.test_client()
    page = client.get("/signin").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    assert token
    form = {"email": buyer.email, "password": PASSWORD, "csrf_token": token.group(1)}
    assert client.post("/signin", data=form).status_code == 302
    with app.app_context():
        db.engine.dispose()
        path_of_db = Path(db.engine.url.database or "")
    path_of_db.rename(path_of_db.with_suffix(".gone"))
    path_of_db.mkdir()  # a folder where the database file should be: it never opens
    response = getattr(client, method)(path)
    assert response.status_code == 503 and "Retry-After" in response.headers
    assert "به پایگاه داده دسترسی ندارد" in response.get_data(as_text=True)
