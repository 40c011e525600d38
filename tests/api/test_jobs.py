"""GET /api/v1/jobs and the job actions (accept, decline, progress, ship, deliver, reassign), against
the contract in API.md. Every state change must add an event (with its actor) to the job and an
entry to the audit log: :func:`assert_recorded` checks both."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import pytest

from ..support import Actor, ApiClient, Clock
from .test_orders import assert_invalid, place, read_order, sign_in_again

JOBS = "/api/v1/jobs"
MATCH_FIELDS = {"distance_km", "same_province", "free_capacity_before", "utilization_before", "rule"}
JOB_FIELDS = {
    "id",
    "order_id",
    "business_id",
    "quantity",
    "status",
    "offered_at",
    "expires_at",
    "due_date",
    "units_done",
    "match",
    "events",
}


@dataclass
class Deal:
    """An approved workshop in Kermanshah, a buyer, and the buyer's order offered to the workshop."""

    admin: Actor
    workshop: Actor
    buyer: Actor
    order: dict[str, Any]

    @property
    def job_id(self) -> int:
        return int(self.order["jobs"][0]["id"])


def make_deal(api: ApiClient, clock: Clock, quantity: int = 50, **business: Any) -> Deal:
    admin = api.admin()
    workshop = api.business(admin, **business)
    buyer = api.buyer()
    order = place(api, buyer, clock, quantity=quantity)
    assert order["status"] == "allocated", order
    assert [j["business_id"] for j in order["jobs"]] == [workshop.business_id]
    return Deal(admin, workshop, buyer, order)


@pytest.fixture
def deal(api: ApiClient, clock: Clock) -> Deal:
    return make_deal(api, clock)


def read_job(actor: Actor, job_id: int) -> dict[str, Any]:
    r = actor.get(f"{JOBS}/{job_id}")
    assert r.status_code == 200, r.get_json()
    return dict(r.get_json())


def act(actor: Actor, job_id: int, action: str, body: Any = None) -> Any:
    return actor.post(f"{JOBS}/{job_id}/{action}", json=body)


def ok(actor: Actor, job_id: int, action: str, body: Any = None, status: str | None = None) -> dict[str, Any]:
    r = act(actor, job_id, action, body)
    assert r.status_code == 200, r.get_json()
    if status is not None:
        assert r.get_json()["status"] == status, r.get_json()
    return dict(r.get_json())


def refused(r: Any, status: int) -> None:
    assert r.status_code == status, r.get_json()
    assert r.get_json()["message"], r.get_json()


def assert_recorded(admin: Actor, job_id: int, to_status: str, actor: Actor | None, action: str = "") -> None:
    """The job's latest event and the newest audit entry about it both say ``actor`` made it ``to_status``."""
    job = read_job(admin, job_id)
    last = job["events"][-1]
    assert last["to_status"] == to_status, job["events"]
    assert last["actor_id"] == (actor.id if actor else None), job["events"]
    assert datetime.fromisoformat(last["at"]).utcoffset() is not None
    r = admin.get(f"/api/v1/admin/audit?entity=job&entity_id={job_id}")
    assert r.status_code == 200, r.get_json()
    newest = r.get_json()["items"][0]
    assert newest["action"] == (action or f"job.{to_status}"), r.get_json()["items"]
    assert newest["actor_id"] == (actor.id if actor else None), newest


def listed(actor: Actor, query: str = "") -> tuple[list[int], int]:
    r = actor.get(f"{JOBS}{query}")
    assert r.status_code == 200, r.get_json()
    return [j["id"] for j in r.get_json()["items"]], r.get_json()["total"]


# --- GET /jobs ------------------------------------------------------------------------------------


