"""Shipping what is made on the workshop's jobs page, the cancelled job that stays on it, and the
buyer's order page that tells the truth about each step (through the Flask test client)."""

from __future__ import annotations

import html
import re
from typing import Any

from flask import Flask

from ..support import Actor, ApiClient, Clock
from .test_workshop_pages import Pages, accepted_job, error_of, job_of, signed_in, value_of


def order_of(buyer: Actor, order_id: int) -> dict[str, Any]:
    r = buyer.get(f"/api/v1/orders/{order_id}")
    assert r.status_code == 200
    return dict(r.get_json())


def deal(app: Flask, api: ApiClient, clock: Clock) -> tuple[Actor, Pages, Actor, dict[str, Any]]:
    """A workshop (signed in on the pages) that accepted the whole of a buyer's order of 50."""
    workshop, buyer = api.business(), api.buyer()
    pages = signed_in(app, workshop)
    [job] = api.order(buyer, clock, quantity=50)["jobs"]
    r = pages.post(f"/workshop/offers/{job['id']}/accept", {}, page="/workshop/offers")
    assert r.status_code == 302
    return workshop, pages, buyer, job_of(workshop, job["id"])


def ship(pages: Pages, job_id: int, typed: str) -> Any:
    """Press "Mark as shipped" with ``typed`` in the kits-shipped box."""
    return pages.post(
        f"/workshop/jobs/{job_id}/ship",
        {"shipped_quantity": typed},
        page="/workshop/jobs",
        prefix=f"ship{job_id}",
    )


def made(pages: Pages, workshop: Actor, job_id: int, n: int) -> None:
    r = pages.post(
        f"/workshop/jobs/{job_id}/progress",
        {"units_done": str(n)},
        page="/workshop/jobs",
        prefix=f"progress{job_id}",
    )
    assert r.status_code == 302
    assert job_of(workshop, job_id)["units_done"] == n


def test_the_ship_box_is_prefilled_with_the_kits_made_and_ships_them(
    app: Flask, api: ApiClient, clock: Clock
):
    workshop, pages, buyer, job = deal(app, api, clock)
    assert value_of(pages.text("/workshop/jobs"), f"ship{job['id']}-shipped_quantity") == ""  # none made yet
    made(pages, workshop, job["id"], 20)
    assert value_of(pages.text("/workshop/jobs"), f"ship{job['id']}-shipped_quantity") == "۲۰"
    r = ship(pages, job["id"], "۲۰")
    assert r.status_code == 302
    got = job_of(workshop, job["id"])
    assert (got["status"], got["quantity"], got["units_done"]) == ("shipped", 20, 20)
    api.settle()
    order = order_of(buyer, got["order_id"])
    assert order["unallocated_quantity"] == 0  # the other 30 were matched again
    assert sum(j["quantity"] for j in order["jobs"] if j["status"] == "offered") == 30


def test_a_bad_shipped_quantity_is_said_beside_the_box_and_changes_nothing(
    app: Flask, api: ApiClient, clock: Clock
):
    workshop = api.business()
    pages = signed_in(app, workshop)
    job = accepted_job(app, api, clock, workshop, pages)
    box = f"ship{job['id']}-shipped_quantity"
    for typed, expected in [("۵۱", "۵۰"), ("0", "۱"), ("بیست", None), ("", None)]:
        r = ship(pages, job["id"], typed)
        assert r.status_code == 422, typed
        message = error_of(r.get_data(as_text=True), box)
        assert message and (expected is None or expected in message), (typed, message)
        assert job_of(workshop, job["id"])["status"] == "accepted"


def test_another_workshops_job_cannot_be_shipped_from_the_page(app: Flask, api: ApiClient, clock: Clock):
    owner = api.business()
    job = accepted_job(app, api, clock, owner, signed_in(app, owner))
    other = signed_in(app, api.business(province="fars"))
    r = ship(other, job["id"], "5")
    assert r.status_code == 404
    assert job_of(owner, job["id"])["status"] == "accepted"


