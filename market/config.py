"""Configuration from the environment, with defaults that make `make run` work on a bare machine.

Nothing is read at import time: :func:`load` builds a plain dict when the app is created, so tests
pass overrides instead of mutating ``os.environ``. :func:`check` refuses combinations that would
only fail later (queued jobs without Redis, for instance).
"""

from __future__ import annotations

import ipaddress
import os
import secrets
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

INSTANCE_DIR = Path(__file__).resolve().parent.parent / "instance"


class ConfigError(RuntimeError):
    """A configuration that cannot work."""


def utc_now() -> datetime:
    return datetime.now(UTC)


TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off"}


def _bool(value: str | None, default: bool, name: str = "setting") -> bool:
    """A yes/no setting; a word that is neither (``ture``) is refused rather than read as no."""
    if value is None or value.strip() == "":
        return default
    word = value.strip().lower()
    if word not in TRUE_WORDS | FALSE_WORDS:
        raise ConfigError(f"{name} must be true or false, got {value!r}")
    return word in TRUE_WORDS


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be an integer, got {raw!r}") from None


def private_file(path: Path) -> None:
    """Create ``path`` empty, readable and writable by its owner only (0600) from the first
    instant, whatever the umask; an existing file is left as it is."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    os.close(fd)


def generated_secret_key(instance_dir: Path | None = None) -> str:
    """The embedded mode's key: generated once into instance/secret_key, created 0600 (never
    written world-readable and chmod-ed afterwards)."""
    path = (instance_dir or INSTANCE_DIR) / "secret_key"
    if not path.exists():
        private_file(path)
        with open(path, "w", encoding="ascii") as f:
            f.write(secrets.token_urlsafe(48))
    return path.read_text().strip()


def is_scaled(cfg: Mapping[str, Any]) -> bool:
    """The scaled mode: a database other than SQLite, or Redis. Anything but a laptop demo."""
    return not str(cfg["SQLALCHEMY_DATABASE_URI"]).startswith("sqlite") or bool(cfg.get("REDIS_URL"))


def load(env: Mapping[str, str] | None = None, **overrides: Any) -> dict[str, Any]:
    """The app's configuration: environment values over defaults, ``overrides`` over both."""
    env = os.environ if env is None else env
    cfg: dict[str, Any] = {}
    for part in (_storage, _timing, _web, _rate_limits, _notifications, _openapi):
        cfg.update(part(env))
    cfg.update(overrides)
    _mode_defaults(cfg, env, overrides)
    return cfg


def _storage(env: Mapping[str, str]) -> dict[str, Any]:
    """Where the data and the queue are, and how jobs run."""
    database_url = env.get("DATABASE_URL") or f"sqlite:///{INSTANCE_DIR / 'market.db'}"
    if database_url.startswith("postgresql://") or database_url.startswith("postgres://"):
        # psycopg 3 is the driver we ship
        database_url = "postgresql+psycopg://" + database_url.split("://", 1)[1]
    redis_url = env.get("REDIS_URL") or None
    engine_options: dict[str, Any] = {"pool_pre_ping": True}
    if database_url.startswith("postgresql"):
        # a database that does not answer is reported (503) within seconds, not after the OS's
        # TCP timeout of minutes
        engine_options["connect_args"] = {"connect_timeout": _int(env, "DATABASE_CONNECT_TIMEOUT", 3)}
    return {
        # completed by _mode_defaults: generated in the embedded mode, required in the scaled one
        "SECRET_KEY": env.get("SECRET_KEY") or None,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": engine_options,
        "REDIS_URL": redis_url,
        # "rq": matching runs in RQ workers; "inline": right after the commit, in-process
        "JOBS_MODE": env.get("MARKET_JOBS") or ("rq" if redis_url else "inline"),
        "RQ_QUEUE": env.get("MARKET_QUEUE", "market"),
    }