def test_a_business_lists_only_its_jobs_and_an_admin_all(api, clock):
    admin = api.admin()
    west = api.business(admin, province="kermanshah")
    south = api.business(admin, province="fars", city="Shiraz")
    buyer = api.buyer()
    here = place(api, buyer, clock, delivery_province="kermanshah")["jobs"][0]
    there = place(api, buyer, clock, delivery_province="fars")["jobs"][0]
    assert (here["business_id"], there["business_id"]) == (west.business_id, south.business_id)
    ok(west, here["id"], "accept", status="accepted")

    assert listed(west) == ([here["id"]], 1)
    assert listed(south) == ([there["id"]], 1)
    ids, total = listed(admin)
    assert sorted(ids) == sorted([here["id"], there["id"]]) and total == 2
    assert listed(admin, "?status=accepted") == ([here["id"]], 1)
    assert listed(admin, "?status=offered") == ([there["id"]], 1)
    assert listed(west, "?status=offered") == ([], 0)
    assert listed(south, "?status=offered") == ([there["id"]], 1)
    item = west.get(JOBS).get_json()["items"][0]
    assert item.keys() >= JOB_FIELDS and item["status"] == "accepted"

    refused(buyer.get(JOBS), 403)
    refused(api.client.get(JOBS), 401)
    assert_invalid(admin.get(f"{JOBS}?status=lost"), "status")
    assert_invalid(admin.get(f"{JOBS}?per_page=101"), "per_page")


# --- GET /jobs/{id} -------------------------------------------------------------------------------


def test_a_job_shows_the_contract_fields_to_its_business_buyer_and_admin(deal, clock):
    seen = [read_job(who, deal.job_id) for who in (deal.workshop, deal.buyer, deal.admin)]
    assert seen[0] == seen[2]
    # the order's buyer: no match, no closed reason, events as status and time only
    narrow = {k: v for k, v in seen[0].items() if k not in ("match", "closed_reason", "events")}
    events = [{k: e[k] for k in ("at", "from_status", "to_status")} for e in seen[0]["events"]]
    assert seen[1] == {**narrow, "events": events}
    job = seen[0]
    assert job.keys() >= JOB_FIELDS, job
    assert job["id"] == deal.job_id and job["order_id"] == deal.order["id"]
    assert job["business_id"] == deal.workshop.business_id
    assert job["quantity"] == 50 and job["units_done"] == 0 and job["status"] == "offered"
    offered, expires = datetime.fromisoformat(job["offered_at"]), datetime.fromisoformat(job["expires_at"])
    assert offered.utcoffset() is not None and expires.utcoffset() is not None
    assert expires - offered == timedelta(hours=48)
    # same province: one day in transit, so production must end the day before needed_by
    assert date.fromisoformat(job["due_date"]) == date.fromisoformat(deal.order["needed_by"]) - timedelta(1)
    assert job["match"].keys() >= MATCH_FIELDS, job["match"]
    match = job["match"]
    assert match["distance_km"] == 0 and match["same_province"] is True
    assert match["free_capacity_before"] == 70 * 29 // 7 and match["utilization_before"] == 0
    assert isinstance(match["rule"], str) and match["rule"]
    assert [(e["from_status"], e["to_status"], e["actor_id"]) for e in job["events"]] == [
        (None, "offered", None)
    ]


def test_a_job_is_a_404_for_other_tenants(deal, api):
    for stranger in (api.business(deal.admin, province="fars"), api.buyer()):
        r = stranger.get(f"{JOBS}/{deal.job_id}")
        refused(r, 404)
        assert "Workshop" not in r.get_data(as_text=True)
    refused(deal.admin.get(f"{JOBS}/{deal.job_id + 1000}"), 404)
    refused(api.client.get(f"{JOBS}/{deal.job_id}"), 401)


# --- accept ---------------------------------------------------------------------------------------


def test_its_business_accepts_an_offer_once(deal):
    job = ok(deal.workshop, deal.job_id, "accept", status="accepted")
    assert job["accepted_at"] is not None
    assert_recorded(deal.admin, deal.job_id, "accepted", deal.workshop)
    order = read_order(deal.buyer, deal.order["id"])
    assert order["status"] == "allocated" and order["jobs"][0]["status"] == "accepted"
    refused(act(deal.workshop, deal.job_id, "accept"), 409)
    assert [e["to_status"] for e in read_job(deal.admin, deal.job_id)["events"]] == ["offered", "accepted"]


