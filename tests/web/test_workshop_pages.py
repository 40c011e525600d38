"""The workshop's pages through the Flask test client: register, profile and calendar, pause,
offers inbox, accept and decline, progress and shipping, and who may open what.

Data is made through the JSON API (``api``); the workshop then acts on the pages with a session
cookie and the CSRF token each form carries, as a browser would.
"""

from __future__ import annotations

import html
import re
from datetime import date, datetime
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from persiantools import digits

from market.web import i18n

from ..support import PASSWORD, Actor, ApiClient, Clock

TOKEN = re.compile(r'name="(?:[\w-]+-)?csrf_token"[^>]*value="([^"]+)"')


class Pages:
    """A browser for one user: its own cookie jar, a CSRF token read from the page it posts from."""

    def __init__(self, app: Flask) -> None:
        self.client: FlaskClient = app.test_client()

    def get(self, path: str, **kw: Any) -> Any:
        return self.client.get(path, **kw)

    def text(self, path: str) -> str:
        r = self.client.get(path)
        assert r.status_code == 200, r.status_code
        return r.get_data(as_text=True)

    def token(self, page: str) -> str:
        found = TOKEN.search(self.text(page))
        assert found, f"no CSRF token on {page}"
        return found.group(1)

    def post(self, path: str, data: dict[str, Any], *, page: str, prefix: str = "") -> Any:
        """POST as the form on ``page`` would: its fields under ``prefix-`` and its CSRF token."""
        name = f"{prefix}-csrf_token" if prefix else "csrf_token"
        fields = {(f"{prefix}-{k}" if prefix else k): v for k, v in data.items()}
        return self.client.post(path, data={**fields, name: self.token(page)})

    def sign_in(self, email: str) -> None:
        r = self.post("/signin", {"email": email, "password": PASSWORD}, page="/signin")
        assert r.status_code == 302, r.get_data(as_text=True)


def signed_in(app: Flask, actor: Actor) -> Pages:
    pages = Pages(app)
    pages.sign_in(actor.email)
    return pages


def error_of(page: str, field_id: str) -> str:
    found = re.search(rf'<p class="error" id="{re.escape(field_id)}-error">([^<]*)</p>', page)
    assert found, f"no error beside {field_id}"
    return html.unescape(found.group(1))


def value_of(page: str, field_id: str) -> str:
    found = re.search(rf'<input[^>]*id="{re.escape(field_id)}"[^>]*value="([^"]*)"', page)
    assert found, f"no input {field_id}"
    return html.unescape(found.group(1))


def flashes(page: str) -> list[str]:
    return [
        html.unescape(m)
        for m in re.findall(r'<p class="flash [^"]*" role="(?:status|alert)">([^<]*)</p>', page)
    ]


def fa(app: Flask, fn: Any, *args: Any) -> str:
    """What the pages show in Persian for this value (the default language of a fresh visitor)."""
    with app.test_request_context():
        return str(fn(*args))


def business_of(actor: Actor) -> dict[str, Any]:
    r = actor.get(f"/api/v1/businesses/{actor.business_id}")
    assert r.status_code == 200
    return dict(r.get_json())


def job_of(actor: Actor, job_id: int) -> dict[str, Any]:
    r = actor.get(f"/api/v1/jobs/{job_id}")
    assert r.status_code == 200
    return dict(r.get_json())


def offered_job(api: ApiClient, clock: Clock, workshop: Actor, **order: Any) -> dict[str, Any]:
    """An order whose units are all offered to ``workshop``; the job as the API shows it."""
    placed = api.order(api.buyer(), clock, **order)
    [job] = [j for j in placed["jobs"] if j["business_id"] == workshop.business_id]
    return job_of(workshop, job["id"])


def accepted_job(app: Flask, api: ApiClient, clock: Clock, workshop: Actor, pages: Pages) -> dict[str, Any]:
    job = offered_job(api, clock, workshop)
    r = pages.post(f"/workshop/offers/{job['id']}/accept", {}, page="/workshop/offers")
    assert r.status_code == 302
    assert job_of(workshop, job["id"])["status"] == "accepted"
    return job


# --- register -------------------------------------------------------------------------------


