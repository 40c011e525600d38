"""The whole flow once, quickly: register, approve, order, match, accept, ship, deliver."""

from __future__ import annotations


def test_an_order_goes_from_post_to_delivery(api, clock):
    admin = api.admin()
    workshop = api.business(admin, weekly_capacity=140)
    buyer = api.buyer()
    order = api.order(buyer, clock, quantity=40)
    assert order["status"] == "allocated", order
    assert order["allocated_quantity"] == 40 and order["unallocated_quantity"] == 0
    (job,) = order["jobs"]
    assert job["business_id"] == workshop.business_id
    r = workshop.post(f"/api/v1/jobs/{job['id']}/accept")
    assert r.status_code == 200, r.get_json()
    r = workshop.post(f"/api/v1/jobs/{job['id']}/progress", json={"units_done": 10})
    assert r.status_code == 200 and r.get_json()["status"] == "in_production"
    r = workshop.post(f"/api/v1/jobs/{job['id']}/ship", json={"carrier": "Post", "tracking_code": "IR123"})
    assert r.status_code == 200 and r.get_json()["status"] == "shipped"
    r = buyer.post(f"/api/v1/jobs/{job['id']}/deliver", json={"received_quantity": 38})
    assert r.status_code == 200, r.get_json()
    got = buyer.get(f"/api/v1/orders/{order['id']}").get_json()
    assert got["status"] == "delivered" and got["delivered_quantity"] == 38 and got["shortfall"] == 2
    body = buyer.get(f"/api/v1/jobs/{job['id']}").get_json()
    assert [e["to_status"] for e in body["events"]] == [
        "offered",
        "accepted",
        "in_production",
        "shipped",
        "delivered",
    ]
    assert "match" not in body  # the buyer sees the job, not why the workshop was chosen
    match = workshop.get(f"/api/v1/jobs/{job['id']}").get_json()["match"]
    assert match["rule"] and match["same_province"] is True
