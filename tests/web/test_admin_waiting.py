"""Why an order waits, on the admin's pages: after "re-run matching" and on its own page."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from ..support import Actor, ApiClient, Clock
from .test_admin_pages import Pages


@pytest.fixture
def admin(api: ApiClient) -> Actor:
    return api.admin()


@pytest.fixture
def pages(app: Flask, admin: Actor) -> Pages:
    return Pages(app, admin.email)


def test_rematch_says_why_units_wait(api: ApiClient, admin: Actor, pages: Pages, clock: Clock, settle: Any):
    buyer = api.buyer()
    # nobody makes the kit yet: the order waits whole
    order = api.order(buyer, clock, quantity=300, delivery_province="kermanshah", days=30)
    assert order["status"] == "awaiting_capacity"
    en = pages.english()
    r = en.post(f"/admin/orders/{order['id']}/rematch")
    said = [text for kind, text in en.flashes(r) if kind == "info"]
    assert said[0] == "300 units wait. No approved, active workshop with capacity makes this kit."
    assert said[1].startswith("Workshops that make this kit: 0;")

    # one workshop, 70 a week: 280 of the 300 by its production deadline (29 days at 10 a day... 290)
    shop = api.business(admin, weekly_capacity=70)
    settle()
    page = en.get(f"/admin/orders/{order['id']}/waiting")
    assert "units wait. No workshop that may take it has room before its production deadline." in page
    assert "Workshops that make this kit: 1; declined this order: 0; with room before the deadline: 0" in page

    # it declines: what waits then waits because every maker declined
    offers = shop.get("/api/v1/jobs?status=offered").get_json()["items"]
    assert shop.post(f"/api/v1/jobs/{offers[0]['id']}/decline", json={"reason": "busy"}).status_code == 200
    settle()
    page = en.get(f"/admin/orders/{order['id']}/waiting")
    assert "300 units wait. Every workshop that makes this kit has declined this order." in page
    assert "declined this order: 1" in page


def test_the_waiting_page_is_for_admins_and_known_orders(
    api: ApiClient, admin: Actor, pages: Pages, clock: Clock
):
    buyer = api.buyer()
    order = api.order(buyer, clock, quantity=10)
    persian = pages.get(f"/admin/orders/{order['id']}/waiting")
    assert "کارگاه‌های سازندهٔ این بسته: ۰" in persian
    listing = pages.english().get("/admin/orders")
    assert f'href="/admin/orders/{order["id"]}/waiting"' in listing
    pages.get("/admin/orders/999999/waiting", status=404)
    assert buyer.get(f"/admin/orders/{order['id']}/waiting").status_code in (302, 401, 403, 404)
