"""Oversight: the admin's figures and audit log, the health check, the OpenAPI document."""

from __future__ import annotations

import re
from typing import Any

import pytest

from ..support import Actor, ApiClient, Clock

ELDERLY_PRICE = 12_500_000
AUDIT_FIELDS = {"id", "at", "actor_id", "action", "entity", "entity_id", "detail"}
# every verb and path of API.md (path parameters by position, whatever their names)
CONTRACT = [
    ("post", "/api/v1/auth/register"),
    ("post", "/api/v1/auth/token"),
    ("get", "/api/v1/me"),
    ("get", "/api/v1/provinces"),
    ("get", "/api/v1/kits"),
    ("post", "/api/v1/kits"),
    ("patch", "/api/v1/kits/{code}"),
    ("post", "/api/v1/businesses"),
    ("get", "/api/v1/businesses"),
    ("get", "/api/v1/businesses/{id}"),
    ("patch", "/api/v1/businesses/{id}"),
    ("post", "/api/v1/businesses/{id}/approve"),
    ("post", "/api/v1/businesses/{id}/suspend"),
    ("post", "/api/v1/orders"),
    ("get", "/api/v1/orders"),
    ("get", "/api/v1/orders/{id}"),
    ("post", "/api/v1/orders/{id}/cancel"),
    ("get", "/api/v1/jobs"),
    ("get", "/api/v1/jobs/{id}"),
    ("post", "/api/v1/jobs/{id}/accept"),
    ("post", "/api/v1/jobs/{id}/decline"),
    ("post", "/api/v1/jobs/{id}/progress"),
    ("post", "/api/v1/jobs/{id}/ship"),
    ("post", "/api/v1/jobs/{id}/deliver"),
    ("post", "/api/v1/jobs/{id}/reassign"),
    ("post", "/api/v1/orders/{id}/rematch"),
    ("get", "/api/v1/admin/stats"),
    ("get", "/api/v1/admin/audit"),
    ("get", "/healthz"),
]


def shape(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "{}", path)


def get_ok(actor: Actor, path: str) -> dict[str, Any]:
    r = actor.get(path)
    assert r.status_code == 200, r.get_json()
    return dict(r.get_json())


@pytest.mark.parametrize("path", ["/api/v1/admin/stats", "/api/v1/admin/audit"])
def test_only_admins_see_stats_and_audit(api: ApiClient, path):
    assert api.client.get(path).status_code == 401
    for actor in (api.buyer(), api.business(approve=False)):
        r = actor.get(path)
        assert r.status_code == 403 and r.get_json()["message"]
    assert api.admin().get(path).status_code == 200


def test_stats_on_an_empty_marketplace(api: ApiClient):
    stats = get_ok(api.admin(), "/api/v1/admin/stats")
    assert stats["orders_by_status"] == {} and stats["units_by_status"] == {}
    assert stats["capacity_by_province"] == [] and stats["unallocated_by_province"] == {}
    assert stats["on_time_rate"] is None
    assert stats["units_delivered_by_owner_group"] == {} and stats["income_by_owner_group"] == {}