def test_only_its_business_may_accept(deal, api):
    refused(act(api.business(deal.admin, province="fars"), deal.job_id, "accept"), 404)
    refused(act(deal.buyer, deal.job_id, "accept"), 403)
    refused(act(deal.admin, deal.job_id, "accept"), 403)
    refused(act(deal.workshop, deal.job_id + 1000, "accept"), 404)
    assert read_job(deal.admin, deal.job_id)["status"] == "offered"


@pytest.mark.parametrize(("hours", "status"), [(47, 200), (49, 409)])
def test_an_offer_can_be_accepted_until_it_expires(deal, api, clock, hours, status):
    clock.advance(hours=hours)
    sign_in_again(api, deal.workshop)  # a token lives 24 h
    sign_in_again(api, deal.admin)
    r = act(deal.workshop, deal.job_id, "accept")
    assert r.status_code == status, r.get_json()
    job = read_job(deal.admin, deal.job_id)
    if status == 200:
        assert job["status"] == "accepted"
    else:
        assert r.get_json()["message"]
        # the lazy sweep (embedded mode) may have marked it expired since; never accepted
        assert job["status"] in ("offered", "expired")
        assert "accepted" not in [e["to_status"] for e in job["events"]]


# --- decline --------------------------------------------------------------------------------------

ACTION_BODIES: list[Any] = [
    pytest.param(None, id="no-body"),
    pytest.param({}, id="empty-object"),
    pytest.param({"reason": "Our workshop is closed for Nowruz"}, id="reason"),
]


@pytest.mark.parametrize("body", ACTION_BODIES)
def test_a_declined_offer_goes_to_another_business(api, clock, body):
    admin = api.admin()
    near = api.business(admin, province="kermanshah")
    other = api.business(admin, province="lorestan", city="Khorramabad")
    buyer = api.buyer()
    order = place(api, buyer, clock)
    (first,) = order["jobs"]
    assert first["business_id"] == near.business_id
    job = ok(near, first["id"], "decline", body, status="declined")
    assert_recorded(admin, first["id"], "declined", near)
    if body and body.get("reason"):
        assert job["closed_reason"] == body["reason"]
        assert job["events"][-1]["detail"]["reason"] == body["reason"]
    api.settle()
    got = read_order(buyer, order["id"])
    assert got["status"] == "allocated", got
    assert [(j["business_id"], j["status"], j["quantity"]) for j in got["jobs"]] == [
        (near.business_id, "declined", 50),
        (other.business_id, "offered", 50),
    ]
    assert read_job(other, got["jobs"][1]["id"])["match"]["same_province"] is False
    assert listed(near, "?status=offered") == ([], 0)


def test_a_decliner_never_gets_the_units_back_even_as_the_only_producer(api, clock):
    admin = api.admin()
    workshop = api.business(admin, weekly_capacity=7)  # a kit a day: 29 before the deadline
    buyer = api.buyer()
    declined = place(api, buyer, clock, quantity=29)
    waiting = place(api, buyer, clock, quantity=20)
    assert declined["status"] == "allocated" and waiting["status"] == "awaiting_capacity"
    ok(workshop, declined["jobs"][0]["id"], "decline", status="declined")
    api.settle()
    # the units it declined wait; the capacity it freed goes to the other waiting order
    got = read_order(buyer, declined["id"])
    assert got["status"] == "awaiting_capacity" and got["unallocated_quantity"] == 29
    assert [j["status"] for j in got["jobs"]] == ["declined"]
    other = read_order(buyer, waiting["id"])
    assert other["status"] == "allocated"
    assert [(j["business_id"], j["quantity"]) for j in other["jobs"]] == [(workshop.business_id, 20)]
    # more capacity, and an admin's rematch: still never back to the business that declined
    r = workshop.patch(f"/api/v1/businesses/{workshop.business_id}", json={"weekly_capacity": 700})
    assert r.status_code == 200, r.get_json()
    api.settle()
    assert admin.post(f"/api/v1/orders/{declined['id']}/rematch").status_code == 202
    api.settle()
    got = read_order(buyer, declined["id"])
    assert got["status"] == "awaiting_capacity" and got["unallocated_quantity"] == 29
    assert [j["status"] for j in got["jobs"]] == ["declined"]


