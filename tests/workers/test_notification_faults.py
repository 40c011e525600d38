"""The outbox in the scaled mode: PostgreSQL, real ``python -m workers`` processes, a Redis of the
test's own and an SMTP server (aiosmtpd) in the test process. Redis down at the time of an event:
the change and its notification commit, the delivery waits in the database, and once Redis is
back the sweep hands it to a worker; every email arrives once."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from flask import Flask
from sqlalchemy import select

from market.extensions import db
from market.models import Delivery, Notification
from market.services.sweeps import sweep

from ..channels import SmtpSink
from .conftest import NEEDS_SERVICES, RedisServer, Workers, api_for, post_order

pytestmark = NEEDS_SERVICES


@pytest.fixture
def smtp(monkeypatch: pytest.MonkeyPatch) -> Iterator[SmtpSink]:
    sink = SmtpSink()
    sink.start()
    for name, value in sink.env().items():  # the workers started by the test inherit these
        monkeypatch.setenv(name, value)
    yield sink
    sink.stop()


def outbox(app: Flask) -> list[tuple[str, str, str, int]]:
    with app.app_context():
        found = [
            (n.kind, d.status, d.delivery_id or "", d.attempts)
            for d, n in db.session.execute(
                select(Delivery, Notification).join(Notification).order_by(Delivery.id)
            ).all()
        ]
        db.session.rollback()
        return found


def test_redis_down_at_the_event_delays_the_email_and_sends_it_once(
    own_redis: RedisServer, make_app: Callable[..., Flask], workers: Workers, clock, smtp: SmtpSink
) -> None:
    app = make_app(redis_url=own_redis.url, **smtp.config())
    market = api_for(app)
    drain = lambda: workers.wait(workers.start(1, "--burst", "--no-sweep", redis_url=own_redis.url))  # noqa: E731
    admin = market.admin()
    shop = market.business(admin, weekly_capacity=140)
    buyer = market.buyer()
    order = post_order(buyer, clock, quantity=40)
    drain()  # matching, then the emails of the approval, the buyer to verify, the offer and the match
    assert [k for k, s, _, _ in outbox(app) if s == "sent"] == [
        "approval_needed",
        "business_approved",
        "buyer_verification_needed",
        "offer_new",
        "order_matched",
    ]
    job_id = buyer.get(f"/api/v1/orders/{order['id']}").get_json()["jobs"][0]["id"]

    own_redis.stop()
    r = shop.post(f"/api/v1/jobs/{job_id}/accept")
    assert r.status_code == 200, r.get_json()  # the change commits, with its notification
    with app.app_context():
        latest = db.session.scalars(select(Notification).order_by(Notification.id.desc())).first()
        assert latest is not None and latest.kind == "job_accepted" and latest.fanned_out_at is None
        db.session.rollback()

    own_redis.start()  # a fresh Redis: the hand-over was never made
    assert len(smtp.messages) == 5
    with app.app_context():
        assert sweep().deliveries == 1
    drain()
    assert [s for _, s, _, _ in outbox(app)] == ["sent"] * 6
    accepted = [m for m in smtp.messages if m["To"] == buyer.email and "پذیرفت" in m.get_content()]
    assert len(accepted) == 1

    with app.app_context():  # the sweep finds nothing more to send, and nothing is sent twice
        assert sweep().deliveries == 0
    drain()
    assert sorted(smtp.ids()) == sorted(d for _, _, d, _ in outbox(app))
    assert len(set(smtp.ids())) == 6
