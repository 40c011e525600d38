"""What the order's buyer sees of a job (finding 13): status, quantities, dates, the workshop's name and
province; never ``match`` (workshops' free capacity, utilization), who acted, or a decline's reason."""

from __future__ import annotations

from typing import Any

from flask import Flask

from ..support import Actor, ApiClient, Clock
from ..web.test_workshop_pages import signed_in

REASON = "Our line is full with the Shiraz clinic's work"
HIDDEN = {"match", "closed_reason"}


def declined_and_rematched(api: ApiClient, clock: Clock) -> tuple[Actor, Actor, Actor, Actor, dict[str, Any]]:
    admin = api.admin()
    first = api.business(admin, name="Nur workshop")
    second = api.business(admin, name="Mehr workshop")
    buyer = api.buyer()
    order = api.order(buyer, clock, quantity=20)
    [job] = order["jobs"]
    owner = first if job["business_id"] == first.business_id else second
    other = second if owner is first else first
    r = owner.post(f"/api/v1/jobs/{job['id']}/decline", json={"reason": REASON})
    assert r.status_code == 200, r.get_json()
    api.settle()
    order = buyer.get(f"/api/v1/orders/{order['id']}").get_json()
    assert [j["status"] for j in order["jobs"]] == ["declined", "offered"], order["jobs"]
    return admin, owner, other, buyer, order


def test_the_buyer_sees_a_job_without_match_actors_or_reasons(api: ApiClient, clock: Clock) -> None:
    admin, declined_by, holder, buyer, order = declined_and_rematched(api, clock)
    declined, offered = order["jobs"]
    for job in (declined, offered):
        seen = buyer.get(f"/api/v1/jobs/{job['id']}").get_json()
        assert not HIDDEN & set(seen), seen
        assert seen["events"], seen
        for event in seen["events"]:
            assert set(event) == {"at", "from_status", "to_status"}, event
        assert seen["order_id"] == order["id"]
        for field in ("id", "business_id", "business_name", "province", "quantity", "status"):
            assert seen[field] == job[field], field
        for field in ("offered_at", "expires_at", "due_date", "units_done"):
            assert field in seen, field
    assert REASON not in buyer.get(f"/api/v1/jobs/{declined['id']}").get_data(as_text=True)

    # the job's business and admins see all of it
    for actor, job in ((declined_by, declined), (holder, offered), (admin, declined), (admin, offered)):
        seen = actor.get(f"/api/v1/jobs/{job['id']}").get_json()
        assert {"distance_km", "free_capacity_before", "utilization_before"} <= set(seen["match"]), seen
        assert all("actor_id" in e and "detail" in e for e in seen["events"])
    assert declined_by.get(f"/api/v1/jobs/{declined['id']}").get_json()["closed_reason"] == REASON
    # another workshop never sees the job at all
    assert holder.get(f"/api/v1/jobs/{declined['id']}").status_code == 404


def test_the_buyer_confirming_a_delivery_gets_the_same_narrow_view(api: ApiClient, clock: Clock) -> None:
    _admin, _declined_by, holder, buyer, order = declined_and_rematched(api, clock)
    job = order["jobs"][1]["id"]
    assert holder.post(f"/api/v1/jobs/{job}/accept").status_code == 200
    assert holder.post(f"/api/v1/jobs/{job}/ship", json={"carrier": "Post"}).status_code == 200
    r = buyer.post(f"/api/v1/jobs/{job}/deliver", json={"received_quantity": 20})
    assert r.status_code == 200, r.get_json()
    assert not HIDDEN & set(r.get_json())
    assert all(set(e) == {"at", "from_status", "to_status"} for e in r.get_json()["events"])


def test_the_buyers_order_page_shows_no_reason_or_figures(app: Flask, api: ApiClient, clock: Clock) -> None:
    _admin, _declined_by, _holder, buyer, order = declined_and_rematched(api, clock)
    page = signed_in(app, buyer).get(f"/orders/{order['id']}").get_data(as_text=True)
    assert "Mehr workshop" in page or "Nur workshop" in page
    assert REASON not in page
    for word in ("free_capacity", "utilization", "distance_km"):
        assert word not in page