def _timing(env: Mapping[str, str]) -> dict[str, Any]:
    """Matching, tokens and the sweep: sizes, durations and the sweep's watchdog."""
    return {
        "OFFER_TTL_HOURS": _int(env, "OFFER_TTL_HOURS", 48),
        # jobs one matching pass may make for an order (0: no limit); the next pass continues at once
        "MAX_SPLITS": _int(env, "MAX_SPLITS", 0),
        # waiting orders of one kit a matching round takes at most (then another round follows)
        "MATCH_ROUND_SIZE": _int(env, "MATCH_ROUND_SIZE", 500),
        "TOKEN_TTL_HOURS": _int(env, "TOKEN_TTL_HOURS", 24),
        "IDEMPOTENCY_TTL_HOURS": 24,
        # how often expiry and the waiting-order sweep run, and how long an order may stay
        # `pending` (its matching job lost) before the sweep matches it
        "SWEEP_INTERVAL_SECONDS": _int(env, "SWEEP_INTERVAL_SECONDS", 60),
        "PENDING_GRACE_SECONDS": _int(env, "PENDING_GRACE_SECONDS", 30),
        # queue a sweep from a worker or a web request when none has run for three intervals
        "SWEEP_WATCHDOG": _bool(env.get("SWEEP_WATCHDOG"), True),
    }


def _web(env: Mapping[str, str]) -> dict[str, Any]:
    """Requests, sessions and proxies."""
    return {
        # what a client is told to wait (Retry-After) while the database is unavailable (503)
        "RETRY_AFTER_SECONDS": _int(env, "RETRY_AFTER_SECONDS", 5),
        # addresses (or networks, "10.0.0.0/8") allowed to read /metrics without an admin token
        "METRICS_ALLOW": [a.strip() for a in env.get("METRICS_ALLOW", "").split(",") if a.strip()],
        "TIMEZONE": env.get("MARKET_TIMEZONE", "Asia/Tehran"),
        "MAX_CONTENT_LENGTH": _int(env, "MAX_CONTENT_LENGTH", 64 * 1024),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        # a signed-in page session ends after this many hours, however busy (see market.sessions)
        "SESSION_HOURS": _int(env, "SESSION_HOURS", 12),
        # how many proxies in front of the app may set X-Forwarded-For/-Proto (0: none trusted)
        "TRUSTED_PROXIES": _int(env, "TRUSTED_PROXIES", 0),
    }


def _rate_limits(env: Mapping[str, str]) -> dict[str, Any]:
    """Rate limits and the buyers' limits."""
    return {
        "RATELIMIT_ENABLED": _bool(env.get("RATELIMIT_ENABLED"), True, "RATELIMIT_ENABLED"),
        "RATELIMIT_AUTH": env.get("RATELIMIT_AUTH", "20 per minute"),
        # failed sign-ins per account (API token and page sign-in together), whatever the address
        "RATELIMIT_SIGNIN_ACCOUNT": env.get("RATELIMIT_SIGNIN_ACCOUNT", "10 per hour"),
        "RATELIMIT_HEADERS_ENABLED": True,
        # Redis down: count in this process instead of failing the sign-in (a 500)
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "RATELIMIT_SWALLOW_ERRORS": True,
        # per buyer (or admin), on posting orders: a single order or a batch counts once
        "RATELIMIT_ORDERS": env.get("RATELIMIT_ORDERS", "30 per minute"),
        # per account, on quotes (the API's and the order form's together): a dry run of matching
        "RATELIMIT_QUOTES": env.get("RATELIMIT_QUOTES", "120 per minute"),
        # units an unverified buyer may hold in open orders (not delivered, not cancelled)
        "UNVERIFIED_MAX_OPEN_UNITS": _int(env, "UNVERIFIED_MAX_OPEN_UNITS", 1000),
        # request body limit for a bulk requisition (up to 1,000 orders) and the CSV upload pages
        "BATCH_MAX_CONTENT_LENGTH": _int(env, "BATCH_MAX_CONTENT_LENGTH", 4 * 1024 * 1024),
    }


def _notifications(env: Mapping[str, str]) -> dict[str, Any]:
    """Notifications: where links in emails and SMS point, and the outside channels (each
    unset means the console adapter: messages go to the log)."""
    return {
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
    }


