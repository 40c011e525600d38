"""A buyer in a real browser: sign up, order, follow; in Persian (the default) and in English."""

from __future__ import annotations

import re
from datetime import date, timedelta

from persiantools import digits
from persiantools.jdatetime import JalaliDate
from playwright.sync_api import Page, expect

from ..support import PASSWORD, ApiClient, Clock, local_today
from .conftest import LiveServer, screenshot

LATIN_DIGIT = re.compile(r"[0-9]")


def jalali(d: date) -> str:
    """How the pages write a date in Persian: ۲۸ آذر ۱۴۰۵."""
    return str(JalaliDate.to_jalali(d).strftime("%d %B %Y", locale="fa")).lstrip("۰")


def sign_in(page: Page, site: LiveServer, email: str) -> None:
    page.goto(f"{site.url}/signin")
    page.locator("#email").fill(email)
    page.locator("#password").fill(PASSWORD)
    page.locator("form.form button[type=submit]").click()


def workshop_in_kermanshah(api: ApiClient) -> int:
    actor = api.business(api.admin(), name="کارگاه مهر بانوان", province="kermanshah", weekly_capacity=140)
    assert actor.business_id is not None
    return actor.business_id


def test_a_buyer_signs_up_orders_and_sees_it_allocated_in_persian(
    web: Page, site: LiveServer, site_api: ApiClient, site_clock: Clock
):
    workshop_in_kermanshah(site_api)
    web.goto(site.url)
    expect(web.locator("html")).to_have_attribute("dir", "rtl")
    expect(web.locator("html")).to_have_attribute("lang", "fa")
    expect(web.get_by_role("heading", level=1)).to_have_text("بسته‌های بهداشتی ساخت کسب‌وکارهای خرد")
    expect(web.get_by_text("۱۲٬۵۰۰٬۰۰۰ ریال")).to_be_visible()  # the elderly kit's price
    assert web.evaluate("document.fonts.check('16px Vazirmatn')")  # the bundled font, not the system's
    screenshot(web, "fa-catalog")

    web.get_by_role("link", name="ثبت‌نام").first.click()
    web.get_by_label("نام شما").fill("مرکز بهداشت شماره ۲")
    web.get_by_label("ایمیل").fill("clinic@example.org")
    web.get_by_label("گذرواژه (دست‌کم ۱۲ نویسه)").fill(PASSWORD)
    web.get_by_label("خریدار (مرکز بهداشت، سازمان مردم‌نهاد، داروخانه)").check()
    screenshot(web, "fa-signup")
    web.get_by_role("button", name="ساخت حساب کاربری").click()
    expect(web.get_by_role("heading", level=1)).to_have_text("سفارش‌های من")

    web.get_by_role("link", name="سفارش تازه").first.click()
    needed_by = local_today(site_clock) + timedelta(days=20)
    web.get_by_label("بسته").select_option("ELDERLY-COVID")
    web.get_by_label("تعداد").fill("۴۰")  # typed with Persian digits
    web.get_by_label("استان تحویل").select_option("kermanshah")
    web.get_by_label("نشانی تحویل").fill("کرمانشاه، خیابان مدرس، مرکز بهداشت شماره ۲")
    web.get_by_label("تاریخ نیاز").fill(digits.en_to_fa(JalaliDate.to_jalali(needed_by).strftime("%Y/%m/%d")))
    screenshot(web, "fa-new-order")
    web.get_by_role("button", name="ثبت سفارش").click()

    expect(web.get_by_role("heading", level=1)).to_contain_text("سفارش #۱")
    expect(web.get_by_role("heading", level=1)).to_contain_text("در انتظار پاسخ کارگاه‌ها")  # not "allocated"
    facts = web.locator("dl.facts")
    expect(facts).to_contain_text(jalali(needed_by))
    expect(facts).to_contain_text("۵۰۰٬۰۰۰٬۰۰۰ ریال")  # 40 × 12,500,000
    assert not LATIN_DIGIT.search(facts.inner_text()), facts.inner_text()
    expect(web.locator(".job")).to_contain_text("کارگاه مهر بانوان")
    expect(web.locator(".job")).to_contain_text("پیشنهادشده")  # offered, waiting for the workshop
    screenshot(web, "fa-order")

    web.get_by_role("link", name="سفارش‌های من").click()
    row = web.locator("tbody tr").first
    expect(row).to_contain_text("#۱")
    expect(row).to_contain_text("کرمانشاه")


