"""What a screen shows and a screen reader says, checked by hand in the browser: the focus ring and
the fields' borders against white and the page's background (non-text contrast, 3:1), a refused
form announced (a summary that takes the focus and links to each field, the title starting with
"Error:", the hint kept, every radio aria-invalid, the red border), Persian text marked lang="fa"
on English pages."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from ..support import ApiClient, Clock
from .conftest import LiveServer
from .test_browser_a11y import AXE, RUN_AXE, WCAG21_AA
from .test_browser_buyer import sign_in

DANGER = (180, 35, 24)  # --danger, #b42318


def rgb(css: str) -> tuple[int, int, int]:
    """An rgb()/rgba() colour as Chromium computes it."""
    r, g, b = (int(float(x)) for x in re.findall(r"[\d.]+", css)[:3])
    return r, g, b


def luminance(color: tuple[int, int, int]) -> float:
    def channel(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.04045 else ((s + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in color)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: tuple[int, int, int], b: tuple[int, int, int]) -> float:
    """WCAG's contrast ratio."""
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_contrast_ratio_is_wcags():
    assert contrast((0, 0, 0), (255, 255, 255)) == pytest.approx(21)
    assert contrast((245, 166, 35), (255, 255, 255)) == pytest.approx(2.03, abs=0.01)  # the old ring


def test_the_focus_ring_and_the_field_borders_reach_3_to_1_on_white_and_on_the_page(
    web: Page, site: LiveServer
):
    web.goto(f"{site.url}/signin")
    page_bg = rgb(web.evaluate("getComputedStyle(document.documentElement).backgroundColor"))
    white = (255, 255, 255)
    assert page_bg != white
    border = rgb(web.locator("#password").evaluate("e => getComputedStyle(e).borderTopColor"))
    assert contrast(border, white) >= 3, border
    assert contrast(border, page_bg) >= 3, border
    web.locator("#email").focus()
    rings = []
    for _ in range(3):  # the keyboard's focus: a field (the password), the button, a link
        web.keyboard.press("Tab")
        style = web.evaluate(
            "() => { const s = getComputedStyle(document.activeElement);"
            " return [document.activeElement.tagName, s.outlineStyle, s.outlineColor, s.outlineWidth]; }"
        )
        tag, outline, color, width = style
        assert outline != "none" and float(width[:-2]) >= 2, style
        rings.append((tag, rgb(color)))
    for tag, color in rings:
        assert contrast(color, white) >= 3, (tag, color)
        assert contrast(color, page_bg) >= 3, (tag, color)


@pytest.mark.parametrize("lang", ["fa", "en"])
def test_a_refused_form_is_announced_focused_linked_and_titled(web: Page, site: LiveServer, lang: str):
    web.goto(f"{site.url}/signup")
    if lang == "en":
        web.locator("button.lang").click()
        expect(web.locator("html")).to_have_attribute("lang", "en")
    title = web.title()
    web.locator("#email").fill("not an address")
    with web.expect_navigation():
        web.locator("form.form button[type=submit]").click()

    summary = web.locator(".error-summary")
    expect(summary).to_have_attribute("role", "alert")
    assert web.evaluate("document.activeElement.classList.contains('error-summary')"), "focus stays on <body>"
    assert web.title() == ("خطا: " if lang == "fa" else "Error: ") + title
    links = summary.locator("a")
    targets = [h.removeprefix("#") for h in links.evaluate_all("as => as.map(a => a.getAttribute('href'))")]
    assert targets[:4] == ["name", "email", "password", "role-0"], targets
    for target in targets:
        expect(web.locator(f"[id='{target}']")).to_have_count(1)
    assert "Enter a valid email address." in links.nth(1).inner_text() or lang == "fa"

    # each field in error: aria-invalid, its error read with it, the red border
    for radio in web.locator("input[name=role]").all():
        expect(radio).to_have_attribute("aria-invalid", "true")
    expect(web.locator("#email")).to_have_attribute("aria-describedby", "email-error")
    expect(web.locator("fieldset:has(input[name=role])")).to_have_attribute("aria-describedby", "role-error")
    for name in ("name", "email", "password"):
        color = web.locator(f"#{name}").evaluate("e => getComputedStyle(e).borderTopColor")
        assert rgb(color) == DANGER, (name, color)
    expect(web.locator("#organization")).not_to_have_css("border-top-color", "rgb(180, 35, 24)")

    links.first.click()  # the summary's link takes the keyboard to the field
    assert web.evaluate("document.activeElement.id") == "name"


