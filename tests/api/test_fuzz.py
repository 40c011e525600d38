"""Property-based fuzzing of the whole JSON API from the OpenAPI document it serves (schemathesis).

Every documented operation is called with generated input, valid and invalid, as each role
(anonymous, buyer, business, admin), against a marketplace with rows in most states, so small
generated ids hit real orders, jobs and businesses (the caller's own and someone else's). Every
answer must be no 5xx, have a documented status code and content type, and match the documented
schema, error bodies included.

Bounded and deterministic for CI: a few derandomized examples per operation. ``MARKET_FUZZ_DEEP=1``
adds schemathesis' coverage phase (boundary and invalid values of every parameter) and many more
examples: minutes, not seconds, for hunting. The plain tests at the end pin the bugs it found.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from market.app import create_app
from market.extensions import db

from ..conftest import base_config
from ..support import PASSWORD, ApiClient, Clock, copy_db

OPENAPI = "/api/v1/openapi.json"
ROLES = ("anonymous", "buyer", "business", "admin")
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
DEEP = os.environ.get("MARKET_FUZZ_DEEP") == "1"
# Generated cases per operation and role. A wrong email costs a full-strength password hash
# (the dummy verify that keeps timing even), so the token endpoint gets fewer.
MAX_EXAMPLES = 60 if DEEP else 8
TOKEN_EXAMPLES = 6 if DEEP else 2


def app_for(database: str, clock: Clock, **extra: object) -> Flask:
    return create_app(
        {
            **base_config(clock),
            "SQLALCHEMY_DATABASE_URI": database,
            "JOBS_MODE": "inline",
            "REDIS_URL": None,
            **extra,
        }
    )


def served_schema() -> schemathesis.BaseSchema:
    """The document the app serves, fetched once at import from an app without a database (the
    document does not need one). Calls go to each role's seeded app instead.

    Not ``schemathesis.pytest.from_fixture``: its lazy loader rewrites ``request.node._nodeid``,
    which pytest 9.2 no longer has.
    """
    config = schemathesis.Config.from_dict(
        {
            "phases": {"coverage": {"enabled": DEEP}},
            "generation": {"max-examples": MAX_EXAMPLES, "deterministic": True, "database": "none"},
            "operations": [
                {"include-name": "POST /api/v1/auth/token", "generation": {"max-examples": TOKEN_EXAMPLES}}
            ],
        }
    )
    app = app_for("sqlite://", Clock(), TESTING_NO_LAZY_SWEEP=True)
    return schemathesis.openapi.from_wsgi(OPENAPI, app, config=config)


schema = served_schema()


@dataclass
class Seeded:
    """A database file with one user per role (emails and bearer tokens) and their rows."""

    path: Path
    emails: dict[str, str]
    tokens: dict[str, str]


def seed(api: ApiClient, clock: Clock) -> tuple[dict[str, str], dict[str, str]]:
    """A pending and an approved business; orders whose jobs are offered, accepted, shipped and
    delivered; one waiting for capacity; and another buyer's order (someone else's data)."""
    admin = api.admin()
    workshop = api.business(
        admin, weekly_capacity=2000, kits=["ELDERLY-COVID", "PREGNANT-HYGIENE"], phone="+98 831 555 0101"
    )
    api.business(admin, approve=False, province="fars", city="Shiraz")
    buyer = api.buyer(organization="مرکز بهداشت ۴")
    other = api.buyer()
    jobs = [api.order(buyer, clock, quantity=q)["jobs"][0]["id"] for q in (40, 30, 20, 10)]
    api.order(buyer, clock, kit="PREGNANT-HYGIENE", quantity=5000, delivery_province="tehran")
    api.order(other, clock, quantity=15, days=10)
    for job in jobs[1:]:
        assert workshop.post(f"/api/v1/jobs/{job}/accept").status_code == 200
    for job in jobs[2:]:
        assert workshop.post(f"/api/v1/jobs/{job}/progress", json={"units_done": 5}).status_code == 200
        assert workshop.post(f"/api/v1/jobs/{job}/ship", json={"carrier": "Post"}).status_code == 200
    r = buyer.post(f"/api/v1/jobs/{jobs[3]}/deliver", json={"received_quantity": 9, "note": "یکی کم بود"})
    assert r.status_code == 200, r.get_json()
    actors = {"buyer": buyer, "business": workshop, "admin": admin}
    return {k: a.email for k, a in actors.items()}, {k: a.token for k, a in actors.items()}


@pytest.fixture(scope="module")
def seeded(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Seeded:
    """Seeded once through the API; each role then fuzzes a copy of the file."""
    path = tmp_path_factory.mktemp("fuzz-seed") / "market.db"
    copy_db(sqlite_template, path)
    clock = Clock()
    app = app_for(f"sqlite:///{path}", clock, TESTING_NO_LAZY_SWEEP=True)
    emails, tokens = seed(ApiClient(app, app.test_client(), lambda: None), clock)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()  # the last connection closing folds the WAL into the file we copy
    return Seeded(path, emails, tokens)


@dataclass
class Market:
    """A role's own copy of the seeded marketplace."""

    app: Flask
    role: str
    seeded: Seeded

    def headers(self, path: str) -> dict[str, str]:
        """The role's bearer header; revoking gets a fresh token, so the role stays signed in."""
        if self.role == "anonymous":
            return {}
        token = self.seeded.tokens[self.role]
        if path == "/api/v1/auth/revoke":
            body = {"email": self.seeded.emails[self.role], "password": PASSWORD}
            token = self.app.test_client().post("/api/v1/auth/token", json=body).get_json()["token"]
        return {"Authorization": f"Bearer {token}"}


