"""A health network's bulk order in a real browser, in Persian: download the template, upload a
file with a mistake, read the preview's error on its line, upload the fixed file, confirm, and
follow the matching on the batch's page."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from persiantools import digits
from persiantools.jdatetime import JalaliDate
from playwright.sync_api import Page, expect

from market.web.batch_csv import JALALI_MONTHS

from ..support import ApiClient, Clock, local_today
from .conftest import LiveServer, screenshot
from .test_browser_buyer import sign_in


def test_a_buyer_uploads_a_csv_fixes_an_error_confirms_and_follows_matching(
    web: Page, site: LiveServer, site_api: ApiClient, site_clock: Clock, tmp_path: Path
):
    admin = site_api.admin()
    site_api.business(admin, name="کارگاه مهر", province="kermanshah", weekly_capacity=700)
    buyer = site_api.buyer(organization="شبکه بهداشت کرمانشاه")
    sign_in(web, site, buyer.email)
    web.get_by_role("link", name="سفارش گروهی (CSV)").click()
    expect(web.get_by_role("heading", level=1)).to_have_text("سفارش گروهی با پرونده CSV")

    with web.expect_download() as download:
        web.get_by_role("link", name="الگو با سرستون‌های فارسی").click()
    template = download.value.path().read_bytes().decode("utf-8-sig")
    assert template.splitlines()[0] == "بسته,تعداد,استان تحویل,نشانی تحویل,تاریخ نیاز,یادداشت"

    due = local_today(site_clock) + timedelta(days=30)
    j = JalaliDate.to_jalali(due)
    words = digits.en_to_fa(f"{j.day} {JALALI_MONTHS[j.month - 1]} {j.year}")  # ۲۹ آذر ۱۴۰۵
    numeric = digits.en_to_fa(j.strftime("%Y/%m/%d"))
    header = template.splitlines()[0]
    bad = tmp_path / "orders.csv"
    bad.write_text(
        f"{header}\n"
        f"ELDERLY-COVID,۲۰,کرمانشاه,مرکز بهداشت ۱,{numeric},\n"
        f"ELDERLY-COVID,بیست,کرمانشاه,مرکز بهداشت ۲,{words},\n"
        f"بسته بهداشتی کووید-۱۹ ویژه سالمندان,۱۵,کرمانشاه,مرکز بهداشت ۳,{due.isoformat()},فوری\n",
        encoding="utf-8",
    )
    web.get_by_label("پرونده CSV").set_input_files(str(bad))
    web.get_by_role("button", name="بررسی پرونده").click()
    expect(web.get_by_role("heading", level=1)).to_have_text("بررسی سفارش‌ها")
    expect(web.locator("#batch-errors")).to_contain_text("سطرهای دارای خطا: ۱.")
    expect(web.locator("#line-3 .error")).to_have_text("عددی صحیح از ۱ تا ۱٬۰۰۰٬۰۰۰ بنویسید.")
    expect(web.locator("#line-2 .error")).to_have_count(0)
    expect(web.get_by_role("button", name="ثبت این ۳ سفارش")).to_have_count(0)
    screenshot(web, "fa-batch-preview-errors")

    fixed = tmp_path / "orders-fixed.csv"
    fixed.write_text(bad.read_text(encoding="utf-8").replace("بیست", "۲۰"), encoding="utf-8")
    web.get_by_label("پرونده CSV").set_input_files(str(fixed))
    web.get_by_role("button", name="بررسی پرونده").click()
    expect(web.get_by_text("همه سطرها قابل سفارش‌اند. تا تأیید نکنید چیزی سفارش داده نمی‌شود.")).to_be_visible()
    expect(web.get_by_text("برای شبکه بهداشت کرمانشاه: ۳ سفارش، ۵۵ بسته.")).to_be_visible()
    screenshot(web, "fa-batch-preview")
    assert buyer.get("/api/v1/orders").get_json()["total"] == 0  # nothing stored before the confirm

    web.get_by_role("button", name="ثبت این ۳ سفارش").click()
    expect(web.get_by_role("heading", level=1)).to_contain_text("سفارش گروهی #")
    expect(web.locator("#batch-progress")).to_contain_text("۳ از ۳ سفارش به کارگاه‌ها سپرده شد")
    expect(web.locator("#count-placed")).to_have_text("۳")
    expect(web.locator("#batch-done")).to_be_visible()
    screenshot(web, "fa-batch-progress")
    orders = buyer.get("/api/v1/orders").get_json()
    assert orders["total"] == 3 and {o["status"] for o in orders["items"]} == {"allocated"}
