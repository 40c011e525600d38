"""The life of an order in a real browser, as the people who do it see it (Persian, the default):
a workshop accepts, reports progress and ships; the buyer confirms what arrived; an admin
approves a new workshop and watches the dashboard change."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from ..support import ApiClient, Clock
from .conftest import LiveServer, screenshot
from .test_browser_buyer import LATIN_DIGIT, sign_in


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="خروج").click()


def test_a_workshop_accepts_reports_progress_ships_and_the_buyer_confirms_delivery(
    web: Page, site: LiveServer, site_api: ApiClient, site_clock: Clock
):
    workshop = site_api.business(
        site_api.admin(), name="تعاونی ناشنوایان بیستون", province="kermanshah", weekly_capacity=140
    )
    buyer = site_api.buyer()
    order = site_api.order(buyer, site_clock, quantity=40, days=20)
    assert order["status"] == "allocated"

    sign_in(web, site, workshop.email)
    web.get_by_role("link", name="پیشنهادها").click()
    expect(web.get_by_role("heading", level=1)).to_have_text("پیشنهادها")
    offer = web.locator("main article, main li").filter(has_text="× ۴۰").first
    expect(offer).to_contain_text("کرمانشاه")
    expect(offer).to_contain_text(re.compile(r"[۰-۹]+ (روز|ساعت)"))  # time left to answer
    assert not LATIN_DIGIT.search(offer.inner_text()), offer.inner_text()
    screenshot(web, "fa-workshop-offers")
    web.get_by_role("button", name="می‌پذیرم").click()

    web.get_by_role("link", name="کارهای من").click()
    job = web.locator(".job").first
    job.get_by_label("تعداد ساخته‌شده تا کنون").fill("۲۵")
    job.get_by_role("button", name="ثبت پیشرفت").click()
    job = web.locator(".job").first
    expect(job).to_contain_text("۲۵ از ۴۰")
    expect(job).to_contain_text("در حال ساخت")
    screenshot(web, "fa-workshop-jobs")
    expect(job.get_by_label("تعداد ارسالی")).to_have_value("۲۵")  # what is made is what ships
    job.get_by_label("تعداد ارسالی").fill("۴۰")  # the other fifteen were made since
    job.get_by_label("شرکت حمل (اختیاری)").fill("پست ایران")
    job.get_by_label("کد رهگیری (اختیاری)").fill("IR-2026-0042")
    job.get_by_role("button", name="ارسال شد").click()
    expect(web.locator("main")).to_contain_text("ارسال‌شده")

    sign_out(web)
    sign_in(web, site, buyer.email)
    web.goto(f"{site.url}/orders/{order['id']}")
    job = web.locator(".job").first
    expect(job).to_contain_text("ارسال‌شده")
    expect(job).to_contain_text("پست ایران")
    expect(job).to_contain_text("IR-2026-0042")
    job.get_by_label("تعداد دریافت‌شده").fill("۳۸")
    job.get_by_role("button", name="تأیید تحویل").click()
    expect(web.get_by_role("heading", level=1)).to_contain_text("تحویل‌شده")
    expect(web.locator(".job").first).to_contain_text("۳۸ از ۴۰ دریافت شد")
    screenshot(web, "fa-order-delivered")
    assert buyer.get(f"/api/v1/orders/{order['id']}").get_json()["delivered_quantity"] == 38


def stat(page: Page, label: str) -> str:
    return page.locator(".stat", has_text=label).locator(".value").inner_text()


def test_an_admin_approves_a_new_workshop_and_the_dashboard_changes(
    web: Page, site: LiveServer, site_api: ApiClient, site_clock: Clock
):
    admin = site_api.admin()
    buyer = site_api.buyer()
    order = site_api.order(buyer, site_clock, quantity=100, delivery_province="lorestan", days=30)
    assert order["status"] == "awaiting_capacity"
    site_api.business(
        admin, approve=False, name="کارگاه سالمندان زاگرس", province="lorestan", weekly_capacity=70
    )

    sign_in(web, site, admin.email)
    expect(web.get_by_role("heading", level=1)).to_have_text("داشبورد")
    assert stat(web, "بستهٔ بدون کارگاه") == "۱۰۰"
    lorestan = web.locator("svg g.province[data-province=lorestan]")
    expect(lorestan).to_contain_text("لرستان")
    expect(lorestan.locator("text.value").nth(0)).to_have_text("۱۰۰")  # demand
    expect(lorestan.locator("text.value").nth(1)).to_have_text("۰")  # nobody can serve it yet
    screenshot(web, "fa-dashboard-before")

    web.get_by_role("link", name="کارگاه‌ها").first.click()
    web.get_by_role("button", name="تأیید: کارگاه سالمندان زاگرس").click()  # the name once
    expect(web.locator(".flash")).to_contain_text("کارگاه سالمندان زاگرس")

    web.get_by_role("link", name="داشبورد").click()
    assert stat(web, "بستهٔ بدون کارگاه") == "۰"
    lorestan = web.locator("svg g.province[data-province=lorestan]")
    # the new workshop serves the whole order by its date
    expect(lorestan.locator("text.value").nth(1)).to_have_text("۱۰۰")
    screenshot(web, "fa-dashboard")
    assert buyer.get(f"/api/v1/orders/{order['id']}").get_json()["status"] == "allocated"

    web.get_by_role("button", name="English").click()
    expect(web.locator("html")).to_have_attribute("dir", "ltr")
    expect(web.get_by_role("heading", level=1)).to_have_text("Dashboard")
    expect(web.locator("svg g.province[data-province=lorestan]")).to_contain_text("Lorestan")
    screenshot(web, "en-dashboard")