@pytest.fixture(scope="module", params=ROLES)
def market(
    request: pytest.FixtureRequest, seeded: Seeded, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Market]:
    path = tmp_path_factory.mktemp(f"fuzz-{request.param}") / "market.db"
    copy_db(seeded.path, path)
    # the lazy sweep is for the deep run only: it doubles the cost of every call
    app = app_for(f"sqlite:///{path}", Clock(), TESTING_NO_LAZY_SWEEP=not DEEP)
    yield Market(app, str(request.param), seeded)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@schema.parametrize()
@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
def test_every_operation_as_every_role(case: schemathesis.Case, market: Market) -> None:
    """No 5xx, and the status code, content type and body are the documented ones."""
    case.call_and_validate(app=market.app, headers=market.headers(case.path), checks=CHECKS)


# Malformed bodies (issue 8, finding 8) that generation from the schema never makes: every
# operation, as every role, with a path id that names a real row, gets each of them as JSON.
MALFORMED_BODIES = {
    "nested 10,000 deep": "[" * 10_000 + "]" * 10_000,
    "object nested 10,000 deep": '{"a":' * 10_000 + "1" + "}" * 10_000,
    "5,000-digit number": '{"quantity": ' + "9" * 5000 + "}",
    "5,000-digit number alone": "9" * 5000,
    "huge exponent": '{"quantity": 1e999999, "lat": -1e999999}',
    "lone surrogate": '{"name": "\\ud800", "email": "a\\udfff@example.org", "text": "\\ud800"}',
    "NUL in every string": '{"name": "a\\u0000b", "email": "a\\u0000@example.org", "password": "\\u0000",'
    ' "reason": "\\u0000", "note": "\\u0000", "city": "\\u0000", "kit": "\\u0000"}',
    "not UTF-8": b'{"name": "\xff\xfe"}',
    "not JSON": "{'name': 1,}",
}
OPERATIONS = [result.ok() for result in schema.get_all_operations()]


@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda op: op.label)
def test_every_operation_as_every_role_refuses_malformed_bodies(operation: Any, market: Market) -> None:
    """No 5xx, and a documented error body, whatever the body."""
    path = operation.path
    for parameter in operation.path_parameters:
        path = path.replace(f"{{{parameter.name}}}", "ELDERLY-COVID" if "code" in parameter.name else "1")
    client = market.app.test_client()
    for name, body in MALFORMED_BODIES.items():
        r = client.open(
            path,
            method=operation.method.upper(),
            data=body,
            content_type="application/json",
            headers=market.headers(path),
        )
        assert r.status_code < 500, (name, r.status_code, r.get_data(as_text=True)[:300])
        if r.status_code >= 400:
            assert set(r.get_json()) >= {"message", "code"}, (name, r.get_json())


