"""The admin pages through the Flask test client: the dashboard and its chart, approving and
suspending workshops, orders and jobs with their filters, re-running matching, reassigning a job,
the audit log, the CSV exports, and who may open them. CSRF stays on: forms post the page's token."""

from __future__ import annotations

import csv
import html
import io
import re
import socket
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from persiantools import digits

from market.app import create_app

from ..conftest import base_config
from ..support import PASSWORD, Actor, ApiClient, Clock, copy_db

ELDERLY_PRICE = 12_500_000
TOKEN = re.compile(r'name="csrf_token"[^>]*?value="([^"]+)"')
FLASH = re.compile(r'<p class="flash (\w+)" role="(?:status|alert)">([^<]*)</p>')
ADMIN_PAGES = [
    "/admin",
    "/admin/businesses",
    "/admin/orders",
    "/admin/jobs",
    "/admin/audit",
    "/admin/export/orders.csv",
    "/admin/export/jobs.csv",
    "/admin/export/impact.csv",
]


class Pages:
    """One person's browser: a session cookie, the CSRF token its pages carry, the flashes shown."""

    def __init__(self, app: Flask, email: str) -> None:
        self.client: FlaskClient = app.test_client()
        signin = self.client.get("/signin").get_data(as_text=True)
        r = self.client.post(
            "/signin", data={"email": email, "password": PASSWORD, "csrf_token": token_in(signin)}
        )
        assert r.status_code == 302, r.get_data(as_text=True)
        self.token = token_in(self.client.get("/").get_data(as_text=True))

    def english(self) -> Pages:
        self.client.post("/language/en", data={"csrf_token": self.token})
        return self

    def get(self, path: str, status: int = 200) -> str:
        r = self.client.get(path)
        assert r.status_code == status, (path, r.status_code)
        return r.get_data(as_text=True)

    def post(self, path: str, data: dict[str, Any] | None = None, next: str | None = None) -> Any:
        """Press a button: the form's fields, its token and the page to come back to."""
        body = {"csrf_token": self.token, **(data or {})}
        if next is not None:
            body["next"] = next
        return self.client.post(path, data=body)

    def flashes(self, response: Any) -> list[tuple[str, str]]:
        """Follow the redirect after a POST and read the messages the next page shows."""
        assert response.status_code == 302, response.get_data(as_text=True)
        page = self.client.get(response.headers["Location"]).get_data(as_text=True)
        return [(kind, html.unescape(text)) for kind, text in FLASH.findall(page)]


def token_in(page: str) -> str:
    found = TOKEN.search(page)
    assert found, "no CSRF token on the page"
    return found.group(1)


@pytest.fixture
def admin(api: ApiClient) -> Actor:
    return api.admin()


@pytest.fixture
def pages(app: Flask, admin: Actor) -> Pages:
    return Pages(app, admin.email)


def chart_of(page: str) -> str:
    found = re.search(r"<svg role=\"img\".*?</svg>", page, re.S)
    assert found, "no chart on the dashboard"
    return found.group(0)


def province_group(svg: str, code: str) -> str:
    found = re.search(rf'<g class="province" data-province="{code}">(.*?)</g>', svg, re.S)
    assert found, f"no bars for {code}"
    return found.group(1)


def bar_values(group: str) -> list[str]:
    return re.findall(r'<text class="value"[^>]*>([^<]*)</text>', group)


def bar_widths(group: str) -> list[float]:
    return [float(w) for w in re.findall(r'<rect class="bar-[a-z]+"[^>]*width="([0-9.]+)"', group)]


def job_of(api_order: dict[str, Any], business: Actor) -> int:
    return next(j["id"] for j in api_order["jobs"] if j["business_id"] == business.business_id)


def section(page: str, heading_id: str) -> str:
    """The dashboard section whose heading has this id."""
    found = re.search(rf'<section aria-labelledby="{heading_id}">(.*?)</section>', page, re.S)
    assert found, heading_id
    return found.group(1)


# --- dashboard ------------------------------------------------------------------------------------


