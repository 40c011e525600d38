"""Pages on a narrow phone screen, with the keyboard alone, every field labelled."""

from __future__ import annotations

from datetime import timedelta

from persiantools import digits
from persiantools.jdatetime import JalaliDate
from playwright.sync_api import Page, expect

from ..support import ApiClient, Clock, local_today
from .conftest import LiveServer, screenshot
from .test_browser_buyer import sign_in

UNLABELLED = """() => [...document.querySelectorAll('input, select, textarea')]
  .filter(e => e.type !== 'hidden' && e.type !== 'submit')
  .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label'))
  .map(e => e.name || e.id)"""
OVERFLOW = "() => document.documentElement.scrollWidth - window.innerWidth"


def test_every_page_fits_a_phone_and_labels_every_field(
    web: Page, site: LiveServer, site_api: ApiClient, site_clock: Clock
):
    admin = site_api.admin()
    workshop = site_api.business(admin, province="tehran", weekly_capacity=70)
    buyer = site_api.buyer()
    order = site_api.order(buyer, site_clock, quantity=20, delivery_province="tehran")
    web.set_viewport_size({"width": 375, "height": 740})
    pages = {
        None: ["/", "/signin", "/signup"],
        buyer.email: ["/orders", "/orders/new", f"/orders/{order['id']}"],
        workshop.email: ["/workshop", "/workshop/offers", "/workshop/jobs"],
        admin.email: ["/admin", "/admin/businesses", "/admin/orders", "/admin/jobs", "/admin/audit"],
    }
    for email, paths in pages.items():
        if email:
            web.context.clear_cookies()
            sign_in(web, site, email)
        for path in paths:
            web.goto(site.url + path)
            assert web.evaluate(OVERFLOW) <= 1, f"{path} is wider than a phone screen"
            assert web.evaluate(UNLABELLED) == [], f"{path} has fields without a label"
    web.goto(f"{site.url}/admin")
    screenshot(web, "fa-phone-dashboard")
    web.context.clear_cookies()
    sign_in(web, site, workshop.email)
    web.goto(f"{site.url}/workshop/offers")
    screenshot(web, "fa-phone-offers")


def test_an_order_can_be_placed_with_the_keyboard_alone(
    web: Page, site: LiveServer, site_api: ApiClient, site_clock: Clock
):
    site_api.business(site_api.admin(), province="kermanshah", weekly_capacity=140)
    buyer = site_api.buyer()
    sign_in(web, site, buyer.email)
    web.goto(f"{site.url}/orders/new")
    needed_by = local_today(site_clock) + timedelta(days=25)
    web.locator("body").focus()
    typed = {
        "quantity": "۱۵",
        "delivery_address": "کرمانشاه، میدان آزادی",
        "needed_by": digits.en_to_fa(JalaliDate.to_jalali(needed_by).strftime("%Y/%m/%d")),
    }
    seen, chosen = [], {}
    for _ in range(40):  # Tab through the page, typing into the fields as they get focus
        web.keyboard.press("Tab")
        name = web.evaluate("document.activeElement.name")
        seen.append(name)
        if name in typed:
            web.keyboard.type(typed.pop(name))
        elif name == "delivery_province" and "province" not in chosen:
            web.keyboard.press("ArrowDown")  # a closed select steps to the next province
            chosen["province"] = web.evaluate("document.activeElement.value")
        if name == "note":
            break
    assert typed == {}, f"never reached by Tab: {sorted(typed)}; focus went {seen}"
    web.keyboard.press("Tab")
    expect(web.locator(":focus")).to_have_text("ثبت سفارش")
    web.keyboard.press("Enter")
    expect(web.get_by_role("heading", level=1)).to_contain_text("در انتظار پاسخ کارگاه‌ها")
    expect(web.locator("dl.facts")).to_contain_text("کرمانشاه، میدان آزادی")
    placed = buyer.get("/api/v1/orders").get_json()["items"][0]
    assert (placed["quantity"], placed["delivery_province"]) == (15, chosen["province"])