# Regressions: the bugs the fuzzing found, pinned with plain requests.

TOO_BIG = 2**63  # one past SQLite's largest integer: its driver raised OverflowError, answered with a 500


def test_an_id_too_big_for_the_database_is_not_found(api: ApiClient) -> None:
    admin = api.admin()
    workshop = api.business(admin)
    for actor, path in [
        (workshop, f"/api/v1/jobs/{TOO_BIG}"),
        (workshop, f"/api/v1/businesses/{TOO_BIG}"),
        (admin, f"/api/v1/orders/{TOO_BIG * 2**40}"),
    ]:
        r = actor.get(path)
        assert r.status_code == 404, (path, r.status_code, r.get_json())
        assert r.get_json()["code"] == 404
    r = workshop.post(f"/api/v1/jobs/{2**31}/progress", json={"units_done": 1})  # past PostgreSQL's INTEGER
    assert r.status_code == 404, r.get_json()


def test_an_id_too_big_for_the_database_in_a_query_or_body_is_invalid(api: ApiClient, clock: Clock) -> None:
    admin = api.admin()
    workshop = api.business(admin)
    job = api.order(api.buyer(), clock)["jobs"][0]["id"]
    for actor, path in [
        (workshop, f"/api/v1/jobs?order_id={TOO_BIG}"),
        (workshop, f"/api/v1/jobs?page={TOO_BIG}"),
        (admin, f"/api/v1/admin/audit?entity_id={TOO_BIG}"),
    ]:
        r = actor.get(path)
        assert r.status_code == 422, (path, r.status_code, r.get_json())
    r = admin.post(f"/api/v1/jobs/{job}/reassign", json={"business_id": TOO_BIG})
    assert r.status_code == 422 and "business_id" in r.get_json()["errors"], r.get_json()


def test_the_document_states_the_id_bound_and_the_error_shape(api: ApiClient) -> None:
    doc = api.client.get(OPENAPI).get_json()

    def resolve(item: dict[str, Any]) -> Any:
        section, kind, name = item["$ref"].removeprefix("#/").split("/")
        return doc[section][kind][name]

    (param,) = doc["paths"]["/api/v1/jobs/{job_id}"]["parameters"]
    assert param["schema"]["maximum"] == 2**31 - 1
    default = resolve(doc["paths"]["/api/v1/me"]["get"]["responses"]["default"])  # every operation's
    error = resolve(default["content"]["application/json"]["schema"])
    assert set(error["required"]) == {"message", "code"}
    assert error["properties"]["errors"]["additionalProperties"] == {
        "type": "array",
        "items": {"type": "string"},
    }


def test_the_errors_of_list_items_and_nested_objects_are_sentences_under_their_field(api: ApiClient) -> None:
    """marshmallow nests them ({"kits": [{"0": [...]}]}); the contract maps a field to sentences."""
    admin = api.admin()
    r = api.user("business").post(
        "/api/v1/businesses",
        json={
            "name": "Workshop",
            "province": "kermanshah",
            "city": "Kermanshah",
            "owner_group": "deaf",
            "kits": [7, "ELDERLY-COVID", "bad code"],
            "weekly_capacity": 70,
        },
    )
    assert r.status_code == 422, r.get_json()
    assert r.get_json()["errors"] == {
        "kits": ["0: Not a valid string.", "2: 2 to 32 characters: uppercase A-Z, digits and -."]
    }
    r = admin.patch("/api/v1/kits/ELDERLY-COVID", json={"contents": [{"item_en": "Soap", "item_fa": 3}]})
    assert r.status_code == 422, r.get_json()
    errors = r.get_json()["errors"]
    assert list(errors) == ["contents"], errors
    assert sorted(m.split(":")[0] for m in errors["contents"]) == ["0.item_fa", "0.quantity"], errors
    r = admin.patch("/api/v1/kits/ELDERLY-COVID", json={"contents": [[]]})
    assert r.get_json()["errors"] == {"contents": ["0: Invalid input type."]}, r.get_json()
