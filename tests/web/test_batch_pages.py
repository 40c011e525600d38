"""Bulk orders from a CSV file (issue 9) and buyer verification pages (issue 8, finding 2), through
the pages: reading files as people make them, the preview with every error by line, the confirm,
the progress page, the admin's buyers page and dashboard, and the cap on the order form."""

from __future__ import annotations

import html
import io
import re
from datetime import date, timedelta

import pytest
from flask import Flask
from persiantools import digits
from persiantools.jdatetime import JalaliDate
from sqlalchemy import func, select

from market.extensions import db
from market.models import Kit, Order, OrderBatch
from market.web import batch_csv

from ..api.test_batches import pending
from ..api.test_buyers import limited_app  # noqa: F401  (a fixture)
from ..support import Actor, ApiClient, Clock, local_today, wait_for
from .test_admin_pages import Pages

KITS = [
    Kit(code="ELDERLY-COVID", name_en="COVID-19 kit for the elderly", name_fa="بسته کووید-۱۹ ویژه سالمندان"),
    Kit(code="PREGNANT-HYGIENE", name_en="Kit for pregnant women", name_fa="بسته بهداشتی ویژه زنان باردار"),
]
HIDDEN = re.compile(r'<input id="(\w+)" name="\w+" type="hidden" value="([^"]*)"')
EN_HEADER = "kit,quantity,delivery province,delivery address,needed by"


def hidden_fields(page: str) -> dict[str, str]:
    """The confirm form's fields, as the browser would post them."""
    return {k: html.unescape(v) for k, v in HIDDEN.findall(page)}


def jalali_numeric(d: date, persian_digits: bool = True) -> str:
    text = JalaliDate.to_jalali(d).strftime("%Y/%m/%d")
    return digits.en_to_fa(text) if persian_digits else text


def jalali_words(d: date) -> str:
    j = JalaliDate.to_jalali(d)
    return digits.en_to_fa(f"{j.day} {batch_csv.JALALI_MONTHS[j.month - 1]} {j.year}")


def count(app: Flask, model: type) -> int:
    with app.app_context():
        return int(db.session.scalar(select(func.count()).select_from(model)) or 0)


# --- reading files ---------------------------------------------------------------------------------


def test_persian_headers_digits_names_and_jalali_dates_are_read():
    due = date(2026, 12, 21)  # 1405/09/30
    text = (
        "بسته,تعداد,استان تحویل,نشانی تحویل,تاریخ نیاز,یادداشت\n"
        "بسته بهداشتی ویژه زنان باردار,۱٬۲۰۰,کرمانشاه,مرکز بهداشت ۲,۱۴۰۵/۰۹/۳۰,فوری\n"
        "ELDERLY-COVID,45,استان فارس,درمانگاه شیراز,۲۹ آذر ۱۴۰۵,\n"
        "elderly-covid,٣٠,Tehran,Clinic 9,2026-12-21,\n"
        ",,,,,\n"  # an empty line is skipped
        "ELDERLY-COVID,بیست,Atlantis,x,1405/13/40,\n"
    )
    sheet = batch_csv.read(text, KITS)
    assert sheet.orders[0] == {
        "kit": "PREGNANT-HYGIENE",
        "quantity": 1200,
        "delivery_province": "kermanshah",
        "delivery_address": "مرکز بهداشت ۲",
        "needed_by": due.isoformat(),
        "note": "فوری",
    }
    assert sheet.orders[1]["delivery_province"] == "fars" and sheet.orders[1]["needed_by"] == "2026-12-20"
    assert sheet.orders[1]["quantity"] == 45 and "note" not in sheet.orders[1]
    assert sheet.orders[2]["kit"] == "ELDERLY-COVID" and sheet.orders[2]["quantity"] == 30
    assert (
        sheet.orders[2]["needed_by"] == due.isoformat() and sheet.orders[2]["delivery_province"] == "tehran"
    )
    # what cannot be understood is passed on as written, for the batch's validation to report
    assert sheet.orders[3]["quantity"] == "بیست" and sheet.orders[3]["delivery_province"] == "Atlantis"
    assert sheet.orders[3]["needed_by"] == "1405/13/40"
    assert len(sheet.orders) == len(sheet.cells) == 4


