"""Fixtures of the notification tests: the embedded app wired to a local SMTP server and a local
SMS gateway, with a clock at 10:00 in Tehran (outside the SMS quiet hours)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from flask import Flask

from market.app import create_app
from market.extensions import db

from ..channels import Kavenegar, SmtpSink
from ..conftest import base_config
from ..support import ApiClient, Clock, copy_db

TEHRAN = ZoneInfo("Asia/Tehran")


def at_tehran(clock: Clock, hour: int, minute: int = 0) -> None:
    """Put the clock at this time of today in Tehran."""
    local = clock.now.astimezone(TEHRAN)
    clock.now = local.replace(hour=hour, minute=minute, second=0, microsecond=0).astimezone(UTC)


@pytest.fixture
def smtp() -> Iterator[SmtpSink]:
    sink = SmtpSink()
    sink.start()
    yield sink
    sink.stop()


@pytest.fixture
def gateway() -> Iterator[Kavenegar]:
    g = Kavenegar()
    g.start()
    yield g
    g.stop()


@pytest.fixture
def day_clock() -> Clock:
    clock = Clock()
    at_tehran(clock, 10)
    return clock


@pytest.fixture
def wired(
    sqlite_template: Path, tmp_path: Path, day_clock: Clock, smtp: SmtpSink, gateway: Kavenegar
) -> Iterator[Flask]:
    copy_db(sqlite_template, tmp_path / "market.db")
    app = create_app(
        {
            **base_config(day_clock),
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'market.db'}",
            "JOBS_MODE": "inline",
            "REDIS_URL": None,
            "PUBLIC_URL": "https://bz.ir",
            **smtp.config(),
            **gateway.config(),
        }
    )
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def market(wired: Flask) -> ApiClient:
    return ApiClient(wired, wired.test_client(), lambda: None)
