"""A re-optimisation applied while RQ workers match and workshops accept, on PostgreSQL.

The first wave of orders is matched by the workers while only the three workshops farthest from
most buyers (Hamadan, Isfahan) are approved; then the rest are approved, so a re-optimisation has
offers to bring nearer. Then, at once: a thread posts more orders (the two workers run rounds for
them), a thread per workshop accepts its offers as they come, and the admin applies re-optimisations
one after another. Afterwards, read straight from the database: every workshop within the capacity
rule (P1), every order conserved and in the status its jobs imply (P3), no accepted job ever moved
(each job a workshop accepted is still accepted, and every job a re-optimisation withdrew was an
offer when it did), and the re-optimisations did move offers.
"""

from __future__ import annotations

import random
import threading
from datetime import timedelta
from typing import Any

from flask import Flask
from rq.registry import FailedJobRegistry, StartedJobRegistry
from sqlalchemy import func, select

from market.domain import states
from market.extensions import db
from market.models import Job, JobEvent, Order
from market.services.reoptimise import WITHDRAWN_REASON
from market.tasks import queue

from ..support import Actor, ApiClient, Clock, local_today, stop_worker, wait_for
from .conftest import NEEDS_SERVICES, Workers, check_order_books, empty_queue, post_order
from .test_concurrency import DELIVERY_PROVINCES, KITS, WORKSHOPS

pytestmark = NEEDS_SERVICES

PATH = "/api/v1/admin/reoptimise"
FIRST_WAVE = 120
DURING = 60
APPLIES = 4


def order_body(rng: random.Random, clock: Clock) -> dict[str, Any]:
    return {
        "kit": rng.choice(KITS),
        "quantity": rng.randint(5, 60),
        "delivery_province": rng.choice(DELIVERY_PROVINCES),
        "delivery_address": "Health center 4",
        "needed_by": (local_today(clock) + timedelta(days=rng.randint(6, 30))).isoformat(),
    }


def settled(app: Flask) -> bool:
    """No order pending, nothing queued or running."""
    with app.app_context():
        q = queue()
        pending = db.session.scalar(select(func.count()).where(Order.status == states.PENDING))
        db.session.rollback()
        return pending == 0 and q.count == 0 and StartedJobRegistry(queue=q).count == 0


def accept_offers(app: Flask, shop: Actor, stop: threading.Event, accepted: list[int]) -> None:
    """The workshop accepts each offer it sees, until ``stop`` (its own client: threads share none)."""
    client = app.test_client()
    while not stop.is_set():
        r = client.get(
            "/api/v1/jobs", query_string={"status": "offered", "per_page": 100}, headers=shop.headers
        )
        assert r.status_code == 200, r.get_json()
        for job in r.get_json()["items"]:
            got = client.post(f"/api/v1/jobs/{job['id']}/accept", headers=shop.headers)
            if got.status_code == 200:
                accepted.append(job["id"])
            else:  # withdrawn or expired meanwhile: said as a conflict, never an error
                assert got.status_code == 409, got.get_json()
        stop.wait(0.05)


def post_orders(app: Flask, buyer: Actor, clock: Clock, seed: int, posted: list[int]) -> None:
    client, rng = app.test_client(), random.Random(seed)
    for _ in range(DURING):
        r = client.post("/api/v1/orders", json=order_body(rng, clock), headers=buyer.headers)
        assert r.status_code == 201, r.get_json()
        posted.append(r.get_json()["id"])


def test_a_reoptimisation_applied_while_workers_match_and_workshops_accept(
    pg_app: Flask, market: ApiClient, workers: Workers, clock: Clock
) -> None:
    admin = market.admin()
    far = {"hamadan", "isfahan"}
    shops = [
        market.business(
            admin,
            approve=province in far,
            name=f"Workshop {i}",
            province=province,
            city=city,
            kits=KITS,
            weekly_capacity=capacity,
        )
        for i, (province, city, capacity) in enumerate(WORKSHOPS)
    ]
    empty_queue(pg_app)
    procs = workers.start(2, "--no-sweep", MATCH_ROUND_SIZE="20")
    buyers = [market.buyer(organization=f"Health network {i}") for i in range(3)]
    rng = random.Random(1010)
    for n in range(FIRST_WAVE):  # one by one: the workers run a round per nudge
        post_order(buyers[n % 3], clock, **order_body(rng, clock))
    wait_for(lambda: settled(pg_app), timeout=120, what="the first wave matched")
    for shop, (province, _, _) in zip(shops, WORKSHOPS, strict=True):
        if province not in far:  # capacity appears nearer: the waiting orders are matched again
            r = admin.post(f"/api/v1/businesses/{shop.business_id}/approve")
            assert r.status_code == 200, r.get_json()

    stop, accepted, posted = threading.Event(), [], []
    accepters = [
        threading.Thread(target=accept_offers, args=(pg_app, shop, stop, accepted), daemon=True)
        for shop in shops
    ]
    poster = threading.Thread(target=post_orders, args=(pg_app, buyers[0], clock, 7, posted), daemon=True)
    for t in [*accepters, poster]:
        t.start()
    moved, withdrawn, overlapped = 0, 0, False
    for _ in range(APPLIES):
        overlapped = overlapped or poster.is_alive()  # orders still being posted and matched
        r = admin.post(PATH, json={"apply": True})
        assert r.status_code == 200, r.get_json()
        moved += len(r.get_json()["moves"])
        withdrawn += sum(len(m["withdrawn"]) for m in r.get_json()["moves"])
    poster.join(120)
    wait_for(lambda: settled(pg_app), timeout=120, what="the orders posted meanwhile matched")
    stop.set()
    for t in accepters:
        t.join(30)
    assert not poster.is_alive() and not any(t.is_alive() for t in accepters)
    for proc in procs:
        stop_worker(proc)
    with pg_app.app_context():
        assert FailedJobRegistry(queue=queue()).count == 0, "a matching job failed: see the worker logs"

    assert moved > 0 and withdrawn > 0, "the re-optimisations moved nothing: the test shows nothing"
    assert accepted and len(posted) == DURING and overlapped
    books = check_order_books(pg_app)  # P1 for every workshop, P3 for every order
    assert books["statuses"][states.PENDING] == 0
    with pg_app.app_context():
        still = dict(db.session.execute(select(Job.id, Job.status).where(Job.id.in_(accepted))).all())
        assert set(still.values()) == {states.ACCEPTED}, "an accepted job moved"
        cancelled = db.session.execute(
            select(JobEvent.job_id, JobEvent.from_status, JobEvent.detail).where(
                JobEvent.to_status == states.CANCELLED
            )
        ).all()
        db.session.rollback()
    by_reason = [
        (job_id, before) for job_id, before, detail in cancelled if detail.get("reason") == WITHDRAWN_REASON
    ]
    assert len(by_reason) == withdrawn
    assert {before for _, before in by_reason} == {states.OFFERED}  # only offers were withdrawn
    assert not set(accepted) & {job_id for job_id, _ in by_reason}
