"""Email and SMS deliveries against real local servers: an SMTP server (aiosmtpd) in the test
process and an HTTP server answering like Kavenegar. Faults: the SMTP server down, the gateway
answering 5xx; once they are back the sweep delivers everything, and nothing is sent twice.
Embedded mode (SQLite, inline jobs); the scaled mode with Redis down is in tests/workers."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Flask
from sqlalchemy import select

from market.extensions import db
from market.models import Delivery, Notification
from market.services import deliveries
from market.services.sweeps import sweep

from ..support import Actor, ApiClient
from .conftest import TEHRAN, at_tehran


def rows(app: Flask) -> list[dict[str, Any]]:
    with app.app_context():
        found = [
            {
                "id": d.id,
                "channel": d.channel,
                "status": d.status,
                "attempts": d.attempts,
                "delivery_id": d.delivery_id,
                "kind": d.notification.kind,
                "user_id": d.notification.user_id,
                "next_attempt_at": d.next_attempt_at,
            }
            for d in db.session.scalars(select(Delivery).order_by(Delivery.id))
        ]
        db.session.rollback()
        return found


def run_sweep(app: Flask) -> Any:
    with app.app_context():
        return sweep()


def sms_workshop(market: ApiClient) -> Actor:
    admin = market.admin()
    shop = market.business(admin, approve=False)
    r = shop.patch("/api/v1/me", json={"notify_sms": True, "phone": "09121234567"})
    assert r.status_code == 200, r.get_json()
    assert admin.post(f"/api/v1/businesses/{shop.business_id}/approve").status_code == 200
    return shop


def test_emails_reach_the_mail_server_once_in_the_readers_language(market, wired, smtp, day_clock):
    admin = market.admin()
    shop = market.business(admin)
    order = market.order(market.buyer(), day_clock, quantity=40)
    sent = rows(wired)
    assert sent and all(d["status"] == "sent" and d["attempts"] == 1 for d in sent), sent
    assert sorted(smtp.ids()) == sorted(d["delivery_id"] for d in sent)  # one email per delivery
    assert len(set(smtp.ids())) == len(smtp.ids())
    offer = next(m for m in smtp.messages if m["To"] == shop.email and "پیشنهاد تازه" in str(m["Subject"]))
    body = offer.get_content()  # type: ignore[attr-defined]
    assert "۴۰" in body and f"https://bz.ir/workshop/offers#job-{order['jobs'][0]['id']}" in body, body
    assert offer["From"] == "market@example.org"


def test_an_sms_goes_to_the_gateway_in_one_persian_segment_with_its_link(market, wired, gateway, day_clock):
    shop = sms_workshop(market)
    market.order(market.buyer(), day_clock, quantity=40)
    assert [m["receptor"] for m in gateway.sent] == ["09121234567", "09121234567"]  # approved, then the offer
    offer = gateway.sent[1]
    assert offer["sender"] == "10004346" and offer["localid"].isdigit()
    text = offer["message"]
    assert text.startswith("پیشنهاد تازه: ۴۰ بسته") and "https://bz.ir/n/" in text, text
    assert len(text) <= 70, (len(text), text)
    sms = [d for d in rows(wired) if d["channel"] == "sms"]
    assert [d["status"] for d in sms] == ["sent", "sent"] and shop.id == sms[0]["user_id"]


def test_mail_server_down_delays_the_emails_and_loses_none(market, wired, smtp, day_clock):
    admin = market.admin()
    shop = market.business(admin, approve=False)
    assert [m["To"] for m in smtp.messages] == [admin.email]  # a workshop awaits approval
    smtp.stop()
    assert admin.post(f"/api/v1/businesses/{shop.business_id}/approve").status_code == 200  # still 200
    [waiting] = [d for d in rows(wired) if d["user_id"] == shop.id]
    assert (waiting["status"], waiting["attempts"]) == ("pending", 1)
    assert waiting["next_attempt_at"] == day_clock.now + timedelta(seconds=30)

    day_clock.advance(seconds=31)
    run_sweep(wired)  # still down: a second attempt, a longer wait
    [waiting] = [d for d in rows(wired) if d["user_id"] == shop.id]
    assert (waiting["status"], waiting["attempts"]) == ("pending", 2)

    smtp.start()
    run_sweep(wired)  # not due yet: nothing sent before its time
    assert [m["To"] for m in smtp.messages] == [admin.email]
    day_clock.advance(seconds=61)
    assert run_sweep(wired).deliveries >= 1
    assert all(d["status"] == "sent" for d in rows(wired))
    for _ in range(2):
        day_clock.advance(hours=1)
        assert run_sweep(wired).deliveries == 0
    assert len(smtp.ids()) == len(set(smtp.ids())) == len(rows(wired))


def test_gateway_errors_delay_the_sms_and_none_is_sent_twice(market, wired, gateway, day_clock):
    gateway.failing = True
    shop = sms_workshop(market)
    market.order(market.buyer(), day_clock, quantity=40)
    assert gateway.refused == 2 and gateway.sent == []
    sms = [d for d in rows(wired) if d["channel"] == "sms"]
    assert [(d["status"], d["attempts"]) for d in sms] == [("pending", 1), ("pending", 1)]

    gateway.failing = False
    day_clock.advance(seconds=31)
    assert run_sweep(wired).deliveries == 2
    assert len(gateway.sent) == 2 and all(d["status"] == "sent" for d in rows(wired) if d["channel"] == "sms")
    with wired.app_context():  # a duplicate job for a sent delivery sends nothing
        assert deliveries.deliver(sms[0]["id"]) == "sent"
    day_clock.advance(hours=2)
    run_sweep(wired)
    assert len(gateway.sent) == 2
    assert {m["localid"] for m in gateway.sent} == {str(d["id"]) for d in sms}
    assert shop.id == sms[0]["user_id"]


def test_sms_wait_for_the_morning_but_email_does_not(market, wired, gateway, smtp, day_clock):
    at_tehran(day_clock, 23, 30)
    shop = sms_workshop(market)
    [sms] = [d for d in rows(wired) if d["channel"] == "sms"]
    assert sms["status"] == "pending" and sms["attempts"] == 0
    assert sms["next_attempt_at"].astimezone(TEHRAN).hour == 7
    assert gateway.sent == [] and any(m["To"] == shop.email for m in smtp.messages)
    day_clock.advance(hours=2)
    run_sweep(wired)
    assert gateway.sent == []
    at_tehran(day_clock, 7, 1)
    day_clock.advance(days=1)
    run_sweep(wired)
    assert len(gateway.sent) == 1


def test_notifications_stay_when_the_channels_fail(market, wired, smtp, gateway, day_clock):
    """In-app needs no channel: the list is complete whatever the mail server does."""
    smtp.stop()
    gateway.failing = True
    shop = sms_workshop(market)
    with wired.app_context():
        kinds = [
            n.kind for n in db.session.scalars(select(Notification).where(Notification.user_id == shop.id))
        ]
    assert kinds == ["business_approved"]
    assert [n["kind"] for n in shop.get("/api/v1/notifications").get_json()["items"]] == ["business_approved"]