def test_dashboard_draws_demand_against_what_can_serve_it_by_its_dates_in_persian(
    api: ApiClient, admin: Actor, pages: Pages, clock: Clock
):
    api.business(admin, province="kermanshah", weekly_capacity=70)
    api.business(admin, province="fars", weekly_capacity=14)
    api.business(admin, province="tehran", weekly_capacity=35, approve=False)  # pending: no capacity
    buyer = api.buyer()
    near = api.order(buyer, clock, quantity=50, delivery_province="kermanshah")
    big = api.order(buyer, clock, quantity=500, delivery_province="lorestan")
    cancelled = api.order(buyer, clock, quantity=40, delivery_province="tehran")
    assert buyer.post(f"/api/v1/orders/{cancelled['id']}/cancel").status_code == 200
    assert near["allocated_quantity"] == 50 and 0 < big["allocated_quantity"] < 500

    page = pages.get("/admin")
    assert '<html lang="fa" dir="rtl">' in page
    svg = chart_of(page)
    assert '<title id="chart-title">' in svg and 'aria-labelledby="chart-title chart-desc"' in svg
    # one pair of bars per province with open orders (Tehran's is cancelled), the most short first
    assert re.findall(r'data-province="([a-z-]+)"', svg) == ["lorestan", "kermanshah"]
    lorestan, kermanshah = (province_group(svg, p) for p in ("lorestan", "kermanshah"))
    assert "لرستان" in lorestan and "کرمانشاه" in kermanshah
    # demand first, then what can be delivered by its date: Lorestan has no workshop, but those of
    # Kermanshah and Fars serve part of it (what matching placed; nothing more fits by its date)
    served = big["allocated_quantity"]
    assert bar_values(lorestan) == ["۵۰۰", digits.en_to_fa(f"{served}")]
    assert bar_values(kermanshah) == ["۵۰", "۵۰"]
    assert all(len(re.findall(r"<rect ", g)) == 2 for g in (lorestan, kermanshah))
    # the bars are to scale: Lorestan's demand is the longest
    assert max(bar_widths(lorestan) + bar_widths(kermanshah)) == bar_widths(lorestan)[0]
    assert bar_widths(kermanshah)[0] == pytest.approx(bar_widths(lorestan)[0] / 10, abs=0.2)
    # the caption says what is drawn, and the same figures are in a table, with why the rest waits
    assert "<figcaption>" in page and "تا تاریخشان" in page
    table = re.search(r"<caption>ارقام نمودار</caption>(.*?)</table>", page, re.S)
    assert table and "لرستان" in table.group(1)
    assert digits.en_to_fa(f"{500 - served}") in table.group(1)
    assert "هیچ کارگاهی که می‌تواند آن را بگیرد" in table.group(1)  # no room before its deadline


def test_a_province_served_from_another_shows_no_shortage(
    api: ApiClient, admin: Actor, pages: Pages, clock: Clock
):
    """Issue 12: Khuzestan has no workshop; Lorestan's serves its 150 kits in full by their date."""
    api.business(admin, province="lorestan", city="Khorramabad", weekly_capacity=140)
    order = api.order(api.buyer(), clock, quantity=150, delivery_province="khuzestan", days=20)
    assert order["allocated_quantity"] == 150
    page = pages.english().get("/admin")
    khuzestan = province_group(chart_of(page), "khuzestan")
    assert bar_values(khuzestan) == ["150", "150"]
    assert "lorestan" not in re.findall(r'data-province="([a-z-]+)"', chart_of(page))  # no demand there
    table = re.search(r"<caption>The chart's figures</caption>(.*?)</table>", page, re.S)
    assert table and '<strong class="attention">' not in table.group(1)


def test_dashboard_in_english_uses_latin_digits_and_english_names(
    api: ApiClient, admin: Actor, pages: Pages, clock: Clock
):
    api.business(admin, province="kermanshah", weekly_capacity=70)
    api.order(api.buyer(), clock, quantity=1200, delivery_province="kohgiluyeh-boyer-ahmad")
    page = pages.english().get("/admin")
    assert '<html lang="en" dir="ltr">' in page
    svg = chart_of(page)
    assert "Kohgiluyeh and Boyer-Ahmad" in province_group(svg, "kohgiluyeh-boyer-ahmad")
    assert bar_values(province_group(svg, "kohgiluyeh-boyer-ahmad"))[0] == "1,200"
    # the Kermanshah workshop makes 10 a day: 290 by the order's production deadline
    assert bar_values(province_group(svg, "kohgiluyeh-boyer-ahmad"))[1] == "280"
    assert "Demand against capacity by province" in page and "by their dates" in page


