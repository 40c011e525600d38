"""Finding 4: a page session ends on sign-out, a password change and a suspension (a copied
cookie included), sign-in starts a new session, its lifetime is bounded, and a suspended
workshop's API tokens are revoked. On SQLite and on PostgreSQL."""

from __future__ import annotations

import time
from datetime import timedelta

from flask import Flask

from market import config
from market.services import accounts

from ..support import ApiClient
from .conftest import Browser

SIGNIN = "/signin"


def signed_out(browser: Browser, path: str) -> bool:
    r = browser.client.get(path)
    return r.status_code == 302 and r.headers["Location"].startswith(SIGNIN)


def test_a_copied_cookie_is_worthless_after_sign_out(app: Flask, api: ApiClient):
    admin = api.admin()
    browser = Browser(app)
    assert browser.sign_in(admin.email).status_code == 302
    copied = browser.cookie()
    assert browser.status("/admin/audit") == 200
    assert browser.with_cookie(copied).status("/admin/audit") == 200  # the copy works while signed in
    r = browser.client.post("/signout", data={"csrf_token": browser.token()})
    assert r.status_code == 302
    assert signed_out(browser, "/admin/audit")
    assert signed_out(browser.with_cookie(copied), "/admin/audit")


def test_signing_out_leaves_other_accounts_signed_in(app: Flask, api: ApiClient):
    one, other = Browser(app), Browser(app)
    buyer_a, buyer_b = api.buyer(), api.buyer()
    one.sign_in(buyer_a.email)
    other.sign_in(buyer_b.email)
    one.client.post("/signout", data={"csrf_token": one.token()})
    assert other.status("/orders") == 200
    assert buyer_a.get("/api/v1/me").status_code == 200  # page sign-out leaves API tokens alone


def test_sign_in_starts_a_new_session(app: Flask, api: ApiClient):
    """Nothing of the visitor's session survives sign-in: the CSRF token read before it is
    refused after it, and the cookie from before sign-in opens nothing."""
    buyer = api.buyer()
    browser = Browser(app)
    before = browser.token(SIGNIN)
    cookie_before = browser.cookie()
    assert browser.sign_in(buyer.email).status_code == 302
    after = browser.token("/orders")
    assert after != before
    r = browser.client.post("/signout", data={"csrf_token": before})
    assert r.status_code == 400  # the old token belongs to a session that no longer exists
    assert browser.status("/orders") == 200
    assert signed_out(browser.with_cookie(cookie_before), "/orders")


def test_a_password_change_ends_every_session_and_token(app: Flask, api: ApiClient):
    buyer = api.buyer()
    browser = Browser(app)
    browser.sign_in(buyer.email)
    assert browser.status("/orders") == 200
    with app.app_context():
        user = accounts.find_by_email(buyer.email)
        assert user is not None
        accounts.set_password(user, "a brand new password 2026")
    assert signed_out(browser, "/orders")
    assert buyer.get("/api/v1/me").status_code == 401
    assert Browser(app).sign_in(buyer.email, "a brand new password 2026").status_code == 302


def test_the_cli_password_reset_ends_sessions_too(app: Flask, api: ApiClient):
    admin = api.admin()
    browser = Browser(app)
    browser.sign_in(admin.email)
    assert browser.status("/admin") == 200
    r = app.test_cli_runner().invoke(
        args=["create-admin", admin.email, "--password", "another long password"]
    )
    assert r.exit_code == 0, r.output
    assert signed_out(browser, "/admin")
    assert admin.get("/api/v1/me").status_code == 401


def test_suspension_ends_the_workshops_sessions_and_revokes_its_tokens(app: Flask, api: ApiClient):
    admin = api.admin()
    workshop = api.business(admin)
    browser = Browser(app)
    browser.sign_in(workshop.email)
    assert browser.status("/workshop") == 200
    assert workshop.get("/api/v1/me").status_code == 200
    r = admin.post(f"/api/v1/businesses/{workshop.business_id}/suspend", json={"reason": "audit"})
    assert r.status_code == 200, r.get_json()
    api.settle()
    assert signed_out(browser, "/workshop")
    assert workshop.get("/api/v1/me").status_code == 401
    assert admin.get("/api/v1/me").status_code == 200  # the admin who suspended is untouched
    browser_admin = Browser(app)
    browser_admin.sign_in(admin.email)
    assert browser_admin.status("/admin") == 200


def test_a_session_ends_after_session_hours_however_busy(app: Flask, api: ApiClient):
    buyer = api.buyer()
    browser = Browser(app)
    browser.sign_in(buyer.email)
    hours = app.config["SESSION_HOURS"]
    with browser.client.session_transaction() as session:
        session["signed_in_at"] = int(time.time()) - hours * 3600 + 60
    assert browser.status("/orders") == 200  # a minute left
    with browser.client.session_transaction() as session:
        session["signed_in_at"] = int(time.time()) - hours * 3600 - 1
    assert signed_out(browser, "/orders")


def test_the_session_lifetime_is_a_setting():
    cfg = config.load({"SESSION_HOURS": "2"}, SECRET_KEY="k")
    assert cfg["SESSION_HOURS"] == 2
    assert cfg["PERMANENT_SESSION_LIFETIME"] == timedelta(hours=2)  # the cookie's own signature too
    assert config.load({}, SECRET_KEY="k")["PERMANENT_SESSION_LIFETIME"] == timedelta(hours=12)
