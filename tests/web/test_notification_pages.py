"""The pages of notifications, channel choices and order threads, through the Flask test client
(the browser walk-through is in test_browser_notifications.py)."""

from __future__ import annotations

import html
import re

from persiantools import digits

from ..support import ApiClient, Clock
from .test_workshop_pages import error_of, flashes, signed_in


def unread_badge(page: str) -> str | None:
    found = re.search(r'id="unread-count"[^>]*>[^<]*<span class="badge">([^<]*)</span>', page)
    return found.group(1) if found else None


def test_the_header_counts_unread_and_opening_one_reads_it(app, api: ApiClient, clock: Clock):
    admin = api.admin()
    shop = api.business(admin)
    order = api.order(api.buyer(), clock, quantity=30)
    job_id = order["jobs"][0]["id"]
    pages = signed_in(app, shop)
    home = pages.text("/workshop")
    assert unread_badge(home) == "۲"  # approved, then an offer: Persian digits
    listing = pages.text("/notifications")
    assert "پیشنهاد تازه" in html.unescape(listing)
    [first] = re.findall(r'href="(/n/\d+)"', listing)[:1]
    r = pages.get(first)
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/workshop/offers#job-{job_id}")
    assert unread_badge(pages.text("/workshop")) == "۱"
    r = pages.post("/notifications/read-all", {}, page="/notifications")
    assert r.status_code == 302
    assert flashes(pages.text("/notifications")) == [f"{digits.en_to_fa('1')} اعلان خوانده‌شده علامت خورد."]
    assert unread_badge(pages.text("/workshop")) is None


def test_another_users_notification_cannot_be_opened(app, api: ApiClient, clock: Clock):
    shop = api.business(api.admin())
    api.order(api.buyer(), clock, quantity=30)
    theirs = signed_in(app, shop).text("/notifications")
    [link] = re.findall(r'href="(/n/\d+)"', theirs)[:1]
    stranger = signed_in(app, api.buyer())
    assert stranger.get(link).status_code == 404
    assert unread_badge(signed_in(app, shop).text("/workshop")) == "۲"


def test_channel_choices_on_the_account_page(app, api: ApiClient):
    buyer = api.buyer()
    pages = signed_in(app, buyer)
    form = {"locale": "fa", "phone": "", "notify_email": "y", "notify_sms": "y", "digest": "instant"}
    r = pages.post("/account", form, page="/account")
    assert r.status_code == 422
    assert error_of(r.get_data(as_text=True), "phone")
    assert buyer.get("/api/v1/me").get_json()["notify_sms"] is False  # nothing saved
    r = pages.post("/account", {**form, "phone": "09121234567", "digest": "daily"}, page="/account")
    assert r.status_code == 302
    me = buyer.get("/api/v1/me").get_json()
    assert (me["notify_sms"], me["phone"], me["digest"], me["notify_email"]) == (
        True,
        "09121234567",
        "daily",
        True,
    )
    r = pages.post("/account", {"locale": "en", "digest": "instant"}, page="/account")  # boxes unticked
    me = buyer.get("/api/v1/me").get_json()
    assert (me["locale"], me["notify_email"], me["notify_sms"]) == ("en", False, False)


def test_the_thread_on_the_order_page_and_the_workshop_thread_page(app, api: ApiClient, clock: Clock):
    admin = api.admin()
    shop = api.business(admin)
    buyer = api.buyer()
    order = api.order(buyer, clock, quantity=30)
    order_page = f"/orders/{order['id']}"
    buyer_pages = signed_in(app, buyer)
    r = buyer_pages.post(f"/orders/{order['id']}/messages", {"text": "لطفاً بسته‌بندی محکم"}, page=order_page)
    assert r.status_code == 302
    assert "لطفاً بسته‌بندی محکم" in html.unescape(buyer_pages.text(order_page))
    shop_pages = signed_in(app, shop)
    thread = f"/threads/{order['id']}"
    assert "لطفاً بسته‌بندی محکم" in html.unescape(shop_pages.text(thread))
    assert shop.post(f"/api/v1/jobs/{order['jobs'][0]['id']}/accept").status_code == 200
    assert f'href="{thread}#messages"' in shop_pages.text("/workshop/jobs")
    r = shop_pages.post(thread, {"text": "Sure."}, page=thread)
    assert r.status_code == 302
    assert "Sure." in buyer_pages.text(order_page)
    r = shop_pages.post(thread, {"text": "   "}, page=thread)
    assert r.status_code == 422
    stranger = signed_in(app, api.business(admin, province="fars", city="Shiraz"))
    assert stranger.get(thread).status_code == 404
    other_buyer = signed_in(app, api.buyer())
    assert other_buyer.get(thread).status_code == 404
    r = other_buyer.post(f"/orders/{order['id']}/messages", {"text": "hi"}, page="/notifications")
    assert r.status_code == 404
    assert [m["text"] for m in buyer.get(f"/api/v1/orders/{order['id']}/messages").get_json()["items"]] == [
        "لطفاً بسته‌بندی محکم",
        "Sure.",
    ]
