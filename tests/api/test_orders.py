"""POST/GET /api/v1/orders, cancel and rematch, against the contract in API.md.

Every order read back goes through :func:`read_order`, which checks the invariant
``allocated_quantity + unallocated_quantity == quantity`` (and that the allocated units are those of
the live jobs listed with it).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from market.extensions import db
from market.models import IdempotencyKey, Order

from ..support import PASSWORD, Actor, ApiClient, Clock, local_today

ORDERS = "/api/v1/orders"
KIT = "ELDERLY-COVID"
KIT_PRICE = 12_500_000  # rials, market/data/kits.json
LIVE_JOB_STATUSES = {"offered", "accepted", "in_production", "shipped", "delivered"}
ORDER_FIELDS = {
    "id",
    "kit",
    "quantity",
    "delivery_province",
    "delivery_address",
    "needed_by",
    "status",
    "unit_price",
    "total_price",
    "allocated_quantity",
    "unallocated_quantity",
    "delivered_quantity",
    "jobs",
}
ORDER_JOB_FIELDS = {"id", "business_id", "business_name", "province", "quantity", "status"}


def is_int(value: Any) -> bool:
    """A JSON integer: not a bool, a float or a string."""
    return isinstance(value, int) and not isinstance(value, bool)


def check_order(order: dict[str, Any]) -> dict[str, Any]:
    """Assert the order's contract fields and its invariant (API.md): allocated + unallocated = quantity,
    counting only live jobs."""
    assert order.keys() >= ORDER_FIELDS, order
    for name in ("quantity", "allocated_quantity", "unallocated_quantity", "delivered_quantity"):
        assert is_int(order[name]) and order[name] >= 0, (name, order)
    assert is_int(order["total_price"]) and order["total_price"] == order["quantity"] * order["unit_price"]
    assert order["allocated_quantity"] + order["unallocated_quantity"] == order["quantity"], order
    live = sum(j["quantity"] for j in order["jobs"] if j["status"] in LIVE_JOB_STATUSES)
    assert order["allocated_quantity"] == live, order
    for job in order["jobs"]:
        assert job.keys() >= ORDER_JOB_FIELDS, job
    return order


def read_order(actor: Actor, order_id: int) -> dict[str, Any]:
    """GET the order as ``actor`` (who must see it) and check its invariant."""
    r = actor.get(f"{ORDERS}/{order_id}")
    assert r.status_code == 200, r.get_json()
    return check_order(r.get_json())


def place(api: ApiClient, buyer: Actor, clock: Clock, **fields: Any) -> dict[str, Any]:
    """Post an order (matching settled) and return it as its buyer reads it back."""
    return check_order(api.order(buyer, clock, **fields))


def order_body(clock: Clock, days: int = 30, **fields: Any) -> dict[str, Any]:
    return {
        "kit": KIT,
        "quantity": 50,
        "delivery_province": "kermanshah",
        "delivery_address": "Health center 4, Kermanshah",
        "needed_by": (local_today(clock) + timedelta(days=days)).isoformat(),
        **fields,
    }


def sign_in_again(api: ApiClient, actor: Actor) -> None:
    r = api.client.post("/api/v1/auth/token", json={"email": actor.email, "password": PASSWORD})
    assert r.status_code == 200, r.get_json()
    actor.token = r.get_json()["token"]


def count(app: Flask, model: type[Any]) -> int:
    with app.app_context():
        return int(db.session.scalar(select(func.count()).select_from(model)) or 0)


def assert_invalid(r: Any, field: str, status: int = 422) -> None:
    assert r.status_code == status, r.get_json()
    body = r.get_json()
    assert isinstance(body["message"], str) and body["message"], body
    assert field in body["errors"], body
    assert body["errors"][field], body


# --- POST /orders ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("quantity", "settled_status"),
    [(1, "allocated"), (50, "allocated"), (1_000_000, "awaiting_capacity")],
)
def test_buyer_posts_an_order_and_matching_follows(api, clock, quantity, settled_status):
    admin = api.admin()
    workshop = api.business(admin, weekly_capacity=100_000)
    buyer = api.buyer()
    body = order_body(clock, days=60, quantity=quantity, note="Deliver to the storeroom")
    r = buyer.post(ORDERS, json=body)
    assert r.status_code == 201, r.get_json()
    first = check_order(r.get_json())
    assert first["status"] == "pending"
    assert first["allocated_quantity"] == 0 and first["unallocated_quantity"] == quantity
    assert first["delivered_quantity"] == 0 and first["jobs"] == []
    assert first["unit_price"] == KIT_PRICE and first["total_price"] == quantity * KIT_PRICE
    assert {k: first[k] for k in body} == body
    api.settle()
    got = read_order(buyer, first["id"])
    assert got["status"] == settled_status, got
    # the workshop makes 100,000 a week: 842,857 kits before its deadline (needed_by - 1 day)
    placed = min(quantity, 100_000 * 59 // 7)
    assert got["allocated_quantity"] == placed and got["unallocated_quantity"] == quantity - placed
    (job,) = got["jobs"]
    assert job["business_id"] == workshop.business_id and job["status"] == "offered"
    assert job["quantity"] == placed and job["province"] == "kermanshah"
    assert job["business_name"] == "Workshop"


def test_an_order_no_business_can_make_waits_for_capacity(api, clock):
    buyer = api.buyer()
    order = place(api, buyer, clock, quantity=30)
    assert order["status"] == "awaiting_capacity"
    assert order["allocated_quantity"] == 0 and order["unallocated_quantity"] == 30
    assert order["jobs"] == []


def test_persian_text_round_trips_unchanged(api, clock):
    buyer = api.buyer()
    address = "کرمانشاه، خیابان مدرس، مرکز بهداشت شمارهٔ ۴، طبقهٔ دوم"
    note = "لطفاً بسته‌ها را پیش از ساعت ۱۲ تحویل دهید — با تشکر"
    r = buyer.post(ORDERS, json=order_body(clock, delivery_address=address, note=note))
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["delivery_address"] == address and r.get_json()["note"] == note
    got = read_order(buyer, r.get_json()["id"])
    assert got["delivery_address"] == address and got["note"] == note
    listed = buyer.get(ORDERS).get_json()["items"][0]
    assert listed["delivery_address"] == address and listed["note"] == note


def test_anonymous_is_refused_with_401(api, app, clock):
    r = api.client.post(ORDERS, json=order_body(clock))
    assert r.status_code == 401 and r.get_json()["message"]
    assert count(app, Order) == 0


@pytest.mark.parametrize("role", ["business", "admin"])
@pytest.mark.parametrize("valid", [True, False], ids=["valid-body", "invalid-body"])
def test_other_roles_are_refused_before_the_body_is_validated(api, app, clock, role, valid):
    actor = api.business(approve=False) if role == "business" else api.admin()
    body = order_body(clock) if valid else {"quantity": "lots", "colour": "blue"}
    r = actor.post(ORDERS, json=body)
    assert r.status_code == 403, r.get_json()
    assert r.get_json()["message"] and "errors" not in r.get_json()
    assert count(app, Order) == 0


def _today(d: date) -> str:
    return d.isoformat()


def _yesterday(d: date) -> str:
    return (d - timedelta(days=1)).isoformat()


MISSING = object()
BAD_ORDERS: list[Any] = [
    pytest.param("kit", "NO-SUCH-KIT", id="unknown-kit"),
    pytest.param("kit", "elderly covid", id="malformed-kit"),
    pytest.param("quantity", 0, id="quantity-0"),
    pytest.param("quantity", 1_000_001, id="quantity-1000001"),
    pytest.param("quantity", "5", id="quantity-string"),
    pytest.param("quantity", 5.5, id="quantity-float"),
    pytest.param("quantity", True, id="quantity-bool"),
    pytest.param("delivery_province", "atlantis", id="unknown-province"),
    pytest.param("delivery_address", MISSING, id="missing-address"),
    pytest.param("delivery_address", "   ", id="blank-address"),
    pytest.param("needed_by", _today, id="needed-by-today"),
    pytest.param("needed_by", _yesterday, id="needed-by-past"),
    pytest.param("needed_by", "next friday", id="needed-by-not-a-date"),
    pytest.param("unit_price", 1, id="unknown-field"),
]


@pytest.mark.parametrize(("field", "value"), BAD_ORDERS)
def test_invalid_order_is_422_naming_the_field_and_stores_nothing(api, app, clock, field, value):
    buyer = api.buyer()
    body = order_body(clock)
    if value is MISSING:
        del body[field]
    elif callable(value):
        body[field] = value(local_today(clock))
    else:
        body[field] = value
    r = buyer.post(ORDERS, json=body, headers={"Idempotency-Key": f"bad-{field}"})
    assert_invalid(r, field)
    assert count(app, Order) == 0 and count(app, IdempotencyKey) == 0
    assert buyer.get(ORDERS).get_json()["total"] == 0


def test_a_body_that_is_not_json_is_refused_and_stores_nothing(api, app):
    buyer = api.buyer()
    truncated = '{"kit": "ELDERLY-COVID", "quantity": 5'
    for r in (
        buyer.post(ORDERS, data=truncated, content_type="application/json"),
        buyer.post(ORDERS, json=["ELDERLY-COVID", 5]),
    ):
        assert r.status_code in (400, 422), r.get_json()
        assert r.get_json()["message"] and r.get_json()["errors"], r.get_json()
    assert count(app, Order) == 0


# --- Idempotency-Key ------------------------------------------------------------------------------


def test_same_key_and_body_returns_the_first_answer_and_creates_one_order(api, app, clock):
    buyer = api.buyer()
    body = order_body(clock)
    first = buyer.post(ORDERS, json=body, headers={"Idempotency-Key": "order-2024-001"})
    assert first.status_code == 201, first.get_json()
    api.settle()
    again = buyer.post(ORDERS, json=body, headers={"Idempotency-Key": "order-2024-001"})
    assert again.status_code == 201, again.get_json()
    assert again.get_json() == first.get_json()
    assert count(app, Order) == 1
    assert buyer.get(ORDERS).get_json()["total"] == 1


def test_same_key_with_another_body_is_422_and_creates_nothing(api, app, clock):
    buyer = api.buyer()
    first = buyer.post(ORDERS, json=order_body(clock), headers={"Idempotency-Key": "k-1"})
    assert first.status_code == 201
    r = buyer.post(ORDERS, json=order_body(clock, quantity=51), headers={"Idempotency-Key": "k-1"})
    assert_invalid(r, "Idempotency-Key")
    assert count(app, Order) == 1
    assert read_order(buyer, first.get_json()["id"])["quantity"] == 50


def test_same_key_from_another_user_makes_a_new_order(api, app, clock):
    one, two = api.buyer(), api.buyer()
    body = order_body(clock)
    a = one.post(ORDERS, json=body, headers={"Idempotency-Key": "shared"})
    b = two.post(ORDERS, json=body, headers={"Idempotency-Key": "shared"})
    assert a.status_code == b.status_code == 201
    assert a.get_json()["id"] != b.get_json()["id"]
    assert count(app, Order) == 2
    assert read_order(two, b.get_json()["id"])["buyer_id"] == two.id


def test_a_key_is_free_again_after_24_hours(api, app, clock):
    buyer = api.buyer()
    body = order_body(clock)
    first = buyer.post(ORDERS, json=body, headers={"Idempotency-Key": "daily"})
    assert first.status_code == 201
    clock.advance(hours=23, minutes=59)
    within = buyer.post(ORDERS, json=body, headers={"Idempotency-Key": "daily"})
    assert within.get_json() == first.get_json() and count(app, Order) == 1
    clock.advance(minutes=2)
    sign_in_again(api, buyer)  # tokens also live 24 h
    later = buyer.post(ORDERS, json=body, headers={"Idempotency-Key": "daily"})
    assert later.status_code == 201, later.get_json()
    assert later.get_json()["id"] != first.get_json()["id"]
    assert count(app, Order) == 2
    # and the key now replays the new order
    again = buyer.post(ORDERS, json=body, headers={"Idempotency-Key": "daily"})
    assert again.get_json()["id"] == later.get_json()["id"] and count(app, Order) == 2


# --- GET /orders ----------------------------------------------------------------------------------


@pytest.fixture
def three_orders(api: ApiClient, clock: Clock) -> dict[str, Any]:
    """Two buyers, three orders: one allocated (Kermanshah, elderly kit), one waiting (Fars,
    pregnant kit, which nobody makes), one of the other buyer's."""
    admin = api.admin()
    api.business(admin)
    one, two = api.buyer(), api.buyer()
    allocated = place(api, one, clock, quantity=20)
    waiting = place(api, one, clock, kit="PREGNANT-HYGIENE", delivery_province="fars", quantity=10)
    others = place(api, two, clock, quantity=5)
    assert allocated["status"] == "allocated" and waiting["status"] == "awaiting_capacity"
    return {"admin": admin, "one": one, "two": two, "ids": [allocated["id"], waiting["id"], others["id"]]}


