"""POST /api/v1/orders/batch (issue 9, API.md "Added in the second release"): 1 … 1,000 full order
bodies, validated as a whole, committed together, then matched; one Idempotency-Key; verified
buyers, and admins for a verified buyer."""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from market.extensions import db
from market.models import AuditEntry, IdempotencyKey, Order, OrderBatch

from ..support import ApiClient, Clock, wait_for
from .test_orders import check_order, order_body, read_order

BATCH = "/api/v1/orders/batch"


def count(app: Flask, model: type[Any]) -> int:
    with app.app_context():
        return int(db.session.scalar(select(func.count()).select_from(model)) or 0)


def pending(app: Flask) -> int:
    with app.app_context():
        n = db.session.scalar(select(func.count(Order.id)).where(Order.status == "pending")) or 0
        db.session.remove()
        return int(n)


def lines(clock: Clock, n: int = 3) -> list[dict[str, Any]]:
    provinces = ("kermanshah", "lorestan", "fars", "tehran")
    return [
        order_body(
            clock,
            days=20 + i,
            quantity=10 + i,
            delivery_province=provinces[i % 4],
            delivery_address=f"مرکز بهداشت {i + 1}",
        )
        for i in range(n)
    ]


def test_a_verified_buyer_posts_a_batch_committed_together_then_matched(app: Flask, api: ApiClient, clock):
    admin = api.admin()
    api.business(admin, province="kermanshah", weekly_capacity=700)
    api.business(admin, province="fars", weekly_capacity=700)
    buyer = api.buyer()
    body = {"orders": lines(clock, 4)}
    r = buyer.post(BATCH, json=body)
    assert r.status_code == 201, r.get_json()
    out = r.get_json()
    assert out["total"] == 4 and len(out["items"]) == 4 and isinstance(out["batch_id"], int)
    for sent, got in zip(body["orders"], out["items"], strict=True):
        check_order(got)
        assert {k: got[k] for k in sent} == sent
        assert got["status"] == "pending" and got["buyer_id"] == buyer.id
    api.settle()
    for got in out["items"]:
        order = read_order(buyer, got["id"])
        assert order["status"] in {"allocated", "awaiting_capacity"}  # matching ran for each
        assert order["status"] == "allocated"  # every province is within reach of a workshop
    with app.app_context():
        batch = db.session.get(OrderBatch, out["batch_id"])
        assert batch is not None and batch.total == 4 and batch.buyer_id == batch.created_by == buyer.id
        ids = db.session.scalars(select(Order.id).where(Order.batch_id == batch.id).order_by(Order.id))
        assert list(ids) == [o["id"] for o in out["items"]]
        # one moment for all: committed together
        assert len(set(db.session.scalars(select(Order.created_at).where(Order.batch_id == batch.id)))) == 1
        assert db.session.scalar(select(func.count()).where(AuditEntry.action == "batch.created")) == 1


def test_every_bad_line_is_reported_by_index_and_field_and_nothing_is_stored(
    app: Flask, api: ApiClient, clock
):
    buyer = api.buyer()
    good = lines(clock, 6)
    bad = [dict(line) for line in good]
    bad[0]["needed_by"] = clock.now.date().isoformat()  # too soon (a service rule)
    bad[1]["quantity"] = 0
    bad[1]["colour"] = "blue"  # unknown field
    bad[2]["kit"] = "NO-SUCH-KIT"
    bad[3] = "not an order"  # type: ignore[call-overload]
    del bad[4]["delivery_address"]
    r = buyer.post(BATCH, json={"orders": bad}, headers={"Idempotency-Key": "bad-batch"})
    assert r.status_code == 422, r.get_json()
    out = r.get_json()
    assert set(out["errors"]) == {
        "orders.0.needed_by",
        "orders.1.quantity",
        "orders.1.colour",
        "orders.2.kit",
        "orders.3",
        "orders.4.delivery_address",
    }, out
    assert all(isinstance(m, str) and m for msgs in out["errors"].values() for m in msgs)
    assert "nothing was stored" in out["message"] and "5 of 6" in out["message"]
    assert count(app, Order) == 0 and count(app, OrderBatch) == 0 and count(app, IdempotencyKey) == 0
    # fixed, the same key is free to use
    r = buyer.post(BATCH, json={"orders": good}, headers={"Idempotency-Key": "bad-batch"})
    assert r.status_code == 201, r.get_json()
    api.settle()
    assert count(app, Order) == 6


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "orders"),
        ({"orders": []}, "orders"),
        ({"orders": "x"}, "orders"),
        ({"orders": [], "extra": 1}, "extra"),
        ({"orders": [{}], "buyer_id": "7"}, "buyer_id"),
        ([], "body"),
        ("orders", "body"),
    ],
)
def test_a_malformed_batch_is_422_and_stores_nothing(app: Flask, api: ApiClient, body: Any, field: str):
    r = api.buyer().post(BATCH, json=body)
    assert r.status_code == 422, r.get_json()
    assert field in r.get_json()["errors"], r.get_json()
    assert count(app, Order) == 0


