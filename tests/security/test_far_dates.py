"""A far `needed_by` (finding 3): refused beyond a year, and no date can break a page.

9999-12-31 was accepted; the Jalali calendar library stops at year 9377, so every page that showed
such an order in Persian answered 500, for everyone who opened it.
"""

from __future__ import annotations

from datetime import date, timedelta

from flask import Flask, session
from sqlalchemy import update

from market.extensions import db
from market.models import Job, Order
from market.web import i18n

from ..support import ApiClient, Clock, local_today
from ..web.test_workshop_pages import signed_in

FAR = date(9999, 12, 31)


def test_the_api_refuses_a_date_more_than_a_year_ahead(api: ApiClient, clock: Clock) -> None:
    buyer = api.buyer()
    today = local_today(clock)
    for needed_by in (today + timedelta(days=366), FAR):
        body = {
            "kit": "ELDERLY-COVID",
            "quantity": 5,
            "delivery_province": "tehran",
            "delivery_address": "Clinic 2",
            "needed_by": needed_by.isoformat(),
        }
        r = buyer.post("/api/v1/orders", json=body)
        assert r.status_code == 422, r.get_json()
        assert "needed_by" in r.get_json()["errors"]
        assert "year" in r.get_json()["errors"]["needed_by"][0]
    assert buyer.get("/api/v1/orders").get_json()["total"] == 0  # nothing stored
    assert api.order(buyer, clock, days=365)["needed_by"] == (today + timedelta(days=365)).isoformat()


def test_the_order_form_refuses_a_date_more_than_a_year_ahead(app: Flask, api: ApiClient) -> None:
    buyer = api.buyer()
    pages = signed_in(app, buyer)
    form = {
        "kit": "ELDERLY-COVID",
        "quantity": "5",
        "delivery_province": "tehran",
        "delivery_address": "Clinic 2",
        "needed_by": "9999-12-31",
    }
    r = pages.post("/orders/new", form, page="/orders/new?key=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")
    assert r.status_code == 422
    assert "حداکثر یک سال" in r.get_data(as_text=True)  # "at most a year ahead", in Persian
    assert buyer.get("/api/v1/orders").get_json()["total"] == 0


def test_date_formatting_never_raises(app: Flask) -> None:
    for lang in ("fa", "en"):
        with app.test_request_context():
            session["lang"] = lang
            for d in (FAR, date(9378, 1, 1), date(1, 1, 1)):
                assert i18n.format_date(d)
                assert i18n.format_short_date(d)
    with app.test_request_context():  # Persian, the default: the ISO date in Persian digits
        assert i18n.format_date(FAR) == "۹۹۹۹-۱۲-۳۱"
        assert i18n.format_short_date(FAR) == "۹۹۹۹-۱۲-۳۱"


def test_an_order_stored_with_a_far_date_breaks_no_page(app: Flask, api: ApiClient, clock: Clock) -> None:
    """A row written before the bound existed (or by hand) still renders everywhere, in Persian."""
    admin = api.admin()
    workshop = api.business(admin)
    buyer = api.buyer()
    order = api.order(buyer, clock)
    with app.app_context():
        db.session.execute(update(Order).where(Order.id == order["id"]).values(needed_by=FAR))
        db.session.execute(update(Job).where(Job.order_id == order["id"]).values(due_date=FAR))
        db.session.commit()
    for actor, paths in (
        (
            admin,
            [
                "/admin",
                "/admin/orders",
                "/admin/jobs",
                f"/orders/{order['id']}",
                "/admin/export/orders.csv",
                "/admin/export/jobs.csv",
            ],
        ),
        (buyer, ["/orders", f"/orders/{order['id']}"]),
        (workshop, ["/workshop/offers", "/workshop", "/workshop/jobs"]),
    ):
        pages = signed_in(app, actor)
        for path in paths:
            r = pages.get(path)
            assert r.status_code == 200, (path, r.status_code)