def test_the_same_order_in_english(web: Page, site: LiveServer, site_api: ApiClient, site_clock: Clock):
    workshop_in_kermanshah(site_api)
    buyer = site_api.buyer()
    needed_by = local_today(site_clock) + timedelta(days=15)
    sign_in(web, site, buyer.email)
    web.get_by_role("button", name="English").click()
    expect(web.locator("html")).to_have_attribute("dir", "ltr")
    expect(web.locator("html")).to_have_attribute("lang", "en")
    web.get_by_role("link", name="New order").first.click()
    web.get_by_label("Kit").select_option("PREGNANT-HYGIENE")
    web.get_by_label("Quantity").fill("1200")
    web.get_by_label("Delivery province").select_option("fars")
    web.get_by_label("Delivery address").fill("Shiraz, Zand street")
    web.get_by_label("Needed by").fill(needed_by.isoformat())
    screenshot(web, "en-new-order")
    web.get_by_role("button", name="Place the order").click()
    heading = web.get_by_role("heading", level=1)
    expect(heading).to_contain_text("Order #1")
    facts = web.locator("dl.facts")
    expect(facts).to_contain_text(f"{needed_by.day} {needed_by.strftime('%b')} {needed_by.year}")
    expect(facts).to_contain_text("17,760,000,000 rials")  # 1,200 × 14,800,000
    screenshot(web, "en-order")


def test_the_order_form_keeps_what_was_typed_and_says_what_is_wrong_beside_the_field(
    web: Page, site: LiveServer, site_api: ApiClient
):
    buyer = site_api.buyer()
    sign_in(web, site, buyer.email)
    web.goto(f"{site.url}/orders/new")
    web.get_by_label("تعداد").fill("۰")
    web.get_by_label("نشانی تحویل").fill("نشانی که باید بماند")
    web.get_by_label("تاریخ نیاز").fill("۱۴۰۵/۱۳/۴۰")
    web.get_by_role("button", name="ثبت سفارش").click()

    quantity = web.get_by_label("تعداد")
    expect(quantity).to_have_attribute("aria-invalid", "true")
    error_id = quantity.get_attribute("aria-describedby")
    expect(web.locator(f"#{error_id}")).to_have_text("یک عدد صحیح از ۱ تا ۱٬۰۰۰٬۰۰۰ وارد کنید.")
    expect(web.locator(".field", has=quantity)).to_contain_text("یک عدد صحیح از")
    date_hint, date_error = web.get_by_label("تاریخ نیاز").get_attribute("aria-describedby").split()
    expect(web.locator(f"#{date_error}")).to_have_text("تاریخ را مانند ۱۴۰۵/۰۹/۲۰ وارد کنید.")
    assert date_hint == "needed_by-hint"  # the hint still says what to type
    expect(web.get_by_label("نشانی تحویل")).to_have_value("نشانی که باید بماند")
    screenshot(web, "fa-order-errors")
    assert buyer.get("/api/v1/orders").get_json()["total"] == 0


def test_a_post_without_its_csrf_token_is_refused(web: Page, site: LiveServer, site_api: ApiClient):
    buyer = site_api.buyer()
    sign_in(web, site, buyer.email)
    response = web.request.post(
        f"{site.url}/orders/new",
        form={
            "kit": "ELDERLY-COVID",
            "quantity": "5",
            "delivery_province": "tehran",
            "delivery_address": "x",
            "needed_by": "2099-01-01",
        },
    )
    assert response.status == 400
    assert "فرم پذیرفته نشد" in response.text()
    assert buyer.get("/api/v1/orders").get_json()["total"] == 0


def test_one_buyer_cannot_open_another_buyers_order(
    web: Page, site: LiveServer, site_api: ApiClient, site_clock: Clock
):
    owner, other = site_api.buyer(), site_api.buyer()
    order = site_api.order(owner, site_clock, quantity=5)
    sign_in(web, site, other.email)
    response = web.goto(f"{site.url}/orders/{order['id']}")
    assert response is not None and response.status == 404
    expect(web.get_by_role("heading", level=1)).to_have_text("پیدا نشد")
    expect(web.locator("main")).not_to_contain_text("Health center")
