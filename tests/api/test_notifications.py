"""Notifications (the outbox and the in-app list), channel choices on PATCH /me, and the messages
on an order, on both backends. Every event writes its notifications in the transaction of the
change; every outside delivery made is sent once (the console adapter here: no MAIL_SERVER)."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from persiantools import digits
from sqlalchemy import func, select

from market.extensions import db
from market.models import Delivery, Notification, OrderMessage, User

from ..support import Actor, ApiClient, Clock
from .test_jobs import Deal, make_deal
from .test_orders import assert_invalid, sign_in_again

NOTES = "/api/v1/notifications"
FIELDS = {"id", "kind", "text", "link", "created_at", "read_at"}


def notes(actor: Actor, **query: Any) -> list[dict[str, Any]]:
    r = actor.get(NOTES, query_string=query)
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert body["total"] == len(body["items"]) or body["total"] > len(body["items"])
    for item in body["items"]:
        assert set(item) == FIELDS, item
    return list(body["items"])


def kinds(actor: Actor) -> list[str]:
    return [n["kind"] for n in notes(actor)]


def deliveries(app: Flask) -> list[tuple[int, str, str, int]]:
    with app.app_context():
        rows = db.session.execute(
            select(Delivery.notification_id, Delivery.channel, Delivery.status, Delivery.attempts)
        ).all()
        db.session.rollback()
        return [tuple(r) for r in rows]  # type: ignore[misc]


def count(app: Flask, model: Any) -> int:
    with app.app_context():
        n = db.session.scalar(select(func.count()).select_from(model)) or 0
        db.session.rollback()
        return int(n)


@pytest.fixture
def deal(api: ApiClient, clock: Clock) -> Deal:
    return make_deal(api, clock)


def test_a_new_offer_reaches_the_workshop_in_persian_and_the_buyer_hears_it_matched(api, deal, app):
    got = notes(deal.workshop)
    assert [n["kind"] for n in got] == ["offer_new", "business_approved"]
    offer = got[0]
    assert offer["read_at"] is None and offer["link"] == f"/workshop/offers#job-{deal.job_id}"
    assert "پیشنهاد تازه" in offer["text"] and "۵۰" in offer["text"], offer  # Persian, Persian digits
    assert kinds(deal.buyer) == ["order_matched"]
    assert "approval_needed" in kinds(deal.admin)
    # every outside delivery made was sent, once (email is on by default; SMS is off)
    made = deliveries(app)
    assert made and all(channel == "email" and status == "sent" and n == 1 for _, channel, status, n in made)
    assert len(made) == count(app, Notification)


def test_a_new_workshop_and_a_new_buyer_each_tell_every_admin(api, app):
    admin, other = api.admin(), api.admin()
    api.business(approve=False)
    for a in (admin, other):
        [note] = notes(a)
        assert note["kind"] == "approval_needed" and note["link"] == "/admin/businesses?status=pending"
    buyer = api.user("buyer", organization="مرکز بهداشت اهواز")
    for a in (admin, other):
        note = notes(a)[0]
        assert note["kind"] == "buyer_verification_needed", note
        assert note["link"] == "/admin/buyers?show=waiting"
        assert "خریدار تازه" in note["text"] and "مرکز بهداشت اهواز" in note["text"], note
    assert kinds(buyer) == []  # the buyer is told nothing: only admins
    assert admin.patch("/api/v1/me", json={"locale": "en"}).status_code == 200
    assert notes(admin)[0]["text"] == "A new buyer awaits verification: Test buyer, مرکز بهداشت اهواز."
    # a workshop account or an admin is no buyer to verify
    api.user("business")
    api.admin()
    assert [n["kind"] for n in notes(other)][:2] == ["buyer_verification_needed", "approval_needed"]


def test_text_follows_the_reader_language(api, clock):
    admin = api.admin()
    workshop = api.business(admin)
    assert workshop.patch("/api/v1/me", json={"locale": "en"}).status_code == 200
    buyer = api.buyer()
    api.order(buyer, clock, quantity=50)
    text = notes(workshop)[0]["text"]
    assert text.startswith("New offer: 50 × ") and "Answer by" in text, text


def test_accept_ship_deliver_and_cancel_tell_the_other_side(api, deal, clock):
    assert deal.workshop.post(f"/api/v1/jobs/{deal.job_id}/accept").status_code == 200
    assert kinds(deal.buyer)[0] == "job_accepted"
    r = deal.workshop.post(
        f"/api/v1/jobs/{deal.job_id}/ship", json={"carrier": "Post", "tracking_code": "TR-9"}
    )
    assert r.status_code == 200, r.get_json()
    shipped = notes(deal.buyer)[0]
    assert shipped["kind"] == "job_shipped" and "TR-9" in shipped["text"], shipped
    r = deal.buyer.post(f"/api/v1/jobs/{deal.job_id}/deliver", json={"received_quantity": 48})
    assert r.status_code == 200, r.get_json()
    assert kinds(deal.workshop)[0] == "job_delivered"

    other = api.buyer()
    order = api.order(other, clock, quantity=10)
    assert other.post(f"/api/v1/orders/{order['id']}/cancel").status_code == 200
    cancelled = notes(deal.workshop)[0]
    assert cancelled["kind"] == "job_cancelled", cancelled
    assert f"#{digits.en_to_fa(str(order['id']))}" in cancelled["text"], cancelled


def test_suspension_withdraws_offers_and_tells_the_workshop(api, deal):
    r = deal.admin.post(f"/api/v1/businesses/{deal.workshop.business_id}/suspend", json={"reason": "audit"})
    assert r.status_code == 200, r.get_json()
    sign_in_again(api, deal.workshop)  # suspension revoked the owner's tokens
    assert kinds(deal.workshop)[:2] == ["business_suspended", "offer_withdrawn"]


def accepted_count(app: Flask) -> int:
    with app.app_context():
        n = db.session.scalar(select(func.count()).where(Notification.kind == "job_accepted")) or 0
        db.session.rollback()
        return int(n)


def test_a_refused_change_tells_nobody(api, deal, clock, app):
    clock.advance(hours=49)  # the offer has expired
    sign_in_again(api, deal.workshop)
    sign_in_again(api, deal.buyer)
    r = deal.workshop.post(f"/api/v1/jobs/{deal.job_id}/accept")
    assert r.status_code == 409
    assert accepted_count(app) == 0
    assert "job_accepted" not in kinds(deal.buyer)


def test_read_one_read_all_and_the_unread_filter(api, deal):
    first = notes(deal.workshop)[0]
    r = deal.workshop.post(f"{NOTES}/{first['id']}/read")
    assert r.status_code == 200 and r.get_json()["read_at"] is not None, r.get_json()
    again = deal.workshop.post(f"{NOTES}/{first['id']}/read")  # reading twice keeps the first time
    assert again.get_json()["read_at"] == r.get_json()["read_at"]
    assert [n["id"] for n in notes(deal.workshop, unread="true")] == [
        n["id"] for n in notes(deal.workshop) if n["id"] != first["id"]
    ]
    r = deal.workshop.post(f"{NOTES}/read-all", json={})
    assert r.status_code == 200 and r.get_json() == {"marked": 1}, r.get_json()
    assert notes(deal.workshop, unread="true") == []
    assert deal.workshop.post(f"{NOTES}/read-all").get_json() == {"marked": 0}


def test_another_users_notification_is_404_and_left_unread(api, deal):
    theirs = notes(deal.workshop)[0]
    for path in (f"{NOTES}/{theirs['id']}/read", f"{NOTES}/999999/read"):
        r = deal.buyer.post(path)
        assert r.status_code == 404, r.get_json()
    assert deal.buyer.post(f"{NOTES}/read-all").get_json() == {"marked": 1}  # its own only
    assert all(n["read_at"] is None for n in notes(deal.workshop))
    assert api.client.get(NOTES).status_code == 401


def test_bad_list_arguments_are_refused(api, deal):
    assert_invalid(deal.workshop.get(NOTES, query_string={"per_page": 500}), "per_page")
    assert_invalid(deal.workshop.get(NOTES, query_string={"unread": "maybe"}), "unread")


# --- PATCH /me ------------------------------------------------------------------------------------


def test_channel_choices_are_stored_and_shown(api, app):
    buyer = api.buyer()
    body = {
        "locale": "en",
        "phone": "+98 912 000 1111",
        "notify_email": False,
        "notify_sms": True,
        "digest": "daily",
    }
    r = buyer.patch("/api/v1/me", json=body)
    assert r.status_code == 200, r.get_json()
    assert {k: r.get_json()[k] for k in body} == body
    assert {k: buyer.get("/api/v1/me").get_json()[k] for k in body} == body


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"digest": "weekly"}, "digest"),
        ({"notify_sms": "yes"}, "notify_sms"),
        ({"notify_email": 1}, "notify_email"),
        ({"locale": "de"}, "locale"),
        ({"phone": "call me"}, "phone"),
        ({"role": "admin"}, "role"),
        ({"notify_sms": True, "email": "x@example.org"}, "email"),
    ],
)
def test_bad_profile_input_is_422_and_changes_nothing(api, body, field):
    buyer = api.buyer()
    before = buyer.get("/api/v1/me").get_json()
    assert_invalid(buyer.patch("/api/v1/me", json=body), field)
    assert buyer.get("/api/v1/me").get_json() == before


def test_sms_is_written_only_for_those_who_chose_it_and_have_a_phone(api, clock, app):
    admin = api.admin()
    workshop = api.business(admin)
    r = workshop.patch("/api/v1/me", json={"notify_sms": True, "notify_email": False, "phone": "09120000000"})
    assert r.status_code == 200
    api.order(api.buyer(), clock, quantity=20)
    offer = notes(workshop)[0]
    made = [(c, s) for nid, c, s, _ in deliveries(app) if nid == offer["id"]]
    assert made == [("sms", "sent")] or made == [("sms", "pending")]  # pending: quiet hours in Tehran


# --- messages -------------------------------------------------------------------------------------


def thread(actor: Actor, order_id: int) -> Any:
    return actor.get(f"/api/v1/orders/{order_id}/messages")


def test_the_thread_between_buyer_workshop_and_admin(api, deal, app):
    order_id = deal.order["id"]
    r = deal.buyer.post(f"/api/v1/orders/{order_id}/messages", json={"text": "  سلام، بسته‌ها تا پنجشنبه؟  "})
    assert r.status_code == 201, r.get_json()
    posted = r.get_json()
    assert posted["text"] == "سلام، بسته‌ها تا پنجشنبه؟" and posted["author_role"] == "buyer", posted
    r = deal.workshop.post(f"/api/v1/orders/{order_id}/messages", json={"text": "Yes, by Thursday."})
    assert r.status_code == 201, r.get_json()
    for actor in (deal.buyer, deal.workshop, deal.admin):
        got = thread(actor, order_id)
        assert got.status_code == 200, got.get_json()
        assert [m["text"] for m in got.get_json()["items"]] == [
            "سلام، بسته‌ها تا پنجشنبه؟",
            "Yes, by Thursday.",
        ]
    assert kinds(deal.workshop)[0] == "message_new"
    assert kinds(deal.buyer)[0] == "message_new"
    assert kinds(deal.admin)[0] == "message_new"
    assert "Yes, by Thursday." in notes(deal.buyer)[0]["text"]


def test_others_cannot_see_or_write_the_thread(api, deal, clock, app):
    order_id = deal.order["id"]
    stranger_shop = api.business(deal.admin, province="fars", city="Shiraz")
    stranger = api.buyer()
    for actor in (stranger_shop, stranger):
        assert thread(actor, order_id).status_code == 404
        r = actor.post(f"/api/v1/orders/{order_id}/messages", json={"text": "hello"})
        assert r.status_code == 404, r.get_json()
    assert thread(deal.buyer, 999999).status_code == 404
    assert count(app, OrderMessage) == 0


def test_the_thread_pages_like_every_list(api, deal):
    order_id = deal.order["id"]
    for text in ("one", "two", "three"):
        assert deal.buyer.post(f"/api/v1/orders/{order_id}/messages", json={"text": text}).status_code == 201
    r = deal.workshop.get(f"/api/v1/orders/{order_id}/messages", query_string={"page": 2, "per_page": 2})
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert [m["text"] for m in body["items"]] == ["three"]
    assert (body["total"], body["page"], body["per_page"]) == (3, 2, 2)
    assert_invalid(deal.buyer.get(f"/api/v1/orders/{order_id}/messages?per_page=101"), "per_page")


def test_a_workshop_that_held_a_job_keeps_the_thread(api, deal):
    assert (
        deal.workshop.post(f"/api/v1/jobs/{deal.job_id}/decline", json={"reason": "busy"}).status_code == 200
    )
    assert thread(deal.workshop, deal.order["id"]).status_code == 200


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"text": ""}, "text"),
        ({"text": "   "}, "text"),
        ({"text": "x" * 2001}, "text"),
        ({}, "text"),
        ({"text": "hi", "to": 3}, "to"),
        ({"text": 5}, "text"),
    ],
)
def test_bad_messages_are_422_and_nothing_is_stored(api, deal, app, body, field):
    before = count(app, Notification)
    assert_invalid(deal.buyer.post(f"/api/v1/orders/{deal.order['id']}/messages", json=body), field)
    assert count(app, OrderMessage) == 0
    assert count(app, Notification) == before


def test_two_thousand_characters_are_accepted(api, deal):
    r = deal.buyer.post(f"/api/v1/orders/{deal.order['id']}/messages", json={"text": "ب" * 2000})
    assert r.status_code == 201, r.get_json()


def test_users_table_has_the_channel_columns(app):
    with app.app_context():
        assert {"notify_email", "notify_sms", "digest"} <= set(User.__table__.columns.keys())
