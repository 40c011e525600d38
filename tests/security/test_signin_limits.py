"""Finding 7: sign-in limits are kept in Redis when REDIS_URL is set (one count for every web
process), failed sign-ins are limited per account as well as per address (the API token and the
page count together), the client's address comes from X-Forwarded-For only behind
TRUSTED_PROXIES, and loading the sign-in page counts nothing.

Every test signs in with accounts and addresses of its own: a count left in Redis by another
test (or an earlier run, within its window) can never be the one a test reads."""

from __future__ import annotations

import hashlib
import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
import redis
from flask import Flask

from market.services import accounts

from ..support import PASSWORD
from .conftest import Browser

TOKEN = "/api/v1/auth/token"
WRONG = "not the password at all"


def fresh_address() -> str:
    return f"10.{random.randrange(256)}.{random.randrange(256)}.{random.randrange(1, 255)}"


@dataclass
class Caller:
    """Requests from one network address (REMOTE_ADDR), with an X-Forwarded-For header if given."""

    app: Flask
    address: str = field(default_factory=fresh_address)

    def environ(self, forwarded: str | None) -> dict[str, object]:
        kw: dict[str, object] = {"environ_base": {"REMOTE_ADDR": self.address}}
        if forwarded:
            kw["headers"] = {"X-Forwarded-For": forwarded}
        return kw

    def token(self, email: str, password: str, forwarded: str | None = None) -> int:
        body = {"email": email, "password": password}
        return self.app.test_client().post(TOKEN, json=body, **self.environ(forwarded)).status_code  # type: ignore[arg-type]

    def page(self, email: str, password: str, forwarded: str | None = None) -> int:
        return Browser(self.app).sign_in(email, password, **self.environ(forwarded)).status_code


@pytest.fixture
def limited(make_app: Callable[..., Flask]) -> Callable[..., Flask]:
    return lambda **extra: make_app(RATELIMIT_ENABLED=True, **extra)


def accounts_in(app: Flask, count: int) -> list[str]:
    with app.app_context():
        return [
            accounts.create_admin(f"{uuid.uuid4().hex[:12]}@example.org", PASSWORD).email
            for _ in range(count)
        ]


def test_loading_the_sign_in_page_counts_nothing(limited: Callable[..., Flask]):
    app = limited(RATELIMIT_AUTH="2 per minute")
    (email,) = accounts_in(app, 1)
    caller = Caller(app)
    client = app.test_client()
    for _ in range(5):
        assert client.get("/signin", environ_base={"REMOTE_ADDR": caller.address}).status_code == 200
    assert caller.page(email, WRONG) == 422
    assert caller.page(email, PASSWORD) == 302
    assert caller.page(email, PASSWORD) == 429  # the third POST from this address
    assert client.get("/signin", environ_base={"REMOTE_ADDR": caller.address}).status_code == 200


def test_failed_sign_ins_are_limited_per_account_whatever_the_address(limited: Callable[..., Flask]):
    app = limited(RATELIMIT_AUTH="100 per minute", RATELIMIT_SIGNIN_ACCOUNT="3 per hour")
    victim, bystander = accounts_in(app, 2)
    for _ in range(4):  # right passwords do not count
        assert Caller(app).token(victim, PASSWORD) == 200
    assert Caller(app).token(victim, WRONG) == 401
    assert Caller(app).token(victim.upper(), WRONG) == 401  # the same account, whatever the case
    assert Caller(app).page(victim, WRONG) == 422  # the page counts with the API
    assert Caller(app).token(victim, PASSWORD) == 429  # even the right password, from anywhere
    assert Caller(app).page(victim, PASSWORD) == 429
    assert Caller(app).token(bystander, PASSWORD) == 200  # another account is not locked
    assert Caller(app).page(bystander, PASSWORD) == 302


def test_without_trusted_proxies_x_forwarded_for_is_ignored(limited: Callable[..., Flask]):
    app = limited(RATELIMIT_AUTH="2 per minute", RATELIMIT_SIGNIN_ACCOUNT="100 per hour")
    (email,) = accounts_in(app, 1)
    caller = Caller(app)  # the client's own header would pick a new address each time
    assert [caller.token(email, PASSWORD, fresh_address()) for _ in range(3)] == [200, 200, 429]


def test_behind_a_trusted_proxy_each_client_has_its_own_count(limited: Callable[..., Flask]):
    app = limited(RATELIMIT_AUTH="2 per minute", RATELIMIT_SIGNIN_ACCOUNT="100 per hour", TRUSTED_PROXIES=1)
    (email,) = accounts_in(app, 1)
    proxy = Caller(app)  # every request comes from the proxy's address
    one, other = fresh_address(), fresh_address()
    assert [proxy.token(email, PASSWORD, one) for _ in range(3)] == [200, 200, 429]
    assert proxy.token(email, PASSWORD, other) == 200
    # a client cannot choose its address by sending a header: the proxy appends the real one
    assert proxy.token(email, PASSWORD, f"{fresh_address()}, {one}") == 429


def test_limits_are_kept_in_redis_when_redis_url_is_set(limited: Callable[..., Flask], backend: str):
    app = limited(RATELIMIT_AUTH="100 per minute", RATELIMIT_SIGNIN_ACCOUNT="2 per hour")
    (email,) = accounts_in(app, 1)
    uri = app.config["RATELIMIT_STORAGE_URI"]
    if backend == "sqlite":  # the embedded mode: one process (scripts/serve), limits in its memory
        assert uri == "memory://"
        return
    assert uri == app.config["REDIS_URL"]
    caller = Caller(app)
    assert [caller.token(email, WRONG) for _ in range(3)] == [401, 401, 429]
    digest = hashlib.sha256(email.encode()).hexdigest()
    conn = redis.Redis.from_url(uri)
    keys = list(conn.scan_iter(f"*{digest}*"))
    assert keys, "the failed sign-ins are not counted in Redis"
    conn.delete(*keys)  # what every process reads: clearing it there lifts the limit everywhere
    conn.close()
    assert caller.token(email, PASSWORD) == 200