def test_dashboard_counts_unallocated_units_and_the_queue(
    api: ApiClient, admin: Actor, pages: Pages, clock: Clock, app: Flask
):
    api.business(admin, province="kermanshah", weekly_capacity=70)
    buyer = api.buyer()
    big = api.order(buyer, clock, quantity=1000, delivery_province="kermanshah")
    far = api.order(buyer, clock, quantity=30, delivery_province="fars", days=2)  # too soon for anyone
    assert big["unallocated_quantity"] > 0 and far["unallocated_quantity"] == 30
    page = pages.english().get("/admin")
    total = big["unallocated_quantity"] + 30
    glance = section(page, "at-a-glance")
    assert f'<span class="value">{total:,}</span>' in glance and "units without a workshop" in glance
    assert '<span class="value">2</span>\n        <span class="label">orders waiting' in glance
    unallocated = section(page, "unallocated")
    assert "Fars" in unallocated and "Kermanshah" in unallocated
    assert f"<td>{big['unallocated_quantity']:,}</td>" in unallocated
    queue = section(page, "queue")
    if app.config["JOBS_MODE"] == "inline":
        assert "inline" in queue and "embedded mode" in queue
    else:
        assert "reachable" in queue and "Jobs in the queue" in queue
    assert "Orders not matched after 30 seconds" in queue


def test_dashboard_lists_offers_about_to_expire(api: ApiClient, admin: Actor, pages: Pages, clock: Clock):
    workshop = api.business(admin, name="Mehr workshop", province="kermanshah", weekly_capacity=70)
    order = api.order(api.buyer(), clock, quantity=50)
    job_id = job_of(order, workshop)
    pages.english()
    assert "No offer expires that soon." in section(pages.get("/admin"), "expiring")
    clock.advance(hours=40)  # offers last 48 h: 8 h left
    expiring = section(pages.get("/admin"), "expiring")
    assert f"<td>#{job_id}</td>" in expiring
    assert f'href="/orders/{order["id"]}"' in expiring and "Mehr workshop" in expiring
    assert "8 hours 0 min" in expiring
    glance = section(pages.get("/admin"), "at-a-glance")
    assert (
        '<span class="value">1</span>\n        <span class="label">offers expiring within 12 hours' in glance
    )


def test_dashboard_and_jobs_page_show_late_jobs(api: ApiClient, admin: Actor, pages: Pages, clock: Clock):
    workshop = api.business(admin, name="Mehr workshop", province="kermanshah", weekly_capacity=70)
    buyer = api.buyer()
    soon = api.order(buyer, clock, quantity=5, days=3)  # production deadline in 2 days
    later = api.order(buyer, clock, quantity=5, days=30)
    late_job, ok_job = job_of(soon, workshop), job_of(later, workshop)
    for job in (late_job, ok_job):
        assert workshop.post(f"/api/v1/jobs/{job}/accept").status_code == 200
    pages.english()
    assert "No job is late." in pages.get("/admin")
    clock.advance(days=3)
    late = section(pages.get("/admin"), "late")
    assert f"<td>#{late_job}</td>" in late and f"<td>#{ok_job}</td>" not in late
    assert "Mehr workshop" in late and f'href="/orders/{soon["id"]}"' in late
    listed = pages.get("/admin/jobs?late=y")
    assert f'id="job-{late_job}"' in listed and f'id="job-{ok_job}"' not in listed
    assert 'class="late-row"' in listed
    everything = pages.get("/admin/jobs")
    assert f'id="job-{late_job}"' in everything and f'id="job-{ok_job}"' in everything


def test_dashboard_says_when_the_queue_is_unreachable(sqlite_template: Path, tmp_path: Path):
    """RQ mode with Redis down: orders are still taken, stay pending, and the dashboard says so."""
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    clock = Clock()
    copy_db(sqlite_template, tmp_path / "market.db")
    app = create_app(
        {
            **base_config(clock),
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'market.db'}",
            "JOBS_MODE": "rq",
            "REDIS_URL": f"redis://127.0.0.1:{port}/0",
        }
    )
    api = ApiClient(app, app.test_client(), lambda: None)
    admin = api.admin()
    order = api.order(api.buyer(), clock, quantity=10)
    assert order["status"] == "pending"
    pages = Pages(app, admin.email).english()
    queue = section(pages.get("/admin"), "queue")
    assert "unavailable" in queue and "Jobs in the queue" not in queue
    assert "<dd>0</dd>" in queue  # not yet past the grace period
    clock.advance(seconds=31)
    queue = section(pages.get("/admin"), "queue")
    assert '<strong class="attention">1</strong> waiting for the sweep' in queue
    with app.app_context():
        from market.extensions import db

        db.session.remove()
        db.engine.dispose()