def test_a_batch_holds_1000_lines_over_the_single_request_body_limit_but_not_1001(app, api: ApiClient, clock):
    buyer = api.buyer()
    many = [order_body(clock, quantity=1, delivery_address="x" * 120) for _ in range(1001)]
    r = buyer.post(BATCH, json={"orders": many})
    assert r.status_code == 422 and "orders" in r.get_json()["errors"]
    assert count(app, Order) == 0
    assert len(json.dumps({"orders": many[:1000]})) > app.config["MAX_CONTENT_LENGTH"]
    r = buyer.post(BATCH, json={"orders": many[:1000]})
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["total"] == 1000
    assert count(app, Order) == 1000
    # 1,000 matching jobs take the RQ workers longer than the usual settle allows on a busy machine
    wait_for(lambda: pending(app) == 0, timeout=300, what="the batch's orders to be matched")
    too_big = [order_body(clock, note="n" * 2000, delivery_address="a" * 500) for _ in range(1000)]
    app.config["BATCH_MAX_CONTENT_LENGTH"] = 1024 * 1024
    assert buyer.post(BATCH, json={"orders": too_big}).status_code == 413
    assert count(app, Order) == 1000


def test_one_idempotency_key_for_the_batch(app: Flask, api: ApiClient, clock):
    buyer = api.buyer()
    body = {"orders": lines(clock, 3)}
    first = buyer.post(BATCH, json=body, headers={"Idempotency-Key": "req-1405-17"})
    assert first.status_code == 201
    again = buyer.post(BATCH, json=body, headers={"Idempotency-Key": "req-1405-17"})
    assert again.status_code == 201 and again.get_json() == first.get_json()
    assert count(app, Order) == 3 and count(app, OrderBatch) == 1
    other = buyer.post(BATCH, json={"orders": lines(clock, 2)}, headers={"Idempotency-Key": "req-1405-17"})
    assert other.status_code == 422 and "Idempotency-Key" in other.get_json()["errors"]
    # another user's identical key is its own
    second = api.buyer().post(BATCH, json=body, headers={"Idempotency-Key": "req-1405-17"})
    assert second.status_code == 201
    api.settle()
    assert count(app, Order) == 6
    clock.advance(hours=25)  # after 24 h the key may be used afresh
    buyer.token = api._token(buyer.email)
    assert buyer.post(BATCH, json=body, headers={"Idempotency-Key": "req-1405-17"}).status_code == 201
    api.settle()
    assert count(app, Order) == 9


def test_an_unverified_buyer_a_workshop_and_nobody_are_refused(app: Flask, api: ApiClient, clock):
    body = {"orders": lines(clock, 1)}
    r = api.buyer(verified=False).post(BATCH, json=body)
    assert r.status_code == 403 and "verif" in r.get_json()["message"]
    assert api.business(approve=False).post(BATCH, json=body).status_code == 403
    assert api.client.post(BATCH, json=body).status_code == 401
    # refused before the body is read
    assert api.buyer(verified=False).post(BATCH, json={"orders": "x"}).status_code == 403
    assert count(app, Order) == 0


def test_an_admin_orders_for_a_verified_buyer_only(app: Flask, api: ApiClient, clock):
    admin = api.admin()
    buyer, unverified, other = api.buyer(), api.buyer(verified=False), api.buyer()
    workshop = api.business(admin, approve=False)
    body = {"orders": lines(clock, 2)}
    r = admin.post(BATCH, json={**body, "buyer_id": buyer.id})
    assert r.status_code == 201, r.get_json()
    ids = [o["id"] for o in r.get_json()["items"]]
    assert all(o["buyer_id"] == buyer.id for o in r.get_json()["items"])
    api.settle()
    assert [o["id"] for o in buyer.get("/api/v1/orders").get_json()["items"]] == ids[::-1]
    assert other.get(f"/api/v1/orders/{ids[0]}").status_code == 404  # another tenant's: 404
    with app.app_context():
        batch = db.session.get(OrderBatch, r.get_json()["batch_id"])
        assert batch is not None and (batch.buyer_id, batch.created_by) == (buyer.id, admin.id)

    assert admin.post(BATCH, json=body).status_code == 422  # whom for?
    for not_a_buyer in (workshop.id, admin.id, 999_999):
        r = admin.post(BATCH, json={**body, "buyer_id": not_a_buyer})
        assert r.status_code == 422 and "buyer_id" in r.get_json()["errors"], not_a_buyer
    r = admin.post(BATCH, json={**body, "buyer_id": unverified.id})
    assert r.status_code == 403
    # a buyer may not order for another buyer (but may name itself)
    r = buyer.post(BATCH, json={**body, "buyer_id": other.id})
    assert r.status_code == 422 and "buyer_id" in r.get_json()["errors"]
    assert buyer.post(BATCH, json={**body, "buyer_id": buyer.id}).status_code == 201
    api.settle()
    assert count(app, Order) == 4


def test_the_batch_is_in_the_openapi_document(client: Any):
    spec = client.get("/api/v1/openapi.json").get_json()
    op = spec["paths"]["/api/v1/orders/batch"]["post"]
    assert "201" in op["responses"]
    assert any(p["name"] == "Idempotency-Key" for p in op["parameters"])
    schema = op["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    props = spec["components"]["schemas"][schema]["properties"]
    assert {"orders", "buyer_id"} <= set(props)
    buyers = spec["paths"]["/api/v1/buyers"]["get"]
    assert any(p["name"] == "verified" for p in buyers["parameters"])
    assert "/api/v1/buyers/{buyer_id}/verify" in spec["paths"]