def test_declining_is_for_open_offers_of_its_business(deal, api):
    refused(act(api.business(deal.admin, province="fars"), deal.job_id, "decline"), 404)
    refused(act(deal.buyer, deal.job_id, "decline", {}), 403)
    assert_invalid(act(deal.workshop, deal.job_id, "decline", {"reason": "x", "mood": "bad"}), "mood")
    assert read_job(deal.admin, deal.job_id)["status"] == "offered"
    ok(deal.workshop, deal.job_id, "accept", status="accepted")
    refused(act(deal.workshop, deal.job_id, "decline", {"reason": "changed my mind"}), 409)
    assert read_job(deal.admin, deal.job_id)["status"] == "accepted"


# --- progress -------------------------------------------------------------------------------------


def test_progress_puts_the_job_and_the_order_in_production(deal):
    ok(deal.workshop, deal.job_id, "accept")
    job = ok(deal.workshop, deal.job_id, "progress", {"units_done": 10}, status="in_production")
    assert job["units_done"] == 10
    assert_recorded(deal.admin, deal.job_id, "in_production", deal.workshop)
    assert read_order(deal.buyer, deal.order["id"])["status"] == "in_production"
    assert ok(deal.workshop, deal.job_id, "progress", {"units_done": 10})["units_done"] == 10
    assert ok(deal.workshop, deal.job_id, "progress", {"units_done": 50})["units_done"] == 50
    assert read_job(deal.buyer, deal.job_id)["units_done"] == 50


@pytest.mark.parametrize(
    "units_done",
    [
        pytest.param(-1, id="negative"),
        pytest.param(51, id="above-quantity"),
        pytest.param(9, id="decrease"),
        pytest.param("20", id="string"),
    ],
)
def test_bad_progress_is_422_and_changes_nothing(deal, units_done):
    ok(deal.workshop, deal.job_id, "accept")
    ok(deal.workshop, deal.job_id, "progress", {"units_done": 10})
    before = read_job(deal.admin, deal.job_id)
    assert_invalid(act(deal.workshop, deal.job_id, "progress", {"units_done": units_done}), "units_done")
    after = read_job(deal.admin, deal.job_id)
    assert after["units_done"] == 10 and after["events"] == before["events"]


def test_progress_needs_an_accepted_job_of_ones_own(deal, api):
    refused(act(deal.workshop, deal.job_id, "progress", {"units_done": 5}), 409)
    refused(act(deal.buyer, deal.job_id, "progress", {"units_done": "x"}), 403)
    ok(deal.workshop, deal.job_id, "accept")
    refused(act(api.business(deal.admin, province="fars"), deal.job_id, "progress", {"units_done": 5}), 404)
    assert_invalid(act(deal.workshop, deal.job_id, "progress", {}), "units_done")
    job = read_job(deal.admin, deal.job_id)
    assert job["status"] == "accepted" and job["units_done"] == 0


# --- ship -----------------------------------------------------------------------------------------


def test_ship_records_carrier_and_tracking_and_completes_the_units(deal):
    ok(deal.workshop, deal.job_id, "accept")
    ok(deal.workshop, deal.job_id, "progress", {"units_done": 12})
    body = {"carrier": "پست جمهوری اسلامی", "tracking_code": "IR-2024-0042"}
    job = ok(deal.workshop, deal.job_id, "ship", body, status="shipped")
    assert job["carrier"] == body["carrier"] and job["tracking_code"] == body["tracking_code"]
    assert job["units_done"] == 50 and job["shipped_at"] is not None
    assert_recorded(deal.admin, deal.job_id, "shipped", deal.workshop)
    order = read_order(deal.buyer, deal.order["id"])
    assert order["status"] == "shipped" and order["jobs"][0]["tracking_code"] == "IR-2024-0042"
    refused(act(deal.workshop, deal.job_id, "ship"), 409)


