"""In a real browser, an admin on a wide screen: the tables use the width (kit names stay on one
or two lines, not six), the order page says why each workshop was chosen, and the audit log reads
as sentences with values isolated; on a phone the document does not scroll sideways."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from ..support import ApiClient, Clock
from .conftest import LiveServer, screenshot
from .test_browser_buyer import sign_in


def lines_in(page: Page, selector: str) -> int:
    """How many lines of text the first element matching ``selector`` takes."""
    script = (
        "e => { const r = document.createRange(); r.selectNodeContents(e);"
        " return new Set([...r.getClientRects()].map(x => Math.round(x.top))).size; }"
    )
    return int(page.locator(selector).first.evaluate(script))


def test_admin_tables_use_a_wide_screen_and_the_order_page_explains(
    web: Page, site: LiveServer, site_api: ApiClient, site_clock: Clock
):
    admin = site_api.admin()
    shop = site_api.business(admin, name="کارگاه مهر بانوان", weekly_capacity=140)
    order = site_api.order(site_api.buyer(), site_clock, quantity=40, days=20)
    assert order["jobs"][0]["business_id"] == shop.business_id
    web.set_viewport_size({"width": 1440, "height": 900})
    sign_in(web, site, admin.email)
    web.goto(f"{site.url}/admin/orders")
    table = web.locator("main table").first
    assert table.bounding_box()["width"] > 1100  # not capped near 1,000 px
    assert lines_in(web, "td.kit") <= 2
    screenshot(web, "fa-admin-orders-wide")

    web.locator(f'a[href="/admin/orders/{order["id"]}"]').first.click()
    why = web.locator("#jobs-why")
    expect(why).to_contain_text("کارگاه مهر بانوان")
    expect(why).to_contain_text("نزدیک‌ترین کارگاه دارای ظرفیت")
    expect(why).to_contain_text("همان استان")
    expect(why).to_contain_text("۱ روز")
    expect(web.locator("#dry-run-lines")).to_contain_text("هیچ واحدی از این سفارش در انتظار نیست.")
    screenshot(web, "fa-admin-order")

    web.goto(f"{site.url}/admin/audit")
    detail = web.locator("td.sentence").first
    expect(detail).to_be_visible()
    assert ": " not in detail.inner_text() or "،" in detail.inner_text()

    web.set_viewport_size({"width": 375, "height": 800})
    for path in ("/admin", "/admin/orders", f"/admin/orders/{order['id']}", "/admin/audit"):
        web.goto(f"{site.url}{path}")
        wide = web.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert wide <= 0, (path, wide)