def listed(actor: Actor, query: str = "") -> tuple[list[int], int]:
    r = actor.get(f"{ORDERS}{query}")
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    for order in body["items"]:
        check_order(order)
    return [o["id"] for o in body["items"]], body["total"]


def test_a_buyer_lists_only_its_own_orders_and_an_admin_all(three_orders):
    allocated, waiting, others = three_orders["ids"]
    ids, total = listed(three_orders["one"])
    assert sorted(ids) == sorted([allocated, waiting]) and total == 2
    assert listed(three_orders["two"]) == ([others], 1)
    ids, total = listed(three_orders["admin"])
    assert sorted(ids) == sorted(three_orders["ids"]) and total == 3


def test_order_list_filters(three_orders):
    allocated, waiting, others = three_orders["ids"]
    admin, one = three_orders["admin"], three_orders["one"]
    assert listed(admin, "?status=awaiting_capacity") == ([waiting], 1)
    assert sorted(listed(admin, "?status=allocated")[0]) == sorted([allocated, others])
    assert listed(one, "?status=allocated") == ([allocated], 1)
    assert listed(admin, "?province=fars") == ([waiting], 1)
    assert listed(admin, "?province=tehran") == ([], 0)
    assert listed(admin, "?kit=PREGNANT-HYGIENE") == ([waiting], 1)
    assert listed(one, f"?kit={KIT}&province=kermanshah") == ([allocated], 1)