def test_a_new_workshop_registers_and_is_told_an_admin_must_approve_it(app, api):
    owner = api.user("business")
    pages = signed_in(app, owner)
    r = pages.get("/workshop")
    assert r.status_code == 302 and r.headers["Location"].endswith("/workshop/register")

    form = {
        "name": "کارگاه نور",
        "province": "lorestan",
        "city": "خرم‌آباد",
        "owner_group": "deaf",
        "kits": "ELDERLY-COVID",
        "weekly_capacity": "۱۴۰",  # Persian digits are numbers too
        "min_lot": "10",
        "phone": "۰۹۱۲ ۱۲۳ ۴۵۶۷",
    }
    r = pages.post("/workshop/register", form, page="/workshop/register")
    assert r.status_code == 302 and r.headers["Location"].endswith("/workshop")
    page = pages.text("/workshop")
    assert "مدیر سامانه باید" in " ".join(flashes(page))  # the notice: an admin must approve it
    assert "در انتظار تأیید" in page  # status: waiting for approval
    assert "ناشنوایان" in page  # the owner group's label, translated

    me = owner.get("/api/v1/me").get_json()
    owner.business_id = me["business_id"]
    b = business_of(owner)
    assert (b["name"], b["province"], b["status"]) == ("کارگاه نور", "lorestan", "pending")
    assert (b["weekly_capacity"], b["min_lot"], b["kits"]) == (140, 10, ["ELDERLY-COVID"])
    assert b["phone"] == "0912 123 4567"
    # registered once: the form now leads to the profile
    assert pages.get("/workshop/register").headers["Location"].endswith("/workshop")


def test_a_register_form_with_mistakes_keeps_what_was_typed(app, api):
    owner = api.user("business")
    pages = signed_in(app, owner)
    form = {"name": "کارگاه نور", "province": "fars", "city": "شیراز", "owner_group": "elderly"}
    r = pages.post("/workshop/register", {**form, "weekly_capacity": "many"}, page="/workshop/register")
    assert r.status_code == 422
    page = r.get_data(as_text=True)
    assert error_of(page, "kits") == "دست‌کم یک بسته را انتخاب کنید."
    assert value_of(page, "name") == "کارگاه نور"
    assert value_of(page, "weekly_capacity") == "many"
    assert owner.get("/api/v1/me").get_json().get("business_id") is None


# --- profile --------------------------------------------------------------------------------


def test_the_profile_shows_the_workshop_and_how_full_its_calendar_is(app, api, clock):
    workshop = api.business(weekly_capacity=70)
    offered_job(api, clock, workshop, quantity=30, days=10)
    page = signed_in(app, workshop).text("/workshop")
    assert "Workshop" in page and "کرمانشاه" in page
    assert "<dd>زنان سرپرست خانوار</dd>" in page  # the owner group, translated
    weeks = re.findall(r'<li class="week[^"]*">(.*?)</div>\s*</li>', page, re.S)
    assert len(weeks) == 8
    # needed in 10 days, in the same province (1 day in transit): made by day 9, in the second week.
    # The figures are text beside the bars, not only bar lengths.
    assert "بسته‌های با موعد این هفته: ۰" in weeks[0]
    assert "بسته‌های با موعد این هفته: ۳۰" in weeks[1]
    assert "پیشنهادهای بی‌پاسخ: ۳۰" in weeks[1]  # still an offer
    assert all("توان ساخت شما: ۷۰" in w for w in weeks)
    assert 'aria-hidden="true"' in weeks[1]  # the bars repeat the text for the eye only
    # utilization: 30 kits over 28 days at 10 a day
    assert '<div class="value">۱۱٪</div>' in page


def test_a_profile_edit_is_saved(app, api):
    workshop = api.business(weekly_capacity=70)
    pages = signed_in(app, workshop)
    form = {
        "weekly_capacity": "140",
        "min_lot": "5",
        "kits": ["ELDERLY-COVID", "PREGNANT-HYGIENE"],
        "city": "اسلام‌آباد غرب",
        "phone": "",
    }
    r = pages.post("/workshop", form, page="/workshop")
    assert r.status_code == 302
    b = business_of(workshop)
    assert (b["weekly_capacity"], b["min_lot"], b["city"]) == (140, 5, "اسلام‌آباد غرب")
    assert sorted(b["kits"]) == ["ELDERLY-COVID", "PREGNANT-HYGIENE"]
    assert "ذخیره شد" in " ".join(flashes(pages.text("/workshop")))


