"""Common and easily guessed passwords are refused, offline, with a sentence saying why (finding 10):
on the API, the sign-up page and the command line; the tests' and the demo's passwords still pass."""

from __future__ import annotations

import pytest
from flask import Flask

from market.models import User
from market.services.passwords import weakness

from ..support import PASSWORD, ApiClient
from ..web.test_workshop_pages import Pages

WEAK = ["aaaaaaaaaaaa", "password1234", "qwertyuiopas", "123456789012", "iloveyou1234", "P@ssw0rd2024!"]


def users(app: Flask) -> int:
    from sqlalchemy import func, select

    from market.extensions import db

    with app.app_context():
        return int(db.session.scalar(select(func.count()).select_from(User)) or 0)


@pytest.mark.parametrize("password", WEAK)
def test_the_api_refuses_a_common_password_saying_why(app: Flask, api: ApiClient, password: str) -> None:
    body = {"email": "zahra@example.org", "password": password, "name": "Zahra", "role": "buyer"}
    r = api.client.post("/api/v1/auth/register", json=body)
    assert r.status_code == 422, r.get_json()
    [sentence] = r.get_json()["errors"]["password"]
    assert "too common or too easy to guess" in sentence
    assert users(app) == 0


def test_a_password_made_of_the_users_own_name_is_refused(api: ApiClient) -> None:
    body = {"email": "zahra.karimi@example.org", "password": "zahrakarimi2026", "name": "Zahra Karimi"}
    r = api.client.post("/api/v1/auth/register", json={**body, "role": "buyer"})
    assert r.status_code == 422 and "password" in r.get_json()["errors"], r.get_json()


def test_the_tests_and_the_demos_passwords_pass() -> None:
    assert weakness(PASSWORD, ["buyer1@example.org", "Test buyer"]) is None
    assert weakness("demo-password-2026", ["admin@demo.kitmarket.ir", "مدیر سامانه"]) is None
    assert weakness("demo-password-2026", ["workshop3@demo.kitmarket.ir", "کارگاه"]) is None
    assert weakness("x" * 150 + "a long enough passphrase") is not None  # long but a repeat


def test_the_signup_page_refuses_a_common_password_in_persian(app: Flask) -> None:
    pages = Pages(app)
    form = {"name": "زهرا", "email": "zahra@example.org", "password": "password1234", "role": "buyer"}
    r = pages.post("/signup", form, page="/signup")
    assert r.status_code == 422
    assert "بسیار رایج" in r.get_data(as_text=True)
    assert users(app) == 0
    r = pages.post("/signup", {**form, "password": PASSWORD}, page="/signup")
    assert r.status_code == 302
    assert users(app) == 1


def test_create_admin_refuses_a_common_password(app: Flask) -> None:
    args = ["create-admin", "root@example.org", "--password", "password1234"]
    result = app.test_cli_runner().invoke(args=args)
    assert result.exit_code != 0
    assert "too common" in result.output
    assert users(app) == 0