def test_stats_after_a_small_flow(api: ApiClient, clock: Clock):
    admin = api.admin()
    kermanshah = api.business(admin, weekly_capacity=70, owner_group="female_head_of_household")
    fars = api.business(
        admin,
        province="fars",
        city="Shiraz",
        owner_group="deaf",
        weekly_capacity=7,
        kits=["PREGNANT-HYGIENE"],
    )
    api.business(admin, approve=False, province="lorestan", owner_group="youth", weekly_capacity=700)
    buyer = api.buyer()

    # delivered with a shortfall of 2
    done = api.order(buyer, clock, quantity=40, days=20)
    (job,) = done["jobs"]
    assert job["business_id"] == kermanshah.business_id
    for step, body in [("accept", None), ("ship", {"carrier": "Post"})]:
        r = kermanshah.post(f"/api/v1/jobs/{job['id']}/{step}", json=body)
        assert r.status_code == 200, r.get_json()
    r = buyer.post(f"/api/v1/jobs/{job['id']}/deliver", json={"received_quantity": 38})
    assert r.status_code == 200, r.get_json()
    # an open offer
    offered = api.order(buyer, clock, quantity=20, days=20)
    assert offered["status"] == "allocated" and offered["jobs"][0]["business_id"] == kermanshah.business_id
    # a waiting order: the Fars workshop takes what it can make before its deadline
    waiting = api.order(
        buyer, clock, kit="PREGNANT-HYGIENE", quantity=100, delivery_province="tehran", days=20
    )
    assert waiting["status"] == "awaiting_capacity", waiting
    held, short = waiting["allocated_quantity"], waiting["unallocated_quantity"]
    assert 0 < held < 100 and held + short == 100

    stats = get_ok(admin, "/api/v1/admin/stats")
    assert stats["orders_by_status"] == {"delivered": 1, "allocated": 1, "awaiting_capacity": 1}
    assert stats["units_by_status"] == {"delivered": 40, "offered": 20 + held}
    assert stats["unallocated_by_province"] == {"tehran": short}
    assert stats["units_delivered_by_owner_group"] == {"female_head_of_household": 38}
    assert stats["income_by_owner_group"] == {"female_head_of_household": 38 * ELDERLY_PRICE}
    assert type(stats["income_by_owner_group"]["female_head_of_household"]) is int
    assert stats["on_time_rate"] == 1.0

    capacity = {row["province"]: row for row in stats["capacity_by_province"]}
    assert set(capacity) == {"kermanshah", "fars"}  # approved businesses only
    for row in stats["capacity_by_province"]:
        assert set(row) == {"province", "weekly_capacity", "committed_units", "utilization"}
    k, f = capacity["kermanshah"], capacity["fars"]
    assert (k["weekly_capacity"], k["committed_units"]) == (70, 20)
    assert (f["weekly_capacity"], f["committed_units"]) == (7, held)
    # every deadline lies within the 28-day horizon: committed units over 4 weeks of capacity,
    # the same figure each (single) business shows
    assert k["utilization"] == round(20 / 280, 4)
    assert f["utilization"] == round(held / 28, 4)
    assert k["utilization"] == get_ok(admin, f"/api/v1/businesses/{kermanshah.business_id}")["utilization"]
    assert f["utilization"] == get_ok(admin, f"/api/v1/businesses/{fars.business_id}")["utilization"]


def test_the_audit_log_is_newest_first_and_paginated(api: ApiClient, clock: Clock):
    admin = api.admin()
    workshop = api.business(admin)
    buyer = api.buyer()
    placed = api.order(buyer, clock, quantity=30)
    (job,) = placed["jobs"]

    full = get_ok(admin, "/api/v1/admin/audit?per_page=100")
    items = full["items"]
    assert full["total"] == len(items) and len(items) >= 8
    assert all(set(e) == AUDIT_FIELDS for e in items)
    assert [e["id"] for e in items] == sorted((e["id"] for e in items), reverse=True)

    def position(action: str, entity_id: int) -> int:
        found = [i for i, e in enumerate(items) if e["action"] == action and e["entity_id"] == entity_id]
        assert len(found) == 1, (action, entity_id, items)
        return found[0]

    offered = position("job.offered", job["id"])
    created = position("order.created", placed["id"])
    approved = position("business.approved", workshop.business_id)
    registered = position("user.registered", workshop.id)
    assert offered < created < approved < registered  # newest first
    assert items[created]["actor_id"] == buyer.id and items[created]["detail"]["quantity"] == 30
    assert items[approved]["actor_id"] == admin.id
    assert items[offered]["actor_id"] is None  # the system made the offer
    assert items[position("user.registered", buyer.id)]["entity"] == "user"

    first = get_ok(admin, "/api/v1/admin/audit?per_page=3")
    second = get_ok(admin, "/api/v1/admin/audit?per_page=3&page=2")
    assert first["total"] == second["total"] == full["total"]
    assert first["items"] == items[:3] and second["items"] == items[3:6]
    r = admin.get("/api/v1/admin/audit?per_page=101")
    assert r.status_code == 422 and "per_page" in r.get_json()["errors"]


def test_healthz_names_database_and_queue(client, backend):
    r = client.get("/healthz")
    assert r.status_code == 200
    expected_queue = "inline" if backend == "sqlite" else "ok"
    assert r.get_json() == {"status": "ok", "database": "ok", "queue": expected_queue}


def test_the_openapi_document_lists_every_contract_path(client):
    r = client.get("/api/v1/openapi.json")
    assert r.status_code == 200
    doc = r.get_json()
    assert doc["openapi"].startswith("3.")
    served = {(verb, shape(path)) for path, ops in doc["paths"].items() for verb in ops}
    missing = [(verb, path) for verb, path in CONTRACT if (verb, shape(path)) not in served]
    assert missing == []
    assert doc["components"]["securitySchemes"]["bearer"] == {"type": "http", "scheme": "bearer"}