def test_order_list_pages(three_orders):
    admin = three_orders["admin"]
    first, total = listed(admin, "?per_page=2&page=1")
    second, total2 = listed(admin, "?per_page=2&page=2")
    beyond, total3 = listed(admin, "?per_page=2&page=3")
    assert total == total2 == total3 == 3
    assert len(first) == 2 and len(second) == 1 and beyond == []
    assert sorted(first + second) == sorted(three_orders["ids"])
    body = admin.get(f"{ORDERS}?per_page=2&page=2").get_json()
    assert body["page"] == 2 and body["per_page"] == 2


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("?per_page=101", "per_page"),
        ("?per_page=0", "per_page"),
        ("?page=0", "page"),
        ("?status=lost", "status"),
        ("?province=atlantis", "province"),
    ],
)
def test_bad_list_queries_are_422(api, query, field):
    assert_invalid(api.buyer().get(f"{ORDERS}{query}"), field)


def test_a_business_may_not_list_orders(api):
    r = api.business(approve=False).get(ORDERS)
    assert r.status_code == 403 and r.get_json()["message"]
    assert api.client.get(ORDERS).status_code == 401


# --- GET /orders/{id} -----------------------------------------------------------------------------


def test_an_order_is_visible_to_its_buyer_and_admins_only(api, clock):
    admin = api.admin()
    buyer, stranger = api.buyer(), api.buyer()
    order = place(api, buyer, clock)
    assert read_order(admin, order["id"]) == read_order(buyer, order["id"])
    r = stranger.get(f"{ORDERS}/{order['id']}")
    assert r.status_code == 404 and r.get_json()["message"]
    assert "Health center" not in r.get_data(as_text=True)
    assert buyer.get(f"{ORDERS}/{order['id'] + 1000}").status_code == 404
    assert admin.get(f"{ORDERS}/{order['id'] + 1000}").status_code == 404
    assert api.business(admin).get(f"{ORDERS}/{order['id']}").status_code == 403
    assert api.client.get(f"{ORDERS}/{order['id']}").status_code == 401


