"""Fixtures: app -> client -> api, on SQLite with inline jobs and, when TEST_DATABASE_URL and
REDIS_URL are set, the same tests again on PostgreSQL with matching done by real RQ workers."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import Engine, create_engine, text

from market.app import create_app
from market.extensions import db

from .support import (
    FAST_HASHER,
    REDIS_URL,
    REQUIRE_SERVICES,
    ROOT,
    TEST_DATABASE_URL,
    ApiClient,
    Clock,
    artifacts_dir,
    copy_db,
    start_worker,
    stop_worker,
    wait_for,
)

SCALED = bool(TEST_DATABASE_URL and REDIS_URL)
BACKENDS = ["sqlite", "postgresql"] if SCALED else ["sqlite"]
QUEUE = f"market-test-{os.getpid()}"
WORKERS = 2
TABLES = (
    "heartbeats",
    "notification_deliveries",
    "notifications",
    "order_messages",
    "job_events",
    "jobs",
    "idempotency_keys",
    "orders",
    "order_batches",
    "business_kits",
    "businesses",
    "kits",
    "api_tokens",
    "audit_log",
    "users",
)


def pytest_configure(config: pytest.Config) -> None:
    if REQUIRE_SERVICES and not SCALED:
        raise pytest.UsageError(
            "MARKET_REQUIRE_SERVICES=1 but TEST_DATABASE_URL or REDIS_URL is missing: "
            "the PostgreSQL and Redis tests would not run"
        )


def base_config(clock: Clock) -> dict[str, Any]:
    return {
        "SECRET_KEY": "test-secret-key",
        "TESTING": True,
        "CLOCK": clock,
        "PASSWORD_HASHER": FAST_HASHER,
        "RATELIMIT_ENABLED": False,
        "SWEEP_INTERVAL_SECONDS": 0,
        # no sweep queued behind a test's back; the watchdog's own tests turn it on
        "SWEEP_WATCHDOG": False,
    }


def rate_limited_app(app: Flask, clock: Clock, **limits: str) -> Iterator[Flask]:
    """The test's database and queue, with rate limits on (``limits``: config keys such as
    ``RATELIMIT_ORDERS``), counted in a fresh in-memory store (the one limiter object is shared by
    every app of the process, its key prefix included, so a Redis store would see an earlier
    test's counts for the same user id). For a fixture to ``yield from``."""
    keep = ("SQLALCHEMY_DATABASE_URI", "JOBS_MODE", "REDIS_URL", "RQ_QUEUE")
    limited = create_app(
        {
            **base_config(clock),
            **{k: app.config[k] for k in keep},
            "RATELIMIT_ENABLED": True,
            "RATELIMIT_STORAGE_URI": "memory://",
            **limits,
        }
    )
    yield limited
    with limited.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database migrated once; each test gets a copy."""
    path = tmp_path_factory.mktemp("template") / "market.db"
    app = create_app(
        {
            **base_config(Clock()),
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}",
            "JOBS_MODE": "inline",
            "REDIS_URL": None,
        }
    )
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        db.engine.dispose()
    return path


@pytest.fixture(scope="session")
def pg_migrated() -> str:
    """The PostgreSQL test database, emptied and migrated once per session."""
    assert TEST_DATABASE_URL
    engine = create_engine(TEST_DATABASE_URL)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    app = create_app(
        {
            **base_config(Clock()),
            "SQLALCHEMY_DATABASE_URI": TEST_DATABASE_URL,
            "JOBS_MODE": "inline",
            "REDIS_URL": None,
        }
    )
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        db.engine.dispose()
    return TEST_DATABASE_URL


def worker_env(**extra: str) -> dict[str, str]:
    assert TEST_DATABASE_URL and REDIS_URL
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "MARKET_"))}
    env.update(
        DATABASE_URL=TEST_DATABASE_URL,
        REDIS_URL=REDIS_URL,
        MARKET_QUEUE=QUEUE,
        SECRET_KEY="test-secret-key",
        PYTHONPATH=str(ROOT),
        **extra,
    )
    return env


@pytest.fixture(scope="session")
def rq_workers(pg_migrated: str) -> Iterator[list[Any]]:
    """Real worker processes (``python -m workers``) for the whole session."""
    artifacts_dir()
    procs = [start_worker(worker_env(), f"test-worker-{i}", "--no-sweep") for i in range(WORKERS)]
    yield procs
    for p in procs:
        stop_worker(p)


def reset_postgres(app: Flask) -> None:
    """Empty every table and put the standard kits back (what the migration seeds)."""
    with app.app_context():
        try:
            _reset(db.engine)
        finally:  # even on failure: a pooled connection left to the garbage collector warns
            db.engine.dispose()


def _reset(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE"))
        rows = json.loads((ROOT / "market/data/kits.json").read_text(encoding="utf-8"))
        for row in rows:
            conn.execute(
                text(
                    "INSERT INTO kits (code, name_en, name_fa, target_group, unit_price, contents, "
                    "active, created_at) VALUES (:code, :name_en, :name_fa, :target_group, :unit_price, "
                    "CAST(:contents AS json), true, now())"
                ),
                {**row, "contents": json.dumps(row["contents"], ensure_ascii=False)},
            )


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def app(backend: str, clock: Clock, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Flask]:
    if backend == "sqlite":
        template = request.getfixturevalue("sqlite_template")
        copy_db(template, tmp_path / "market.db")
        cfg = {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'market.db'}",
            "JOBS_MODE": "inline",
            "REDIS_URL": None,
        }
    else:
        request.getfixturevalue("rq_workers")
        cfg = {
            "SQLALCHEMY_DATABASE_URI": TEST_DATABASE_URL,
            "JOBS_MODE": "rq",
            "REDIS_URL": REDIS_URL,
            "RQ_QUEUE": QUEUE,
        }
    app = create_app({**base_config(clock), **cfg})
    if backend == "postgresql":
        reset_postgres(app)
        with app.app_context():
            from market.tasks import queues

            for q in queues():
                q.empty()
    yield app
    settle_app(app)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def settle_app(app: Flask) -> None:
    """Wait until the workers have finished every queued job (nothing to wait for inline)."""
    if app.config["JOBS_MODE"] != "rq":
        return
    with app.app_context():
        from rq.registry import ScheduledJobRegistry, StartedJobRegistry

        from market.tasks import queue, queues

        listened = queues()
        later = ScheduledJobRegistry(queue=queue(later=True))

        def idle() -> bool:
            # RQ moves a job from a queue to an intermediate list, then to the started registry:
            # all three must be empty, for matching's queue and the deliveries' alike; and no
            # delivery job may be waiting to come back (it steps aside while a round runs)
            return later.count == 0 and all(
                q.count == 0
                and q.connection.llen(q.intermediate_queue_key) == 0
                and StartedJobRegistry(queue=q).count == 0
                for q in listened
            )

        # twice, a beat apart: a job moves from the queue to the started registry in two steps
        for _ in range(2):
            wait_for(idle, timeout=30, what="the RQ queue to drain")
            time.sleep(0.05)


@pytest.fixture
def settle(app: Flask) -> Any:
    return lambda: settle_app(app)


@pytest.fixture
def client(app: Flask) -> Any:
    return app.test_client()


@pytest.fixture
def api(app: Flask, client: Any, settle: Any) -> ApiClient:
    return ApiClient(app, client, settle)