# --- workshops ------------------------------------------------------------------------------------


def test_approving_a_pending_workshop_adds_its_capacity_and_matches_waiting_orders(
    api: ApiClient, admin: Actor, pages: Pages, clock: Clock, settle: Any
):
    workshop = api.business(name="Shiraz kits", province="fars", weekly_capacity=14, approve=False)
    order = api.order(api.buyer(), clock, quantity=20, delivery_province="fars")
    assert order["status"] == "awaiting_capacity"
    assert bar_values(province_group(chart_of(pages.get("/admin")), "fars")) == ["۲۰", "۰"]

    listing = pages.english().get("/admin/businesses?status=pending")
    assert "Shiraz kits" in listing and "waiting for approval" in listing
    action = f"/admin/businesses/{workshop.business_id}/approve"
    assert f'action="{action}"' in listing
    r = pages.post(action, next="/admin/businesses?status=pending")
    assert r.headers["Location"] == "/admin/businesses?status=pending"
    assert ("success", "Shiraz kits is approved: it can now receive offers.") in pages.flashes(r)
    settle()

    assert admin.get(f"/api/v1/businesses/{workshop.business_id}").get_json()["status"] == "approved"
    assert bar_values(province_group(chart_of(pages.get("/admin")), "fars")) == ["20", "20"]
    matched = admin.get(f"/api/v1/orders/{order['id']}").get_json()
    assert matched["status"] == "allocated" and matched["jobs"][0]["business_id"] == workshop.business_id
    # approving twice is refused, and says why
    assert ("error", "This workshop is approved already.") in pages.flashes(pages.post(action))


def test_suspending_a_workshop_with_a_reason_withdraws_its_offers(
    api: ApiClient, admin: Actor, pages: Pages, clock: Clock, settle: Any
):
    workshop = api.business(admin, name="Mehr workshop", weekly_capacity=70)
    order = api.order(api.buyer(), clock, quantity=50)
    job_id = job_of(order, workshop)
    listing = pages.english().get("/admin/businesses")
    prefix = f"b{workshop.business_id}"
    assert f'<label for="{prefix}-reason">Reason (optional)</label>' in listing
    r = pages.post(
        f"/admin/businesses/{workshop.business_id}/suspend", {f"{prefix}-reason": "Kits failed inspection"}
    )
    assert ("success", "Mehr workshop is suspended: its open offers went back to matching.") in pages.flashes(
        r
    )
    settle()
    business = admin.get(f"/api/v1/businesses/{workshop.business_id}").get_json()
    assert business["status"] == "suspended"
    assert admin.get(f"/api/v1/jobs/{job_id}").get_json()["status"] == "cancelled"
    listing = pages.get("/admin/businesses?status=suspended")
    assert "Mehr workshop" in listing and "Kits failed inspection" in listing
    assert f"/admin/businesses/{workshop.business_id}/approve" in listing  # can be approved again
    assert ("error", "This workshop is suspended already.") in pages.flashes(
        pages.post(f"/admin/businesses/{workshop.business_id}/suspend")
    )


def test_workshop_filters(api: ApiClient, admin: Actor, pages: Pages):
    api.business(admin, name="Kermanshah one", province="kermanshah")
    api.business(admin, name="Fars one", province="fars")
    api.business(name="Fars pending", province="fars", approve=False)
    pages.english()
    fars = pages.get("/admin/businesses?province=fars")
    assert "Fars one" in fars and "Fars pending" in fars and "Kermanshah one" not in fars
    approved_fars = pages.get("/admin/businesses?province=fars&status=approved")
    assert "Fars one" in approved_fars and "Fars pending" not in approved_fars
    assert '<option selected value="fars">Fars</option>' in approved_fars
    # an unknown filter value is no filter
    assert "Kermanshah one" in pages.get("/admin/businesses?province=atlantis")


