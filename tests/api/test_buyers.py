"""Buyer verification (issue 8, finding 2): GET /buyers, POST /buyers/{id}/verify, ``verified`` in
/me, the cap on an unverified buyer's open units, the per-account limit on posting orders, and a
huge order that waits without holding up anyone else's."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from market.extensions import db
from market.models import AuditEntry, Order

from ..conftest import rate_limited_app
from ..support import Actor, ApiClient, Clock
from .test_orders import ORDERS, order_body, read_order

BUYERS = "/api/v1/buyers"


def count_orders(app: Flask) -> int:
    with app.app_context():
        return int(db.session.scalar(select(func.count(Order.id))) or 0)


def post(buyer: Actor, clock: Clock, quantity: int, **fields: Any) -> Any:
    return buyer.post(ORDERS, json=order_body(clock, quantity=quantity, **fields))


# --- /me, GET /buyers, POST /buyers/{id}/verify -----------------------------------------------------


def test_me_says_whether_a_buyer_is_verified_and_only_for_buyers(api: ApiClient):
    buyer = api.buyer(verified=False)
    assert buyer.get("/api/v1/me").get_json()["verified"] is False
    assert api.admin().post(f"{BUYERS}/{buyer.id}/verify").status_code == 200
    assert buyer.get("/api/v1/me").get_json()["verified"] is True
    assert "verified" not in api.business(approve=False).get("/api/v1/me").get_json()
    assert "verified" not in api.admin().get("/api/v1/me").get_json()


def test_an_admin_lists_buyers_by_verification_with_their_open_units(api: ApiClient, clock: Clock):
    admin = api.admin()
    waiting = api.buyer(verified=False, organization="Ilam health center")
    verified = api.buyer(organization="Tehran NGO")
    api.business(approve=False)  # not a buyer: never listed
    assert post(waiting, clock, 300).status_code == 201
    second = post(waiting, clock, 200)
    assert second.status_code == 201, second.get_json()
    cancelled = second.get_json()
    assert waiting.post(f"{ORDERS}/{cancelled['id']}/cancel").status_code == 200
    assert post(verified, clock, 5000).status_code == 201
    api.settle()

    r = admin.get(BUYERS)
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert body["total"] == 2 and [b["id"] for b in body["items"]] == [verified.id, waiting.id]
    by_id = {b["id"]: b for b in body["items"]}
    assert by_id[waiting.id] == {
        "id": waiting.id,
        "email": waiting.email,
        "name": "Test buyer",
        "organization": "Ilam health center",
        "verified": False,
        "open_units": 300,  # the cancelled order holds nothing
        "created_at": by_id[waiting.id]["created_at"],
    }
    assert by_id[verified.id]["verified"] is True and by_id[verified.id]["open_units"] == 5000

    awaiting = admin.get(f"{BUYERS}?verified=false").get_json()
    assert [b["id"] for b in awaiting["items"]] == [waiting.id] and awaiting["total"] == 1
    assert [b["id"] for b in admin.get(f"{BUYERS}?verified=true").get_json()["items"]] == [verified.id]
    r = admin.get(f"{BUYERS}?verified=perhaps")
    assert r.status_code == 422 and "verified" in r.get_json()["errors"]
    assert admin.get(f"{BUYERS}?per_page=101").status_code == 422


def test_an_admin_verifies_a_buyer_once_and_it_is_audited(app: Flask, api: ApiClient):
    admin = api.admin()
    buyer = api.buyer(verified=False)
    r = admin.post(f"{BUYERS}/{buyer.id}/verify")
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["verified"] is True and r.get_json()["id"] == buyer.id
    again = admin.post(f"{BUYERS}/{buyer.id}/verify", json={})
    assert again.status_code == 200 and again.get_json()["verified"] is True
    with app.app_context():
        rows = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "user.verified")).all()
        assert [(e.actor_id, e.entity_id) for e in rows] == [(admin.id, buyer.id)]


def test_verify_is_404_for_anything_but_a_buyer(api: ApiClient):
    admin = api.admin()
    workshop = api.business(approve=False)
    for target in (workshop.id, admin.id, 999_999, 2**31 - 1, 2**31):
        r = admin.post(f"{BUYERS}/{target}/verify")
        assert r.status_code == 404, (target, r.get_json())
    assert "verified" not in workshop.get("/api/v1/me").get_json()


@pytest.mark.parametrize("role", [None, "buyer", "business"])
def test_only_admins_list_and_verify_buyers(api: ApiClient, role: str | None):
    target = api.buyer(verified=False)
    expected = 401 if role is None else 403
    if role is None:
        list_r, verify_r = api.client.get(BUYERS), api.client.post(f"{BUYERS}/{target.id}/verify")
    else:
        actor = api.buyer(verified=False) if role == "buyer" else api.business(approve=False)
        list_r, verify_r = actor.get(BUYERS), actor.post(f"{BUYERS}/{target.id}/verify")
    assert list_r.status_code == expected and verify_r.status_code == expected
    assert target.get("/api/v1/me").get_json()["verified"] is False
    # a buyer may not verify itself either
    assert target.post(f"{BUYERS}/{target.id}/verify").status_code == 403


# --- the cap on an unverified buyer's open units ---------------------------------------------------


def test_an_unverified_buyer_holds_at_most_the_cap_in_open_orders(app: Flask, api: ApiClient, clock: Clock):
    assert app.config["UNVERIFIED_MAX_OPEN_UNITS"] == 1000
    admin = api.admin()
    buyer = api.buyer(verified=False)
    assert post(buyer, clock, 600).status_code == 201
    r = post(buyer, clock, 401)
    assert r.status_code == 409, r.get_json()
    message = r.get_json()["message"]
    assert "not verified" in message and "1,000" in message  # why
    assert "at most 400" in message and "verify" in message  # and what to do
    assert count_orders(app) == 1
    assert post(buyer, clock, 400).status_code == 201  # exactly the cap
    assert post(buyer, clock, 1).status_code == 409
    # a cancelled order frees its units under the cap
    first = buyer.get(ORDERS).get_json()["items"][-1]
    assert buyer.post(f"{ORDERS}/{first['id']}/cancel").status_code == 200
    assert post(buyer, clock, 600).status_code == 201
    assert post(buyer, clock, 1).status_code == 409
    # once verified, no cap
    assert admin.post(f"{BUYERS}/{buyer.id}/verify").status_code == 200
    assert post(buyer, clock, 1_000_000).status_code == 201
    api.settle()
    assert count_orders(app) == 4


def test_the_cap_is_a_setting_and_one_order_above_it_is_refused(app: Flask, api: ApiClient, clock: Clock):
    app.config["UNVERIFIED_MAX_OPEN_UNITS"] = 10
    buyer = api.buyer(verified=False)
    r = post(buyer, clock, 11)
    assert r.status_code == 409 and "10" in r.get_json()["message"]
    assert post(buyer, clock, 10).status_code == 201
    assert count_orders(app) == 1


def test_a_delivered_order_no_longer_counts_towards_the_cap(app: Flask, api: ApiClient, clock: Clock):
    app.config["UNVERIFIED_MAX_OPEN_UNITS"] = 200
    workshop = api.business(weekly_capacity=7000)
    buyer = api.buyer(verified=False)
    order = api.order(buyer, clock, quantity=200)
    assert order["status"] == "allocated" and len(order["jobs"]) == 1
    assert post(buyer, clock, 1).status_code == 409
    job = order["jobs"][0]["id"]
    assert workshop.post(f"/api/v1/jobs/{job}/accept").status_code == 200
    assert workshop.post(f"/api/v1/jobs/{job}/ship").status_code == 200
    assert post(buyer, clock, 1).status_code == 409  # shipped is still open
    assert buyer.post(f"/api/v1/jobs/{job}/deliver", json={"received_quantity": 200}).status_code == 200
    assert read_order(buyer, order["id"])["status"] == "delivered"
    assert post(buyer, clock, 200).status_code == 201


# --- the per-account limit on posting orders --------------------------------------------------------


@pytest.fixture
def limited_app(app: Flask, clock: Clock) -> Iterator[Flask]:
    yield from rate_limited_app(app, clock, RATELIMIT_ORDERS="3 per minute")


def test_posting_orders_is_limited_per_account_not_per_address(limited_app: Flask, app: Flask, clock: Clock):
    from ..conftest import settle_app

    api = ApiClient(limited_app, limited_app.test_client(), lambda: settle_app(limited_app))
    first, second = api.buyer(), api.buyer()
    for _ in range(3):
        r = post(first, clock, 5)
        assert r.status_code == 201, (r.get_json(), dict(r.headers))
    r = post(first, clock, 5)
    assert r.status_code == 429, r.get_json()
    assert r.get_json()["message"].startswith("Too many requests") and int(r.headers["Retry-After"]) > 0
    # a batch counts as one more post for the same account
    batch = first.post(f"{ORDERS}/batch", json={"orders": [order_body(clock)]})
    assert batch.status_code == 429
    # the same address, another account: its own allowance
    assert post(second, clock, 5).status_code == 201
    assert first.get(ORDERS).status_code == 200  # reading is not limited
    api.settle()
    assert count_orders(limited_app) == 4


# --- a huge order waits its turn and holds up nobody ------------------------------------------------


def test_an_order_beyond_all_capacity_is_accepted_and_never_blocks_other_orders(api: ApiClient, clock: Clock):
    """Finding 2's last point: 1,000,000 kits from a verified buyer is taken (201) and waits for
    capacity; later orders are still matched when there is room for them, in the same pass that
    retries the huge one first."""
    admin = api.admin()
    api.business(admin, weekly_capacity=70, province="kermanshah")  # 10 kits a day
    hoarder, clinic = api.buyer(), api.buyer()
    huge = api.order(hoarder, clock, quantity=1_000_000, days=30)
    assert huge["status"] == "awaiting_capacity"
    assert huge["allocated_quantity"] == 290 and huge["unallocated_quantity"] == 1_000_000 - 290
    # the workshop's days after the huge order's deadline are still free for a later date
    later = api.order(clinic, clock, quantity=50, days=60)
    assert later["status"] == "allocated", later
    # an order of a kit nobody makes yet waits behind the huge one ...
    pregnant = api.order(clinic, clock, quantity=20, kit="PREGNANT-HYGIENE", delivery_province="tehran")
    assert pregnant["status"] == "awaiting_capacity"
    # ... and when a workshop for it appears, the pass that retries the huge order first places it
    api.business(admin, kits=["PREGNANT-HYGIENE"], province="tehran", weekly_capacity=70)
    assert read_order(clinic, pregnant["id"])["status"] == "allocated"
    still = read_order(hoarder, huge["id"])
    assert still["status"] == "awaiting_capacity" and still["allocated_quantity"] == 290


def test_two_orders_posted_at_once_cannot_both_slip_under_the_cap(app: Flask, api: ApiClient, clock: Clock):
    """The buyer's row is locked before its open units are counted: of two orders of 600 posted
    at the same moment by an unverified buyer, one is taken and the other is a 409."""
    import threading

    buyer = api.buyer(verified=False)
    start = threading.Barrier(2)
    statuses: list[int] = []

    def post_one() -> None:
        client = app.test_client()
        start.wait()
        r = client.post(ORDERS, json=order_body(clock, quantity=600), headers=buyer.headers)
        statuses.append(r.status_code)

    threads = [threading.Thread(target=post_one) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    api.settle()
    assert sorted(statuses) == [201, 409]
    assert count_orders(app) == 1