def test_a_refused_date_keeps_its_hint_and_a_refused_registration_passes_axe(
    web: Page, site: LiveServer, site_api: ApiClient, site_clock: Clock
):
    buyer = site_api.buyer()
    sign_in(web, site, buyer.email)
    web.goto(f"{site.url}/orders/new")
    web.locator("#quantity").fill("10")
    web.locator("#delivery_province").select_option("khuzestan")  # a buyer without a province picks one
    web.locator("#delivery_address").fill("اهواز")
    web.locator("#needed_by").fill("1405/09/31")
    with web.expect_navigation():
        web.locator("form.form button[type=submit]").click()
    expect(web.locator("#needed_by")).to_have_attribute("aria-describedby", "needed_by-hint needed_by-error")
    expect(web.locator("#needed_by")).to_have_attribute("aria-invalid", "true")
    assert web.evaluate("document.activeElement.classList.contains('error-summary')")
    expect(web.locator(".error-summary a")).to_have_attribute("href", "#needed_by")

    # a workshop's registration, refused: the kits' checkboxes are linked from the summary
    web.context.clear_cookies()
    sign_in(web, site, site_api.user("business").email)
    web.goto(f"{site.url}/workshop/register")
    with web.expect_navigation():
        web.locator("form.form button[type=submit]").click()
    expect(web.locator(".error-summary a[href='#kits-0']")).to_have_count(1)
    for box in web.locator("input[name=kits]").all():
        expect(box).to_have_attribute("aria-invalid", "true")
    web.evaluate(AXE.read_text(encoding="utf-8"))
    assert web.evaluate(RUN_AXE, WCAG21_AA) == []


def test_persian_names_addresses_and_notes_carry_lang_fa_on_english_pages(
    web: Page, site: LiveServer, site_api: ApiClient, site_clock: Clock
):
    admin = site_api.admin()
    # a city the site knows is shown in the reader's language (Kermanshah here); one it does not
    # know is shown as typed, in Persian, marked so
    site_api.business(admin, name="کارگاه مهر بانوان", city="روستای نو", weekly_capacity=140)
    buyer = site_api.buyer(organization="شبکه بهداشت اهواز")
    order = site_api.order(buyer, site_clock, quantity=10, delivery_address="اهواز، کوی ملت", note="فوری")
    sign_in(web, site, buyer.email)
    web.locator("button.lang").click()
    expect(web.locator("html")).to_have_attribute("lang", "en")
    web.goto(f"{site.url}/orders/{order['id']}")
    for text in ("اهواز، کوی ملت", "فوری", "کارگاه مهر بانوان"):
        expect(web.locator("bdi[lang=fa]", has_text=text).first).to_be_visible()
    web.context.clear_cookies()
    sign_in(web, site, admin.email)
    web.locator("button.lang").click()
    web.goto(f"{site.url}/admin/businesses")
    expect(web.locator("th bdi[lang=fa]", has_text="کارگاه مهر بانوان")).to_have_count(1)
    expect(web.locator("td bdi[lang=fa]", has_text="روستای نو")).to_have_count(1)
    web.goto(f"{site.url}/admin/orders")
    expect(web.locator("bdi[lang=fa]", has_text="شبکه بهداشت اهواز")).to_have_count(1)
    # names in a list to choose from: an option cannot hold a <bdi>, so the option says its language
    web.goto(f"{site.url}/admin/jobs")
    expect(web.locator("select#business option[lang=fa]", has_text="کارگاه مهر بانوان")).to_have_count(1)
    web.goto(f"{site.url}/orders/batch")
    expect(web.locator("select#buyer_id option[lang=fa]", has_text="شبکه بهداشت اهواز")).to_have_count(1)