def test_an_offer_cannot_ship(deal):
    refused(act(deal.workshop, deal.job_id, "ship", {"carrier": "Post"}), 409)
    refused(act(deal.buyer, deal.job_id, "ship"), 403)
    job = read_job(deal.admin, deal.job_id)
    assert job["status"] == "offered" and job["carrier"] is None and job["units_done"] == 0


# --- deliver --------------------------------------------------------------------------------------


def shipped_deal(api: ApiClient, clock: Clock) -> Deal:
    d = make_deal(api, clock)
    ok(d.workshop, d.job_id, "accept")
    ok(d.workshop, d.job_id, "ship", {})
    return d


@pytest.mark.parametrize(("who", "received"), [("buyer", 50), ("buyer", 47), ("admin", 0)])
def test_delivery_is_confirmed_with_any_shortfall(api, clock, who, received):
    d = shipped_deal(api, clock)
    actor = d.buyer if who == "buyer" else d.admin
    job = ok(actor, d.job_id, "deliver", {"received_quantity": received, "note": "دو بسته آسیب دیده بود"})
    assert job["status"] == "delivered" and job["received_quantity"] == received
    assert job["shortfall"] == 50 - received
    assert_recorded(d.admin, d.job_id, "delivered", actor)
    events = read_job(d.admin, d.job_id)["events"]
    assert [(e["to_status"], e["actor_id"]) for e in events] == [
        ("offered", None),
        ("accepted", d.workshop.id),
        ("shipped", d.workshop.id),
        ("delivered", actor.id),
    ]
    order = read_order(d.buyer, d.order["id"])
    assert order["status"] == "delivered"
    assert order["delivered_quantity"] == received and order["shortfall"] == 50 - received
    refused(act(actor, d.job_id, "deliver", {"received_quantity": received}), 409)


@pytest.mark.parametrize(
    "received",
    [pytest.param(-1, id="negative"), pytest.param(51, id="above-quantity")],
)
def test_bad_received_quantity_is_422_and_changes_nothing(api, clock, received):
    d = shipped_deal(api, clock)
    assert_invalid(act(d.buyer, d.job_id, "deliver", {"received_quantity": received}), "received_quantity")
    assert read_job(d.buyer, d.job_id)["status"] == "shipped"
    assert read_order(d.buyer, d.order["id"])["delivered_quantity"] == 0


def test_delivery_is_for_the_orders_buyer_and_a_shipped_job(deal, api):
    ok(deal.workshop, deal.job_id, "accept")
    refused(act(deal.buyer, deal.job_id, "deliver", {"received_quantity": 50}), 409)
    ok(deal.workshop, deal.job_id, "ship")
    refused(act(api.buyer(), deal.job_id, "deliver", {"received_quantity": 50}), 404)
    refused(act(deal.workshop, deal.job_id, "deliver", {"received_quantity": 50}), 403)
    job = read_job(deal.admin, deal.job_id)
    assert job["status"] == "shipped" and job["received_quantity"] is None


# --- reassign -------------------------------------------------------------------------------------


