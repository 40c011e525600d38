"""The workshop's pages tell the truth: the calendar counts load as the capacity rule does, sign-in
lands on the offers when any wait (with their count in the menu), offers and jobs show what the
workshop earns and the profile the month's total; cities in the reader's language; no "·" beside
Persian digits. Persian and English."""

from __future__ import annotations

import re

from flask import Flask

from ..support import PASSWORD, ApiClient, Clock
from .test_workshop_pages import Pages, offered_job, signed_in

PRICE = 12_500_000  # ELDERLY-COVID's price, rials


def weeks_of(page: str) -> list[str]:
    return re.findall(r'<li class="week[^"]*">(.*?)</div>\s*</li>', page, re.S)


def test_a_week_served_by_earlier_production_is_not_marked_over(app: Flask, api: ApiClient, clock: Clock):
    # 7 kits a week; 10 kits due on day 14 (needed on day 15, one day in transit): week 2 makes only
    # 7, but week 1 has nothing due and makes 7 ahead; the rule holds the offer, so must the page.
    workshop = api.business(weekly_capacity=7)
    offered_job(api, clock, workshop, quantity=10, days=15)
    page = signed_in(app, workshop).text("/workshop")
    weeks = weeks_of(page)
    assert len(weeks) == 8
    assert "بسته‌های با موعد این هفته: ۱۰" in weeks[1]
    assert "توان ساخت شما: ۷" in weeks[1]
    assert "ساخته‌شده در هفته‌های پیش: ۷" in weeks[1]
    assert not re.search(r'<li class="week over">', page)
    assert "over-text" not in page
    assert "·" not in "".join(weeks)


def test_a_deadline_that_cannot_be_met_is_marked_with_the_units_short(app: Flask, api: ApiClient, clock):
    workshop = api.business(weekly_capacity=70)
    offered_job(api, clock, workshop, quantity=50, days=10)  # 50 due on day 9: 90 can be made
    with app.app_context():  # the workshop cuts its line afterwards, as an admin may see it
        from market.extensions import db
        from market.models import Business

        db.session.get(Business, workshop.business_id).weekly_capacity = 14  # 18 by day 9
        db.session.commit()
    page = Pages(app)
    page.sign_in(workshop.email)
    weeks = weeks_of(page.text("/workshop"))
    assert "۳۲ بسته تا موعدشان ساخته نمی‌شوند" in weeks[1]
    assert '<li class="week over">' in page.text("/workshop")


def test_in_english_the_calendar_says_what_was_made_ahead(app: Flask, api: ApiClient, clock: Clock):
    workshop = api.business(weekly_capacity=7)
    offered_job(api, clock, workshop, quantity=10, days=15)
    pages = signed_in(app, workshop)
    pages.post("/language/en", {}, page="/workshop")
    weeks = weeks_of(pages.text("/workshop"))
    assert "Made ahead in earlier weeks: 7" in weeks[1] and "Kits due: 10" in weeks[1]
    assert "cannot be made" not in "".join(weeks)


def test_sign_in_lands_on_the_offers_with_their_count_in_the_menu(app: Flask, api: ApiClient, clock: Clock):
    workshop = api.business()
    offered_job(api, clock, workshop, quantity=20)
    offered_job(api, clock, workshop, quantity=20)
    pages = Pages(app)
    r = pages.post("/signin", {"email": workshop.email, "password": PASSWORD}, page="/signin")
    assert r.status_code == 302 and r.headers["Location"].endswith("/workshop/home")
    r = pages.get("/workshop/home")
    assert r.headers["Location"].endswith("/workshop/offers")
    page = pages.text("/workshop/offers")
    link = re.search(r'<a href="/workshop/offers" id="offers-link"[^>]*>(.*?)</a>', page, re.S)
    assert link and '<span class="badge">۲</span>' in link.group(1)
    assert 'aria-label="پیشنهادها: ۲ پیشنهاد در انتظار پاسخ شما"' in page


