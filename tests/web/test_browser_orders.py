"""A buyer and a workshop in a real browser: the order form sent twice with Back, the partial
shipment and its re-match told on the order page, the cancel confirmation, and the language and
the typed order kept across sign-in."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from persiantools import digits
from persiantools.jdatetime import JalaliDate
from playwright.sync_api import Page, expect

from ..support import PASSWORD, Actor, ApiClient, Clock, local_today
from .conftest import SCREENSHOTS, LiveServer, screenshot
from .test_browser_buyer import sign_in, workshop_in_kermanshah
from .test_browser_flows import sign_out


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


def sign_out_elsewhere(site: LiveServer, email: str) -> None:
    """The account signs out on another device: this browser's session ends with it."""
    from market.extensions import db
    from market.models import User
    from market.services import accounts

    with site.app.app_context():
        accounts.sign_out(db.session.query(User).filter_by(email=email).one())


def test_the_language_chosen_before_sign_in_the_page_wanted_and_a_typed_order_survive_sign_in(
    web: Page, site: LiveServer, site_api: ApiClient, site_clock: Clock
):
    workshop_in_kermanshah(site_api)
    buyer = site_api.buyer()
    assert buyer.get("/api/v1/me").get_json()["locale"] == "fa"
    web.goto(f"{site.url}/orders/new?kit=ELDERLY-COVID")
    expect(web.get_by_role("heading", level=1)).to_have_text("ورود")
    expect(web.locator(".flash")).to_have_text("برای دیدن این صفحه وارد شوید.")  # not Flask-Login's English
    web.get_by_role("button", name="English").click()
    expect(web.get_by_role("heading", level=1)).to_have_text("Sign in")
    web.get_by_label("Email").fill(buyer.email)
    web.get_by_label("Password").fill(PASSWORD)
    web.get_by_role("button", name="Sign in").click()
    # back to the page wanted, in the language chosen, which the account now keeps
    expect(web.get_by_role("heading", level=1)).to_have_text("New order")
    expect(web.locator("html")).to_have_attribute("lang", "en")
    assert buyer.get("/api/v1/me").get_json()["locale"] == "en"

    needed_by = local_today(site_clock) + timedelta(days=20)
    web.get_by_label("Quantity").fill("33")
    web.get_by_label("Delivery province").select_option("kermanshah")
    web.get_by_label("Delivery address").fill("Kermanshah, Modarres street, health centre 2")
    web.get_by_label("Needed by").fill(needed_by.isoformat())
    web.get_by_label("Note (optional)").fill("Deliver to the back door")
    sign_out_elsewhere(site, buyer.email)
    web.get_by_role("button", name="Place the order").click()
    expect(web.get_by_role("heading", level=1)).to_have_text("Sign in")
    expect(web.locator(".flash")).to_have_text("Sign in to see this page.")
    web.get_by_label("Email").fill(buyer.email)
    web.get_by_label("Password").fill(PASSWORD)
    web.get_by_role("button", name="Sign in").click()
    expect(web.get_by_role("heading", level=1)).to_have_text("New order")
    expect(web.locator(".flash")).to_contain_text("here it is as you typed it")
    expect(web.get_by_label("Quantity")).to_have_value("33")
    expect(web.get_by_label("Delivery address")).to_have_value("Kermanshah, Modarres street, health centre 2")
    expect(web.get_by_label("Needed by")).to_have_value(needed_by.isoformat())
    expect(web.get_by_label("Note (optional)")).to_have_value("Deliver to the back door")
    assert buyer.get("/api/v1/orders").get_json()["total"] == 0  # nothing placed behind the buyer's back
    screenshot(web, "en-order-kept-across-sign-in")
    web.get_by_role("button", name="Place the order").click()
    expect(web.get_by_role("heading", level=1)).to_contain_text("Order #1")
    assert buyer.get("/api/v1/orders").get_json()["items"][0]["quantity"] == 33


LONG_WORD = "ب" * 200  # an address or note without a space must not widen the page


def no_horizontal_scroll(web: Page) -> None:
    for width in (375, 1440):
        web.set_viewport_size({"width": width, "height": 900})
        wide = web.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert wide <= 0, f"{wide}px of horizontal scroll at {width}px"
    web.set_viewport_size({"width": 1280, "height": 900})


