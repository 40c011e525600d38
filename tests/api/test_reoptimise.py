"""POST /api/v1/admin/reoptimise: a preview that changes nothing, an apply that moves offers (never
accepted work) in one go and tells the workshops, bad input and other roles refused."""

from __future__ import annotations

from typing import Any

import pytest

from market.domain import geo

from ..support import Actor, ApiClient, Clock

PATH = "/api/v1/admin/reoptimise"
FIGURES = {"units_placed_before", "units_placed_after", "unit_km_before", "unit_km_after"}


def kinds(actor: Actor) -> list[str]:
    r = actor.get("/api/v1/notifications", query_string={"per_page": 100})
    assert r.status_code == 200, r.get_json()
    return [n["kind"] for n in r.get_json()["items"]]


def job(actor: Actor, job_id: int) -> dict[str, Any]:
    r = actor.get(f"/api/v1/jobs/{job_id}")
    assert r.status_code == 200, r.get_json()
    return dict(r.get_json())


def far_offer(api: ApiClient, clock: Clock) -> tuple[Actor, Actor, Actor, dict[str, Any], dict[str, Any]]:
    """A Tehran workshop holds an offer for Kermanshah (none nearer then) and an accepted job for
    Tehran; then a Kermanshah workshop is approved: the offer could be made 0 km away."""
    admin = api.admin()
    tehran = api.business(admin, province="tehran", city="Tehran", weekly_capacity=70)
    buyer = api.buyer()
    far = api.order(buyer, clock, quantity=30, delivery_province="kermanshah", days=30)
    near = api.order(buyer, clock, quantity=20, delivery_province="tehran", days=30)
    assert far["status"] == near["status"] == "allocated"
    accepted = near["jobs"][0]["id"]
    assert tehran.post(f"/api/v1/jobs/{accepted}/accept").status_code == 200
    kermanshah = api.business(admin, province="kermanshah", weekly_capacity=70)
    return admin, tehran, kermanshah, far, near


def test_a_preview_changes_nothing_and_applying_moves_the_offer_not_the_accepted_job(
    api: ApiClient, clock: Clock
) -> None:
    admin, tehran, kermanshah, far, near = far_offer(api, clock)
    offer = far["jobs"][0]["id"]
    km = geo.distance_km("tehran", "kermanshah")

    for body in (None, {}, {"apply": False}):
        r = admin.post(PATH, json=body)
        assert r.status_code == 200, r.get_json()
        got = r.get_json()
        assert got["applied"] is False
        assert [(m["order_id"], m["withdrawn"]) for m in got["moves"]] == [(far["id"], [offer])]
        new = got["moves"][0]["new"]
        assert [(n["business_id"], n["quantity"]) for n in new] == [(kermanshah.business_id, 30)]
        assert "job_id" not in new[0]
        assert {k: got[k] for k in FIGURES} == {
            "units_placed_before": 30,
            "units_placed_after": 30,
            "unit_km_before": 30 * km,
            "unit_km_after": 0,
        }
        assert job(admin, offer)["status"] == "offered"  # nothing changed
    assert "offer_withdrawn" not in kinds(tehran) and "offer_new" not in kinds(kermanshah)

    r = admin.post(PATH, json={"apply": True})
    assert r.status_code == 200, r.get_json()
    got = r.get_json()
    assert got["applied"] is True and got["unit_km_after"] == 0
    made = got["moves"][0]["new"][0]["job_id"]
    withdrawn = job(admin, offer)
    assert withdrawn["status"] == "cancelled"
    assert withdrawn["events"][-1]["to_status"] == "cancelled"
    assert withdrawn["events"][-1]["detail"]["reason"] == "reoptimised"
    assert job(admin, made)["business_id"] == kermanshah.business_id
    assert job(admin, made)["status"] == "offered" and job(admin, made)["quantity"] == 30
    match = job(admin, made)["match"]
    assert match["rule"].startswith("batch")
    # explained as a round's jobs are (P7): against the engine placing the order one by one on the
    # same workshops (it too would go to Kermanshah: nothing saved), and in the engine's terms
    assert (match["engine_unit_km"], match["unit_km_saved"], match["tier"]) == (0, 0, 1)
    assert job(admin, near["jobs"][0]["id"])["status"] == "accepted"  # accepted work never moves
    assert "offer_withdrawn" in kinds(tehran) and "offer_new" in kinds(kermanshah)
    order = admin.get(f"/api/v1/orders/{far['id']}").get_json()
    assert order["status"] == "allocated"
    assert (order["allocated_quantity"], order["unallocated_quantity"]) == (30, 0)

    again = admin.post(PATH, json={"apply": True}).get_json()  # at the optimum: nothing moves
    assert again["moves"] == [] and again["unit_km_before"] == again["unit_km_after"] == 0


@pytest.mark.parametrize("body", [{"apply": "yes"}, {"apply": 1}, {"apply": None}, {"other": True}, [True]])
def test_bad_input_is_refused_and_changes_nothing(api: ApiClient, clock: Clock, body: Any) -> None:
    admin, _, _, far, _ = far_offer(api, clock)
    r = admin.post(PATH, json=body)
    assert r.status_code == 422, r.get_json()
    assert r.get_json()["message"]
    assert job(admin, far["jobs"][0]["id"])["status"] == "offered"


def test_only_admins_reoptimise(api: ApiClient, clock: Clock) -> None:
    _, tehran, _, far, _ = far_offer(api, clock)
    assert api.client.post(PATH, json={"apply": True}).status_code == 401
    for actor in (api.buyer(), tehran):
        r = actor.post(PATH, json={"apply": True})
        assert r.status_code == 403 and r.get_json()["message"]
    assert job(api.admin(), far["jobs"][0]["id"])["status"] == "offered"
