"""An admin re-optimises in a real browser: from the dashboard to the preview (in Persian: what
would move, per workshop and per order, and the figures before and after), nothing changed until
Apply; then the result, the offer moved and the accepted job where it was; in English too."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from ..support import ApiClient, Clock
from .conftest import LiveServer, screenshot
from .test_browser_buyer import sign_in


def test_an_admin_previews_then_applies_a_reoptimisation(
    web: Page, site: LiveServer, site_api: ApiClient, site_clock: Clock
) -> None:
    admin = site_api.admin()
    tehran = site_api.business(
        admin, name="کارگاه تهران", province="tehran", city="Tehran", weekly_capacity=70
    )
    buyer = site_api.buyer()
    far = site_api.order(buyer, site_clock, quantity=30, delivery_province="kermanshah")
    near = site_api.order(buyer, site_clock, quantity=20, delivery_province="tehran")
    offer, accepted = far["jobs"][0]["id"], near["jobs"][0]["id"]
    assert tehran.post(f"/api/v1/jobs/{accepted}/accept").status_code == 200
    site_api.business(admin, name="کارگاه کرمانشاه", province="kermanshah", weekly_capacity=70)

    sign_in(web, site, admin.email)
    web.goto(f"{site.url}/admin")
    web.get_by_role(
        "link", name="پیش‌نمایش جای‌دادن دوباره همه پیشنهادهای باز و سفارش‌های در انتظار با هم"
    ).click()
    expect(web.get_by_role("heading", level=1)).to_have_text("بهینه‌سازی دوباره")
    expect(web.get_by_text("پیش‌نمایش: هنوز چیزی تغییر نکرده است.")).to_be_visible()
    workshops = web.locator("#by-workshop").locator("xpath=..")
    expect(workshops).to_contain_text("کارگاه تهران")
    expect(workshops).to_contain_text("کارگاه کرمانشاه")
    orders = web.locator("#by-order").locator("xpath=..")
    expect(orders).to_contain_text(f"کار #{str(offer).translate(str.maketrans('0123456789', '۰۱۲۳۴۵۶۷۸۹'))}")
    expect(web.locator("table.figures")).to_contain_text("بسته‌کیلومتر")
    screenshot(web, "fa-reoptimise-preview")
    assert admin.get(f"/api/v1/jobs/{offer}").get_json()["status"] == "offered"  # nothing changed

    web.get_by_role("button", name="اعمال").click()
    expect(web.get_by_text("اعمال شد. رقم‌های زیر پیش و پس از این تغییر است.")).to_be_visible()
    expect(web.get_by_text("اعمال شد. پیشنهادهای پس‌گرفته: ۱؛ پیشنهادهای تازه: ۱.")).to_be_visible()
    expect(web.get_by_role("button", name="اعمال")).to_have_count(0)
    screenshot(web, "fa-reoptimise-applied")
    assert admin.get(f"/api/v1/jobs/{offer}").get_json()["status"] == "cancelled"
    assert admin.get(f"/api/v1/jobs/{accepted}").get_json()["status"] == "accepted"
    jobs = admin.get(f"/api/v1/orders/{far['id']}").get_json()["jobs"]
    assert [(j["status"], j["quantity"]) for j in jobs if j["id"] != offer] == [("offered", 30)]

    web.get_by_role("link", name="پیش‌نمایش دوباره").click()
    expect(web.get_by_text("هیچ پیشنهادی جابه‌جا نمی‌شود.")).to_be_visible()
    web.get_by_role("button", name="English").click()
    expect(web.get_by_role("heading", level=1)).to_have_text("Re-optimisation")
    expect(web.get_by_text("No order changes.")).to_be_visible()
    expect(web.get_by_role("button", name="Apply")).to_have_count(0)