def test_a_capacity_cut_below_the_committed_work_is_refused_beside_the_field(app, api, clock):
    workshop = api.business(weekly_capacity=70)
    offered_job(api, clock, workshop, quantity=50, days=10)
    pages = signed_in(app, workshop)
    form = {"weekly_capacity": "7", "min_lot": "1", "kits": ["ELDERLY-COVID"], "city": "سنقر", "phone": ""}
    r = pages.post("/workshop", form, page="/workshop")
    assert r.status_code == 422
    page = r.get_data(as_text=True)
    message = error_of(page, "weekly_capacity")
    assert message.startswith("کارهای باز شما دست‌کم ")  # in Persian, naming the capacity needed
    assert re.search(r"[۰-۹]+ بسته در هفته", message)
    assert value_of(page, "weekly_capacity") == "7"  # what was typed is kept
    assert value_of(page, "city") == "سنقر"
    b = business_of(workshop)
    assert (b["weekly_capacity"], b["city"]) == (70, "Kermanshah")  # nothing stored


def test_pause_and_resume(app, api):
    workshop = api.business()
    pages = signed_in(app, workshop)
    r = pages.post("/workshop/pause", {"paused": "y"}, page="/workshop", prefix="pause")
    assert r.status_code == 302
    assert business_of(workshop)["paused"] is True
    page = pages.text("/workshop")
    assert "ادامهٔ دریافت پیشنهاد" in page  # the button now resumes
    r = pages.post("/workshop/pause", {}, page="/workshop", prefix="pause")
    assert r.status_code == 302
    assert business_of(workshop)["paused"] is False


# --- offers ---------------------------------------------------------------------------------


def test_the_inbox_shows_quantity_jalali_due_date_and_time_left(app, api, clock):
    workshop = api.business()
    job = offered_job(api, clock, workshop, quantity=50, days=30, delivery_province="kermanshah")
    clock.advance(hours=1)
    page = signed_in(app, workshop).text("/workshop/offers")
    due = date.fromisoformat(job["due_date"])
    jalali_due = fa(app, i18n.format_date, due)
    assert re.fullmatch(r"[۰-۹]+ \S+ ۱۴[۰-۹]{2}", jalali_due)  # Jalali, Persian digits
    assert jalali_due in page
    assert "× ۵۰" in page  # the quantity
    assert "کرمانشاه" in page  # the delivery province
    left = datetime.fromisoformat(job["expires_at"]) - clock.now
    assert fa(app, i18n.format_duration, left) in page  # 1 day 23 hours
    assert "۱ روز ۲۳ ساعت" in page
    assert f'action="/workshop/offers/{job["id"]}/accept"' in page
    assert f'id="decline{job["id"]}-reason"' in page  # a labelled, uniquely named reason field
    assert f'<label for="decline{job["id"]}-reason">' in page


def test_the_inbox_in_english_shows_gregorian_dates(app, api, clock):
    workshop = api.business()
    job = offered_job(api, clock, workshop, quantity=50, days=30)
    pages = signed_in(app, workshop)
    pages.post("/language/en", {}, page="/workshop/offers")
    page = pages.text("/workshop/offers")
    due = date.fromisoformat(job["due_date"])
    assert f"{due.day} {i18n.EN_MONTHS[due.month - 1]} {due.year}" in page
    assert "× 50" in page and "Time left to answer" in page and 'dir="ltr"' in page


def test_an_empty_inbox_says_so(app, api):
    page = signed_in(app, api.business()).text("/workshop/offers")
    assert "فعلاً پیشنهادی ندارید" in page


