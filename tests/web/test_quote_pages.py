"""The quote fragment the order form asks for (GET /orders/quote), through the Flask test client:
in the reader's language, a clear 422 for what cannot be quoted, nothing written, buyers and
admins only; and the order page's waiting quote, only while units wait."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask

from market.extensions import db
from market.models import Job, Notification, Order

from ..support import ApiClient, Clock, local_today
from .test_workshop_pages import signed_in


def counts(app: Flask) -> tuple[int, int, int]:
    with app.app_context():
        out = tuple(db.session.query(m).count() for m in (Order, Job, Notification))
        db.session.remove()
    return out  # type: ignore[return-value]


def ask(app: Flask, actor: Any, **args: str) -> Any:
    return signed_in(app, actor).get("/orders/quote", query_string=args)


def test_the_fragment_says_what_could_be_delivered_by_when_and_from_where(
    api: ApiClient, app: Flask, clock: Clock
):
    api.business(api.admin(), province="lorestan", city="Khorramabad", weekly_capacity=70)
    buyer = api.buyer()
    before = counts(app)
    day = local_today(clock) + timedelta(days=10)
    r = ask(
        app,
        buyer,
        kit="ELDERLY-COVID",
        quantity="۱۵۰",
        delivery_province="khuzestan",
        needed_by=day.isoformat(),
    )
    assert r.status_code == 200
    text = r.get_data(as_text=True)
    assert "۹۰ بسته از ۱۵۰ بسته" in text and "محل ساخت: لرستان." in text
    assert counts(app) == before
    # a date not understood (yet) is left out: the earliest date is still given
    r = ask(
        app, buyer, kit="ELDERLY-COVID", quantity="150", delivery_province="khuzestan", needed_by="1405/09"
    )
    assert r.status_code == 200 and "همهٔ ۱۵۰ بسته تا" in r.get_data(as_text=True)
    assert "بسته از" not in r.get_data(as_text=True)


@pytest.mark.parametrize(
    "args",
    [
        {"kit": "NO-SUCH-KIT", "quantity": "5", "delivery_province": "tehran"},
        {"kit": "ELDERLY-COVID", "quantity": "0", "delivery_province": "tehran"},
        {"kit": "ELDERLY-COVID", "quantity": "پنج", "delivery_province": "tehran"},
        {"kit": "ELDERLY-COVID", "quantity": "5", "delivery_province": "atlantis"},
        {"kit": "ELDERLY-COVID", "delivery_province": "tehran"},
    ],
)
def test_what_cannot_be_quoted_is_a_422_in_the_readers_language(
    api: ApiClient, app: Flask, args: dict[str, str]
):
    before = counts(app)
    r = ask(app, api.buyer(), **args)
    assert r.status_code == 422
    text = r.get_data(as_text=True)
    assert 'class="quote-problem"' in text and re.search("[\u0600-\u06ff]", text), text
    assert counts(app) == before


def test_only_buyers_and_admins_get_a_quote(api: ApiClient, app: Flask):
    args = {"kit": "ELDERLY-COVID", "quantity": "5", "delivery_province": "tehran"}
    assert ask(app, api.admin(), **args).status_code == 200
    assert ask(app, api.business(approve=False), **args).status_code == 403
    r = app.test_client().get("/orders/quote", query_string=args)
    assert r.status_code == 302 and "/signin" in r.headers["Location"]


def test_the_order_page_says_when_waiting_units_could_come_and_only_while_they_wait(
    api: ApiClient, app: Flask, clock: Clock
):
    api.business(api.admin(), province="lorestan", city="Khorramabad", weekly_capacity=70)
    buyer = api.buyer()
    waiting = api.order(buyer, clock, quantity=150, delivery_province="khuzestan", days=10)
    placed = api.order(buyer, clock, quantity=10, delivery_province="khuzestan", days=60)
    assert waiting["unallocated_quantity"] == 60 and placed["unallocated_quantity"] == 0
    pages = signed_in(app, buyer)
    page = pages.text(f"/orders/{waiting['id']}")
    assert 'class="quote waiting-quote"' in page and "۶۰ بسته در انتظار کارگاهی" in page
    assert "محل ساخت: لرستان." in page
    assert 'class="quote waiting-quote"' not in pages.text(f"/orders/{placed['id']}")
    # another buyer's order stays another's
    assert signed_in(app, api.buyer()).get(f"/orders/{waiting['id']}").status_code == 404


def test_in_english_the_fragment_is_english_with_latin_digits(api: ApiClient, app: Flask, clock: Clock):
    api.business(api.admin(), province="lorestan", city="Khorramabad", weekly_capacity=70)
    pages = signed_in(app, api.buyer())
    pages.post("/language/en", {}, page="/orders")
    day = local_today(clock) + timedelta(days=10)
    args = {"kit": "ELDERLY-COVID", "quantity": "150", "delivery_province": "khuzestan"}
    r = pages.get("/orders/quote", query_string=args | {"needed_by": day.isoformat()})
    text = r.get_data(as_text=True)
    assert r.status_code == 200 and "90 of 150 kits could be delivered by" in text
    assert "Made in Lorestan." in text and not re.search("[\u0600-\u06ff]", text)
    r = pages.get("/orders/quote", query_string=args | {"quantity": "0"})
    assert r.status_code == 422 and 'class="quote-problem"' in r.get_data(as_text=True)
    assert not re.search("[\u0600-\u06ff]", r.get_data(as_text=True))
