"""Notifications and order messages in a real browser (Persian): a workshop sees its unread count,
opens the offer from its notification and accepts it, and writes to the buyer; the buyer then reads
"accepted" among its notifications and the workshop's message on the order."""

from __future__ import annotations

from persiantools import digits
from playwright.sync_api import Page, expect

from ..support import ApiClient, Clock
from .conftest import LiveServer, screenshot
from .test_browser_buyer import sign_in
from .test_browser_flows import sign_out


def test_a_workshop_opens_its_offer_from_a_notification_and_the_buyer_hears_of_it(
    web: Page, site: LiveServer, site_api: ApiClient, site_clock: Clock
):
    workshop = site_api.business(site_api.admin(), name="تعاونی ناشنوایان بیستون", weekly_capacity=140)
    buyer = site_api.buyer()
    order = site_api.order(buyer, site_clock, quantity=40, days=20)

    sign_in(web, site, workshop.email)
    badge = web.locator("#unread-count .badge")
    expect(badge).to_have_text("۲")  # approved, then the offer
    web.locator("#unread-count").click()
    expect(web.get_by_role("heading", level=1)).to_have_text("اعلان‌ها")
    screenshot(web, "fa-notifications")
    web.get_by_role("link", name="پیشنهاد تازه").first.click()
    expect(web).to_have_url(f"{site.url}/workshop/offers#job-{order['jobs'][0]['id']}")
    expect(badge).to_have_text("۱")
    web.locator(f"#job-{order['jobs'][0]['id']}").get_by_role("button", name="می‌پذیرم").click()

    web.get_by_role("link", name="کارهای من").click()
    web.get_by_role("link", name="پیام‌ها با خریدار").first.click()
    web.get_by_role("textbox", name="پیام").fill("بسته‌ها تا پنج‌شنبه آماده می‌شوند.")
    web.get_by_role("button", name="فرستادن پیام").click()
    expect(web.locator(".message")).to_contain_text("بسته‌ها تا پنج‌شنبه آماده می‌شوند.")

    sign_out(web)
    sign_in(web, site, buyer.email)
    expect(web.locator("#unread-count .badge")).to_have_text("۳")  # matched, accepted, a message
    web.locator("#unread-count").click()
    notes = web.locator(".notification")
    expect(notes.nth(1)).to_contain_text("پذیرفت")  # accepted
    expect(notes.nth(0)).to_contain_text("پیام تازه")
    notes.nth(1).get_by_role("link").click()
    expect(web.get_by_role("heading", level=1)).to_contain_text(f"#{digits.en_to_fa(str(order['id']))}")
    thread = web.locator("#messages")
    expect(thread.locator(".message")).to_contain_text("بسته‌ها تا پنج‌شنبه آماده می‌شوند.")
    expect(thread.locator(".message")).to_contain_text("Test business (کارگاه)")
    screenshot(web, "fa-order-thread")
