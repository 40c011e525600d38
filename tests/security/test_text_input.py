"""Names, text and emails follow one rule (finding 9), on the API and the pages, on SQLite and
PostgreSQL: NFKC, no control or format characters (the zero-width non-joiner kept inside Persian
words), no name that is blank after that; one stored form per email address, so a fullwidth or
zero-width lookalike of an account's address is that account's (409). A NUL never reaches
PostgreSQL, where it was a 500."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from market.extensions import db
from market.models import Business, Order, User

from ..support import PASSWORD, ApiClient, Clock
from ..web.test_workshop_pages import Pages, signed_in

REGISTER = "/api/v1/auth/register"
TOKEN = "/api/v1/auth/token"
ZWNJ_NAME = "زهرا کریمی‌نژاد"  # "Karimi-Nejad" with its zero-width non-joiner, as Persian writes it
BAD_NAMES = {
    "NUL": "Zahra\x00",
    "escape": "Zahra\x1b[31m",
    "line break": "Zahra\nKarimi",
    "zero-width only": "\u200b\u200b",
    "zero-width non-joiner only": "\u200c",
    "right-to-left override": "Zahra\u202etxt.exe",
    "zero-width joiner": "Za\u200dhra",
    "blank after NFKC": "\u3000\u00a0 ",
    "invisible letter": "\u3164",
    "byte-order mark": "\ufeffZahra",
}
LOOKALIKES = [
    "ｚａｈｒａ@example.org",  # fullwidth
    "zahra@example.org\u200b",  # a trailing zero-width space
    "zah\u200dra@example.org",
    "\u2060zahra@example.org",
    "ZAHRA@EXAMPLE.ORG",
    "zahra@ｅｘａｍｐｌｅ.ｏｒｇ",
]


def count(app: Flask, model: Any) -> int:
    with app.app_context():
        return int(db.session.scalar(select(func.count()).select_from(model)) or 0)


def register(api: ApiClient, **changes: Any) -> Any:
    body = {"email": "zahra@example.org", "password": PASSWORD, "name": "Zahra", "role": "buyer", **changes}
    return api.client.post(REGISTER, json=body)


@pytest.mark.parametrize("name", BAD_NAMES.values(), ids=BAD_NAMES.keys())
def test_a_name_with_control_or_format_characters_or_blank_is_refused(
    app: Flask, api: ApiClient, name: str
) -> None:
    r = register(api, name=name)
    assert r.status_code == 422, r.get_json()
    assert "name" in r.get_json()["errors"]
    r = register(api, organization=name)
    assert r.status_code == 422 and "organization" in r.get_json()["errors"], r.get_json()
    assert count(app, User) == 0


def test_names_are_nfkc_and_keep_the_zero_width_non_joiner_inside_words(api: ApiClient) -> None:
    r = register(api, name=f"  {ZWNJ_NAME} ", organization="ＮＧＯ　نور")
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["name"] == ZWNJ_NAME
    assert r.get_json()["organization"] == "NGO نور"


@pytest.mark.parametrize("lookalike", LOOKALIKES)
def test_a_lookalike_of_an_existing_email_is_a_duplicate(app: Flask, api: ApiClient, lookalike: str) -> None:
    assert register(api).status_code == 201
    r = register(api, email=lookalike, name="Someone else")
    assert r.status_code == 409, (lookalike, r.get_json())
    assert count(app, User) == 1
    # and it signs in to the one account
    r = api.client.post(TOKEN, json={"email": lookalike, "password": PASSWORD})
    assert r.status_code == 200, r.get_json()


def test_emails_are_stored_ascii_with_the_domain_idna_encoded(api: ApiClient) -> None:
    r = register(api, email="Ali@مثال.ایران")
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["email"] == "ali@xn--mgbh0fb.xn--mgba3a4f16a"
    r = register(api, email="ｒｅｚａ@example.org")
    assert r.get_json()["email"] == "reza@example.org"
    for bad in ("علی@example.ir", "a\x00@example.org", "a b@example.org", "a@exa mple.org", "a@-x.org"):
        r = register(api, email=bad)
        assert r.status_code == 422 and "email" in r.get_json()["errors"], (bad, r.get_json())


def test_a_nul_anywhere_never_reaches_the_database(app: Flask, api: ApiClient, clock: Clock) -> None:
    """On PostgreSQL a NUL in a text column is a driver error: every way in is refused first."""
    r = api.client.post(TOKEN, json={"email": "zahra\x00@example.org", "password": PASSWORD})
    assert r.status_code == 401, r.get_json()
    admin = api.admin()
    workshop = api.business(admin)
    buyer = api.buyer()
    body = {
        "kit": "ELDERLY-COVID",
        "quantity": 5,
        "delivery_province": "tehran",
        "delivery_address": "Clinic 2",
        "needed_by": api.order(buyer, clock)["needed_by"],
    }
    orders_before = count(app, Order)
    for field in ("delivery_address", "note"):
        for bad in ("Clinic\x00 2", "Clinic \u202e2", "\u200b"):
            r = buyer.post("/api/v1/orders", json={**body, field: bad})
            assert r.status_code == 422 and field in r.get_json()["errors"], (field, bad, r.get_json())
    r = buyer.post("/api/v1/orders", json=body, headers={"Idempotency-Key": "key\x00"})
    assert r.status_code == 422, r.get_json()
    assert count(app, Order) == orders_before
    r = buyer.post("/api/v1/orders", json={**body, "delivery_address": "Clinic 2\r\nSecond floor"})
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["delivery_address"] == "Clinic 2\nSecond floor"  # several lines are fine there

    owner = api.user("business")
    r = owner.post(
        "/api/v1/businesses",
        json={
            "name": "Nur\x00",
            "province": "fars",
            "city": "Shiraz",
            "owner_group": "deaf",
            "kits": ["ELDERLY-COVID"],
            "weekly_capacity": 70,
        },
    )
    assert r.status_code == 422 and "name" in r.get_json()["errors"], r.get_json()
    assert count(app, Business) == 1
    r = workshop.patch(f"/api/v1/businesses/{workshop.business_id}", json={"city": "\x00"})
    assert r.status_code == 422 and "city" in r.get_json()["errors"], r.get_json()
    r = admin.post(f"/api/v1/businesses/{workshop.business_id}/suspend", json={"reason": "no\x00"})
    assert r.status_code == 422, r.get_json()
    for query in ("orders?status=%00", "admin/audit?action=%00", "admin/audit?entity=a%00"):
        query = f"/api/v1/{query}"
        r = admin.get(query)
        assert r.status_code == 422, (query, r.status_code)
    assert admin.get("/api/v1/admin/audit?action=business.suspended&entity=business").status_code == 200
    assert admin.patch("/api/v1/kits/A%00B", json={"unit_price": 1}).status_code == 404


def test_the_signup_page_applies_the_same_rule_in_persian(app: Flask, api: ApiClient) -> None:
    assert register(api).status_code == 201
    pages = Pages(app)
    form = {"name": "\u200b", "email": "reza@example.org", "password": PASSWORD, "role": "buyer"}
    r = pages.post("/signup", form, page="/signup")
    assert r.status_code == 422
    assert "نویسه‌های قالب‌بندی نامرئی" in r.get_data(as_text=True)
    r = pages.post("/signup", {**form, "name": "Reza\x00"}, page="/signup")
    assert r.status_code == 422 and "نویسه‌های کنترلی" in r.get_data(as_text=True)
    r = pages.post("/signup", {**form, "name": "Reza", "email": "ｚａｈｒａ@example.org"}, page="/signup")
    assert r.status_code == 422
    assert count(app, User) == 1
    r = pages.post("/signup", {**form, "name": ZWNJ_NAME, "email": "Reza@Example.org\u200b"}, page="/signup")
    assert r.status_code == 302
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "reza@example.org"))
        assert user is not None and user.name == ZWNJ_NAME


def test_the_pages_refuse_bad_text_and_a_nul_at_sign_in(app: Flask, api: ApiClient, clock: Clock) -> None:
    admin = api.admin()
    workshop = api.business(admin)
    buyer = api.buyer()
    pages = Pages(app)
    token = pages.token("/signin")
    nul = {"email": "a\x00@example.org", "password": "x", "csrf_token": token}
    r = pages.client.post("/signin", data=nul)
    assert r.status_code == 422
    buyer_pages = signed_in(app, buyer)
    form = {
        "kit": "ELDERLY-COVID",
        "quantity": "5",
        "delivery_province": "tehran",
        "delivery_address": "Clinic\x00",
        "needed_by": api.order(buyer, clock)["needed_by"],
    }
    before = count(app, Order)
    new_form = "/orders/new?key=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
    r = buyer_pages.post("/orders/new", form, page=new_form)
    assert r.status_code == 422 and "نویسه‌های کنترلی" in r.get_data(as_text=True)
    r = buyer_pages.post("/orders/new", {**form, "delivery_address": "\u3000"}, page=new_form)
    assert r.status_code == 422
    assert count(app, Order) == before
    workshop_pages = signed_in(app, workshop)
    profile = {"weekly_capacity": "70", "min_lot": "1", "kits": "ELDERLY-COVID", "city": "Kerman\u202eshah"}
    r = workshop_pages.post("/workshop", profile, page="/workshop")
    assert r.status_code == 422
    assert workshop.get(f"/api/v1/businesses/{workshop.business_id}").get_json()["city"] == "Kermanshah"
