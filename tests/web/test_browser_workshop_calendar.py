"""In a real browser: a week the old calendar marked red ("more than one week's work") although
the capacity rule held its offer is no longer marked; the workshop lands on its offers with their
count, and sees what each earns."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from ..support import ApiClient, Clock
from .conftest import LiveServer, screenshot
from .test_browser_buyer import sign_in


def test_a_week_served_by_earlier_production_is_not_red(
    web: Page, site: LiveServer, site_api: ApiClient, site_clock: Clock
):
    # 7 kits a week; 10 kits due on day 14: the second week makes 7, which the old page set
    # against 10 and marked red; the first week makes 7 ahead, so the rule offered all 10.
    workshop = site_api.business(site_api.admin(), weekly_capacity=7)
    order = site_api.order(site_api.buyer(), site_clock, quantity=10, days=15)
    assert order["status"] == "allocated"

    sign_in(web, site, workshop.email)
    # one offer waits: sign-in lands on the offers, the menu counts it
    expect(web.get_by_role("heading", level=1)).to_have_text("پیشنهادها")
    expect(web.locator("#offers-link .badge")).to_have_text("۱")
    expect(web.locator(".offer").first).to_contain_text("درآمد شما")
    expect(web.locator(".offer").first).to_contain_text("۱۲۵٬۰۰۰٬۰۰۰ ریال")

    web.get_by_role("link", name="کارگاه من").click()
    weeks = web.locator("li.week")
    expect(weeks).to_have_count(8)
    second = weeks.nth(1)
    expect(second).to_contain_text("بسته‌های با موعد این هفته: ۱۰")
    expect(second).to_contain_text("ساخته‌شده در هفته‌های پیش: ۷")
    expect(second).not_to_have_class("week over")
    expect(web.locator("li.week.over")).to_have_count(0)
    expect(web.locator("main")).not_to_contain_text("بیش از کار یک هفته")
    # nothing drawn in the danger colour: the due bar of that week is the brand colour
    due_colour = second.locator(".meter-due").evaluate("e => getComputedStyle(e).backgroundColor")
    danger = web.evaluate("getComputedStyle(document.documentElement).getPropertyValue('--danger')")
    assert due_colour.strip() != danger.strip()
    # the page title is not smaller than its section headings
    sizes = web.evaluate(
        "() => [parseFloat(getComputedStyle(document.querySelector('h1')).fontSize),"
        " Math.max(...[...document.querySelectorAll('main h2')]"
        ".map(h => parseFloat(getComputedStyle(h).fontSize)))]"
    )
    assert sizes[0] >= sizes[1], sizes
    screenshot(web, "fa-workshop-calendar")
