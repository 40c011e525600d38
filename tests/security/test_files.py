"""Finding 12: instance/secret_key and the SQLite database are created 0600, never written with
the umask's mode first and narrowed afterwards."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from market import config
from market.app import create_app
from market.extensions import db

from ..conftest import base_config
from ..support import Clock


@pytest.fixture
def open_umask() -> Iterator[None]:
    """The usual umask (022): files are made world-readable unless asked otherwise."""
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


@pytest.fixture
def no_chmod(monkeypatch: pytest.MonkeyPatch) -> None:
    """A chmod after the file was written comes too late (another user may have opened it)."""

    def refuse(*_args: object, **_kw: object) -> None:
        raise AssertionError("the file was made readable first and narrowed afterwards")

    monkeypatch.setattr(Path, "chmod", refuse)
    monkeypatch.setattr(os, "chmod", refuse)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_generated_secret_key_is_private_from_the_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, open_umask: None, no_chmod: None
):
    instance = tmp_path / "instance"
    monkeypatch.setattr(config, "INSTANCE_DIR", instance)
    key = config.load({})["SECRET_KEY"]
    assert len(key) >= 48
    assert mode(instance / "secret_key") == 0o600
    assert mode(instance) == 0o700
    assert config.load({})["SECRET_KEY"] == key  # generated once


def test_the_sqlite_database_is_private_from_the_start(tmp_path: Path, open_umask: None, no_chmod: None):
    path = tmp_path / "market.db"
    app = create_app(
        {
            **base_config(Clock()),
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}",
            "REDIS_URL": None,
            "JOBS_MODE": "inline",
        }
    )
    with app.app_context():
        db.session.execute(text("CREATE TABLE probe (id INTEGER)"))
        db.session.commit()
        made = [p for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")) if p.exists()]
        assert path in made
        assert {p.name: mode(p) for p in made} == {p.name: 0o600 for p in made}
        db.engine.dispose()