def test_a_post_without_the_csrf_token_is_refused(api: ApiClient, pages: Pages, admin: Actor):
    workshop = api.business(approve=False)
    r = pages.client.post(f"/admin/businesses/{workshop.business_id}/approve")
    assert r.status_code == 400
    assert admin.get(f"/api/v1/businesses/{workshop.business_id}").get_json()["status"] == "pending"
    r = pages.client.post(f"/admin/businesses/{workshop.business_id}/approve", data={"csrf_token": "forged"})
    assert r.status_code == 400
    assert admin.get(f"/api/v1/businesses/{workshop.business_id}").get_json()["status"] == "pending"


# --- orders ---------------------------------------------------------------------------------------


def test_order_filters_by_status_province_and_kit(api: ApiClient, admin: Actor, pages: Pages, clock: Clock):
    api.business(admin, province="kermanshah", kits=["ELDERLY-COVID", "PREGNANT-HYGIENE"])
    buyer = api.buyer(organization="Health center 7")
    placed = api.order(buyer, clock, quantity=10)
    waiting = api.order(buyer, clock, quantity=10, delivery_province="fars", days=2)
    pregnant = api.order(buyer, clock, quantity=10, kit="PREGNANT-HYGIENE")
    pages.english()

    def rows(query: str) -> set[int]:
        return {int(i) for i in re.findall(r'<tr id="order-(\d+)">', pages.get("/admin/orders" + query))}

    assert rows("") == {placed["id"], waiting["id"], pregnant["id"]}
    assert rows("?status=awaiting_capacity") == {waiting["id"]}
    assert rows("?province=kermanshah") == {placed["id"], pregnant["id"]}
    assert rows("?kit=PREGNANT-HYGIENE") == {pregnant["id"]}
    assert rows("?province=kermanshah&kit=ELDERLY-COVID") == {placed["id"]}
    page = pages.get("/admin/orders?province=fars")
    assert "Health center 7" in page and f'href="/admin/orders/{waiting["id"]}"' in page
    # the export link carries the filters
    assert 'href="/admin/export/orders.csv?province=fars"' in page
    # an admin opens any order's page
    assert "Order" in pages.get(f"/orders/{waiting['id']}")


def test_rematch_from_the_orders_page(api: ApiClient, admin: Actor, pages: Pages, clock: Clock, settle: Any):
    buyer = api.buyer()
    waiting = api.order(buyer, clock, quantity=20, delivery_province="fars")
    cancelled = api.order(buyer, clock, quantity=20, delivery_province="fars")
    assert buyer.post(f"/api/v1/orders/{cancelled['id']}/cancel").status_code == 200
    listing = pages.english().get("/admin/orders")
    assert f'action="/admin/orders/{waiting["id"]}/rematch"' in listing
    assert f'action="/admin/orders/{cancelled["id"]}/rematch"' not in listing

    r = pages.post(f"/admin/orders/{waiting['id']}/rematch", next="/admin/orders?province=fars")
    assert r.headers["Location"] == "/admin/orders?province=fars"
    assert ("success", f"Matching runs again for order #{waiting['id']}.") in pages.flashes(r)
    settle()
    audit = admin.get("/api/v1/admin/audit?action=order.rematch_requested").get_json()
    assert [e["entity_id"] for e in audit["items"]] == [waiting["id"]]

    r = pages.post(f"/admin/orders/{cancelled['id']}/rematch")
    assert (
        "error",
        f"Order #{cancelled['id']} is cancelled: matching does not run for it.",
    ) in pages.flashes(r)
    assert pages.post("/admin/orders/999999/rematch").status_code == 404


# --- jobs -----------------------------------------------------------------------------------------


