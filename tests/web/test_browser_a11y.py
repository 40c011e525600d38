"""Every page of the three roles and the public ones, in Persian and in English, walked once per
language in one browser: axe-core (WCAG 2.1 A and AA) finds nothing, no page scrolls sideways on a
phone (375 px) or a desktop (1,440 px) although names, addresses and notes hold a 200-character word,
and every button, menu link, pagination link and choice row is at least 44 x 44 px on the phone."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Route

from ..support import ROOT, ApiClient, Clock, local_today
from .conftest import LiveServer, live_site
from .test_browser_buyer import sign_in

# the walk's pages move on before fonts finish loading: see conftest.pytest_collection_modifyitems
pytestmark = [
    pytest.mark.filterwarnings("ignore::ResourceWarning"),
    pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning"),
]

AXE = ROOT / "tests" / "web" / "a11y" / "node_modules" / "axe-core" / "axe.min.js"
WCAG21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
PHONE, DESKTOP = 375, 1440
TARGET = 44
# 200 characters without a break, as someone may type them (the fields' own limits cut some shorter)
LONG_FA = "ب" * 200
LONG_EN = "W" * 200

RUN_AXE = """async (tags) => {
  const r = await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
  return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ') + ' :: ' + n.failureSummary)}));
}"""
OVERFLOW = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
# what a finger must hit: buttons, links of the menu and of the pages nav, choice rows, fields, summaries
TARGETS = """(size) => {
  const sel = ['header a', 'header button', 'nav.pages a', 'nav.tabs a', 'main button', 'main a.button',
    'main input:not([type=hidden]):not([type=checkbox]):not([type=radio])', 'main select', 'main textarea',
    'label.choice', '.field.check label', 'summary', '.error-summary a'].join(', ');
  return [...document.querySelectorAll(sel)]
    .map(e => [e, e.getBoundingClientRect()])
    .filter(([e, r]) => r.width > 0 && r.height > 0)
    .filter(([e, r]) => r.width < size - 0.5 || r.height < size - 0.5)
    .map(([e, r]) => `${e.tagName.toLowerCase()}${e.className ? '.' + e.className : ''} `
      + `"${(e.textContent || e.name || '').trim().slice(0, 30)}" `
      + `${Math.round(r.width)}x${Math.round(r.height)}`);
}"""


#: kinds of target the walk must have measured somewhere
KINDS = {
    "menu link": "header nav a",
    "pagination link": "nav.pages a",
    "radio row": "label.choice:has(input[type=radio])",
    "checkbox row": "label.choice:has(input[type=checkbox])",
    "filter checkbox": ".field.check label",
    "button": "main button",
    "summary": "main summary",
}


@dataclass
class Walk:
    """What the walk saw, page by page ("fa /orders")."""

    visited: list[str] = field(default_factory=list)
    violations: dict[str, list[Any]] = field(default_factory=dict)
    overflow: dict[str, int] = field(default_factory=dict)
    small_targets: dict[str, list[str]] = field(default_factory=dict)
    measured: set[str] = field(default_factory=set)  # the kinds of target seen at least once
    blocked: list[str] = field(default_factory=list)
    foreign: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def a11y_site(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """One live site for the module (the walk sets it up once and only reads it afterwards)."""
    with live_site(sqlite_template, tmp_path_factory.mktemp("a11y"), Clock()) as server:
        yield server


@dataclass
class Cast:
    admin: Any
    workshop: Any
    buyer: Any
    order_id: int
    waiting_order_id: int
    batch_id: int


def cast_with_long_words(site: LiveServer) -> Cast:
    """Every page with something on it: offers, jobs in each state, a delivered job with a note,
    an order waiting for capacity, a bulk order, a thread, a workshop and a buyer awaiting approval,
    each name, address and note a 200-character word (or as long as the field takes)."""
    api = ApiClient(site.app, site.app.test_client(), lambda: None)
    clock = Clock()
    admin = api.admin()
    workshop = api.business(admin, name="کارگاه " + LONG_FA[:190], city=LONG_FA[:120], weekly_capacity=700)
    api.business(admin, approve=False, name=LONG_EN, city="Ahvaz", province="khuzestan")
    buyer = api.buyer(organization=LONG_FA, name=LONG_EN[:120])
    api.buyer(verified=False, organization=LONG_EN, name="مرکز " + LONG_FA[:100])
    body = {"delivery_address": "اهواز " + LONG_FA, "note": LONG_EN}
    orders = [api.order(buyer, clock, quantity=q, **body) for q in (20, 10, 10, 15)]
    jobs = [o["jobs"][0]["id"] for o in orders]
    for job in jobs[:3]:
        assert workshop.post(f"/api/v1/jobs/{job}/accept").status_code == 200
    assert workshop.post(f"/api/v1/jobs/{jobs[0]}/progress", json={"units_done": 5}).status_code == 200
    for job in jobs[1:3]:
        r = workshop.post(
            f"/api/v1/jobs/{job}/ship", json={"carrier": LONG_FA[:120], "tracking_code": "TR-1"}
        )
        assert r.status_code == 200, r.get_json()
    r = buyer.post(f"/api/v1/jobs/{jobs[1]}/deliver", json={"received_quantity": 8, "note": LONG_FA})
    assert r.status_code == 200, r.get_json()
    waiting = api.order(buyer, clock, kit="PREGNANT-HYGIENE", quantity=5, **body)
    assert waiting["status"] == "awaiting_capacity", waiting["status"]
    for who in (buyer, workshop):
        r = who.post(f"/api/v1/orders/{orders[0]['id']}/messages", json={"text": LONG_FA})
        assert r.status_code == 201, r.get_json()
    needed = (local_today(clock) + timedelta(days=40)).isoformat()
    line = {"kit": "ELDERLY-COVID", "quantity": 5, "delivery_province": "tehran", "needed_by": needed, **body}
    r = buyer.post("/api/v1/orders/batch", json={"orders": [line, line]})
    assert r.status_code == 201, r.get_json()
    return Cast(admin, workshop, buyer, orders[0]["id"], waiting["id"], r.get_json()["batch_id"])


def pages_of(cast: Cast) -> dict[str | None, list[str]]:
    o, w = cast.order_id, cast.waiting_order_id
    return {
        None: ["/", "/signin", "/signup"],
        cast.buyer.email: [
            "/orders",
            "/orders/new",
            f"/orders/{o}",
            f"/orders/{w}",
            f"/threads/{o}",
            "/orders/batch",
            f"/orders/batch/{cast.batch_id}",
            "/notifications",
            "/account",
        ],
        cast.workshop.email: [
            "/workshop",
            "/workshop/offers",
            "/workshop/jobs",
            f"/threads/{o}",
            "/notifications",
        ],
        cast.admin.email: [
            "/admin",
            "/admin/businesses",
            "/admin/orders",
            "/admin/buyers",
            "/admin/jobs",
            "/admin/audit",
            f"/admin/orders/{w}/waiting",
            f"/admin/orders/{o}",
            f"/admin/orders/{w}",
            "/admin/reoptimise",
            f"/orders/{o}",
            "/orders/batch",
            "/notifications",
            "/account",
        ],
    }


#: pages reached otherwise: downloads (CSV), the static files, a redirect to a notification's page,
#: the workshop registration form (shown only to a business user without a workshop: the test of
#: a failed submit opens it), the quote (a fragment the order form fetches into its live region as the
#: buyer types; tests/web/test_browser_quote.py shows it there), where a workshop lands at sign-in
#: (a redirect to its offers or its profile)
NOT_PAGES = {
    "web.static", "web.export_impact", "web.export_jobs", "web.export_orders", "web.batch_template",
    "web.open_notification", "web.workshop_register", "web.quote_fragment", "web.workshop_home",
}  # fmt: skip


def watched_context(browser: Browser, walk: Walk, site: LiveServer) -> BrowserContext:
    context = browser.new_context(locale="fa-IR", viewport={"width": PHONE, "height": 800})
    context.add_init_script(path=str(AXE))

    def guard(route: Route) -> None:
        host = urlsplit(route.request.url).hostname
        if route.request.url.startswith(("data:", "blob:")) or host == "127.0.0.1":
            route.continue_()
        else:
            walk.foreign.append(route.request.url)
            route.abort()

    context.route("**/*", guard)
    context.on(
        "console", lambda m: walk.blocked.append(m.text) if "Content Security Policy" in m.text else None
    )
    return context


def look(page: Page, walk: Walk, key: str) -> None:
    """One page, as it stands: axe and the targets at phone width, the overflow at both widths."""
    walk.visited.append(key)
    page.set_viewport_size({"width": PHONE, "height": 800})
    page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")  # their forms too
    if found := page.evaluate(RUN_AXE, WCAG21_AA):
        walk.violations[key] = found
    if small := page.evaluate(TARGETS, TARGET):
        walk.small_targets[key] = small
    walk.measured.update(kind for kind, sel in KINDS.items() if page.locator(sel).count())
    for width in (PHONE, DESKTOP):
        page.set_viewport_size({"width": width, "height": 800})
        if (extra := page.evaluate(OVERFLOW)) > 0:
            walk.overflow[f"{key} at {width} px"] = extra


def switch_language(page: Page) -> None:
    page.locator("button.lang").click()
    page.wait_for_load_state()


@pytest.fixture(scope="module")
def walk(a11y_site: LiveServer, browser: Browser) -> Walk:
    assert AXE.exists(), f"{AXE} is missing: run `make test` (it installs tests/web/a11y with npm ci)"
    site, walk = a11y_site, Walk()
    cast = cast_with_long_words(site)
    for email, paths in pages_of(cast).items():
        context = watched_context(browser, walk, site)
        page = context.new_page()
        page.set_default_timeout(15_000)
        if email:
            sign_in(page, site, email)
        for lang in ("fa", "en"):
            if lang == "en":
                page.goto(site.url + paths[0])
                switch_language(page)
            for path in paths:
                page.goto(site.url + path)
                assert page.locator("html").get_attribute("lang") == lang
                look(page, walk, f"{lang} {email or 'visitor'} {path}")
            # a refused form, as each role meets one
            if refused := refused_form(page, site, email, cast):
                look(page, walk, f"{lang} {email or 'visitor'} {refused} (refused)")
        context.close()
    # what was found, whole, for whoever fixes it (git-ignored)
    found = json.dumps(asdict(walk), indent=1, ensure_ascii=False, default=sorted)
    (ROOT / "test-artifacts").mkdir(exist_ok=True)
    (ROOT / "test-artifacts" / "a11y-walk.json").write_text(found, encoding="utf-8")
    return walk


def refused_form(page: Page, site: LiveServer, email: str | None, cast: Cast) -> str | None:
    """Send a form that is refused (each role's main form) and leave the page showing it."""
    if email is None:
        page.goto(site.url + "/signup")
        with page.expect_navigation():
            page.locator("form.form button[type=submit]").click()
        return "/signup"
    if email == cast.buyer.email:
        page.goto(site.url + "/orders/new")
        page.locator("#needed_by").fill("1405/09/31")
        with page.expect_navigation():
            page.locator("form.form button[type=submit]").click()
        return "/orders/new"
    if email == cast.workshop.email:
        page.goto(site.url + "/workshop/jobs")
        page.locator("form[action$='/progress'] input[name$=units_done]").first.fill("9999")
        with page.expect_navigation():
            page.locator("form[action$='/progress'] button[type=submit]").first.click()
        return "/workshop/jobs"
    return None


def test_the_walk_covers_every_page(walk: Walk, a11y_site: LiveServer):
    rules = [r for r in a11y_site.app.url_map.iter_rules() if r.endpoint.startswith("web.")]
    pages = {r.endpoint for r in rules if "GET" in (r.methods or ()) and r.endpoint not in NOT_PAGES}
    seen = set()
    with a11y_site.app.test_request_context():
        adapter = a11y_site.app.url_map.bind("127.0.0.1")
        for key in walk.visited:
            path = key.split(" ")[2]
            seen.add(adapter.match(path, method="GET")[0])
    assert pages - seen == set(), "pages the accessibility walk does not open: add them to pages_of()"
    assert not walk.foreign, f"pages asked hosts other than 127.0.0.1: {walk.foreign}"
    assert not walk.blocked, f"the Content-Security-Policy blocked: {walk.blocked}"


def test_axe_finds_no_wcag_21_aa_violation_on_any_page_in_either_language(walk: Walk):
    assert len(walk.visited) >= 2 * 28
    assert walk.violations == {}


def test_no_page_scrolls_sideways_on_a_phone_or_a_desktop_with_200_character_words(walk: Walk):
    assert walk.overflow == {}


def test_every_target_is_at_least_44_px_on_a_phone(walk: Walk):
    assert walk.measured == set(KINDS)
    assert walk.small_targets == {}