def _openapi(env: Mapping[str, str]) -> dict[str, Any]:
    """flask-smorest / OpenAPI, and the clock."""
    return {
        "API_TITLE": "Kit marketplace",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/api/v1",
        "OPENAPI_JSON_PATH": "openapi.json",
        # a callable returning an aware UTC datetime; tests replace it to move time
        "CLOCK": utc_now,
    }


def _mode_defaults(cfg: dict[str, Any], env: Mapping[str, str], overrides: Mapping[str, Any]) -> None:
    """What depends on the mode, decided once the overrides are in (tests pass the database)."""
    scaled = is_scaled(cfg)
    if not cfg["SECRET_KEY"] and not scaled:
        cfg["SECRET_KEY"] = generated_secret_key()
    if "SESSION_COOKIE_SECURE" not in overrides:
        # Secure by default in the scaled mode: turning it off must be said explicitly
        secure = env.get("SESSION_COOKIE_SECURE")
        cfg["SESSION_COOKIE_SECURE"] = _bool(secure, scaled, "SESSION_COOKIE_SECURE")
    # Flask refuses a session cookie signed longer ago than this, whatever it holds
    cfg["PERMANENT_SESSION_LIFETIME"] = timedelta(hours=cfg["SESSION_HOURS"])
    if "RATELIMIT_STORAGE_URI" not in overrides:
        # shared by every process in the scaled mode, so a limit is one limit, not one per process
        cfg["RATELIMIT_STORAGE_URI"] = cfg.get("REDIS_URL") or "memory://"


def check(cfg: Mapping[str, Any]) -> None:
    """:raises ConfigError: for a combination that cannot work."""
    if cfg["JOBS_MODE"] not in {"inline", "rq"}:
        raise ConfigError(f"MARKET_JOBS must be 'inline' or 'rq', got {cfg['JOBS_MODE']!r}")
    if cfg["JOBS_MODE"] == "rq" and not cfg.get("REDIS_URL"):
        raise ConfigError("MARKET_JOBS=rq needs REDIS_URL")
    if cfg["OFFER_TTL_HOURS"] < 1:
        raise ConfigError("OFFER_TTL_HOURS must be at least 1")
    if cfg["MAX_SPLITS"] < 0:
        raise ConfigError("MAX_SPLITS must be 0 (no limit) or more")
    if cfg["MATCH_ROUND_SIZE"] < 1:
        raise ConfigError("MATCH_ROUND_SIZE must be at least 1")
    for entry in cfg.get("METRICS_ALLOW", []):
        try:
            ipaddress.ip_network(entry, strict=False)
        except ValueError:
            raise ConfigError(f"METRICS_ALLOW: {entry!r} is not an address or a network") from None
    if cfg["UNVERIFIED_MAX_OPEN_UNITS"] < 0:
        raise ConfigError("UNVERIFIED_MAX_OPEN_UNITS must be 0 or more")
    if not callable(cfg["CLOCK"]):
        raise ConfigError("CLOCK must be callable")
    if cfg.get("SMS_GATEWAY_URL") and not cfg.get("SMS_API_KEY"):
        raise ConfigError("SMS_GATEWAY_URL needs SMS_API_KEY")
    uri = cfg["SQLALCHEMY_DATABASE_URI"]
    if not (uri.startswith("sqlite") or uri.startswith("postgresql")):
        raise ConfigError(f"DATABASE_URL must be SQLite or PostgreSQL, got {uri.split(':', 1)[0]}")
    if cfg["SESSION_HOURS"] < 1:
        raise ConfigError("SESSION_HOURS must be at least 1")
    if cfg["TRUSTED_PROXIES"] < 0:
        raise ConfigError("TRUSTED_PROXIES must be 0 or more")
    if is_scaled(cfg) and not cfg.get("SECRET_KEY"):
        raise ConfigError(
            "SECRET_KEY must be set in the scaled mode (DATABASE_URL or REDIS_URL set): every web "
            "process must sign sessions with the same key; generate one with "
            "python -c 'import secrets; print(secrets.token_urlsafe(48))'"
        )


Clock = Callable[[], datetime]