def test_without_offers_sign_in_lands_on_the_profile_and_the_menu_shows_no_count(app: Flask, api: ApiClient):
    workshop = api.business()
    pages = signed_in(app, workshop)
    r = pages.get("/workshop/home")
    assert r.headers["Location"].endswith("/workshop")
    page = pages.text("/workshop")
    link = re.search(r'<a href="/workshop/offers" id="offers-link"[^>]*>(.*?)</a>', page, re.S)
    assert link and "badge" not in link.group(1)


def test_another_role_cannot_use_the_workshop_landing(app: Flask, api: ApiClient):
    pages = signed_in(app, api.buyer())
    assert pages.get("/workshop/home").status_code == 403


def test_offers_and_jobs_show_what_the_workshop_earns_and_the_profile_the_month(
    app: Flask, api: ApiClient, clock: Clock
):
    workshop = api.business()
    job = offered_job(api, clock, workshop, quantity=12)
    pages = signed_in(app, workshop)
    offers = pages.text("/workshop/offers")
    earned = 12 * PRICE
    assert "درآمد شما" in offers and "۱۵۰٬۰۰۰٬۰۰۰ ریال" in offers
    assert "۱۲ بسته × ۱۲٬۵۰۰٬۰۰۰ ریال" in offers
    assert "Price to the buyer" not in offers and "قیمت برای خریدار" not in offers
    assert workshop.post(f"/api/v1/jobs/{job['id']}/accept").status_code == 200
    assert "۱۵۰٬۰۰۰٬۰۰۰ ریال" in pages.text("/workshop/jobs")
    profile = pages.text("/workshop")
    month = re.search(r'<div class="stat" id="month-earnings">(.*?)</div>\s*</div>', profile, re.S)
    assert month and "۰ ریال" in month.group(1)  # nothing shipped yet this month
    r = workshop.post(f"/api/v1/jobs/{job['id']}/ship", json={"carrier": "Post", "tracking_code": "T1"})
    assert r.status_code == 200
    profile = pages.text("/workshop")
    month = re.search(r'<div class="stat" id="month-earnings">(.*?)</div>\s*</div>', profile, re.S)
    assert earned == 150_000_000
    assert month and "۱۵۰٬۰۰۰٬۰۰۰ ریال" in month.group(1)
    assert "۱۲ بسته" in month.group(1)
    pages.post("/language/en", {}, page="/workshop")
    english = pages.text("/workshop")
    assert "150,000,000 rials" in english and re.search(r"earned in \w+ 14\d\d", english)
    assert "You earn" in pages.text("/workshop/jobs")


def test_cities_are_in_persian_on_persian_pages_and_in_english_on_english_ones(app: Flask, api: ApiClient):
    workshop = api.business(city="Borujerd", province="lorestan")
    pages = signed_in(app, workshop)
    assert '<dd><bdi lang="fa">بروجرد</bdi></dd>' in pages.text("/workshop")
    pages.post("/language/en", {}, page="/workshop")
    assert "<dd><bdi>Borujerd</bdi></dd>" in pages.text("/workshop")
    other = api.business(city="Some village")
    assert "<dd><bdi>Some village</bdi></dd>" in signed_in(app, other).text("/workshop")  # unknown: as typed


def test_the_page_title_has_no_dot_beside_digits(app: Flask, api: ApiClient, clock: Clock):
    workshop = api.business()
    page = signed_in(app, workshop).text("/workshop")
    title = re.search(r"<title>(.*?)</title>", page, re.S)
    assert title and "·" not in title.group(1)


def test_no_dot_separator_on_any_workshop_page(app: Flask, api: ApiClient, clock: Clock):
    workshop = api.business()
    job = offered_job(api, clock, workshop, quantity=12)
    assert workshop.post(f"/api/v1/jobs/{job['id']}/accept").status_code == 200
    r = workshop.post(f"/api/v1/orders/{job['order_id']}/messages", json={"text": "۱۲ بسته آماده می‌شود"})
    assert r.status_code == 201, r.get_json()
    pages = signed_in(app, workshop)
    thread = f"/threads/{job['order_id']}"
    for path in ("/workshop", "/workshop/offers", "/workshop/jobs", "/notifications", thread):
        assert "·" not in pages.text(path), path
