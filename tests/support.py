"""Shared test plumbing: a movable clock, services for tests, and an API client with roles."""

from __future__ import annotations

import itertools
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from argon2 import PasswordHasher
from flask import Flask
from flask.testing import FlaskClient

ROOT = Path(__file__).resolve().parent.parent
TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL") or None
REDIS_URL = os.environ.get("REDIS_URL") or None
REQUIRE_SERVICES = os.environ.get("MARKET_REQUIRE_SERVICES") == "1"
# cheap argon2id for tests only: thousands of accounts are made; production keeps the defaults
FAST_HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
PASSWORD = "correct horse battery"


class Clock:
    """A clock tests can move; starts at the real time so dates look like today's."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC).replace(microsecond=0)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def local_today(clock: Clock) -> date:
    from zoneinfo import ZoneInfo

    return clock.now.astimezone(ZoneInfo("Asia/Tehran")).date()


_emails = itertools.count(1)


@dataclass
class Actor:
    """A signed-in user as the tests drive them."""

    api: ApiClient
    id: int
    email: str
    role: str
    token: str
    business_id: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def get(self, path: str, **kw: Any) -> Any:
        return self.api.client.get(path, headers=self.headers, **kw)

    def post(self, path: str, json: Any = None, **kw: Any) -> Any:
        return self.api.client.post(path, json=json, headers={**self.headers, **kw.pop("headers", {})}, **kw)

    def patch(self, path: str, json: Any = None, **kw: Any) -> Any:
        return self.api.client.patch(path, json=json, headers=self.headers, **kw)


class ApiClient:
    """Makes users of each role through the real endpoints (admins through the service, as the CLI does)."""

    def __init__(self, app: Flask, client: FlaskClient, settle: Any) -> None:
        self.app = app
        self.client = client
        self.settle = settle

    def _token(self, email: str) -> str:
        r = self.client.post("/api/v1/auth/token", json={"email": email, "password": PASSWORD})
        assert r.status_code == 200, r.get_json()
        return str(r.get_json()["token"])

    def user(self, role: str, **extra: Any) -> Actor:
        email = f"{role}{next(_emails)}@example.org"
        if role == "admin":
            with self.app.app_context():
                from market.services import accounts

                uid = accounts.create_admin(email, PASSWORD).id
        else:
            body = {"email": email, "password": PASSWORD, "name": f"Test {role}", "role": role, **extra}
            r = self.client.post("/api/v1/auth/register", json=body)
            assert r.status_code == 201, r.get_json()
            uid = r.get_json()["id"]
        return Actor(self, uid, email, role, self._token(email))

    def buyer(self, *, verified: bool = True, **extra: Any) -> Actor:
        """A buyer, verified by default (as the programme's buyers are); ``verified=False`` for one
        that signed up and is still capped."""
        actor = self.user("buyer", **extra)
        if verified:
            self.verify(actor)
        return actor

    def verify(self, buyer: Actor) -> None:
        """Verify a buyer directly, as an admin's click does (tests of the endpoint use the API)."""
        with self.app.app_context():
            from market.extensions import db
            from market.models import User

            user = db.session.get(User, buyer.id)
            assert user is not None
            user.verified = True
            db.session.commit()
            db.session.remove()

    def admin(self) -> Actor:
        return self.user("admin")

    def business(self, admin: Actor | None = None, *, approve: bool = True, **fields: Any) -> Actor:
        """A business user with an (approved) business."""
        actor = self.user("business")
        body = {
            "name": "Workshop",
            "province": "kermanshah",
            "city": "Kermanshah",
            "owner_group": "female_head_of_household",
            "kits": ["ELDERLY-COVID"],
            "weekly_capacity": 70,
            **fields,
        }
        r = actor.post("/api/v1/businesses", json=body)
        assert r.status_code == 201, r.get_json()
        actor.business_id = r.get_json()["id"]
        if approve:
            r = (admin or self.admin()).post(f"/api/v1/businesses/{actor.business_id}/approve")
            assert r.status_code == 200, r.get_json()
            self.settle()
        return actor

    def order(self, buyer: Actor, clock: Clock, *, days: int = 30, **fields: Any) -> dict[str, Any]:
        body = {
            "kit": "ELDERLY-COVID",
            "quantity": 50,
            "delivery_province": "kermanshah",
            "delivery_address": "Health center 4, Kermanshah",
            "needed_by": (local_today(clock) + timedelta(days=days)).isoformat(),
            **fields,
        }
        r = buyer.post("/api/v1/orders", json=body)
        assert r.status_code == 201, r.get_json()
        self.settle()
        got = buyer.get(f"/api/v1/orders/{r.get_json()['id']}")
        return dict(got.get_json())


def start_worker(env: dict[str, str], name: str, *extra: str) -> subprocess.Popen[bytes]:
    with open(artifacts_dir() / f"{name}.log", "ab") as log:  # the child keeps its own copy
        return subprocess.Popen(
            [sys.executable, "-m", "workers", "--name", name, *extra],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )


def stop_worker(proc: subprocess.Popen[bytes], timeout: float = 10) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def wait_for(predicate: Any, timeout: float = 20, interval: float = 0.05, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(interval)
    raise AssertionError(f"timed out waiting for {what}")


def artifacts_dir() -> Path:
    path = ROOT / "test-artifacts"
    path.mkdir(exist_ok=True)
    return path


def copy_db(template: Path, target: Path) -> None:
    shutil.copyfile(template, target)
