"""Accounts: registration, tokens, /me, password hashing, body limits, rate limits, create-admin."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from market.app import create_app
from market.extensions import db
from market.models import ApiToken, AuditEntry, User

from ..support import FAST_HASHER, PASSWORD, ApiClient, Clock, copy_db

REGISTER = "/api/v1/auth/register"
TOKEN = "/api/v1/auth/token"
ME = "/api/v1/me"
MISSING = object()
VALID = {
    "email": "zahra.karimi@example.org",
    "password": "a long enough passphrase",
    "name": "زهرا کریمی",
    "role": "buyer",
}


def rows(app: Flask, model: Any) -> int:
    with app.app_context():
        return int(db.session.scalar(select(func.count()).select_from(model)) or 0)


def body_with(**changes: Any) -> dict[str, Any]:
    body = {**VALID, **changes}
    return {k: v for k, v in body.items() if v is not MISSING}


def assert_invalid(r: Any, field: str, status: int = 422) -> None:
    assert r.status_code == status, r.get_json()
    body = r.get_json()
    assert isinstance(body["message"], str) and body["message"]
    assert field in body["errors"], body


# --- register -----------------------------------------------------------------------------------


def test_register_answers_the_user_with_locale_fa_by_default(client):
    r = client.post(REGISTER, json=VALID)
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    assert isinstance(body["id"], int)
    assert {k: body[k] for k in ("email", "name", "role", "locale")} == {
        "email": "zahra.karimi@example.org",
        "name": "زهرا کریمی",
        "role": "buyer",
        "locale": "fa",
    }
    assert not {"password", "password_hash"} & set(body)


def test_register_keeps_optional_fields_and_english_locale(client):
    body = body_with(
        role="business", locale="en", organization="Mehr workshop", phone="+98 831 234 5678", email="M@X.org"
    )
    r = client.post(REGISTER, json=body)
    assert r.status_code == 201, r.get_json()
    got = r.get_json()
    assert got["role"] == "business" and got["locale"] == "en"
    assert got["organization"] == "Mehr workshop" and got["phone"] == "+98 831 234 5678"
    assert got["email"] == "m@x.org"


def test_register_refuses_an_email_that_exists_whatever_its_case(app, client):
    assert client.post(REGISTER, json=VALID).status_code == 201
    for second in ("zahra.karimi@example.org", "Zahra.Karimi@Example.ORG"):
        r = client.post(REGISTER, json=body_with(email=second, name="Someone else"))
        assert r.status_code == 409, (second, r.get_json())
        assert r.get_json()["message"]
    assert rows(app, User) == 1


@pytest.mark.parametrize(
    ("field", "changes"),
    [
        ("email", {"email": "not-an-email"}),
        ("password", {"password": "elevenchars"}),
        ("name", {"name": MISSING}),
        ("name", {"name": "   "}),
        ("role", {"role": "admin"}),
        ("role", {"role": "seller"}),
        ("locale", {"locale": "de"}),
        ("phone", {"phone": "call me maybe"}),
        ("is_admin", {"is_admin": True}),
    ],
)
def test_register_refuses_each_bad_field_and_stores_nothing(app, client, field, changes):
    r = client.post(REGISTER, json=body_with(**changes))
    assert_invalid(r, field)
    assert rows(app, User) == 0
    assert rows(app, AuditEntry) == 0


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"data": "email=a@b.org", "content_type": "application/x-www-form-urlencoded"}, "email"),
        ({}, "email"),
        ({"data": "{not json", "content_type": "application/json"}, None),
    ],
    ids=["form", "no-body", "malformed-json"],
)
def test_register_refuses_a_body_that_is_not_a_json_object(app, client, kwargs, field):
    r = client.post(REGISTER, **kwargs)
    assert r.status_code in (400, 415, 422), r.get_data(as_text=True)
    body = r.get_json()
    assert body["message"] and body["errors"]
    if field:
        assert field in body["errors"]
    assert rows(app, User) == 0


def test_a_body_over_the_limit_is_413_with_the_json_error_shape(app, client):
    assert app.config["MAX_CONTENT_LENGTH"] == 64 * 1024
    r = client.post(REGISTER, json=body_with(organization="x" * (65 * 1024)))
    assert r.status_code == 413
    body = r.get_json()
    assert body["message"] and body["code"] == 413
    assert rows(app, User) == 0


def test_passwords_are_stored_as_argon2id_hashes(app, client):
    assert client.post(REGISTER, json=VALID).status_code == 201
    with app.app_context():
        stored = db.session.scalar(select(User.password_hash))
    assert stored is not None and stored.startswith("$argon2id$")
    assert VALID["password"] not in stored


# --- tokens -------------------------------------------------------------------------------------


def test_token_for_the_right_pair_then_it_signs_in(client):
    assert client.post(REGISTER, json=VALID).status_code == 201
    r = client.post(TOKEN, json={"email": "Zahra.Karimi@example.org", "password": VALID["password"]})
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert set(body) == {"token", "token_type", "expires_in"}
    assert body["token_type"] == "Bearer" and body["expires_in"] == 24 * 3600
    assert isinstance(body["token"], str) and len(body["token"]) >= 32
    me = client.get(ME, headers={"Authorization": f"Bearer {body['token']}"})
    assert me.status_code == 200 and me.get_json()["email"] == VALID["email"]


def test_token_refuses_a_wrong_pair_with_401(app, client):
    assert client.post(REGISTER, json=VALID).status_code == 201
    for pair in (
        {"email": VALID["email"], "password": "the wrong passphrase"},
        {"email": "nobody@example.org", "password": VALID["password"]},
    ):
        r = client.post(TOKEN, json=pair)
        assert r.status_code == 401, pair
        assert r.get_json()["message"]
    assert rows(app, ApiToken) == 0


def test_token_refuses_missing_or_unknown_fields_with_422(app, client):
    for body, field in (
        ({"password": PASSWORD}, "email"),
        ({"email": VALID["email"]}, "password"),
        ({"email": VALID["email"], "password": ""}, "password"),
        ({"email": VALID["email"], "password": PASSWORD, "remember": True}, "remember"),
    ):
        assert_invalid(client.post(TOKEN, json=body), field)
    assert rows(app, ApiToken) == 0


def test_a_token_expires_after_token_ttl_hours(api: ApiClient, clock: Clock):
    assert api.app.config["TOKEN_TTL_HOURS"] == 24
    buyer = api.buyer()
    clock.advance(hours=23, minutes=59)
    assert buyer.get(ME).status_code == 200
    clock.advance(minutes=2)
    r = buyer.get(ME)
    assert r.status_code == 401 and r.get_json()["message"]


def test_a_revoked_token_is_refused_and_other_tokens_live_on(api: ApiClient):
    buyer = api.buyer()
    r = api.client.post(TOKEN, json={"email": buyer.email, "password": PASSWORD})
    other = r.get_json()["token"]
    r = buyer.post("/api/v1/auth/revoke")
    assert r.status_code == 204
    assert buyer.get(ME).status_code == 401
    assert buyer.post("/api/v1/auth/revoke").status_code == 401
    assert api.client.get(ME, headers={"Authorization": f"Bearer {other}"}).status_code == 200


def test_revoke_needs_a_token(client):
    r = client.post("/api/v1/auth/revoke")
    assert r.status_code == 401 and r.get_json()["message"]


# --- /me ----------------------------------------------------------------------------------------


def test_me_names_the_business_of_a_business_user(api: ApiClient):
    workshop = api.business(approve=False)
    r = workshop.get(ME)
    assert r.status_code == 200
    body = r.get_json()
    assert body["id"] == workshop.id and body["role"] == "business"
    assert body["business_id"] == workshop.business_id


def test_me_has_a_null_business_id_for_users_without_a_business(api: ApiClient):
    for role in ("buyer", "business", "admin"):
        user = api.user(role)
        r = user.get(ME)
        assert r.status_code == 200
        body = r.get_json()
        assert body["email"] == user.email and body["role"] == role and body["locale"] == "fa"
        assert "business_id" in body and body["business_id"] is None, body
        assert not {"password", "password_hash"} & set(body)


def test_me_without_valid_credentials_is_401(api: ApiClient):
    buyer = api.buyer()
    for header in (None, "Bearer not-a-real-token", "Bearer ", "Basic {token}", "{token}"):
        headers = {} if header is None else {"Authorization": header.format(token=buyer.token)}
        r = api.client.get(ME, headers=headers)
        assert r.status_code == 401, header
        assert r.get_json()["message"]
    assert buyer.get(ME).status_code == 200


# --- rate limiting ------------------------------------------------------------------------------


@pytest.fixture
def limited_app(sqlite_template: Path, tmp_path: Path) -> Iterator[Flask]:
    """An app on a copy of the SQLite template with the auth limit on and tiny."""
    copy_db(sqlite_template, tmp_path / "limited.db")
    app = create_app(
        {
            "SECRET_KEY": "test-secret-key",
            "TESTING": True,
            "CLOCK": Clock(),
            "PASSWORD_HASHER": FAST_HASHER,
            "SWEEP_INTERVAL_SECONDS": 0,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'limited.db'}",
            "JOBS_MODE": "inline",
            "REDIS_URL": None,
            "RATELIMIT_ENABLED": True,
            "RATELIMIT_STORAGE_URI": "memory://",
            "RATELIMIT_AUTH": "3 per minute",
        }
    )
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def assert_rate_limited(r: Any) -> None:
    assert r.status_code == 429
    body = r.get_json()
    assert body["code"] == 429
    assert body["message"].startswith("Too many requests"), body
    assert int(r.headers["Retry-After"]) > 0


def test_registration_is_rate_limited(limited_app: Flask):
    client = limited_app.test_client()
    for i in range(3):
        r = client.post(REGISTER, json=body_with(email=f"user{i}@example.org"))
        assert r.status_code == 201, r.get_json()
    r = client.post(REGISTER, json=body_with(email="user4@example.org"))
    assert_rate_limited(r)
    assert rows(limited_app, User) == 3
    assert client.get("/api/v1/provinces").status_code == 200  # only the auth endpoints are limited


def test_password_guessing_is_rate_limited_even_for_the_right_password(limited_app: Flask):
    client = limited_app.test_client()
    assert client.post(REGISTER, json=VALID).status_code == 201
    for _ in range(3):
        r = client.post(TOKEN, json={"email": VALID["email"], "password": "a wrong guess 123"})
        assert r.status_code == 401
    assert_rate_limited(client.post(TOKEN, json={"email": VALID["email"], "password": VALID["password"]}))
    assert rows(limited_app, ApiToken) == 0


# --- flask create-admin -------------------------------------------------------------------------


@pytest.mark.parametrize("how", ["option", "prompt"])
def test_create_admin_cli_makes_an_admin_who_can_sign_in(app, client, how):
    runner = app.test_cli_runner()
    if how == "option":
        args = ["create-admin", "Root@Example.org", "--password", PASSWORD, "--name", "Root"]
        result = runner.invoke(args=args)
    else:
        result = runner.invoke(args=["create-admin", "root@example.org"], input=f"{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert "root@example.org" in result.output
    r = client.post(TOKEN, json={"email": "root@example.org", "password": PASSWORD})
    assert r.status_code == 200, r.get_json()
    me = client.get(ME, headers={"Authorization": f"Bearer {r.get_json()['token']}"})
    assert me.status_code == 200
    assert me.get_json()["role"] == "admin" and me.get_json()["business_id"] is None


def test_create_admin_cli_refuses_a_short_password(app):
    args = ["create-admin", "root@example.org", "--password", "too short"]
    result = app.test_cli_runner().invoke(args=args)
    assert result.exit_code != 0
    assert "12 characters" in result.output
    assert rows(app, User) == 0
