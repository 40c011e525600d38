"""The buyer's pages through the Flask test client: dates against a known calendar pair, and one
buyer's orders never shown to another."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Flask

from ..support import ApiClient, Clock
from .test_workshop_pages import signed_in

# Nowruz: 21 March 2026 is 1 Farvardin 1405, written here by hand (not by the code under test)
NOWRUZ_GREGORIAN = "2026-03-21"
NOWRUZ_FA = "۱ فروردین ۱۴۰۵"
NOWRUZ_FA_SHORT = "۱۴۰۵/۰۱/۰۱"
NOWRUZ_EN = "21 Mar 2026"


def test_a_known_gregorian_day_shows_as_its_jalali_day(app: Flask, api: ApiClient, clock: Clock):
    clock.now = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    buyer = api.buyer()
    order = api.order(buyer, clock, needed_by=NOWRUZ_GREGORIAN)
    pages = signed_in(app, buyer)
    assert NOWRUZ_FA in pages.text(f"/orders/{order['id']}")
    pages.post("/language/en", {}, page=f"/orders/{order['id']}")
    assert NOWRUZ_EN in pages.text(f"/orders/{order['id']}")


def test_a_needed_by_date_typed_in_jalali_is_that_gregorian_day(app: Flask, api: ApiClient, clock: Clock):
    clock.now = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    buyer = api.buyer()
    pages = signed_in(app, buyer)
    form = pages.text("/orders/new?key=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")
    assert 'name="needed_by"' in form
    r = pages.post(
        "/orders/new",
        {
            "kit": "ELDERLY-COVID",
            "quantity": "10",
            "delivery_province": "kermanshah",
            "delivery_address": "Health center 4",
            "needed_by": NOWRUZ_FA_SHORT,
        },
        page="/orders/new?key=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    )
    assert r.status_code == 302, r.get_data(as_text=True)
    [order] = buyer.get("/api/v1/orders").get_json()["items"]
    assert order["needed_by"] == NOWRUZ_GREGORIAN
    assert NOWRUZ_FA in pages.text(f"/orders/{order['id']}")


def test_my_orders_lists_only_the_buyers_own_orders(app: Flask, api: ApiClient, clock: Clock):
    api.business()
    mine, theirs = api.buyer(), api.buyer()
    my_order = api.order(mine, clock, delivery_address="Clinic of mine, street 1")
    their_order = api.order(theirs, clock, delivery_address="Pharmacy of theirs, street 2")

    page = signed_in(app, mine).text("/orders")
    assert f'href="/orders/{my_order["id"]}"' in page
    assert f'href="/orders/{their_order["id"]}"' not in page
    assert "Pharmacy of theirs" not in page

    theirs_pages = signed_in(app, theirs)
    assert theirs_pages.get(f"/orders/{my_order['id']}").status_code == 404
    page = theirs_pages.text("/orders")
    assert f'href="/orders/{their_order["id"]}"' in page and f'href="/orders/{my_order["id"]}"' not in page
