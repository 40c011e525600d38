"""A buyer and a workshop in a real browser: the order form sent twice with Back, the partial
shipment and its re-match told on the order page, the cancel confirmation, and the language and
the typed order kept across sign-in."""

from __future__ import annotations

from datetime import timedelta

from persiantools import digits
from persiantools.jdatetime import JalaliDate
from playwright.sync_api import Page, expect

from ..support import ApiClient, Clock, local_today
from .conftest import LiveServer, screenshot
from .test_browser_buyer import sign_in, workshop_in_kermanshah


def fill_order(web: Page, clock: Clock, quantity: str = "۴۰", days: int = 20) -> None:
    needed_by = local_today(clock) + timedelta(days=days)
    web.get_by_label("بسته").select_option("ELDERLY-COVID")
    web.get_by_label("تعداد").fill(quantity)
    web.get_by_label("استان تحویل").select_option("kermanshah")
    web.get_by_label("نشانی تحویل").fill("کرمانشاه، خیابان مدرس، مرکز بهداشت شماره ۲")
    web.get_by_label("تاریخ نیاز").fill(digits.en_to_fa(JalaliDate.to_jalali(needed_by).strftime("%Y/%m/%d")))


def test_back_and_send_again_shows_the_first_order_instead_of_placing_a_second(
    web: Page, site: LiveServer, site_api: ApiClient, site_clock: Clock
):
    workshop_in_kermanshah(site_api)
    buyer = site_api.buyer()
    sign_in(web, site, buyer.email)
    web.goto(f"{site.url}/orders/new")
    fill_order(web, site_clock)
    web.get_by_role("button", name="ثبت سفارش").click()
    expect(web.get_by_role("heading", level=1)).to_contain_text("سفارش #۱")

    web.go_back()
    expect(web.get_by_role("heading", level=1)).to_have_text("سفارش تازه")
    expect(web.get_by_label("تعداد")).to_have_value("۴۰")  # the form as it was sent
    expect(web.locator("#placed-before")).to_contain_text("سفارش #۱")
    web.get_by_role("button", name="ثبت سفارش").click()
    expect(web.get_by_role("heading", level=1)).to_contain_text("سفارش #۱")
    expect(web.locator(".flash")).to_contain_text("این فرم پیش‌تر فرستاده شده بود")
    screenshot(web, "fa-order-sent-twice")
    assert buyer.get("/api/v1/orders").get_json()["total"] == 1

    # a new visit to the form is a new order
    web.get_by_role("link", name="سفارش‌های من").click()
    web.goto(f"{site.url}/orders/new")
    fill_order(web, site_clock, quantity="۵")
    web.get_by_role("button", name="ثبت سفارش").click()
    expect(web.get_by_role("heading", level=1)).to_contain_text("سفارش #۲")
    assert buyer.get("/api/v1/orders").get_json()["total"] == 2
