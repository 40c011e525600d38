"""Finding 1: the demo never lands in a real database, and the scaled mode refuses to start
without its own SECRET_KEY and with a cookie that is not Secure unless that was said explicitly."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select

from market import config
from market.app import create_app
from market.config import ConfigError
from market.demo import ADMIN_EMAIL
from market.extensions import db
from market.models import User

from ..conftest import base_config
from ..support import REDIS_URL, ROOT, ApiClient, Clock, copy_db

POSTGRES = "postgresql://market@db.example/market"
AUTO = ["seed-demo", "--if-embedded-and-empty"]


def users(app: Flask) -> int:
    with app.app_context():
        return int(db.session.scalar(select(func.count(User.id))) or 0)


def has_demo(app: Flask) -> bool:
    with app.app_context():
        return db.session.scalar(select(User.id).where(User.email == ADMIN_EMAIL)) is not None


def scaled_app(make_app: Callable[..., Flask], backend: str) -> Flask:
    """PostgreSQL with Redis, or SQLite with Redis: both are the scaled mode."""
    if backend == "sqlite":
        return make_app(REDIS_URL=REDIS_URL or "redis://127.0.0.1:6379/0")
    return make_app()


def test_make_run_never_loads_the_demo_in_the_scaled_mode(make_app: Callable[..., Flask], backend: str):
    app = scaled_app(make_app, backend)
    r = app.test_cli_runner().invoke(args=AUTO)
    assert r.exit_code == 0, r.output
    assert "never loaded" in r.output
    assert users(app) == 0 and not has_demo(app)


def test_make_run_loads_the_demo_into_an_empty_embedded_database(sqlite_template: Path, tmp_path: Path):
    copy_db(sqlite_template, tmp_path / "market.db")
    app = create_app(
        {
            **base_config(Clock()),
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'market.db'}",
            "REDIS_URL": None,
            "JOBS_MODE": "inline",
        }
    )
    assert not config.is_scaled(app.config)
    r = app.test_cli_runner().invoke(args=AUTO)
    assert r.exit_code == 0, r.output
    assert has_demo(app) and "demo-password-2026" in r.output
    again = app.test_cli_runner().invoke(args=AUTO)
    assert again.exit_code == 0 and "already loaded" in again.output
    dispose(app)


def test_the_demo_is_refused_beside_real_accounts(app: Flask, api: ApiClient):
    api.buyer()
    runner = app.test_cli_runner()
    r = runner.invoke(args=["seed-demo"])
    assert r.exit_code != 0
    assert "1 account(s) that are not the demo's" in r.output and "--force" in r.output
    assert not has_demo(app)
    quiet = runner.invoke(args=AUTO)
    assert quiet.exit_code == 0 and not has_demo(app)
    forced = runner.invoke(args=["seed-demo", "--force"])
    assert forced.exit_code == 0, forced.output
    assert has_demo(app)


def test_make_run_seeds_only_through_the_guard():
    recipe = (ROOT / "Makefile").read_text()
    seeding = [line for line in recipe.splitlines() if "seed-demo" in line and not line.startswith("#")]
    assert seeding and all("--if-embedded-and-empty" in line for line in seeding), seeding


@pytest.mark.parametrize(
    "env",
    [{"DATABASE_URL": POSTGRES}, {"REDIS_URL": "redis://queue:6379/0"}],
    ids=["postgresql", "redis"],
)
def test_the_scaled_mode_refuses_to_start_without_a_secret_key(
    env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(config, "INSTANCE_DIR", tmp_path)
    cfg = config.load(env)
    with pytest.raises(ConfigError, match="SECRET_KEY must be set in the scaled mode"):
        config.check(cfg)
    assert not (tmp_path / "secret_key").exists()  # nothing generated behind the operator's back


def test_create_app_says_why_it_refuses(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("DATABASE_URL", POSTGRES)
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app()


def test_the_scaled_cookie_is_secure_unless_turned_off_explicitly():
    scaled = {"DATABASE_URL": POSTGRES, "SECRET_KEY": "a key from the operator"}
    assert config.load(scaled)["SESSION_COOKIE_SECURE"] is True
    assert config.load({**scaled, "SESSION_COOKIE_SECURE": "false"})["SESSION_COOKIE_SECURE"] is False
    with pytest.raises(ConfigError, match="SESSION_COOKIE_SECURE must be true or false"):
        config.load({**scaled, "SESSION_COOKIE_SECURE": "ture"})


def test_the_embedded_mode_still_starts_with_nothing_set(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(config, "INSTANCE_DIR", tmp_path)
    cfg = config.load({})
    config.check(cfg)
    assert cfg["SESSION_COOKIE_SECURE"] is False  # http://127.0.0.1 on a laptop
    assert cfg["SECRET_KEY"] == (tmp_path / "secret_key").read_text()


def dispose(app: Flask) -> None:
    with app.app_context():
        db.engine.dispose()