def test_cancelling_an_order_in_production_asks_for_a_confirmation_with_the_kits_made(
    app: Flask, api: ApiClient, clock: Clock
):
    workshop, pages, buyer_actor, job = deal(app, api, clock)
    made(pages, workshop, job["id"], 12)
    order_id = job["order_id"]
    buyer = signed_in(app, buyer_actor)
    page = buyer.text(f"/orders/{order_id}")
    warning = html.unescape(re.search(r'<p class="warning" id="cancel-made">([^<]*)</p>', page).group(1))
    assert "۱۲" in warning and "۵۰" in warning
    r = buyer.post(f"/orders/{order_id}/cancel", {"reason": "no longer needed"}, page=f"/orders/{order_id}")
    assert r.status_code == 422
    assert error_of(r.get_data(as_text=True), "confirm")
    assert order_of(buyer_actor, order_id)["status"] == "in_production"
    r = buyer.post(f"/orders/{order_id}/cancel", {"confirm": "y"}, page=f"/orders/{order_id}")
    assert r.status_code == 302
    assert order_of(buyer_actor, order_id)["status"] == "cancelled"
    # the workshop still sees the job, cancelled, with what it had made
    jobs_page = pages.text("/workshop/jobs")
    assert f"#{digits_fa(order_id)}" in jobs_page
    assert "۱۲ از ۵۰" in html.unescape(jobs_page)


def digits_fa(n: int) -> str:
    from persiantools import digits

    return str(digits.en_to_fa(str(n)))


def test_the_order_page_prefills_what_arrived_in_persian_and_shows_the_buyers_own_note(
    app: Flask, api: ApiClient, clock: Clock
):
    workshop, pages, buyer_actor, job = deal(app, api, clock)
    made(pages, workshop, job["id"], 30)
    assert ship(pages, job["id"], "۳۰").status_code == 302
    buyer = signed_in(app, buyer_actor)
    page = buyer.text(f"/orders/{job['order_id']}")
    assert value_of(page, f"job{job['id']}-received_quantity") == "۳۰"
    r = buyer.post(
        f"/jobs/{job['id']}/deliver",
        {"received_quantity": "۲۸", "note": "دو بسته آسیب دیده بود"},
        page=f"/orders/{job['order_id']}",
        prefix=f"job{job['id']}",
    )
    assert r.status_code == 302
    page = html.unescape(buyer.text(f"/orders/{job['order_id']}"))
    assert 'یادداشت شما: <bdi lang="fa">دو بسته آسیب دیده بود</bdi>' in page  # isolated (user_text)
    assert "کسری: ۲ بسته." in page
    assert re.search(r'<dd id="count-received">۲۸</dd>', page)


def test_the_timeline_tells_a_decline_and_the_re_match_without_the_workshops_reason(
    app: Flask, api: ApiClient, clock: Clock
):
    admin = api.admin()
    near = api.business(admin, name="Near workshop", province="kermanshah")
    far = api.business(admin, name="Far workshop", province="lorestan")
    buyer_actor = api.buyer()
    order = api.order(buyer_actor, clock, quantity=20)
    [job] = order["jobs"]
    assert job["business_id"] == near.business_id
    r = near.post(f"/api/v1/jobs/{job['id']}/decline", json={"reason": "our own private reason"})
    assert r.status_code == 200
    api.settle()
    page = html.unescape(signed_in(app, buyer_actor).text(f"/orders/{order['id']}"))
    history = page[page.index('<ol class="timeline">') :]
    assert "Near workshop (کرمانشاه) ساخت ۲۰ بسته را نپذیرفت" in history
    assert "سپردن دوباره: ۲۰ بسته به Far workshop (لرستان) پیشنهاد شد." in history
    assert "private reason" not in page
    assert "در انتظار پاسخ کارگاه تا" in page and "در انتظار پاسخ کارگاه‌ها" in page
    assert far.business_id
