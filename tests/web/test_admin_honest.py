"""The admin's pages say what an admin needs to decide: approvals waiting (with counts), why each
workshop got a job and what re-running matching would do, the audit log as sentences in the
reader's language, CSV exports in the reader's language (or for machines), wide tables, and a
suspend button that names the workshop once. Persian and English."""

from __future__ import annotations

import html
import re

import pytest
from flask import Flask

from market.extensions import db
from market.models import Business, Job

from ..support import Actor, ApiClient, Clock
from .test_admin_pages import Pages, job_of, read_csv, section

KIT_FA = "بسته بهداشتی کووید-۱۹ ویژه سالمندان"


@pytest.fixture
def admin(api: ApiClient) -> Actor:
    return api.admin()


@pytest.fixture
def pages(app: Flask, admin: Actor) -> Pages:
    return Pages(app, admin.email)


def text_of(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", fragment))


# --- dashboard ------------------------------------------------------------------------------------


def test_the_dashboard_counts_workshops_and_buyers_awaiting_approval(
    api: ApiClient, admin: Actor, pages: Pages
):
    api.business(admin, approve=False, name="کارگاه امید")
    api.business(admin, approve=False, name="کارگاه نور")
    api.business(admin, name="کارگاه تأییدشده")
    api.buyer(verified=False)
    block = section(pages.get("/admin"), "approvals")
    shops = re.search(r'id="workshops-waiting-stat">(.*?)</li>', block, re.S)
    buyers = re.search(r'id="buyers-waiting-stat">(.*?)</li>', block, re.S)
    assert shops and '<span class="value">۲</span>' in shops.group(1)
    assert 'href="/admin/businesses?status=pending"' in shops.group(1)
    assert buyers and '<span class="value">۱</span>' in buyers.group(1)
    assert "کارگاه امید" in block and "کارگاه نور" in block and "کارگاه تأییدشده" not in block
    english = section(pages.english().get("/admin"), "approvals")
    assert "workshops awaiting approval" in english and "buyers awaiting verification" in english
    assert '<span class="value">2</span>' in english


def test_with_nothing_to_approve_the_counts_are_zero(api: ApiClient, admin: Actor, pages: Pages):
    block = section(pages.get("/admin"), "approvals")
    assert block.count('<span class="value">۰</span>') == 2
    assert 'id="workshops-waiting"' not in block


# --- the admin's order page -----------------------------------------------------------------------


def test_the_order_page_says_why_each_workshop_was_chosen(
    app: Flask, api: ApiClient, admin: Actor, pages: Pages, clock: Clock
):
    near = api.business(admin, name="کارگاه کرمانشاه", province="kermanshah", weekly_capacity=70)
    order = api.order(api.buyer(), clock, quantity=50, days=30)
    page = pages.get(f"/admin/orders/{order['id']}")
    row = re.search(rf'<tr id="job-{job_of(order, near)}">(.*?)</tr>', page, re.S)
    assert row, page
    cells = text_of(row.group(1))
    assert "کارگاه کرمانشاه" in cells
    assert "نزدیک‌ترین کارگاه دارای ظرفیت" in cells  # the rule, in Persian
    assert "همان استان" in cells  # distance 0
    assert "۲۹۰ بسته" in cells  # free capacity before: 10 a day for 29 days
    assert "۰٪" in cells  # utilization before
    english = pages.english().get(f"/admin/orders/{order['id']}")
    assert "nearest workshop with room" in english and "same province" in english and "290 kits" in english


def test_an_explanation_with_other_keys_is_shown_without_failing(
    app: Flask, api: ApiClient, admin: Actor, pages: Pages, clock: Clock
):
    shop = api.business(admin, weekly_capacity=70)
    order = api.order(api.buyer(), clock, quantity=20)
    job_id = job_of(order, shop)
    with app.app_context():  # the batch allocator's dict, with one figure missing and a new rule
        db.session.get(Job, job_id).match = {"rule": "batch", "distance": 412, "unit_km_saved": 1200}
        db.session.commit()
    page = pages.english().get(f"/admin/orders/{order['id']}")
    cells = text_of(re.search(rf'<tr id="job-{job_id}">(.*?)</tr>', page, re.S).group(1))
    assert "bulk allocation" in cells and "412 km" in cells and "1,200 kit-km" in cells
    assert "—" in cells  # free capacity and utilization are not in this explanation
    with app.app_context():
        db.session.get(Job, job_id).match = {"rule": "some_future_rule"}
        db.session.commit()
    assert "some_future_rule" in pages.get(f"/admin/orders/{order['id']}")


def test_the_order_page_says_what_re_running_matching_would_do_and_changes_nothing(
    app: Flask, api: ApiClient, admin: Actor, pages: Pages, clock: Clock
):
    api.business(admin, weekly_capacity=7)  # 7 a week: 28 kits before day 28
    order = api.order(api.buyer(), clock, quantity=100, days=30)
    assert order["status"] == "awaiting_capacity"
    later = api.business(admin, approve=False, weekly_capacity=70, province="lorestan")
    app.config["TESTING_NO_LAZY_SWEEP"] = True  # the embedded mode's sweep would match it meanwhile
    with app.app_context():  # room appears without matching running (as between a change and its job)
        db.session.get(Business, later.business_id).status = "approved"
        db.session.commit()
        before = db.session.query(Job).count()
    page = pages.get(f"/admin/orders/{order['id']}")
    lines = text_of(section(page, "dry-run"))
    assert "بدون هیچ تغییری" in lines
    assert 'action="/admin/orders/' in page and "/rematch" in page  # the button is beside it
    offers = re.search(r'<table class="wide" id="would-offer">(.*?)</table>', page, re.S)
    assert offers, page
    assert "لرستان" in text_of(offers.group(1))  # the workshop that has room now
    with app.app_context():
        assert db.session.query(Job).count() == before  # the dry run held nothing
    english = pages.english().get(f"/admin/orders/{order['id']}")
    assert "can be placed now" in text_of(section(english, "dry-run"))
    assert "The offers it would make" in english


def test_the_order_page_is_404_for_no_order_and_403_for_others(app: Flask, api: ApiClient, pages: Pages):
    assert pages.client.get("/admin/orders/999999").status_code == 404
    buyer = api.buyer()
    other = Pages(app, buyer.email)
    assert other.client.get("/admin/orders/1").status_code == 403


def test_the_orders_list_links_to_the_admin_order_page_and_has_no_dot_separator(
    api: ApiClient, admin: Actor, pages: Pages, clock: Clock
):
    api.business(admin)
    order = api.order(api.buyer(), clock, quantity=10)
    page = pages.get("/admin/orders")
    assert f'href="/admin/orders/{order["id"]}"' in page
    assert "·" not in re.sub(r"<title>.*?</title>", "", page, flags=re.S)
    assert '<td class="kit">' in page


# --- audit log ------------------------------------------------------------------------------------


def details(page: str) -> list[str]:
    return re.findall(r'<td class="detail sentence">(.*?)</td>', page, re.S)


def test_audit_entries_are_sentences_in_the_readers_language(
    api: ApiClient, admin: Actor, pages: Pages, clock: Clock
):
    shop = api.business(admin, weekly_capacity=70)
    order = api.order(api.buyer(), clock, quantity=10)
    job = job_of(order, shop)
    assert shop.post(f"/api/v1/jobs/{job}/accept").status_code == 200
    r = shop.post(f"/api/v1/jobs/{job}/ship", json={"carrier": "Tipax (express)", "tracking_code": "TX-1"})
    assert r.status_code == 200
    fa = details(pages.get("/admin/audit"))
    joined = " ".join(text_of(d) for d in fa)
    assert "سفارش داده شد" in joined and "کرمانشاه" in joined
    assert "Tipax (express)" in joined and "TX-1" in joined
    assert "<bdi>Tipax (express)</bdi>" in " ".join(fa)  # isolated: its parentheses stay in place
    assert not re.search(r"\b[a-z_]+: ", joined), joined  # no raw key: value
    assert "kermanshah" not in joined and "ELDERLY-COVID" not in joined
    en = " ".join(text_of(d) for d in details(pages.english().get("/admin/audit")))
    assert "Ordered 10 × " in en and "to be delivered to Kermanshah" in en
    assert "by the rule: nearest workshop with room" in en
    assert "The workshop was approved" in en


def test_an_unknown_audit_action_falls_back_to_its_label_and_isolated_details(
    app: Flask, api: ApiClient, admin: Actor, pages: Pages
):
    from market.services.common import audit

    with app.app_context():
        audit(None, "order.archived", "order", 1, note="(kept)")
        db.session.commit()
    [entry] = details(pages.english().get("/admin/audit?action=order.archived"))
    assert "order.archived." in entry and "note: <bdi>(kept)</bdi>" in entry


# --- CSV exports ----------------------------------------------------------------------------------


def test_csv_in_persian_has_persian_headers_names_jalali_dates_carrier_and_rule(
    api: ApiClient, admin: Actor, pages: Pages, clock: Clock
):
    shop = api.business(admin, name="کارگاه مهر")
    order = api.order(api.buyer(), clock, quantity=50)
    job = job_of(order, shop)
    assert shop.post(f"/api/v1/jobs/{job}/accept").status_code == 200
    assert (
        shop.post(f"/api/v1/jobs/{job}/ship", json={"carrier": "پست", "tracking_code": "IR-9"}).status_code
        == 200
    )
    _r, rows = read_csv(pages, "/admin/export/jobs.csv")
    header = rows[0]
    assert header[:4] == ["کار", "سفارش", "شمارهٔ کارگاه", "کارگاه"]
    row = dict(zip(header, rows[1], strict=True))
    assert row["بسته"] == KIT_FA
    assert row["استان تحویل"] == "کرمانشاه"
    assert row["شرکت حمل"] == "پست" and row["کد رهگیری"] == "IR-9"
    assert row["چرا این کارگاه"] == "نزدیک‌ترین کارگاه دارای ظرفیت"
    assert re.fullmatch(r"۱۴۰[۰-۹]/[۰-۹]{2}/[۰-۹]{2}", row["مهلت ساخت"]), row["مهلت ساخت"]
    assert re.fullmatch(r"۱۴۰[۰-۹]/[۰-۹]{2}/[۰-۹]{2} [۰-۹]{2}:[۰-۹]{2}", row["زمان ارسال"]), row["زمان ارسال"]
    assert row["تعداد"] == "50"  # numbers stay numbers for the spreadsheet
    _r, orders = read_csv(pages, "/admin/export/orders.csv")
    assert orders[0][0] == "سفارش" and "استان تحویل" in orders[0]
    o = dict(zip(orders[0], orders[1], strict=True))
    assert o["بسته"] == KIT_FA and o["استان تحویل"] == "کرمانشاه"
    assert re.fullmatch(r"۱۴۰[۰-۹]/[۰-۹]{2}/[۰-۹]{2} [۰-۹]{2}:[۰-۹]{2}", o["تاریخ سفارش"]), o


def test_csv_in_english_and_for_machines(api: ApiClient, admin: Actor, pages: Pages, clock: Clock):
    shop = api.business(admin)
    order = api.order(api.buyer(), clock, quantity=50)
    job_of(order, shop)
    pages.english()
    _r, rows = read_csv(pages, "/admin/export/jobs.csv")
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["Delivery province"] == "Kermanshah" and row["Status"] == "offered"
    assert row["Why this workshop"] == "nearest workshop with room"
    assert re.fullmatch(r"\d{4}-\d\d-\d\d", row["Production deadline"])
    _r, machine = read_csv(pages, "/admin/export/jobs.csv?format=machine")
    m = dict(zip(machine[0], machine[1], strict=True))
    assert (
        m["delivery_province"] == "kermanshah"
        and m["kit"] == "ELDERLY-COVID"
        and m["rule"] == "nearest_first"
    )
    assert m["offered_at"].endswith("+03:30")


# --- wide tables, the suspend button --------------------------------------------------------------


def test_the_suspend_button_names_the_workshop_once(api: ApiClient, admin: Actor, pages: Pages):
    api.business(admin, name="کارگاه مهر بانوان")
    page = pages.get("/admin/businesses")
    assert "تعلیق: کارگاه مهر بانوان" in page
    assert "کارگاه کارگاه" not in page
    assert "Suspend: کارگاه مهر بانوان" in pages.english().get("/admin/businesses")