def screenshot_path(name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS / f"{name}.png"


def mehr_workshop(api: ApiClient) -> Actor:
    return api.business(api.admin(), name="کارگاه مهر بانوان", province="kermanshah", weekly_capacity=140)


def test_a_partial_shipment_is_matched_again_and_the_order_page_tells_it_all(
    web: Page, site: LiveServer, site_api: ApiClient, site_clock: Clock
):
    workshop = mehr_workshop(site_api)
    buyer = site_api.buyer()
    address = f"کرمانشاه {LONG_WORD}"
    order = site_api.order(buyer, site_clock, quantity=20, delivery_address=address, note=LONG_WORD)
    sign_in(web, site, workshop.email)
    web.goto(f"{site.url}/workshop/offers")
    web.get_by_role("button", name="می‌پذیرم").first.click()
    web.goto(f"{site.url}/workshop/jobs")
    [job] = order["jobs"]
    web.locator(f"#progress{job['id']}-units_done").fill("۵")
    web.get_by_role("button", name="ثبت پیشرفت").click()
    shipped = web.locator(f"#ship{job['id']}-shipped_quantity")
    expect(shipped).to_have_value("۵")  # prefilled with the kits made, in Persian digits
    web.locator(f"#ship{job['id']}-carrier").fill("پست")
    web.locator(f"#ship{job['id']}-tracking_code").fill("IR-5501")
    web.locator(f"#job-{job['id']}").screenshot(path=str(screenshot_path("fa-workshop-ship-what-is-made")))
    web.get_by_role("button", name="ارسال شد").click()
    expect(web.locator(".flash")).to_contain_text("۱۵ بستهٔ دیگر به سفارش برمی‌گردد")
    screenshot(web, "fa-workshop-partial-shipment")
    # embedded mode matches inline: the 15 kits are offered again (to the nearest workshop with room)
    web.goto(f"{site.url}/workshop/offers")
    expect(web.locator("main")).to_contain_text("۱۵")
    sign_out(web)

    sign_in(web, site, buyer.email)
    web.goto(f"{site.url}/orders/{order['id']}")
    expect(web.locator("#count-made")).to_have_text("۵")
    expect(web.locator("#count-shipped")).to_have_text("۵")
    expect(web.locator("#count-received")).to_have_text("۰")
    history = web.locator("ol.timeline")
    expect(history).to_contain_text("کارگاه مهر بانوان (کرمانشاه) ۵ بسته ارسال کرد.")
    expect(history.locator("bdi")).to_have_text("IR-5501")
    expect(history).to_contain_text("۱۵ بستهٔ دیگر به سفارش برگشت")
    expect(history).to_contain_text("سپردن دوباره: ۱۵ بسته به کارگاه مهر بانوان (کرمانشاه) پیشنهاد شد.")
    expect(history).to_contain_text("در حال ساخت، ۵ از ۲۰ ساخته شد.")
    expect(web.locator(".job").filter(has_text="در انتظار پاسخ کارگاه تا")).to_contain_text("۱۵ بسته")
    expect(web.locator("#expected-arrival")).not_to_have_text("—")
    received = web.locator(f"#job{job['id']}-received_quantity")
    expect(received).to_have_value("۵")  # what shipped, in Persian digits
    no_horizontal_scroll(web)
    screenshot(web, "fa-order-timeline")
    web.get_by_role("button", name="تأیید تحویل").click()
    expect(web.locator("#count-received")).to_have_text("۵")
    expect(history).to_contain_text("تحویل تأیید شد: ۵ از ۵ بسته دریافت شد.")
    after = buyer.get(f"/api/v1/orders/{order['id']}").get_json()
    assert (after["made_quantity"], after["shipped_quantity"], after["delivered_quantity"]) == (5, 5, 5)
    assert after["allocated_quantity"] == 20 and after["status"] != "delivered"  # 15 are still to come


def test_cancelling_an_order_in_production_is_confirmed_and_the_workshop_keeps_seeing_it(
    web: Page, site: LiveServer, site_api: ApiClient, site_clock: Clock
):
    workshop = mehr_workshop(site_api)
    buyer = site_api.buyer()
    order = site_api.order(buyer, site_clock, quantity=20)
    [job] = order["jobs"]
    assert workshop.post(f"/api/v1/jobs/{job['id']}/accept").status_code == 200
    assert workshop.post(f"/api/v1/jobs/{job['id']}/progress", json={"units_done": 12}).status_code == 200
    sign_in(web, site, buyer.email)
    web.goto(f"{site.url}/orders/{order['id']}")
    web.get_by_text("لغو این سفارش").click()
    expect(web.locator("#cancel-made")).to_contain_text("۱۲ از ۲۰ بسته ساخته شده است")
    web.get_by_role("button", name="لغو سفارش").click()
    confirm = web.locator("#confirm")
    expect(confirm).to_have_attribute("aria-invalid", "true")
    assert buyer.get(f"/api/v1/orders/{order['id']}").get_json()["status"] == "in_production"
    screenshot(web, "fa-cancel-confirmation")
    confirm.check()
    web.get_by_role("button", name="لغو سفارش").click()
    expect(web.get_by_role("heading", level=1)).to_contain_text("لغو")
    assert buyer.get(f"/api/v1/orders/{order['id']}").get_json()["status"] == "cancelled"
    sign_out(web)

    sign_in(web, site, workshop.email)
    web.goto(f"{site.url}/workshop/jobs")
    cancelled = web.locator(".job").filter(has_text=f"#{digits.en_to_fa(str(order['id']))}")
    expect(cancelled).to_contain_text("لغوشده")
    expect(cancelled).to_contain_text("۱۲ از ۲۰ را ساخته بودید.")
