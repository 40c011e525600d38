"""What the sweep tells, each once: an offer expiring within 12 hours, a job due in 3 days, a late
job, orders waiting over 24 hours; the queue unhealthy (from the health check); and the daily
digest, one message a day for those who chose it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import select

from market.app import create_app
from market.extensions import db
from market.models import Delivery, Notification
from market.services.sweeps import sweep

from ..channels import SmtpSink, free_port
from ..conftest import base_config
from ..support import ApiClient, Clock, copy_db
from .conftest import at_tehran


def told(app: Flask, kind: str) -> list[int]:
    """The users told of ``kind``, one entry per notification."""
    with app.app_context():
        found = list(db.session.scalars(select(Notification.user_id).where(Notification.kind == kind)))
        db.session.rollback()
        return found


def run_sweep(app: Flask) -> Any:
    with app.app_context():
        return sweep()


def test_an_offer_about_to_expire_is_told_once(market: ApiClient, wired: Flask, day_clock: Clock):
    shop = market.business(market.admin())
    market.order(market.buyer(), day_clock, quantity=20)
    day_clock.advance(hours=35)
    run_sweep(wired)
    assert told(wired, "offer_expiring") == []  # 13 hours left
    day_clock.advance(hours=2)
    run_sweep(wired)
    run_sweep(wired)
    assert told(wired, "offer_expiring") == [shop.id]


def test_due_soon_then_late_each_once(market: ApiClient, wired: Flask, day_clock: Clock):
    admin = market.admin()
    shop = market.business(admin)
    buyer = market.buyer()
    order = market.order(buyer, day_clock, quantity=20, days=6)  # due in 5 days (1 day of transit)
    assert shop.post(f"/api/v1/jobs/{order['jobs'][0]['id']}/accept").status_code == 200
    run_sweep(wired)
    assert told(wired, "job_due_soon") == []
    day_clock.advance(days=2)
    run_sweep(wired)
    run_sweep(wired)
    assert told(wired, "job_due_soon") == [shop.id]
    assert told(wired, "job_late") == []
    day_clock.advance(days=4)
    run_sweep(wired)
    run_sweep(wired)
    assert sorted(told(wired, "job_late")) == sorted([buyer.id, admin.id])


def test_orders_waiting_a_day_are_told_to_the_admins_once_a_day(
    market: ApiClient, wired: Flask, day_clock: Clock
):
    admin = market.admin()
    market.business(admin)
    market.order(market.buyer(), day_clock, quantity=1_000_000)  # more than anyone can make
    run_sweep(wired)
    assert told(wired, "orders_waiting") == []
    day_clock.advance(hours=25)
    run_sweep(wired)
    run_sweep(wired)
    assert told(wired, "orders_waiting") == [admin.id]
    day_clock.advance(days=1)
    run_sweep(wired)
    assert told(wired, "orders_waiting") == [admin.id, admin.id]


def test_the_health_check_tells_the_admins_once_an_hour_that_the_queue_is_down(
    sqlite_template: Path, tmp_path: Path, day_clock: Clock
):
    copy_db(sqlite_template, tmp_path / "market.db")
    app = create_app(
        {
            **base_config(day_clock),
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'market.db'}",
            "JOBS_MODE": "rq",
            "REDIS_URL": f"redis://127.0.0.1:{free_port()}/0",  # nothing listens there
        }
    )
    admin = ApiClient(app, app.test_client(), lambda: None).admin()
    for _ in range(2):
        r = app.test_client().get("/healthz")
        assert r.status_code == 503 and r.get_json()["queue"] == "unavailable"
    assert told(app, "queue_unhealthy") == [admin.id]
    day_clock.advance(hours=1)
    app.test_client().get("/healthz")
    assert told(app, "queue_unhealthy") == [admin.id, admin.id]
    with app.app_context():
        db.engine.dispose()


def test_the_daily_digest_sends_one_email_for_the_day(
    market: ApiClient, wired: Flask, day_clock: Clock, smtp: SmtpSink
):
    admin = market.admin()
    shop = market.business(admin, approve=False)
    assert shop.patch("/api/v1/me", json={"digest": "daily"}).status_code == 200
    assert admin.post(f"/api/v1/businesses/{shop.business_id}/approve").status_code == 200
    market.order(market.buyer(), day_clock, quantity=20)
    market.order(market.buyer(), day_clock, quantity=30)
    run_sweep(wired)
    assert [m for m in smtp.messages if m["To"] == shop.email] == []  # held for the digest
    day_clock.advance(days=1)
    at_tehran(day_clock, 7, 59)
    run_sweep(wired)
    assert [m for m in smtp.messages if m["To"] == shop.email] == []
    at_tehran(day_clock, 8, 1)
    run_sweep(wired)
    run_sweep(wired)
    [digest] = [m for m in smtp.messages if m["To"] == shop.email]
    body = digest.get_content()
    assert body.count("•") == 3 and "۲۰" in body and "۳۰" in body, body
    assert "۳" in str(digest["Subject"])
    with wired.app_context():
        mine = list(
            db.session.scalars(select(Delivery).join(Notification).where(Notification.user_id == shop.id))
        )
        assert {d.status for d in mine} == {"sent"} and {d.delivery_id for d in mine} == {
            digest["Message-ID"]
        }
