"""Configuration from the environment, with defaults that make `make run` work on a bare machine.

Nothing is read at import time: :func:`load` builds a plain dict when the app is created, so tests
pass overrides instead of mutating ``os.environ``. :func:`check` refuses combinations that would
only fail later (queued jobs without Redis, for instance).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

INSTANCE_DIR = Path(__file__).resolve().parent.parent / "instance"


class ConfigError(RuntimeError):
    """A configuration that cannot work."""


def utc_now() -> datetime:
    return datetime.now(UTC)


def _bool(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be an integer, got {raw!r}") from None


def _secret_key(env: Mapping[str, str]) -> str:
    """SECRET_KEY from the environment, else one generated once and kept under instance/."""
    if env.get("SECRET_KEY"):
        return env["SECRET_KEY"]
    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    path = INSTANCE_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


def load(env: Mapping[str, str] | None = None, **overrides: Any) -> dict[str, Any]:
    """The app's configuration: environment values over defaults, ``overrides`` over both."""
    env = os.environ if env is None else env
    database_url = env.get("DATABASE_URL") or f"sqlite:///{INSTANCE_DIR / 'market.db'}"
    if database_url.startswith("postgresql://") or database_url.startswith("postgres://"):
        # psycopg 3 is the driver we ship
        database_url = "postgresql+psycopg://" + database_url.split("://", 1)[1]
    redis_url = env.get("REDIS_URL") or None
    cfg: dict[str, Any] = {
        "SECRET_KEY": overrides.get("SECRET_KEY") or _secret_key(env),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "REDIS_URL": redis_url,
        # "rq": matching runs in RQ workers; "inline": right after the commit, in-process
        "JOBS_MODE": env.get("MARKET_JOBS") or ("rq" if redis_url else "inline"),
        "RQ_QUEUE": env.get("MARKET_QUEUE", "market"),
        "OFFER_TTL_HOURS": _int(env, "OFFER_TTL_HOURS", 48),
        "MAX_SPLITS": _int(env, "MAX_SPLITS", 5),
        "TOKEN_TTL_HOURS": _int(env, "TOKEN_TTL_HOURS", 24),
        "IDEMPOTENCY_TTL_HOURS": 24,
        # how often expiry and the waiting-order sweep run, and how long an order may stay
        # `pending` (its matching job lost) before the sweep matches it
        "SWEEP_INTERVAL_SECONDS": _int(env, "SWEEP_INTERVAL_SECONDS", 60),
        "PENDING_GRACE_SECONDS": _int(env, "PENDING_GRACE_SECONDS", 30),
        "TIMEZONE": env.get("MARKET_TIMEZONE", "Asia/Tehran"),
        "MAX_CONTENT_LENGTH": _int(env, "MAX_CONTENT_LENGTH", 64 * 1024),
        "SESSION_COOKIE_SECURE": _bool(env.get("SESSION_COOKIE_SECURE"), False),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "RATELIMIT_ENABLED": _bool(env.get("RATELIMIT_ENABLED"), True),
        "RATELIMIT_STORAGE_URI": redis_url or "memory://",
        "RATELIMIT_AUTH": env.get("RATELIMIT_AUTH", "20 per minute"),
        "RATELIMIT_HEADERS_ENABLED": True,
        # notifications: where links in emails and SMS point, and the outside channels (each
        # unset means the console adapter: messages go to the log)
        "PUBLIC_URL": env.get("PUBLIC_URL", "http://127.0.0.1:5000"),
        "MAIL_SERVER": env.get("MAIL_SERVER") or None,
        "MAIL_PORT": _int(env, "MAIL_PORT", 25),
        "MAIL_USE_TLS": _bool(env.get("MAIL_USE_TLS"), False),
        "MAIL_USERNAME": env.get("MAIL_USERNAME") or None,
        "MAIL_PASSWORD": env.get("MAIL_PASSWORD") or None,
        "MAIL_DEFAULT_SENDER": env.get("MAIL_DEFAULT_SENDER", "market@localhost"),
        "SMS_GATEWAY_URL": env.get("SMS_GATEWAY_URL") or None,
        "SMS_API_KEY": env.get("SMS_API_KEY") or None,
        "SMS_SENDER": env.get("SMS_SENDER") or None,
        # flask-smorest / OpenAPI
        "API_TITLE": "Kit marketplace",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/api/v1",
        "OPENAPI_JSON_PATH": "openapi.json",
        # a callable returning an aware UTC datetime; tests replace it to move time
        "CLOCK": utc_now,
    }
    cfg.update(overrides)
    return cfg


def check(cfg: Mapping[str, Any]) -> None:
    """:raises ConfigError: for a combination that cannot work."""
    if cfg["JOBS_MODE"] not in {"inline", "rq"}:
        raise ConfigError(f"MARKET_JOBS must be 'inline' or 'rq', got {cfg['JOBS_MODE']!r}")
    if cfg["JOBS_MODE"] == "rq" and not cfg.get("REDIS_URL"):
        raise ConfigError("MARKET_JOBS=rq needs REDIS_URL")
    if cfg["OFFER_TTL_HOURS"] < 1:
        raise ConfigError("OFFER_TTL_HOURS must be at least 1")
    if cfg["MAX_SPLITS"] < 1:
        raise ConfigError("MAX_SPLITS must be at least 1")
    if not callable(cfg["CLOCK"]):
        raise ConfigError("CLOCK must be callable")
    if cfg.get("SMS_GATEWAY_URL") and not cfg.get("SMS_API_KEY"):
        raise ConfigError("SMS_GATEWAY_URL needs SMS_API_KEY")
    uri = cfg["SQLALCHEMY_DATABASE_URI"]
    if not (uri.startswith("sqlite") or uri.startswith("postgresql")):
        raise ConfigError(f"DATABASE_URL must be SQLite or PostgreSQL, got {uri.split(':', 1)[0]}")


Clock = Callable[[], datetime]
