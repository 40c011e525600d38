"""Businesses: sign-up, the admin's list, the profile with its figures, edits, approval, suspension."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from market.extensions import db
from market.models import Business

from ..support import Actor, ApiClient, Clock

BUSINESSES = "/api/v1/businesses"
MISSING = object()
VALID: dict[str, Any] = {
    "name": "کارگاه مهر",
    "province": "kermanshah",
    "city": "Kermanshah",
    "owner_group": "female_head_of_household",
    "kits": ["ELDERLY-COVID"],
    "weekly_capacity": 70,
}


def rows(app: Flask, model: Any) -> int:
    with app.app_context():
        return int(db.session.scalar(select(func.count()).select_from(model)) or 0)


def business_with(**changes: Any) -> dict[str, Any]:
    body = {**VALID, **changes}
    return {k: v for k, v in body.items() if v is not MISSING}


def assert_invalid(r: Any, field: str) -> None:
    assert r.status_code == 422, r.get_json()
    body = r.get_json()
    assert body["message"]
    assert field in body["errors"], body


def profile(admin: Actor, business_id: int) -> dict[str, Any]:
    r = admin.get(f"{BUSINESSES}/{business_id}")
    assert r.status_code == 200, r.get_json()
    return dict(r.get_json())


def order(buyer: Actor, order_id: int) -> dict[str, Any]:
    r = buyer.get(f"/api/v1/orders/{order_id}")
    assert r.status_code == 200
    return dict(r.get_json())


# --- sign-up ------------------------------------------------------------------------------------


def test_a_business_user_registers_a_pending_business(api: ApiClient):
    owner = api.user("business")
    r = owner.post(BUSINESSES, json={**VALID, "min_lot": 5, "phone": "+98 831 234 5678"})
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    assert isinstance(body["id"], int) and body["owner_id"] == owner.id
    assert body["status"] == "pending" and body["paused"] is False and body["approved_at"] is None
    assert {k: body[k] for k in VALID} == VALID
    assert body["min_lot"] == 5 and body["phone"] == "+98 831 234 5678"
    assert (body["committed_units"], body["utilization"], body["on_time_rate"]) == (0, 0.0, None)
    assert owner.get("/api/v1/me").get_json()["business_id"] == body["id"]
    r = api.user("business").post(BUSINESSES, json=VALID)
    assert r.status_code == 201 and r.get_json()["min_lot"] == 1  # the default


def test_a_second_business_for_the_same_user_is_409(api: ApiClient):
    owner = api.user("business")
    assert owner.post(BUSINESSES, json=VALID).status_code == 201
    r = owner.post(BUSINESSES, json=business_with(name="Second workshop"))
    assert r.status_code == 409 and r.get_json()["message"]
    assert rows(api.app, Business) == 1


def test_only_business_users_register_businesses_refused_before_validation(api: ApiClient):
    actors = (api.buyer(), api.admin())
    for body in (VALID, {"weekly_capacity": "lots"}):
        for actor in actors:
            r = actor.post(BUSINESSES, json=body)
            assert r.status_code == 403 and "errors" not in r.get_json(), (actor.role, body)
        assert api.client.post(BUSINESSES, json=body).status_code == 401
    assert rows(api.app, Business) == 0


@pytest.mark.parametrize(
    ("field", "changes"),
    [
        ("province", {"province": "atlantis"}),
        ("owner_group", {"owner_group": "veterans"}),
        ("weekly_capacity", {"weekly_capacity": 0}),
        ("weekly_capacity", {"weekly_capacity": "70"}),
        ("weekly_capacity", {"weekly_capacity": 1.5}),
        ("min_lot", {"min_lot": 0}),
        ("kits", {"kits": ["ELDERLY-COVID", "NO-SUCH-KIT"]}),
        ("kits", {"kits": []}),
        ("name", {"name": MISSING}),
        ("status", {"status": "approved"}),
    ],
)
def test_register_business_refuses_each_bad_field_and_stores_nothing(api: ApiClient, field, changes):
    owner = api.user("business")
    assert_invalid(owner.post(BUSINESSES, json=business_with(**changes)), field)
    assert rows(api.app, Business) == 0
    assert owner.get("/api/v1/me").get_json()["business_id"] is None


# --- the admin's list ---------------------------------------------------------------------------


def test_admins_list_businesses_with_filters_and_pages(api: ApiClient):
    admin = api.admin()
    ids = {
        "a": api.business(admin, province="kermanshah").business_id,
        "b": api.business(admin, province="fars", city="Shiraz", kits=["PREGNANT-HYGIENE"]).business_id,
        "c": api.business(
            admin, approve=False, province="lorestan", kits=["ELDERLY-COVID", "PREGNANT-HYGIENE"]
        ).business_id,
    }
    for query, expected in [
        ("", "abc"),
        ("?province=fars", "b"),
        ("?status=pending", "c"),
        ("?status=approved", "ab"),
        ("?kit=PREGNANT-HYGIENE", "bc"),
        ("?kit=ELDERLY-COVID&status=approved", "a"),
        ("?province=tehran", ""),
    ]:
        r = admin.get(f"{BUSINESSES}{query}")
        assert r.status_code == 200, (query, r.get_json())
        body = r.get_json()
        assert body["total"] == len(expected), query
        assert [item["id"] for item in body["items"]] == [ids[k] for k in expected], query

    pages = [admin.get(f"{BUSINESSES}?per_page=2&page={n}").get_json() for n in (1, 2, 3)]
    assert [p["total"] for p in pages] == [3, 3, 3]
    assert [len(p["items"]) for p in pages] == [2, 1, 0]
    assert sorted(b["id"] for p in pages for b in p["items"]) == sorted(ids.values())
    assert admin.get(BUSINESSES).get_json()["per_page"] == 20

    for query, field in [
        ("?per_page=101", "per_page"),
        ("?per_page=0", "per_page"),
        ("?page=0", "page"),
        ("?page=two", "page"),
        ("?province=atlantis", "province"),
        ("?status=sleeping", "status"),
    ]:
        assert_invalid(admin.get(f"{BUSINESSES}{query}"), field)


def test_only_admins_list_businesses(api: ApiClient):
    assert api.client.get(BUSINESSES).status_code == 401
    for actor in (api.buyer(), api.business(approve=False)):
        r = actor.get(BUSINESSES)
        assert r.status_code == 403 and r.get_json()["message"], actor.role


# --- one business -------------------------------------------------------------------------------


def test_owner_and_admin_see_the_business_with_its_figures(api: ApiClient, clock: Clock):
    admin = api.admin()
    workshop = api.business(admin, weekly_capacity=70)
    api.order(api.buyer(), clock, quantity=40, days=20)
    for viewer in (workshop, admin):
        r = viewer.get(f"{BUSINESSES}/{workshop.business_id}")
        assert r.status_code == 200, r.get_json()
        body = r.get_json()
        assert body["id"] == workshop.business_id and body["status"] == "approved"
        assert body["committed_units"] == 40
        # 40 units over what 70 a week makes in the 28-day horizon (the deadline is day 19)
        assert body["utilization"] == round(40 / 280, 4)
        assert body["on_time_rate"] is None  # nothing shipped yet


def test_another_tenants_business_is_404_and_a_buyer_is_refused(api: ApiClient):
    admin = api.admin()
    mine = api.business(admin)
    other = api.business(admin, province="fars", city="Shiraz")
    r = other.get(f"{BUSINESSES}/{mine.business_id}")
    assert r.status_code == 404 and r.get_json()["message"]
    assert api.buyer().get(f"{BUSINESSES}/{mine.business_id}").status_code in (403, 404)
    assert api.client.get(f"{BUSINESSES}/{mine.business_id}").status_code == 401
    assert admin.get(f"{BUSINESSES}/{other.business_id + 100}").status_code == 404


# --- edits --------------------------------------------------------------------------------------


def test_the_owner_and_an_admin_edit_the_profile(api: ApiClient):
    admin = api.admin()
    workshop = api.business(admin)
    r = workshop.patch(
        f"{BUSINESSES}/{workshop.business_id}", json={"city": "Sahneh", "phone": "0831 234 5678"}
    )
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["city"] == "Sahneh" and r.get_json()["phone"] == "0831 234 5678"
    r = admin.patch(f"{BUSINESSES}/{workshop.business_id}", json={"min_lot": 5, "phone": None})
    assert r.status_code == 200, r.get_json()
    got = profile(admin, workshop.business_id)
    assert (got["city"], got["min_lot"], got["phone"]) == ("Sahneh", 5, None)
    assert got["status"] == "approved"


def test_another_owner_cannot_edit_and_a_buyer_is_refused_before_validation(api: ApiClient):
    admin = api.admin()
    mine = api.business(admin)
    other = api.business(admin, province="fars", city="Shiraz")
    r = other.patch(f"{BUSINESSES}/{mine.business_id}", json={"weekly_capacity": 7})
    assert r.status_code == 404
    r = api.buyer().patch(f"{BUSINESSES}/{mine.business_id}", json={"weekly_capacity": "lots"})
    assert r.status_code == 403 and "errors" not in r.get_json()
    assert profile(admin, mine.business_id)["weekly_capacity"] == 70


@pytest.mark.parametrize(
    ("field", "body"),
    [
        ("paused", {"paused": "yes"}),
        ("paused", {"paused": 1}),
        ("weekly_capacity", {"weekly_capacity": "70"}),
        ("kits", {"kits": ["NO-SUCH-KIT"]}),
        ("status", {"status": "approved"}),
    ],
)
def test_edit_refuses_each_bad_field_and_changes_nothing(api: ApiClient, field, body):
    admin = api.admin()
    workshop = api.business(admin)  # approved: a pending one may not edit at all (403)
    r = workshop.patch(f"{BUSINESSES}/{workshop.business_id}", json={"city": "Sahneh", **body})
    assert_invalid(r, field)
    got = profile(admin, workshop.business_id)
    assert (got["city"], got["status"], got["paused"], got["weekly_capacity"]) == (
        "Kermanshah",
        "approved",
        False,
        70,
    )
    assert (got["kits"], got["province"], got["min_lot"]) == (["ELDERLY-COVID"], "kermanshah", 1)


def test_a_capacity_cut_below_committed_work_is_409_and_changes_nothing(api: ApiClient, clock: Clock):
    admin = api.admin()
    workshop = api.business(admin, weekly_capacity=70)
    placed = api.order(api.buyer(), clock, quantity=100, days=30)
    assert placed["allocated_quantity"] == 100
    path = f"{BUSINESSES}/{workshop.business_id}"
    r = workshop.patch(path, json={"weekly_capacity": 7, "city": "Sahneh"})  # 1 a day: 29 by the deadline
    assert r.status_code == 409 and r.get_json()["message"]
    got = profile(admin, workshop.business_id)
    assert (got["weekly_capacity"], got["city"], got["committed_units"]) == (70, "Kermanshah", 100)
    # a cut the open work still fits is fine: 5 a day makes 145 by the deadline
    r = workshop.patch(path, json={"weekly_capacity": 35})
    assert r.status_code == 200 and r.get_json()["weekly_capacity"] == 35


def test_a_capacity_rise_rematches_a_waiting_order(api: ApiClient, clock: Clock, settle):
    admin = api.admin()
    workshop = api.business(admin, weekly_capacity=7)
    buyer = api.buyer()
    waiting = api.order(buyer, clock, quantity=100, days=30)
    assert waiting["status"] == "awaiting_capacity", waiting
    assert waiting["allocated_quantity"] == 29 and waiting["unallocated_quantity"] == 71
    r = workshop.patch(f"{BUSINESSES}/{workshop.business_id}", json={"weekly_capacity": 70})
    assert r.status_code == 200, r.get_json()
    settle()
    got = order(buyer, waiting["id"])
    assert got["status"] == "allocated", got
    assert got["allocated_quantity"] == 100 and got["unallocated_quantity"] == 0
    assert {j["business_id"] for j in got["jobs"]} == {workshop.business_id}


def test_an_unpause_rematches_a_waiting_order(api: ApiClient, clock: Clock, settle):
    admin = api.admin()
    workshop = api.business(admin)
    path = f"{BUSINESSES}/{workshop.business_id}"
    r = workshop.patch(path, json={"paused": True})
    assert r.status_code == 200 and r.get_json()["paused"] is True
    buyer = api.buyer()
    waiting = api.order(buyer, clock, quantity=40)
    assert waiting["status"] == "awaiting_capacity" and waiting["allocated_quantity"] == 0
    r = workshop.patch(path, json={"paused": False})
    assert r.status_code == 200 and r.get_json()["paused"] is False
    settle()
    got = order(buyer, waiting["id"])
    assert got["status"] == "allocated" and got["allocated_quantity"] == 40, got
    assert [j["business_id"] for j in got["jobs"]] == [workshop.business_id]


# --- approval -----------------------------------------------------------------------------------


def test_approval_matches_waiting_orders_and_a_second_approval_is_409(api: ApiClient, clock: Clock, settle):
    admin = api.admin()
    workshop = api.business(admin, approve=False)
    buyer = api.buyer()
    waiting = api.order(buyer, clock, quantity=40)
    assert waiting["status"] == "awaiting_capacity" and waiting["jobs"] == []
    r = admin.post(f"{BUSINESSES}/{workshop.business_id}/approve")
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["status"] == "approved" and r.get_json()["approved_at"]
    settle()
    got = order(buyer, waiting["id"])
    assert got["status"] == "allocated" and got["allocated_quantity"] == 40, got
    assert [j["business_id"] for j in got["jobs"]] == [workshop.business_id]
    r = admin.post(f"{BUSINESSES}/{workshop.business_id}/approve", json={})
    assert r.status_code == 409 and r.get_json()["message"]


@pytest.mark.parametrize("action", ["approve", "suspend"])
def test_only_admins_approve_or_suspend(api: ApiClient, action):
    workshop = api.business(approve=False)
    path = f"{BUSINESSES}/{workshop.business_id}/{action}"
    assert api.client.post(path).status_code == 401
    for actor in (workshop, api.buyer()):
        r = actor.post(path, json={"reason": 5})
        assert r.status_code == 403 and "errors" not in r.get_json()
    assert api.admin().post(f"{BUSINESSES}/{workshop.business_id + 100}/{action}").status_code == 404
    assert profile(api.admin(), workshop.business_id)["status"] == "pending"


# --- suspension ---------------------------------------------------------------------------------


def test_suspension_withdraws_open_offers_and_rematches_them(api: ApiClient, clock: Clock, settle):
    admin = api.admin()
    first = api.business(admin, name="First")
    second = api.business(admin, name="Second")
    buyer = api.buyer()
    placed = api.order(buyer, clock, quantity=40)
    (job,) = placed["jobs"]
    held_by = job["business_id"]
    other = ({first.business_id, second.business_id} - {held_by}).pop()

    r = admin.post(f"{BUSINESSES}/{held_by}/suspend", json={"reason": "Kits failed inspection"})
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert body["status"] == "suspended" and body["committed_units"] == 0
    assert body["suspend_reason"] == "Kits failed inspection"
    settle()
    got = order(buyer, placed["id"])
    old = next(j for j in got["jobs"] if j["id"] == job["id"])
    assert old["status"] == "cancelled"
    live = [j for j in got["jobs"] if j["status"] == "offered"]
    assert [(j["business_id"], j["quantity"]) for j in live] == [(other, 40)]
    assert got["status"] == "allocated" and got["allocated_quantity"] == 40

    # a suspended business gets no new offers
    later = api.order(buyer, clock, quantity=10)
    assert [j["business_id"] for j in later["jobs"]] == [other]


def test_suspend_takes_no_body_an_empty_body_or_an_empty_object(api: ApiClient):
    admin = api.admin()
    for send in ({}, {"data": "", "content_type": "application/json"}, {"json": {}}):
        workshop = api.business(admin, approve=False)
        r = api.client.post(f"{BUSINESSES}/{workshop.business_id}/suspend", headers=admin.headers, **send)
        assert r.status_code == 200, (send, r.get_json())
        assert r.get_json()["status"] == "suspended" and r.get_json()["suspend_reason"] is None


def test_suspend_refuses_bad_bodies_and_a_second_suspension(api: ApiClient):
    admin = api.admin()
    workshop = api.business(admin)
    path = f"{BUSINESSES}/{workshop.business_id}/suspend"
    assert_invalid(admin.post(path, json={"reason": "x", "until": "2030-01-01"}), "until")
    assert_invalid(admin.post(path, json={"reason": 42}), "reason")
    assert profile(admin, workshop.business_id)["status"] == "approved"
    assert admin.post(path).status_code == 200
    r = admin.post(path, json={"reason": "again"})
    assert r.status_code == 409 and r.get_json()["message"]
    assert profile(admin, workshop.business_id)["suspend_reason"] is None