def test_accepting_an_offer(app, api, clock):
    workshop = api.business()
    pages = signed_in(app, workshop)
    job = accepted_job(app, api, clock, workshop, pages)
    assert "پیشنهاد را پذیرفتید" in " ".join(flashes(pages.text("/workshop/offers")))
    assert f"#{digits.en_to_fa(str(job['order_id']))}" in pages.text("/workshop/jobs")
    # a second answer is refused with a message, not an error page
    r = pages.post(f"/workshop/offers/{job['id']}/accept", {}, page="/workshop/offers")
    assert r.status_code == 302
    assert "دیگر باز نیست" in " ".join(flashes(pages.text("/workshop/offers")))


def test_an_expired_offer_cannot_be_accepted(app, api, clock):
    workshop = api.business()
    job = offered_job(api, clock, workshop)
    pages = signed_in(app, workshop)
    token = pages.token("/workshop/offers")  # the page was opened before the offer ran out
    clock.advance(hours=49)
    r = pages.client.post(f"/workshop/offers/{job['id']}/accept", data={"csrf_token": token})
    assert r.status_code == 302
    assert "مهلت این پیشنهاد تمام شده است" in " ".join(flashes(pages.text("/workshop/offers")))
    workshop.token = api._token(workshop.email)  # the API token ran out with the clock too
    assert job_of(workshop, job["id"])["status"] != "accepted"  # expired by the next sweep


def test_declining_with_a_reason_sends_the_order_to_another_workshop(app, api, clock, settle):
    admin = api.admin()
    near = api.business(admin, province="kermanshah")
    far = api.business(admin, province="lorestan")
    buyer = api.buyer()
    order = api.order(buyer, clock, quantity=50, delivery_province="kermanshah")
    [job] = order["jobs"]
    assert job["business_id"] == near.business_id
    pages = signed_in(app, near)
    prefix = f"decline{job['id']}"
    r = pages.post(
        f"/workshop/offers/{job['id']}/decline",
        {"reason": "مواد اولیه نداریم"},
        page="/workshop/offers",
        prefix=prefix,
    )
    assert r.status_code == 302
    settle()
    assert "پیشنهاد را رد کردید" in " ".join(flashes(pages.text("/workshop/offers")))
    declined = job_of(near, job["id"])
    assert declined["status"] == "declined"
    assert any(e.get("detail", {}).get("reason") == "مواد اولیه نداریم" for e in declined["events"])
    again = buyer.get(f"/api/v1/orders/{order['id']}").get_json()
    live = [j for j in again["jobs"] if j["status"] == "offered"]
    assert [(j["business_id"], j["quantity"]) for j in live] == [(far.business_id, 50)]


def test_a_too_long_decline_reason_is_shown_beside_the_field(app, api, clock):
    workshop = api.business()
    job = offered_job(api, clock, workshop)
    pages = signed_in(app, workshop)
    prefix = f"decline{job['id']}"
    r = pages.post(
        f"/workshop/offers/{job['id']}/decline", {"reason": "x" * 501}, page="/workshop/offers", prefix=prefix
    )
    assert r.status_code == 422
    page = r.get_data(as_text=True)
    assert error_of(page, f"{prefix}-reason")
    assert value_of(page, f"{prefix}-reason") == "x" * 501
    assert job_of(workshop, job["id"])["status"] == "offered"


# --- jobs -----------------------------------------------------------------------------------


def test_progress_above_the_quantity_or_going_down_is_refused_and_nothing_stored(app, api, clock):
    workshop = api.business()
    pages = signed_in(app, workshop)
    job = accepted_job(app, api, clock, workshop, pages)
    prefix = f"progress{job['id']}"
    path = f"/workshop/jobs/{job['id']}/progress"

    r = pages.post(path, {"units_done": "60"}, page="/workshop/jobs", prefix=prefix)
    assert r.status_code == 422
    page = r.get_data(as_text=True)
    assert "۵۰" in error_of(page, f"{prefix}-units_done")  # at most the job's 50 kits
    assert value_of(page, f"{prefix}-units_done") == "60"
    got = job_of(workshop, job["id"])
    assert (got["units_done"], got["status"]) == (0, "accepted")

    r = pages.post(path, {"units_done": "۲۰"}, page="/workshop/jobs", prefix=prefix)
    assert r.status_code == 302
    got = job_of(workshop, job["id"])
    assert (got["units_done"], got["status"]) == (20, "in_production")

    r = pages.post(path, {"units_done": "10"}, page="/workshop/jobs", prefix=prefix)
    assert r.status_code == 422
    assert "نمی‌تواند کمتر شود" in error_of(r.get_data(as_text=True), f"{prefix}-units_done")
    assert job_of(workshop, job["id"])["units_done"] == 20

    r = pages.post(path, {"units_done": "ten"}, page="/workshop/jobs", prefix=prefix)
    assert r.status_code == 422
    assert job_of(workshop, job["id"])["units_done"] == 20