def test_an_admin_reassigns_a_job_to_another_business(api, clock):
    d = make_deal(api, clock)
    other = api.business(d.admin, province="lorestan", city="Khorramabad")
    r = act(d.admin, d.job_id, "reassign", {"business_id": other.business_id})
    assert r.status_code == 200, r.get_json()
    new = r.get_json()
    assert new["id"] != d.job_id and new["order_id"] == d.order["id"]
    assert new["business_id"] == other.business_id and new["status"] == "offered"
    assert new["quantity"] == 50 and new["match"]["rule"] and new["match"].keys() >= MATCH_FIELDS
    assert read_job(d.admin, d.job_id)["status"] == "cancelled"
    assert_recorded(d.admin, d.job_id, "cancelled", d.admin)
    assert_recorded(d.admin, new["id"], "offered", d.admin, action="job.reassigned")
    api.settle()
    order = read_order(d.buyer, d.order["id"])
    assert order["status"] == "allocated"
    assert [(j["id"], j["business_id"], j["status"]) for j in order["jobs"]] == [
        (d.job_id, d.workshop.business_id, "cancelled"),
        (new["id"], other.business_id, "offered"),
    ]
    assert listed(other) == ([new["id"]], 1)
    ok(other, new["id"], "accept", status="accepted")


def _lacks_kit(api: ApiClient, d: Deal) -> tuple[int, int]:
    return d.job_id, api.business(d.admin, kits=["PREGNANT-HYGIENE"]).business_id


def _lacks_capacity(api: ApiClient, d: Deal) -> tuple[int, int]:
    return d.job_id, api.business(d.admin, weekly_capacity=7).business_id  # 29 of the 50 by the deadline


def _not_approved(api: ApiClient, d: Deal) -> tuple[int, int]:
    return d.job_id, api.business(approve=False).business_id or 0


def _declined(api: ApiClient, d: Deal) -> tuple[int, int]:
    other = api.business(d.admin, province="lorestan", city="Khorramabad")
    ok(d.workshop, d.job_id, "decline")
    api.settle()
    (job,) = [j for j in read_order(d.buyer, d.order["id"])["jobs"] if j["status"] == "offered"]
    assert job["business_id"] == other.business_id
    return job["id"], d.workshop.business_id or 0


def _shipped(api: ApiClient, d: Deal) -> tuple[int, int]:
    ok(d.workshop, d.job_id, "accept")
    ok(d.workshop, d.job_id, "ship")
    return d.job_id, api.business(d.admin, province="lorestan", city="Khorramabad").business_id or 0


@pytest.mark.parametrize(
    ("setup", "why"),
    [
        pytest.param(_lacks_kit, "kit", id="lacks-kit"),
        pytest.param(_lacks_capacity, "only 29 of the 50", id="lacks-capacity"),
        pytest.param(_not_approved, "not approved", id="not-approved"),
        pytest.param(_declined, "declined", id="declined-this-order"),
        pytest.param(_shipped, "shipped", id="already-shipped"),
    ],
)
def test_reassign_conflicts_are_409_and_change_nothing(api, clock, setup, why):
    d = make_deal(api, clock)
    job_id, target = setup(api, d)
    before = read_order(d.buyer, d.order["id"])
    r = act(d.admin, job_id, "reassign", {"business_id": target})
    refused(r, 409)
    assert why in r.get_json()["message"], r.get_json()  # refused for the reason this case sets up
    api.settle()
    assert read_order(d.buyer, d.order["id"]) == before


def test_reassign_is_for_admins_and_known_businesses(deal, api):
    other = api.business(deal.admin, province="lorestan", city="Khorramabad")
    body = {"business_id": other.business_id}
    refused(act(deal.buyer, deal.job_id, "reassign", body), 403)
    refused(act(deal.workshop, deal.job_id, "reassign", body), 403)
    refused(act(other, deal.job_id, "reassign", {"business_id": "x"}), 403)
    refused(act(deal.admin, deal.job_id, "reassign", {"business_id": other.business_id + 1000}), 404)
    refused(act(deal.admin, deal.job_id + 1000, "reassign", body), 404)
    assert_invalid(
        act(deal.admin, deal.job_id, "reassign", {"business_id": str(other.business_id)}), "business_id"
    )
    assert_invalid(act(deal.admin, deal.job_id, "reassign", {}), "business_id")
    order = read_order(deal.buyer, deal.order["id"])
    assert [(j["business_id"], j["status"]) for j in order["jobs"]] == [
        (deal.workshop.business_id, "offered")
    ]
