"""A workshop that is not approved cannot act (finding 6), on the API and the pages; what becomes of
a suspended workshop's accepted and in-production work is the admin's choice: keep or cancel."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from ..api.test_orders import sign_in_again
from ..support import Actor, ApiClient, Clock
from ..web.test_workshop_pages import flashes, signed_in

BUSINESSES = "/api/v1/businesses"


def workshop_with_work(api: ApiClient, clock: Clock) -> tuple[Actor, Actor, Actor, dict[str, int]]:
    """An approved workshop holding an offer, an accepted job and a job in production."""
    admin = api.admin()
    workshop = api.business(admin, weekly_capacity=700)
    buyer = api.buyer()
    jobs = {}
    for name, quantity in (("offered", 10), ("accepted", 20), ("in_production", 30)):
        [job] = api.order(buyer, clock, quantity=quantity)["jobs"]
        jobs[name] = job["id"]
    assert workshop.post(f"/api/v1/jobs/{jobs['accepted']}/accept").status_code == 200
    assert workshop.post(f"/api/v1/jobs/{jobs['in_production']}/accept").status_code == 200
    r = workshop.post(f"/api/v1/jobs/{jobs['in_production']}/progress", json={"units_done": 5})
    assert r.status_code == 200
    return admin, workshop, buyer, jobs


def statuses(actor: Actor, jobs: dict[str, int]) -> dict[str, str]:
    return {name: actor.get(f"/api/v1/jobs/{job}").get_json()["status"] for name, job in jobs.items()}


def assert_refused(r: Any) -> None:
    assert r.status_code == 403, r.get_json()
    assert "suspended" in r.get_json()["message"] or "approval" in r.get_json()["message"]


def test_a_suspended_workshop_cannot_change_its_profile_accept_progress_or_ship(
    api: ApiClient, clock: Clock
) -> None:
    admin, workshop, _buyer, jobs = workshop_with_work(api, clock)
    r = admin.post(f"{BUSINESSES}/{workshop.business_id}/suspend", json={"reason": "Inspection failed"})
    assert r.status_code == 200, r.get_json()
    api.settle()
    assert workshop.get("/api/v1/me").status_code == 401  # suspension revoked its tokens
    sign_in_again(api, workshop)  # signed in again, it may look but not act
    # the default keeps accepted work with it; the open offer is withdrawn
    assert statuses(admin, jobs) == {
        "offered": "cancelled",
        "accepted": "accepted",
        "in_production": "in_production",
    }
    profile = f"{BUSINESSES}/{workshop.business_id}"
    for body in ({"weekly_capacity": 7000}, {"paused": True}, {"kits": ["PREGNANT-HYGIENE"]}):
        assert_refused(workshop.patch(profile, json=body))
    assert_refused(workshop.post(f"/api/v1/jobs/{jobs['offered']}/accept"))
    assert_refused(workshop.post(f"/api/v1/jobs/{jobs['accepted']}/progress", json={"units_done": 3}))
    assert_refused(workshop.post(f"/api/v1/jobs/{jobs['in_production']}/ship", json={}))
    # nothing changed
    got = admin.get(profile).get_json()
    assert (got["weekly_capacity"], got["paused"], got["kits"]) == (700, False, ["ELDERLY-COVID"])
    job = admin.get(f"/api/v1/jobs/{jobs['in_production']}").get_json()
    assert (job["status"], job["units_done"]) == ("in_production", 5)
    assert admin.get(f"/api/v1/jobs/{jobs['accepted']}").get_json()["units_done"] == 0
    # another workshop's job is still 404, not 403: nothing is revealed
    assert workshop.post("/api/v1/jobs/999999/accept").status_code == 404
    # an admin may still edit it; approved again, it works again
    assert admin.patch(profile, json={"weekly_capacity": 350}).status_code == 200
    assert admin.post(f"{BUSINESSES}/{workshop.business_id}/approve").status_code == 200
    r = workshop.post(f"/api/v1/jobs/{jobs['accepted']}/progress", json={"units_done": 3})
    assert r.status_code == 200, r.get_json()


def test_a_pending_workshop_cannot_change_its_profile(api: ApiClient) -> None:
    admin = api.admin()
    workshop = api.business(admin, approve=False)
    r = workshop.patch(f"{BUSINESSES}/{workshop.business_id}", json={"weekly_capacity": 7000})
    assert_refused(r)
    assert "approval" in r.get_json()["message"]
    assert admin.get(f"{BUSINESSES}/{workshop.business_id}").get_json()["weekly_capacity"] == 70


def test_suspending_with_cancel_rematches_its_accepted_work(api: ApiClient, clock: Clock) -> None:
    admin, workshop, buyer, jobs = workshop_with_work(api, clock)
    other = api.business(admin, weekly_capacity=700, name="Other workshop")
    r = admin.post(f"{BUSINESSES}/{workshop.business_id}/suspend", json={"jobs": "cancel"})
    assert r.status_code == 200, r.get_json()
    api.settle()
    assert statuses(admin, jobs) == {
        "offered": "cancelled",
        "accepted": "cancelled",
        "in_production": "cancelled",
    }
    for job in jobs.values():
        order_id = admin.get(f"/api/v1/jobs/{job}").get_json()["order_id"]
        order = buyer.get(f"/api/v1/orders/{order_id}").get_json()
        live = [j for j in order["jobs"] if j["status"] == "offered"]
        assert [j["business_id"] for j in live] == [other.business_id], order
        assert order["allocated_quantity"] == order["quantity"] and order["unallocated_quantity"] == 0
    detail = admin.get("/api/v1/admin/audit?action=business.suspended").get_json()["items"][0]["detail"]
    assert detail["jobs"] == "cancel" and sorted(detail["cancelled_jobs"]) == sorted(jobs.values())


@pytest.mark.parametrize("body", [{"jobs": "drop"}, {"jobs": True}, {"jobs": None}])
def test_an_unknown_choice_is_refused_and_changes_nothing(api: ApiClient, clock: Clock, body: Any) -> None:
    admin, workshop, _buyer, jobs = workshop_with_work(api, clock)
    r = admin.post(f"{BUSINESSES}/{workshop.business_id}/suspend", json=body)
    assert r.status_code == 422 and "jobs" in r.get_json()["errors"], r.get_json()
    assert admin.get(f"{BUSINESSES}/{workshop.business_id}").get_json()["status"] == "approved"
    assert statuses(admin, jobs)["offered"] == "offered"


def test_the_pages_refuse_a_suspended_workshop_and_say_why(app: Flask, api: ApiClient, clock: Clock) -> None:
    admin, workshop, _buyer, jobs = workshop_with_work(api, clock)
    assert admin.post(f"{BUSINESSES}/{workshop.business_id}/suspend", json={}).status_code == 200
    api.settle()
    pages = signed_in(app, workshop)  # suspension ended its sessions: signed in again, it may look
    profile = {"weekly_capacity": "7000", "min_lot": "1", "kits": "ELDERLY-COVID", "city": "Kermanshah"}
    attempts = [
        ("/workshop", profile, "/workshop", ""),
        ("/workshop/pause", {"paused": "y"}, "/workshop", "pause"),
        (f"/workshop/offers/{jobs['offered']}/accept", {}, "/workshop/offers", ""),
        (
            f"/workshop/jobs/{jobs['accepted']}/progress",
            {"units_done": "3"},
            "/workshop",
            f"progress{jobs['accepted']}",
        ),
        (f"/workshop/jobs/{jobs['in_production']}/ship", {}, "/workshop", f"ship{jobs['in_production']}"),
    ]
    for path, data, page, prefix in attempts:
        r = pages.post(path, data, page=page, prefix=prefix)
        assert r.status_code == 403, (path, r.status_code)
        assert "کارگاه شما تعلیق شده است" in r.get_data(as_text=True), path
    assert statuses(admin, jobs) == {
        "offered": "cancelled",
        "accepted": "accepted",
        "in_production": "in_production",
    }
    got = admin.get(f"{BUSINESSES}/{workshop.business_id}").get_json()
    assert (got["weekly_capacity"], got["paused"]) == (700, False)
    assert pages.get("/workshop").status_code == 200  # it may still look


def test_the_admins_suspend_form_offers_keep_or_cancel(app: Flask, api: ApiClient, clock: Clock) -> None:
    admin, workshop, _buyer, jobs = workshop_with_work(api, clock)
    pages = signed_in(app, admin)
    listing = pages.text("/admin/businesses")
    prefix = f"b{workshop.business_id}"
    assert f'name="{prefix}-jobs"' in listing and 'value="cancel"' in listing
    r = pages.post(
        f"/admin/businesses/{workshop.business_id}/suspend",
        {"reason": "Closed", "jobs": "cancel"},
        page="/admin/businesses",
        prefix=prefix,
    )
    assert r.status_code == 302
    api.settle()
    assert "کارهای پذیرفته‌شده‌اش" in " ".join(flashes(pages.text("/admin/businesses")))
    assert statuses(admin, jobs) == {
        "offered": "cancelled",
        "accepted": "cancelled",
        "in_production": "cancelled",
    }
