"""The instant quote in a real browser: on the order form as the buyer types (Persian first,
Persian digits, Jalali dates), and on the order's page while units wait."""

from __future__ import annotations

import re
from datetime import timedelta

from persiantools import digits
from persiantools.jdatetime import JalaliDate
from playwright.sync_api import Page, expect

from ..support import ApiClient, Clock, local_today
from .conftest import LiveServer, screenshot
from .test_browser_buyer import jalali, sign_in

LATIN_DIGIT = re.compile(r"[0-9]")


def typed(d) -> str:
    return digits.en_to_fa(JalaliDate.to_jalali(d).strftime("%Y/%m/%d"))


def test_the_order_form_quotes_as_the_buyer_types_and_the_order_page_while_units_wait(
    web: Page, site: LiveServer, site_api: ApiClient, site_clock: Clock
):
    # Khuzestan has no workshop; Lorestan's makes 10 a day and is one day away
    site_api.business(site_api.admin(), name="کارگاه زاگرس", province="lorestan", weekly_capacity=70)
    buyer = site_api.buyer()
    today = local_today(site_clock)
    sign_in(web, site, buyer.email)
    web.goto(f"{site.url}/orders/new")
    quote = web.locator("#quote")
    expect(quote).to_have_attribute("aria-live", "polite")

    web.get_by_label("بسته").select_option("ELDERLY-COVID")
    web.get_by_label("استان تحویل").select_option("khuzestan")
    web.get_by_label("تعداد").fill("۱۵۰")
    # no date yet: the earliest date for all of them (15 days to make, 1 of transit), and where
    expect(quote).to_contain_text(f"همهٔ ۱۵۰ بسته تا {jalali(today + timedelta(days=16))}.")
    expect(quote).to_contain_text("محل ساخت: لرستان.")

    web.get_by_label("تاریخ نیاز").fill(typed(today + timedelta(days=10)))
    expect(quote).to_contain_text(
        f"۹۰ بسته از ۱۵۰ بسته تا {jalali(today + timedelta(days=10))} می‌تواند برسد."
    )
    expect(quote).to_contain_text(f"همهٔ ۱۵۰ بسته تا {jalali(today + timedelta(days=16))}.")
    assert not LATIN_DIGIT.search(quote.inner_text()), quote.inner_text()
    screenshot(web, "fa-new-order-quote")

    web.get_by_label("تاریخ نیاز").fill(typed(today + timedelta(days=20)))
    expect(quote).to_contain_text(f"۱۵۰ بسته از ۱۵۰ بسته تا {jalali(today + timedelta(days=20))}")

    web.get_by_label("تعداد").fill("۱۰۰۰۰")  # more than a year of its work
    expect(quote).to_contain_text("تا یک سال آینده هیچ کارگاهی برای همهٔ آن‌ها جا ندارد.")

    # placed for day 10: 90 are offered, 60 wait, and the order's page says when they could come
    web.get_by_label("تعداد").fill("۱۵۰")
    web.get_by_label("تاریخ نیاز").fill(typed(today + timedelta(days=10)))
    web.get_by_label("نشانی تحویل").fill("اهواز، مرکز بهداشت شماره ۳")
    expect(quote).to_contain_text("۹۰ بسته از ۱۵۰ بسته")
    web.get_by_role("button", name="ثبت سفارش").click()
    expect(web.get_by_role("heading", level=1)).to_contain_text("سفارش #")
    waiting = web.locator("section.waiting-quote")
    expect(waiting).to_contain_text("بسته‌های در انتظار کارگاه")
    expect(waiting).to_contain_text("۶۰ بسته در انتظار کارگاهی با ظرفیت آزاد است.")
    expect(waiting).to_contain_text("محل ساخت: لرستان.")
    expect(waiting).to_contain_text(f"همهٔ آن‌ها تا {jalali(today + timedelta(days=16))} می‌تواند برسد.")
    screenshot(web, "fa-order-waiting-quote")
