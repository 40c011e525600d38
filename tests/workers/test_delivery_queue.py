"""Deliveries never hold matching up: real ``python -m workers`` processes on PostgreSQL and Redis.

The jobs that fan notifications out and send them go on a second RQ queue, which a worker takes
from only when matching's queue is empty; a delivery job handles a bounded number of batches and
queues a fresh job for the rest, so a worker is never tied up for long by a large outbox."""

from __future__ import annotations

import time
from collections.abc import Callable

from flask import Flask
from rq.job import Job as RqJob
from rq.registry import FinishedJobRegistry, StartedJobRegistry
from sqlalchemy import func, insert, select

from market.extensions import db
from market.models import Delivery, Notification, User
from market.services import deliveries, outbox
from market.tasks import LATER, enqueue, queue, queues

from ..support import wait_for
from .conftest import NEEDS_SERVICES, Workers, api_for, post_order

pytestmark = NEEDS_SERVICES


def finished(app: Flask) -> list[RqJob]:
    """The jobs the workers finished, on both queues, in the order they started."""
    with app.app_context():
        jobs = []
        for q in queues():
            ids = FinishedJobRegistry(queue=q).get_job_ids()
            jobs += [j for j in RqJob.fetch_many(ids, connection=q.connection) if j is not None]
    return sorted(jobs, key=lambda j: j.started_at)


def add_notes(app: Flask, user_id: int, count: int) -> None:
    """``count`` notifications for the user, written as a change's transaction writes them."""
    moment = app.config["CLOCK"]()
    row = {"user_id": user_id, "kind": "queue_unhealthy", "params": {}, "created_at": moment}
    db.session.execute(insert(Notification), [dict(row) for _ in range(count)])
    db.session.commit()


def test_a_queued_round_goes_before_the_deliveries_queued_ahead_of_it(
    pg_app: Flask, workers: Workers, clock
) -> None:
    market = api_for(pg_app)
    admin = market.admin()
    market.business(admin, weekly_capacity=140)  # its sign-up and approval queue deliveries
    buyer = market.buyer()
    with pg_app.app_context():
        queue().empty()  # the approval's re-matching nudge: nothing waits for it
        later = queue(later=True)
        assert later.count >= 1, "the deliveries wait on their own queue"
    order = post_order(buyer, clock, quantity=40)  # its round is queued after those deliveries
    with pg_app.app_context():
        assert queue().count == 1

    workers.wait(workers.start(1, "--burst", "--no-sweep"))

    ran = finished(pg_app)
    kinds = [j.func_name.rpartition(".")[2] for j in ran]
    assert kinds[0].startswith("match_"), kinds  # the round, although queued last
    assert all(j.func_name in LATER for j in ran[1:]), kinds
    assert {j.origin for j in ran if j.func_name in LATER} == {later.name}
    assert buyer.get(f"/api/v1/orders/{order['id']}").get_json()["status"] == "allocated"
    with pg_app.app_context():
        unsent = db.session.scalar(select(func.count()).where(Delivery.status != "sent"))
        assert unsent == 0 and db.session.scalar(select(func.count()).select_from(Delivery)) >= 4


def test_a_large_outbox_is_drained_by_several_short_jobs_and_every_email_goes_once(
    make_app: Callable[..., Flask], workers: Workers
) -> None:
    app = make_app()
    admin = api_for(app).admin()
    many = outbox.BATCH * deliveries.DRAIN_BATCHES * 2 + 37  # three jobs' worth
    with app.app_context():
        user_id = db.session.scalar(select(User.id).where(User.email == admin.email))
        add_notes(app, user_id, many)
        for q in queues():
            q.empty()
        enqueue(outbox.DRAIN)

    workers.wait(workers.start(1, "--burst", "--no-sweep"))

    drains = [sum(j.return_value().values()) for j in finished(app) if j.func_name == outbox.DRAIN]
    assert len(drains) == 3 and drains[:2] == [outbox.BATCH * deliveries.DRAIN_BATCHES] * 2, drains
    with app.app_context():
        sent = db.session.execute(
            select(Delivery.notification_id, Delivery.channel, Delivery.status).order_by(Delivery.id)
        ).all()
        unfanned = db.session.scalar(select(func.count()).where(Notification.fanned_out_at.is_(None)))
        total = db.session.scalar(select(func.count()).select_from(Notification))
    assert unfanned == 0 and total - many < outbox.BATCH  # the admin's own few, if any
    assert len(sent) == total and {(c, s) for _, c, s in sent} == {("email", "sent")}
    assert len({n for n, _, _ in sent}) == total  # one email per notification, none twice


def test_deliveries_step_aside_while_a_round_runs_and_go_when_it_ends_or_after_ten_tries(
    make_app: Callable[..., Flask], workers: Workers
) -> None:
    app = make_app()
    admin = api_for(app).admin()
    with app.app_context():
        user_id = db.session.scalar(select(User.id).where(User.email == admin.email))
        add_notes(app, user_id, 1)
        for q in queues():
            q.empty()
        running = StartedJobRegistry(queue=queue())
        running.connection.zadd(running.key, {"a-round:running": time.time() + 600})  # as RQ marks one
        enqueue(outbox.DRAIN)

    def unsent() -> int:
        """Notifications without a sent email (the admin hears by email)."""
        with app.app_context():
            sent = select(Delivery.notification_id).where(Delivery.status == "sent")
            n = db.session.scalar(select(func.count()).where(Notification.id.not_in(sent)))
            db.session.rollback()
            return int(n or 0)

    def stepped_aside() -> bool:
        return any(j.args == (2,) for j in finished(app) if j.func_name == outbox.DRAIN)

    began = time.monotonic()
    workers.start(1, "--no-sweep")
    wait_for(stepped_aside, timeout=30, what="the delivery job to step aside twice")
    assert unsent() > 0, "delivered while a round ran"

    wait_for(lambda: unsent() == 0, timeout=60, what="delivery after the last try")  # the round never ends
    waited = time.monotonic() - began
    assert waited >= deliveries.MAX_YIELDS * deliveries.YIELD_PAUSE_SECONDS * 0.8, waited
    with app.app_context():
        running.connection.zrem(running.key, "a-round:running")
        add_notes(app, user_id, 1)
        enqueue(outbox.DRAIN)
    began = time.monotonic()
    wait_for(lambda: unsent() == 0, timeout=10, what="delivery with no round running")
    assert time.monotonic() - began < deliveries.YIELD_PAUSE_SECONDS * 3