# --- POST /orders/{id}/cancel ---------------------------------------------------------------------

CANCEL_BODIES: list[Any] = [
    pytest.param(None, id="no-body"),
    pytest.param({}, id="empty-object"),
    pytest.param({"reason": "x"}, id="reason"),
]


def test_cancel_frees_capacity_for_a_waiting_order(api, clock):
    admin = api.admin()
    workshop = api.business(admin, weekly_capacity=7)  # a kit a day: 29 kits before the deadline
    buyer = api.buyer()
    first = place(api, buyer, clock, quantity=29)
    second = place(api, buyer, clock, quantity=20)
    assert first["status"] == "allocated" and second["status"] == "awaiting_capacity"
    assert second["jobs"] == []
    r = buyer.post(f"{ORDERS}/{first['id']}/cancel", json={"reason": "ordered twice by mistake"})
    assert r.status_code == 200, r.get_json()
    cancelled = check_order(r.get_json())
    assert cancelled["status"] == "cancelled" and cancelled["cancel_reason"] == "ordered twice by mistake"
    assert [j["status"] for j in cancelled["jobs"]] == ["cancelled"]
    assert cancelled["allocated_quantity"] == 0 and cancelled["unallocated_quantity"] == 29
    api.settle()
    assert read_order(buyer, first["id"])["status"] == "cancelled"
    got = read_order(buyer, second["id"])
    assert got["status"] == "allocated", got
    assert [(j["business_id"], j["quantity"]) for j in got["jobs"]] == [(workshop.business_id, 20)]
    job_id = cancelled["jobs"][0]["id"]
    job = admin.get(f"/api/v1/jobs/{job_id}").get_json()
    assert job["events"][-1]["to_status"] == "cancelled" and job["events"][-1]["actor_id"] == buyer.id
    for entity, entity_id, action in (
        ("job", job_id, "job.cancelled"),
        ("order", first["id"], "order.cancelled"),
    ):
        newest = admin.get(f"/api/v1/admin/audit?entity={entity}&entity_id={entity_id}").get_json()["items"][
            0
        ]
        assert (newest["action"], newest["actor_id"]) == (action, buyer.id), newest


