"""``GET /metrics``: guarded (admin token or METRICS_ALLOW), Prometheus text, the figures operators
need; and the admin dashboard shows the same last-sweep figure. On both backends: on PostgreSQL
the matching histogram is fed by the real RQ workers through Redis."""

from __future__ import annotations

import math
from typing import Any

import pytest
from flask import Flask
from prometheus_client.parser import text_string_to_metric_families

from market.config import ConfigError, load
from market.domain import states
from market.services.sweeps import sweep

from ..support import PASSWORD, ApiClient, Clock


def scrape(api: ApiClient, headers: dict[str, str] | None = None) -> dict[str, Any]:
    """The metrics as {name: value} for plain samples and {(name, label value): value} for labelled."""
    r = api.client.get("/metrics", headers=headers or {})
    assert r.status_code == 200, r.get_data(as_text=True)
    assert r.content_type.startswith("text/plain")
    figures: dict[Any, float] = {}
    for family in text_string_to_metric_families(r.get_data(as_text=True)):
        for sample in family.samples:
            labels = tuple(sample.labels.values())
            figures[(sample.name, *labels) if labels else sample.name] = sample.value
    return figures


def test_metrics_refuse_everyone_but_admins_and_allowed_addresses(api: ApiClient, app: Flask) -> None:
    anonymous = api.client.get("/metrics")
    assert anonymous.status_code == 401 and anonymous.headers["WWW-Authenticate"] == "Bearer"
    assert anonymous.get_json()["code"] == 401 and anonymous.get_json()["message"]
    bad = api.client.get("/metrics", headers={"Authorization": "Bearer not-a-token"})
    assert bad.status_code == 401
    for actor in (api.buyer(), api.business(approve=False)):
        refused = actor.get("/metrics")
        assert refused.status_code == 403, refused.get_json()
        assert "admin" in refused.get_json()["message"]
    assert api.admin().get("/metrics").status_code == 200

    app.config["METRICS_ALLOW"] = ["10.0.0.0/8", "::1"]  # the test client calls from 127.0.0.1
    assert api.client.get("/metrics").status_code == 401
    app.config["METRICS_ALLOW"] = ["10.0.0.0/8", "127.0.0.1"]
    assert api.client.get("/metrics").status_code == 200


def test_metrics_allow_must_be_addresses() -> None:
    assert load({"METRICS_ALLOW": "127.0.0.1, 10.0.0.0/8"})["METRICS_ALLOW"] == ["127.0.0.1", "10.0.0.0/8"]
    from market.config import check

    with pytest.raises(ConfigError, match="METRICS_ALLOW"):
        check(load({"METRICS_ALLOW": "localhost"}))


def test_metrics_tell_orders_queue_sweep_and_matching(api: ApiClient, app: Flask, clock: Clock) -> None:
    app.config["TESTING_NO_LAZY_SWEEP"] = True  # the sweep runs when the test says
    admin = api.admin()
    headers = admin.headers
    before = scrape(api, headers)
    assert before["market_database_up"] == 1 and before["market_queue_up"] == 1
    assert math.isinf(before["market_sweep_age_seconds"])  # no sweep has ever run
    matched_before = before["market_matching_duration_seconds_count"]

    api.business(admin, weekly_capacity=70)
    buyer = api.buyer()
    api.order(buyer, clock, quantity=20)
    api.order(buyer, clock, quantity=10_000)  # more than anyone can make: it waits
    figures = scrape(api, headers)
    assert figures[("market_orders", states.ALLOCATED)] == 1
    assert figures[("market_orders", states.AWAITING_CAPACITY)] == 1
    assert figures[("market_orders", states.PENDING)] == 0
    assert figures["market_orders_pending_overdue"] == 0
    assert figures["market_matching_duration_seconds_count"] >= matched_before + 2
    assert (
        figures[("market_matching_duration_seconds_bucket", "+Inf")]
        == (figures["market_matching_duration_seconds_count"])
    )
    assert figures["market_matching_duration_seconds_sum"] > 0
    if app.config["JOBS_MODE"] == "rq":
        assert figures["market_queue_jobs"] == 0 and "market_failed_jobs" in figures
    else:
        assert "market_queue_jobs" not in figures

    with app.app_context():
        sweep()
    clock.advance(seconds=90)
    assert scrape(api, headers)["market_sweep_age_seconds"] == 90


def test_the_dashboard_shows_the_last_sweep(api: ApiClient, app: Flask, clock: Clock) -> None:
    app.config["TESTING_NO_LAZY_SWEEP"] = True
    admin = api.admin()
    page = app.test_client()
    signin = page.get("/signin").get_data(as_text=True)
    token = signin.split('name="csrf_token"', 1)[1].split('value="', 1)[1].split('"', 1)[0]
    page.post("/signin", data={"email": admin.email, "password": PASSWORD, "csrf_token": token})
    assert "هنوز هیچ" in page.get("/admin").get_data(as_text=True)  # "none yet"
    with app.app_context():
        sweep()
    clock.advance(seconds=42)
    shown = page.get("/admin").get_data(as_text=True)
    assert "۴۲ ثانیه پیش" in shown  # "42 seconds ago"
    assert (
        api.client.get("/metrics", headers=admin.headers)
        .get_data(as_text=True)
        .count("market_sweep_age_seconds 42.0")
        == 1
    )


def test_metrics_count_the_notifications_waiting_by_channel(api: ApiClient, app: Flask, clock: Clock) -> None:
    admin = api.admin()
    assert ("market_notifications_waiting", "email") not in scrape(api, admin.headers)
    workshop = api.business(admin, approve=False, weekly_capacity=70)
    # email once a day: the approval's email waits for the digest
    r = workshop.patch("/api/v1/me", json={"notify_email": True, "digest": "daily"})
    assert r.status_code == 200, r.get_json()
    me = workshop.get("/api/v1/me").get_json()
    assert admin.post(f"/api/v1/businesses/{me['business_id']}/approve").status_code == 200
    api.settle()  # on RQ a worker makes the deliveries from the notification
    assert scrape(api, admin.headers)[("market_notifications_waiting", "email")] == 1