def test_english_headers_semicolons_excel_bom_and_windows_persian_are_read():
    text = "Kit;Quantity;Delivery Province;Delivery Address;Needed By\n"
    text += "ELDERLY-COVID;10;lorestan;Khorramabad;2026-12-01\n"
    assert batch_csv.read(text, KITS).orders[0]["delivery_province"] == "lorestan"
    assert batch_csv.decode(("\ufeff" + text).encode("utf-8")) == text
    assert batch_csv.decode(text.encode("utf-16")) == text
    persian = "بسته,تعداد,استان تحویل,نشانی تحویل,تاریخ نیاز\nELDERLY-COVID,5,كرمانشاه,مركز,1405/09/30\n"
    # Windows-1256 has no Persian yeh: Windows writes the Arabic one
    decoded = batch_csv.decode(persian.replace("ی", "ي").encode("cp1256"))
    assert batch_csv.read(decoded, KITS).orders[0]["delivery_province"] == "kermanshah"  # Arabic kaf too


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "empty"),
        ("kit,quantity,delivery province,delivery address,needed by\n", "empty"),
        ("kit,quantity,colour,delivery province,delivery address,needed by\n", "unknown_column"),
        ("kit,quantity,delivery address,needed by\nELDERLY-COVID,1,x,2026-12-01\n", "missing_column"),
        (EN_HEADER + "\n" + "ELDERLY-COVID,1,fars,x,2026-12-01\n" * 1001, "too_many"),
    ],
)  # fmt: skip
def test_a_file_that_cannot_be_read_says_why(text: str, code: str):
    with pytest.raises(batch_csv.FileProblem) as caught:
        batch_csv.read(text, KITS)
    assert caught.value.code == code


# --- upload, preview, confirm, progress --------------------------------------------------------------


def csv_file(text: str, name: str = "orders.csv") -> tuple[io.BytesIO, str]:
    return io.BytesIO(text.encode("utf-8")), name


def upload(pages: Pages, text: str, **extra: object) -> object:
    return pages.client.post(
        "/orders/batch/preview",
        data={"csrf_token": pages.token, "file": csv_file(text), **extra},
        content_type="multipart/form-data",
    )


def sheet_for(clock: Clock, quantity: str = "۴۰", date_text: str | None = None) -> str:
    due = local_today(clock) + timedelta(days=30)
    when = date_text or jalali_numeric(due)
    return (
        "بسته,تعداد,استان تحویل,نشانی تحویل,تاریخ نیاز,یادداشت\n"
        f"ELDERLY-COVID,۲۰,کرمانشاه,مرکز بهداشت ۱,{jalali_words(due)},\n"
        f"ELDERLY-COVID,{quantity},فارس,مرکز بهداشت ۲,{when},\n"
        f"بسته بهداشتی ویژه زنان باردار,15,tehran,Clinic 3,{due.isoformat()},note\n"
    )