def test_an_admin_may_cancel_and_another_buyer_may_not(api, clock):
    admin = api.admin()
    buyer, stranger = api.buyer(), api.buyer()
    order = place(api, buyer, clock)
    r = stranger.post(f"{ORDERS}/{order['id']}/cancel", json={})
    assert r.status_code == 404 and r.get_json()["message"]
    assert read_order(buyer, order["id"])["status"] == "awaiting_capacity"
    r = api.business(admin).post(f"{ORDERS}/{order['id']}/cancel", json={"reason": 5})
    assert r.status_code == 403
    assert admin.post(f"{ORDERS}/{order['id'] + 1000}/cancel").status_code == 404
    r = admin.post(f"{ORDERS}/{order['id']}/cancel", json={"reason": "duplicate order"})
    assert r.status_code == 200, r.get_json()
    assert check_order(r.get_json())["status"] == "cancelled"


@pytest.mark.parametrize("body", CANCEL_BODIES)
def test_cancel_takes_no_body_an_empty_one_or_a_reason_and_only_once(api, clock, body):
    buyer = api.buyer()
    order = place(api, buyer, clock)
    r = buyer.post(f"{ORDERS}/{order['id']}/cancel", json=body)
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["status"] == "cancelled" and r.get_json()["cancelled_at"] is not None
    assert r.get_json()["cancel_reason"] == (body or {}).get("reason")
    r = buyer.post(f"{ORDERS}/{order['id']}/cancel", json=body)
    assert r.status_code == 409 and r.get_json()["message"]
    assert read_order(buyer, order["id"])["status"] == "cancelled"


def test_a_bad_cancel_body_is_422_and_cancels_nothing(api, clock):
    buyer = api.buyer()
    order = place(api, buyer, clock)
    assert_invalid(buyer.post(f"{ORDERS}/{order['id']}/cancel", json={"why": "x"}), "why")
    assert_invalid(buyer.post(f"{ORDERS}/{order['id']}/cancel", json={"reason": "x" * 501}), "reason")
    assert read_order(buyer, order["id"])["status"] == "awaiting_capacity"


def test_an_order_cannot_be_cancelled_once_a_job_shipped(api, clock):
    admin = api.admin()
    workshop = api.business(admin)
    buyer = api.buyer()
    order = place(api, buyer, clock, quantity=20)
    job_id = order["jobs"][0]["id"]
    assert workshop.post(f"/api/v1/jobs/{job_id}/accept").status_code == 200
    assert workshop.post(f"/api/v1/jobs/{job_id}/ship", json={}).status_code == 200
    before = read_order(buyer, order["id"])
    assert before["status"] == "shipped"
    for actor in (buyer, admin):
        r = actor.post(f"{ORDERS}/{order['id']}/cancel", json={"reason": "too late"})
        assert r.status_code == 409 and r.get_json()["message"]
    api.settle()
    after = read_order(buyer, order["id"])
    assert after == before and after["cancelled_at"] is None


# --- POST /orders/{id}/rematch --------------------------------------------------------------------


def test_admin_rematch_is_202_and_creates_nothing_for_a_placed_order(api, clock):
    admin = api.admin()
    api.business(admin)
    buyer = api.buyer()
    order = place(api, buyer, clock)
    r = admin.post(f"{ORDERS}/{order['id']}/rematch")
    assert r.status_code == 202, r.get_json()
    assert r.get_json()["order_id"] == order["id"] and r.get_json()["message"]
    api.settle()
    assert read_order(buyer, order["id"]) == order  # P6: nothing new


def test_rematch_is_for_admins_and_known_orders(api, clock):
    admin = api.admin()
    buyer = api.buyer()
    order = place(api, buyer, clock)
    r = buyer.post(f"{ORDERS}/{order['id']}/rematch")
    assert r.status_code == 403 and r.get_json()["message"]
    assert admin.post(f"{ORDERS}/{order['id'] + 1000}/rematch").status_code == 404
    assert api.client.post(f"{ORDERS}/{order['id']}/rematch").status_code == 401
