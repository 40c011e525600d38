"""POST /api/v1/jobs/{id}/ship with ``shipped_quantity``: a workshop ships what is made; the rest
returns to the order as unallocated units and is matched again; the record stays true at every
step (the order's made, shipped and delivered counts)."""

from __future__ import annotations

from typing import Any

import pytest

from ..support import ApiClient, Clock
from .test_jobs import Deal, act, make_deal, ok, read_job, refused
from .test_orders import assert_invalid, read_order


def accepted_with(api: ApiClient, clock: Clock, made: int, quantity: int = 50) -> Deal:
    d = make_deal(api, clock, quantity=quantity)
    ok(d.workshop, d.job_id, "accept")
    if made:
        ok(d.workshop, d.job_id, "progress", {"units_done": made})
    return d


def jobs_by_status(order: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for j in order["jobs"]:
        out.setdefault(j["status"], []).append(j)
    return out


@pytest.mark.parametrize("made", [20, 50], ids=["made-20", "made-all"])
def test_a_partial_shipment_returns_the_rest_to_the_order_and_it_is_matched_again(api, clock, made):
    d = accepted_with(api, clock, made=made)
    job = ok(d.workshop, d.job_id, "ship", {"carrier": "Post", "shipped_quantity": 20}, status="shipped")
    assert job["quantity"] == 20 and job["units_done"] == 20
    shipped_event = job["events"][-1]
    assert shipped_event["to_status"] == "shipped"
    assert shipped_event["detail"]["quantity"] == 50  # its events keep the original
    assert shipped_event["detail"]["shipped_quantity"] == 20
    assert shipped_event["detail"]["returned_to_order"] == 30
    api.settle()  # the nudge after the commit: the 30 returned units are matched again
    order = read_order(d.buyer, d.order["id"])
    assert order["allocated_quantity"] == 50 and order["unallocated_quantity"] == 0
    groups = jobs_by_status(order)
    assert [j["quantity"] for j in groups["shipped"]] == [20]
    assert sum(j["quantity"] for j in groups["offered"]) == 30
    assert order["made_quantity"] == 20 and order["shipped_quantity"] == 20
    assert order["delivered_quantity"] == 0
    assert order["status"] == "in_production"
    # the buyer confirms what came: the shipment of 20, with no shortfall
    delivered = ok(d.buyer, d.job_id, "deliver", {"received_quantity": 20}, status="delivered")
    assert delivered["shortfall"] == 0
    order = read_order(d.buyer, d.order["id"])
    assert order["delivered_quantity"] == 20 and order["status"] == "in_production"


def test_the_rest_waits_honestly_counted_when_no_workshop_can_take_it(api, clock):
    d = accepted_with(api, clock, made=5, quantity=20)
    business = f"/api/v1/businesses/{d.workshop.business_id}"
    assert d.workshop.patch(business, json={"paused": True}).status_code == 200
    ok(d.workshop, d.job_id, "ship", {"shipped_quantity": 5}, status="shipped")
    api.settle()
    order = read_order(d.buyer, d.order["id"])
    assert order["status"] == "awaiting_capacity"
    assert order["allocated_quantity"] == 5 and order["unallocated_quantity"] == 15
    assert order["made_quantity"] == 5 and order["shipped_quantity"] == 5
    assert d.workshop.patch(business, json={"paused": False}).status_code == 200
    api.settle()
    order = read_order(d.buyer, d.order["id"])
    assert order["unallocated_quantity"] == 0
    assert sum(j["quantity"] for j in order["jobs"] if j["status"] == "offered") == 15


def test_shipping_without_a_quantity_ships_the_whole_job(api, clock):
    d = accepted_with(api, clock, made=12)
    job = ok(d.workshop, d.job_id, "ship", {}, status="shipped")
    assert job["quantity"] == 50 and job["units_done"] == 50
    order = read_order(d.buyer, d.order["id"])
    assert order["status"] == "shipped" and order["unallocated_quantity"] == 0
    assert order["made_quantity"] == 50 and order["shipped_quantity"] == 50


def test_shipping_more_than_reported_made_counts_them_as_made(api, clock):
    """The decision: the contract allows 1 … quantity whatever was reported; the shipment is the
    last progress report, so what leaves the workshop counts as made."""
    d = accepted_with(api, clock, made=5)
    job = ok(d.workshop, d.job_id, "ship", {"shipped_quantity": 30}, status="shipped")
    assert job["quantity"] == 30 and job["units_done"] == 30
    assert job["events"][-1]["detail"]["units_done_before"] == 5
    api.settle()
    order = read_order(d.buyer, d.order["id"])
    assert order["made_quantity"] == 30 and order["shipped_quantity"] == 30


@pytest.mark.parametrize(
    "shipped",
    [
        pytest.param(0, id="zero"),
        pytest.param(51, id="above-quantity"),
        pytest.param(-3, id="negative"),
        pytest.param("20", id="string"),
        pytest.param(2.5, id="fraction"),
        pytest.param(None, id="null"),
        pytest.param(True, id="boolean"),
    ],
)
def test_a_bad_shipped_quantity_is_422_and_changes_nothing(api, clock, shipped):
    d = accepted_with(api, clock, made=20)
    before = read_job(d.admin, d.job_id)
    assert_invalid(act(d.workshop, d.job_id, "ship", {"shipped_quantity": shipped}), "shipped_quantity")
    after = read_job(d.admin, d.job_id)
    assert after == before
    assert read_order(d.buyer, d.order["id"])["status"] == "in_production"


def test_only_its_business_ships_its_job(api, clock):
    d = accepted_with(api, clock, made=20)
    other = api.business(d.admin, province="fars")
    refused(act(other, d.job_id, "ship", {"shipped_quantity": 10}), 404)
    refused(act(d.buyer, d.job_id, "ship", {"shipped_quantity": 10}), 403)
    refused(act(d.workshop, 10**6, "ship", {"shipped_quantity": 10}), 404)
    job = read_job(d.admin, d.job_id)
    assert job["status"] == "in_production" and job["quantity"] == 50


def test_an_offer_cannot_ship_even_in_part(api, clock):
    d = make_deal(api, clock)
    refused(act(d.workshop, d.job_id, "ship", {"shipped_quantity": 10}), 409)
    assert read_job(d.admin, d.job_id)["quantity"] == 50