def test_reassign_a_job_and_see_a_refusal_with_its_reason(
    api: ApiClient, admin: Actor, pages: Pages, clock: Clock, settle: Any
):
    first = api.business(admin, name="First workshop", weekly_capacity=70)
    order = api.order(api.buyer(), clock, quantity=50)
    job_id = job_of(order, first)
    roomy = api.business(admin, name="Roomy workshop", weekly_capacity=70)
    small = api.business(admin, name="Small workshop", weekly_capacity=7)
    api.business(admin, name="Other kit", kits=["PREGNANT-HYGIENE"])

    page = pages.english().get("/admin/jobs")
    form = re.search(rf'<form method="post" action="/admin/jobs/{job_id}/reassign".*?</form>', page, re.S)
    assert form, "no reassign form for the open job"
    assert f'<label for="job{job_id}-business_id">Move to workshop</label>' in form.group(0)
    options = re.findall(r'<option value="(\d+)">([^<]*)</option>', form.group(0))
    # approved workshops making the kit, other than the job's own
    assert {int(v) for v, _ in options} == {roomy.business_id, small.business_id}
    assert any("Small workshop (Kermanshah): room for" in html.unescape(label) for _, label in options)

    field = f"job{job_id}-business_id"
    r = pages.post(f"/admin/jobs/{job_id}/reassign", {field: small.business_id}, next="/admin/jobs")
    [(kind, message)] = pages.flashes(r)
    found = re.fullmatch(
        rf"Job #{job_id} was not moved: That workshop can make only (\d+) of the 50 kits by .+\.", message
    )
    assert kind == "error" and found and int(found.group(1)) < 50, message
    assert admin.get(f"/api/v1/jobs/{job_id}").get_json()["status"] == "offered"

    r = pages.post(f"/admin/jobs/{job_id}/reassign", {field: roomy.business_id})
    [(kind, message)] = pages.flashes(r)
    assert kind == "success" and message.startswith(
        f"Job #{job_id} is now offered to Roomy workshop as job #"
    )
    settle()
    jobs = admin.get(f"/api/v1/orders/{order['id']}").get_json()["jobs"]
    assert {(j["business_id"], j["status"]) for j in jobs} == {
        (first.business_id, "cancelled"),
        (roomy.business_id, "offered"),
    }
    # the old job is closed now: moving it again is refused, with the reason
    r = pages.post(f"/admin/jobs/{job_id}/reassign", {field: small.business_id})
    assert (
        "error",
        f"Job #{job_id} was not moved: This job is cancelled: only an open job can be moved.",
    ) in (pages.flashes(r))
    r = pages.post(f"/admin/jobs/{job_id}/reassign", {})
    assert ("error", "Choose the workshop to move the job to.") in pages.flashes(r)


def test_job_filters_by_status_and_workshop(api: ApiClient, admin: Actor, pages: Pages, clock: Clock):
    kermanshah = api.business(admin, name="Kermanshah workshop", province="kermanshah")
    fars = api.business(admin, name="Fars workshop", province="fars")
    buyer = api.buyer()
    k_job = job_of(api.order(buyer, clock, quantity=10), kermanshah)
    f_job = job_of(api.order(buyer, clock, quantity=10, delivery_province="fars"), fars)
    assert fars.post(f"/api/v1/jobs/{f_job}/accept").status_code == 200
    pages.english()

    def rows(query: str) -> set[int]:
        return {int(i) for i in re.findall(r'<tr id="job-(\d+)"', pages.get("/admin/jobs" + query))}

    assert rows("") == {k_job, f_job}
    assert rows("?status=accepted") == {f_job}
    assert rows(f"?business={kermanshah.business_id}") == {k_job}
    assert rows(f"?business={kermanshah.business_id}&status=accepted") == set()
    assert f'<option value="{fars.business_id}">Fars workshop' in pages.get("/admin/jobs")


# --- audit log ------------------------------------------------------------------------------------


def test_audit_log_names_the_actors_newest_first_with_filters(
    api: ApiClient, admin: Actor, pages: Pages, clock: Clock
):
    workshop = api.business(admin, name="Mehr workshop")
    api.order(api.buyer(), clock, quantity=10)
    page = pages.english().get("/admin/audit")
    assert "Administrator" in page and admin.email in page  # who approved
    assert "workshop approved" in page and "order placed" in page and "job: offered" in page
    assert "the system" in page  # matching acts as the system
    actions = re.findall(r'<code class="muted"[^>]*>([a-z_.]+)</code>', page)
    assert actions.index("job.offered") < actions.index("order.created") < actions.index("business.approved")
    only = pages.get("/admin/audit?entity=business")
    assert set(re.findall(r'<code class="muted"[^>]*>([a-z_.]+)</code>', only)) == {
        "business.registered",
        "business.approved",
    }
    approved = pages.get("/admin/audit?action=business.approved")
    assert re.findall(r'<code class="muted"[^>]*>([a-z_.]+)</code>', approved) == ["business.approved"]
    assert f"#{workshop.business_id}" in approved
    # the detail, as a sentence
    registered = pages.get("/admin/audit?action=business.registered")
    assert "A workshop registered in <bdi>Kermanshah</bdi>." in registered