def rows_with_errors(page: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for line, cells in re.findall(r'<tr id="line-(\d+)" class="has-error">(.*?)</tr>', page, re.S):
        found[line] = re.findall(r'data-field="(\w+)"', cells)
    return found


def test_a_buyer_uploads_sees_every_error_by_line_fixes_confirms_and_follows_matching(
    app: Flask, api: ApiClient, clock: Clock
):
    admin = api.admin()
    api.business(admin, province="kermanshah", weekly_capacity=700)
    buyer = api.buyer(organization="شبکه بهداشت کرمانشاه")
    pages = Pages(app, buyer.email)
    too_soon = jalali_numeric(local_today(clock))
    r = upload(pages, sheet_for(clock, quantity="صفر", date_text=too_soon))
    assert r.status_code == 422
    page = r.get_data(as_text=True)
    assert rows_with_errors(page) == {"3": ["needed_by", "quantity"]}
    assert "عددی صحیح از ۱ تا ۱٬۰۰۰٬۰۰۰ بنویسید." in html.unescape(page)
    assert "/orders/batch/confirm" not in page  # nothing to confirm while a line is bad
    assert count(app, Order) == 0

    r = upload(pages, sheet_for(clock))
    assert r.status_code == 200
    page = html.unescape(r.get_data(as_text=True))
    assert (
        rows_with_errors(page) == {}
        and 'برای <bdi lang="fa">شبکه بهداشت کرمانشاه</bdi>: ۳ سفارش، ۷۵ بسته.' in page
    )
    assert count(app, Order) == 0  # a preview stores nothing
    confirm = {
        k: html.unescape(v)
        for k, v in re.findall(r'<input id="(\w+)" name="\w+" type="hidden" value="([^"]*)"', page)
    }
    assert {"sheet", "key", "csrf_token"} <= set(confirm)
    r = pages.client.post("/orders/batch/confirm", data=confirm)
    assert r.status_code == 302, r.get_data(as_text=True)
    again = pages.client.post("/orders/batch/confirm", data=confirm)  # pressed twice: one batch
    assert again.status_code == 302 and again.headers["Location"] == r.headers["Location"]
    api.settle()
    assert count(app, Order) == 3 and count(app, OrderBatch) == 1
    progress = pages.get(r.headers["Location"])
    assert 'http-equiv="refresh"' not in progress  # every order matched: no more refreshing
    assert "۳ از ۳ سفارش به کارگاه‌ها سپرده شد" in progress
    assert re.search(r'id="count-placed">۲<', progress) and re.search(r'id="count-waiting">۱<', progress)
    # another buyer cannot see it
    other = Pages(app, api.buyer().email)
    other.get(r.headers["Location"], status=404)


def test_the_progress_page_refreshes_itself_while_orders_wait_to_be_matched(
    app: Flask, api: ApiClient, clock
):
    buyer = api.buyer()
    with app.app_context():
        from market.services import batches

        batch = batches.store(batches.buyers.get(buyer.id), batches.buyers.get(buyer.id), [])[0]
        db.session.add(
            Order(
                buyer_id=buyer.id,
                kit_id=1,
                quantity=5,
                delivery_province="fars",
                delivery_address="x",
                needed_by=local_today(clock) + timedelta(days=9),
                unit_price=1,
                status="pending",
                batch_id=batch.id,
            )
        )
        db.session.commit()
        batch_id = batch.id
    page = Pages(app, buyer.email).get(f"/orders/batch/{batch_id}")
    assert '<meta http-equiv="refresh" content="3">' in page
    assert "<script" not in page


def test_templates_download_in_both_languages_and_read_back_without_errors(app: Flask, api: ApiClient):
    pages = Pages(app, api.buyer().email)
    for lang, first in (("fa", "بسته"), ("en", "kit")):
        r = pages.client.get(f"/orders/batch/template-{lang}.csv")
        assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/csv")
        text = batch_csv.decode(r.get_data())
        assert text.split(",")[0] == first
        with app.app_context():
            from market.services import batches, catalog

            sheet = batch_csv.read(text, catalog.kits())
            assert batches.validate(sheet.orders)[1] == {}
    pages.get("/orders/batch/template-de.csv", status=404)


def test_a_bad_file_is_refused_with_a_reason_and_an_unverified_buyer_is_refused(app: Flask, api: ApiClient):
    pages = Pages(app, api.buyer().email)
    r = upload(pages, "kit,quantity,delivery address,needed by\nELDERLY-COVID,1,x,2026-12-01\n")
    assert r.status_code == 422 and "ستونی در پرونده نیست: استان تحویل." in html.unescape(
        r.get_data(as_text=True)
    )
    r = pages.client.post(
        "/orders/batch/preview",
        data={"csrf_token": pages.token, "file": (io.BytesIO(b"\xff\xff\x00"), "x.csv")},
        content_type="multipart/form-data",
    )
    assert r.status_code == 422
    unverified = Pages(app, api.buyer(verified=False).email)
    unverified.get("/orders/batch", status=403)
    assert upload(unverified, "kit\n").status_code == 403
    assert "/orders/batch" not in unverified.get("/orders")  # no menu entry either
    Pages(app, api.business(approve=False).email).get("/orders/batch", status=403)


def test_a_file_of_1000_lines_is_previewed_and_confirmed(app: Flask, api: ApiClient, clock: Clock):
    buyer = api.buyer()
    pages = Pages(app, buyer.email)
    due = (local_today(clock) + timedelta(days=40)).isoformat()
    text = "kit,quantity,delivery province,delivery address,needed by,note\n" + (
        f'ELDERLY-COVID,1,fars,"{"Health centre, Shiraz " * 4}",{due},{"n" * 40}\n' * 1000
    )
    assert len(text.encode()) > app.config["MAX_CONTENT_LENGTH"]
    r = upload(pages, text)
    assert r.status_code == 200
    page = r.get_data(as_text=True)
    confirm = {
        k: html.unescape(v)
        for k, v in re.findall(r'<input id="(\w+)" name="\w+" type="hidden" value="([^"]*)"', page)
    }
    r = pages.client.post("/orders/batch/confirm", data=confirm)
    assert r.status_code == 302
    assert count(app, Order) == 1000
    wait_for(lambda: pending(app) == 0, timeout=300, what="the batch's orders to be matched")


# --- admins: buyers page, dashboard, ordering for a buyer ---------------------------------------------


def test_an_admin_sees_buyers_awaiting_verification_and_verifies_one(app: Flask, api: ApiClient, admin_pages):
    pages, _admin = admin_pages
    waiting = api.buyer(verified=False, organization="داروخانه دکتر رازی")
    api.buyer(organization="Verified NGO")
    dashboard = pages.get("/admin")
    assert "داروخانه دکتر رازی" in dashboard and re.search(r'id="buyers-waiting-count">۱<', dashboard)
    listing = pages.get("/admin/buyers")
    assert f'id="buyer-{waiting.id}"' in listing and "Verified NGO" not in listing
    assert "Verified NGO" in pages.get("/admin/buyers?show=verified")
    r = pages.post(f"/admin/buyers/{waiting.id}/verify", next="/admin/buyers")
    assert pages.flashes(r) == [("success", "داروخانه دکتر رازی تأیید شد: سفارش‌هایش دیگر سقفی ندارد.")]
    assert waiting.get("/api/v1/me").get_json()["verified"] is True
    assert "هیچ خریداری در انتظار تأیید نیست." in pages.get("/admin")
    r = pages.post("/admin/buyers/999999/verify", next="/admin/buyers")
    assert pages.flashes(r) == [("error", "چنین خریداری وجود ندارد.")]
    Pages(app, waiting.email).get("/admin/buyers", status=403)


def test_an_admin_uploads_for_a_verified_buyer(app: Flask, api: ApiClient, clock: Clock, admin_pages):
    pages, _admin = admin_pages
    buyer = api.buyer(organization="Lorestan network")
    unverified = api.buyer(verified=False)
    form = pages.get(f"/orders/batch?buyer={buyer.id}")
    assert f'<option selected value="{buyer.id}">' in form and f'value="{unverified.id}"' not in form
    assert upload(pages, sheet_for(clock), buyer_id=str(unverified.id)).status_code == 422
    r = upload(pages, sheet_for(clock), buyer_id=str(buyer.id))
    assert r.status_code == 200
    page = r.get_data(as_text=True)
    confirm = {
        k: html.unescape(v)
        for k, v in re.findall(r'<input id="(\w+)" name="\w+" type="hidden" value="([^"]*)"', page)
    }
    assert confirm["buyer_id"] == str(buyer.id)
    assert pages.client.post("/orders/batch/confirm", data=confirm).status_code == 302
    api.settle()
    assert buyer.get("/api/v1/orders").get_json()["total"] == 3


@pytest.fixture
def admin_pages(app: Flask, api: ApiClient) -> tuple[Pages, Actor]:
    admin = api.admin()
    return Pages(app, admin.email), admin


# --- the order form and the cap ------------------------------------------------------------------------


def test_the_order_form_says_why_an_unverified_buyer_cannot_order_more(app: Flask, api: ApiClient, clock):
    buyer = api.buyer(verified=False)
    api.order(buyer, clock, quantity=900)
    pages = Pages(app, buyer.email)
    form = pages.get("/orders/new?key=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form)
    assert token
    r = pages.client.post(
        "/orders/new",
        data={
            "csrf_token": token.group(1),
            "kit": "ELDERLY-COVID",
            "quantity": "۲۰۰",
            "delivery_province": "kermanshah",
            "delivery_address": "مرکز بهداشت",
            "needed_by": jalali_numeric(local_today(clock) + timedelta(days=20)),
        },
    )
    assert r.status_code == 422
    page = html.unescape(r.get_data(as_text=True))
    assert "حساب شما هنوز تأیید نشده است" in page and "حداکثر ۱۰۰ بسته سفارش دهید" in page
    assert count(app, Order) == 1


def test_the_preview_speaks_english_too(app: Flask, api: ApiClient, clock: Clock):
    pages = Pages(app, api.buyer().email).english()
    text = EN_HEADER + "\nELDERLY-COVID,twenty,Atlantis,Clinic 1,2026-02-30\n"
    r = upload(pages, text)
    assert r.status_code == 422
    page = html.unescape(r.get_data(as_text=True))
    assert rows_with_errors(page) == {"2": ["delivery_province", "needed_by", "quantity"]}
    assert "Enter a whole number from 1 to 1,000,000." in page
    assert "No province of Iran has this name." in page
    assert "Lines with errors: 1. Nothing has been ordered" in page
    r = upload(pages, "kit,quantity\nELDERLY-COVID,1\n")
    assert "The file lacks a column: delivery province." in html.unescape(r.get_data(as_text=True))


def test_the_order_form_shares_the_per_account_limit_on_posting_orders(
    limited_app: Flask,  # noqa: F811  (the fixture imported above)
    clock: Clock,
):
    api = ApiClient(limited_app, limited_app.test_client(), lambda: None)
    buyer = api.buyer()
    pages = Pages(limited_app, buyer.email)
    for _ in range(4):
        pages.get("/orders/new?key=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")  # the form: no post
    body = {
        "kit": "ELDERLY-COVID",
        "quantity": "5",
        "delivery_province": "kermanshah",
        "delivery_address": "مرکز بهداشت",
        "needed_by": (local_today(clock) + timedelta(days=20)).isoformat(),
    }
    statuses = [pages.post("/orders/new", body).status_code for _ in range(3)]
    assert statuses == [302, 302, 302]
    assert pages.post("/orders/new", body).status_code == 429
    assert buyer.post("/api/v1/orders/batch", json={"orders": []}).status_code == 429  # one allowance
    assert api.buyer().post("/api/v1/orders", json={**body, "quantity": 5}).status_code == 201
