"""Finding 11: the language switch writes the account's language, so it is a POST with the
page's CSRF token (a button in the header); a GET from another site changes nothing."""

from __future__ import annotations

import re

from flask import Flask

from market.extensions import db
from market.models import User

from ..support import ApiClient
from .conftest import Browser


def locale_of(app: Flask, email: str) -> str:
    with app.app_context():
        user = db.session.scalar(db.select(User).where(User.email == email))
        assert user is not None
        return user.locale


def test_a_get_cannot_change_the_language(app: Flask, api: ApiClient):
    buyer = api.buyer()
    browser = Browser(app)
    browser.sign_in(buyer.email)
    r = browser.client.get("/language/en?next=/orders")  # an <img src> on another site
    assert r.status_code == 405
    assert locale_of(app, buyer.email) == "fa"
    assert '<html lang="fa"' in browser.client.get("/orders").get_data(as_text=True)


def test_a_post_without_the_token_changes_nothing(app: Flask, api: ApiClient):
    buyer = api.buyer()
    browser = Browser(app)
    browser.sign_in(buyer.email)
    assert browser.client.post("/language/en").status_code == 400
    assert locale_of(app, buyer.email) == "fa"


def test_the_header_button_switches_and_saves_the_language(app: Flask, api: ApiClient):
    buyer = api.buyer()
    browser = Browser(app)
    browser.sign_in(buyer.email)
    page = browser.client.get("/orders").get_data(as_text=True)
    form = re.search(r'<form method="post" action="(/language/en[^"]*)"[^>]*>(.*?)</form>', page, re.S)
    assert form, "no language form in the header"
    action = form.group(1).replace("&amp;", "&")
    assert 'name="csrf_token"' in form.group(2) and ">English</button>" in form.group(2)
    r = browser.client.post(action, data={"csrf_token": browser.token("/orders")})
    assert r.status_code == 302 and r.headers["Location"].startswith("/orders")
    assert locale_of(app, buyer.email) == "en"
    assert '<html lang="en"' in browser.client.get("/orders").get_data(as_text=True)


def test_a_visitor_switches_for_the_session(app: Flask):
    browser = Browser(app)
    r = browser.client.post("/language/en?next=/signin", data={"csrf_token": browser.token("/")})
    assert r.status_code == 302
    assert '<html lang="en"' in browser.client.get("/").get_data(as_text=True)