def test_audit_log_pages(api: ApiClient, admin: Actor, pages: Pages):
    for _ in range(8):  # each workshop: an account, a registration, an approval
        api.business(admin)
    pages.english()
    first = pages.get("/admin/audit")
    assert "Page 1 of 2" in first and 'href="/admin/audit?page=2"' in first
    second = pages.get("/admin/audit?page=2")
    assert "Page 2 of 2" in second
    first_ids = re.findall(r'<code class="muted"', first)
    assert len(first_ids) == 20


# --- CSV exports ----------------------------------------------------------------------------------


def read_csv(pages: Pages, path: str) -> tuple[Any, list[list[str]]]:
    r = pages.client.get(path)
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert r.headers["Content-Disposition"].startswith("attachment; filename=")
    assert r.data.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs to read UTF-8
    return r, list(csv.reader(io.StringIO(r.data.decode("utf-8-sig"))))


def test_orders_csv(api: ApiClient, admin: Actor, pages: Pages, clock: Clock):
    api.business(admin, weekly_capacity=70)
    buyer = api.buyer(name='=HYPERLINK("http://x")', organization="مرکز بهداشت ۴")
    order = api.order(buyer, clock, quantity=50, delivery_address="خیابان آزادی، کرمانشاه")
    api.order(buyer, clock, quantity=5, delivery_province="fars")
    r, rows = read_csv(pages, "/admin/export/orders.csv?format=machine")
    assert 'filename="orders-' in r.headers["Content-Disposition"]
    header = rows[0]
    assert header[:7] == [
        "id",
        "created_at",
        "buyer_name",
        "buyer_email",
        "buyer_organization",
        "kit",
        "quantity",
    ]
    row = dict(zip(header, next(r for r in rows[1:] if r[0] == str(order["id"])), strict=True))
    assert row["buyer_organization"] == "مرکز بهداشت ۴"
    assert row["delivery_address"] == "خیابان آزادی، کرمانشاه"
    assert row["buyer_name"] == '\'=HYPERLINK("http://x")'  # a formula is written as text
    assert row["quantity"] == "50" and row["unit_price_rials"] == str(ELDERLY_PRICE)
    assert row["total_price_rials"] == str(50 * ELDERLY_PRICE)
    assert row["needed_by"] == order["needed_by"] and row["status"] == "allocated"
    assert row["allocated"] == "50" and row["unallocated"] == "0"
    # in MARKET_TIMEZONE (Asia/Tehran), with its offset
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+03:30", row["created_at"])
    assert len(rows) == 3
    _r, fars = read_csv(pages, "/admin/export/orders.csv?province=fars&format=machine")
    assert [r[header.index("delivery_province")] for r in fars[1:]] == ["fars"]


def test_jobs_csv(api: ApiClient, admin: Actor, pages: Pages, clock: Clock):
    workshop = api.business(admin, name="کارگاه مهر", owner_group="deaf")
    order = api.order(api.buyer(), clock, quantity=50)
    job_id = job_of(order, workshop)
    _r, rows = read_csv(pages, "/admin/export/jobs.csv?format=machine")
    header = rows[0]
    assert header[:4] == ["id", "order_id", "business_id", "business_name"]
    [row] = [dict(zip(header, r, strict=True)) for r in rows[1:]]
    assert row["id"] == str(job_id) and row["order_id"] == str(order["id"])
    assert row["business_name"] == "کارگاه مهر" and row["owner_group"] == "deaf"
    assert row["status"] == "offered" and row["quantity"] == "50" and row["late"] == "false"
    assert row["due_date"] == admin.get(f"/api/v1/jobs/{job_id}").get_json()["due_date"]
    assert row["received_quantity"] == "" and row["income_rials"] == ""
    assert row["rule"] == "nearest_first" and row["carrier"] == "" and row["tracking_code"] == ""
    _r, none = read_csv(pages, "/admin/export/jobs.csv?status=delivered&format=machine")
    assert none == [header]