def test_shipping_and_then_the_delivery_with_its_shortfall(app, api, clock):
    workshop = api.business()
    pages = signed_in(app, workshop)
    job = accepted_job(app, api, clock, workshop, pages)
    r = pages.post(
        f"/workshop/jobs/{job['id']}/ship",
        {"carrier": "پست", "tracking_code": "IR-123456", "shipped_quantity": "۵۰"},
        page="/workshop/jobs",
        prefix=f"ship{job['id']}",
    )
    assert r.status_code == 302
    got = job_of(workshop, job["id"])
    assert (got["status"], got["units_done"]) == ("shipped", 50)
    page = pages.text("/workshop/jobs")
    assert "IR-123456" in page and "پست" in page and "در انتظار تأیید دریافت" in page


def test_a_delivered_job_shows_what_was_received_and_the_shortfall(app, api, clock):
    workshop = api.business()
    buyer = api.buyer()
    order = api.order(buyer, clock, quantity=50)
    [job] = order["jobs"]
    pages = signed_in(app, workshop)
    pages.post(f"/workshop/offers/{job['id']}/accept", {}, page="/workshop/offers")
    ship = {"shipped_quantity": "50"}
    pages.post(f"/workshop/jobs/{job['id']}/ship", ship, page="/workshop/jobs", prefix=f"ship{job['id']}")
    assert job_of(workshop, job["id"])["status"] == "shipped"
    r = buyer.post(f"/api/v1/jobs/{job['id']}/deliver", json={"received_quantity": 45})
    assert r.status_code == 200
    page = pages.text("/workshop/jobs")
    assert "۴۵ از ۵۰" in page
    assert "کسری (بسته)" in page
    assert re.search(r'<strong class="over-text">۵</strong>', page)


# --- who may open what ----------------------------------------------------------------------


def test_another_workshops_job_is_not_found(app, api, clock):
    owner = api.business()
    job = offered_job(api, clock, owner)
    other = signed_in(app, api.business(province="fars"))
    actions = [
        ("accept", {}, ""),
        ("decline", {"reason": "x"}, f"decline{job['id']}"),
    ]
    for action, data, prefix in actions:
        r = other.post(f"/workshop/offers/{job['id']}/{action}", data, page="/workshop", prefix=prefix)
        assert r.status_code == 404, action
    for action, data in [("progress", {"units_done": "1"}), ("ship", {})]:
        r = other.post(
            f"/workshop/jobs/{job['id']}/{action}", data, page="/workshop", prefix=f"{action}{job['id']}"
        )
        assert r.status_code == 404, action
    assert job_of(owner, job["id"])["status"] == "offered"


@pytest.mark.parametrize("path", ["/workshop", "/workshop/offers", "/workshop/jobs", "/workshop/register"])
def test_a_buyer_may_not_open_the_workshop_pages(app, api, path):
    pages = signed_in(app, api.buyer())
    assert pages.get(path).status_code == 403


def test_a_visitor_is_sent_to_sign_in(app):
    r = Pages(app).get("/workshop/offers")
    assert r.status_code == 302 and "/signin" in r.headers["Location"]


def test_a_post_without_the_csrf_token_is_refused(app, api):
    workshop = api.business(weekly_capacity=70)
    pages = signed_in(app, workshop)
    form = {"weekly_capacity": "140", "min_lot": "1", "kits": ["ELDERLY-COVID"], "city": "x"}
    r = pages.client.post("/workshop", data=form)
    assert r.status_code == 400
    r = pages.client.post("/workshop/pause", data={"pause-paused": "y"})
    assert r.status_code == 400
    b = business_of(workshop)
    assert (b["weekly_capacity"], b["paused"]) == (70, False)