def test_impact_csv_sums_units_and_income_by_owner_group_and_province(
    api: ApiClient, admin: Actor, pages: Pages, clock: Clock
):
    kermanshah = api.business(admin, province="kermanshah", owner_group="female_head_of_household")
    fars = api.business(admin, province="fars", owner_group="deaf")
    buyer = api.buyer()
    deliveries = [
        (kermanshah, api.order(buyer, clock, quantity=50), 48),
        (fars, api.order(buyer, clock, quantity=20, delivery_province="fars"), 20),
    ]
    for workshop, order, received in deliveries:
        job = job_of(order, workshop)
        assert workshop.post(f"/api/v1/jobs/{job}/accept").status_code == 200
        assert workshop.post(f"/api/v1/jobs/{job}/ship", json={}).status_code == 200
        r = buyer.post(f"/api/v1/jobs/{job}/deliver", json={"received_quantity": received})
        assert r.status_code == 200, r.get_json()
    _r, rows = read_csv(pages, "/admin/export/impact.csv?format=machine")
    assert rows[0] == [
        "dimension",
        "key",
        "name_en",
        "name_fa",
        "jobs_delivered",
        "units_delivered",
        "income_rials",
    ]
    body = {(r[0], r[1]): r for r in rows[1:]}
    women = body[("owner_group", "female_head_of_household")]
    assert women[2] == "female head of household" and women[3]
    assert women[4:] == ["1", "48", str(48 * ELDERLY_PRICE)]
    assert body[("owner_group", "deaf")][4:] == ["1", "20", str(20 * ELDERLY_PRICE)]
    assert body[("province", "kermanshah")][2:] == [
        "Kermanshah",
        "کرمانشاه",
        "1",
        "48",
        str(48 * ELDERLY_PRICE),
    ]
    assert body[("province", "fars")][5:] == ["20", str(20 * ELDERLY_PRICE)]
    for dimension in ("owner_group", "province"):
        assert body[(dimension, "total")][4:] == ["2", "68", str(68 * ELDERLY_PRICE)]
    # for the reader: headers and names in Persian
    _r, reader = read_csv(pages, "/admin/export/impact.csv")
    assert reader[0] == ["گروه‌بندی", "نام", "کارهای تحویل‌شده", "بسته‌های تحویل‌شده", "درآمد (ریال)"]
    assert ["استان", "کرمانشاه", "1", "48", str(48 * ELDERLY_PRICE)] in reader
    assert ["استان", "جمع", "2", "68", str(68 * ELDERLY_PRICE)] in reader


# --- who may open the admin pages -----------------------------------------------------------------


@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_anonymous_visitors_are_sent_to_sign_in(client: FlaskClient, path: str):
    r = client.get(path)
    assert r.status_code == 302 and r.headers["Location"].startswith("/signin")


@pytest.mark.parametrize("role", ["buyer", "business"])
def test_buyers_and_workshops_may_not_open_admin_pages(app: Flask, api: ApiClient, role: str):
    actor = api.buyer() if role == "buyer" else api.business(approve=False)
    pages = Pages(app, actor.email)
    for path in ADMIN_PAGES:
        pages.get(path, status=403)
    workshop = api.business(approve=False)
    assert pages.post(f"/admin/businesses/{workshop.business_id}/approve").status_code == 403
    assert pages.post("/admin/jobs/1/reassign", {"job1-business_id": workshop.business_id}).status_code == 403


def test_a_refusal_reaches_the_page_by_its_code_never_by_its_english_sentence(
    api: ApiClient, admin: Actor, pages: Pages, clock: Clock, monkeypatch: pytest.MonkeyPatch
):
    """Reword every English refusal: the API says the new words, the page still says its Persian
    sentence (and, were a page to read the English, it would show the reworded text, not Persian)."""
    from market.domain import refusals

    reworded = {code: f"Reworded: {text}" for code, text in refusals.MESSAGES.items()}
    monkeypatch.setattr(refusals, "MESSAGES", reworded)
    first = api.business(admin, name="First workshop", weekly_capacity=70)
    order = api.order(api.buyer(), clock, quantity=50)
    job_id = job_of(order, first)
    small = api.business(admin, name="Small workshop", weekly_capacity=7)

    r = pages.post(f"/admin/jobs/{job_id}/reassign", {f"job{job_id}-business_id": small.business_id})
    [(kind, message)] = pages.flashes(r)
    assert kind == "error" and "Reworded" not in message, message
    assert re.fullmatch(
        r"کار #[۰-۹]+ منتقل نشد: آن کارگاه تا .+ فقط [۰-۹]+ بسته از ۵۰ بسته را می‌تواند بسازد\.", message
    ), message

    r = admin.post(f"/api/v1/jobs/{job_id}/reassign", json={"business_id": small.business_id})
    assert r.status_code == 409 and r.get_json()["message"].startswith("Reworded: That business can take")
