"""Matching under real concurrency: RQ worker processes racing for the same workshops on PostgreSQL.

P1 (never overbook) holds only because a matching round locks the kit's row, then its orders, then
every candidate business in ascending id, before it reads their open work. These tests give
several real workers a queue full of rounds at once and check the outcome with direct database
reads; they can fail: with the business locks taken away, rounds of the two kits read the same
free capacity and overbook.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from datetime import date, timedelta
from typing import Any

import pytest
from flask import Flask
from rq import Queue, Worker
from rq.registry import FailedJobRegistry, StartedJobRegistry
from rq.worker import WorkerStatus
from sqlalchemy import func, select

from market.domain import matching, states
from market.domain.capacity import Schedule
from market.extensions import db
from market.models import AuditEntry, Business, Job, Order
from market.services.common import today
from market.services.matching import domain_business
from market.tasks import queue

from ..support import ApiClient, Clock, local_today, stop_worker, wait_for
from .conftest import (
    BURST_TIMEOUT_SECONDS,
    NEEDS_SERVICES,
    REACH_TIMEOUT_SECONDS,
    Workers,
    check_order_books,
    empty_queue,
    open_work,
    post_order,
)

pytestmark = NEEDS_SERVICES

KITS = ["ELDERLY-COVID", "PREGNANT-HYGIENE"]
#: 20 workshops in the four provinces of the first deployment and two neighbours:
#: (province, city, weekly capacity). Together they make 1,575 kits a week.
WORKSHOPS = [
    ("kermanshah", "Kermanshah", 70),
    ("kermanshah", "Kermanshah", 35),
    ("kermanshah", "Eslamabad-e Gharb", 105),
    ("kermanshah", "Sonqor", 49),
    ("kermanshah", "Harsin", 84),
    ("lorestan", "Khorramabad", 70),
    ("lorestan", "Borujerd", 140),
    ("lorestan", "Aligudarz", 42),
    ("lorestan", "Kuhdasht", 63),
    ("fars", "Shiraz", 140),
    ("fars", "Marvdasht", 56),
    ("fars", "Kazerun", 35),
    ("fars", "Jahrom", 91),
    ("tehran", "Tehran", 105),
    ("tehran", "Shahriar", 70),
    ("tehran", "Varamin", 49),
    ("tehran", "Eslamshahr", 98),
    ("hamadan", "Hamadan", 77),
    ("isfahan", "Isfahan", 112),
    ("isfahan", "Kashan", 84),
]
DELIVERY_PROVINCES = [
    "kermanshah",
    "lorestan",
    "fars",
    "tehran",
    "hamadan",
    "isfahan",
    "ilam",
    "khuzestan",
    "kurdistan",
    "markazi",
    "bushehr",
    "qom",
]
ORDERS = 500
WORKERS = 4


class RaceWatch:
    """Samples the queue's started-job registry and its workers while they run: proof that
    matching transactions were really in flight at the same time, on several workers."""

    def __init__(self, app: Flask) -> None:
        with app.app_context():
            self.queue = queue()
        self.started = StartedJobRegistry(queue=self.queue)
        self.most_at_once = 0
        self.busy_workers: set[str] = set()

    def __call__(self) -> None:
        in_flight = self.queue.connection.zcard(self.started.key)
        self.most_at_once = max(self.most_at_once, in_flight)
        for worker in Worker.all(queue=self.queue):
            if worker.get_state() == WorkerStatus.BUSY:
                self.busy_workers.add(worker.name)


@pytest.mark.slow
def test_workers_racing_for_the_same_workshops_never_overbook(
    pg_app: Flask, market: ApiClient, workers: Workers, clock: Clock
) -> None:
    """P1 and P3 under a real race: 500 orders wait in the queue, then four burst workers take them
    at once. Demand is over twice what the 20 workshops can make, so they fight over every unit."""
    admin = market.admin()
    for i, (province, city, capacity) in enumerate(WORKSHOPS):
        market.business(
            admin, name=f"Workshop {i}", province=province, city=city, kits=KITS, weekly_capacity=capacity
        )
    empty_queue(pg_app)  # the approvals' nudges: no order waits yet
    buyers = [market.buyer(organization=f"Health network {i}") for i in range(5)]
    rng = random.Random(20240501)
    # about 16,000 units due within 4 to 30 days, against about 6,500 the workshops can make by then
    for n in range(ORDERS):
        post_order(
            buyers[n % len(buyers)],
            clock,
            kit=rng.choice(KITS),
            quantity=rng.randint(5, 60),
            delivery_province=rng.choice(DELIVERY_PROVINCES),
            needed_by=(local_today(clock) + timedelta(days=rng.randint(4, 30))).isoformat(),
        )
    with pg_app.app_context():
        # one nudge per kit waits in Redis (coalesced), no order matched yet
        assert queue().count == len(KITS)
        assert db.session.scalar(select(func.count()).where(Order.status == states.PENDING)) == ORDERS

        # and, as duplicates the sweep or a retry could send, one per order: each runs a round
        # for its kit, so four workers run rounds of the same kits at once, 50 orders a round
        q = queue()
        with q.connection.pipeline() as pipe:
            for order_id in db.session.scalars(select(Order.id).order_by(Order.id)):
                q.enqueue("workers.jobs.match_order", order_id, pipeline=pipe)
            pipe.execute()
        db.session.rollback()

    watch = RaceWatch(pg_app)
    workers.wait(workers.start(WORKERS, "--burst", "--no-sweep", MATCH_ROUND_SIZE="50"), watch=watch)
    # the race was real: several workers took jobs, and jobs ran at the same time
    assert len(watch.busy_workers) >= 2 and watch.most_at_once >= 2, vars(watch)
    with pg_app.app_context():
        q = queue()
        assert FailedJobRegistry(queue=q).count == 0, "a matching job failed: see the worker logs"
        assert q.count == 0 and StartedJobRegistry(queue=q).count == 0

    books = check_order_books(pg_app)
    statuses: Counter[str] = books["statuses"]
    assert statuses[states.PENDING] == 0, statuses
    assert statuses[states.ALLOCATED] > 0 and statuses[states.AWAITING_CAPACITY] > 0, statuses

    # capacity was contested: workshops are full, and no waiting order could have had a unit more
    day: date = books["day"]
    businesses: list[Business] = books["businesses"]
    jobs: list[Job] = books["jobs"]
    schedules = {b.id: Schedule(b.weekly_capacity, open_work(b.id, jobs)) for b in businesses}
    full = [
        b.id
        for b in businesses
        if schedules[b.id].deadlines
        and schedules[b.id].free_until(date.fromordinal(schedules[b.id].deadlines[-1]), day) == 0
    ]
    assert full, "no workshop ended full: capacity was never contested"
    for o in books["orders"]:
        if o.status != states.AWAITING_CAPACITY:
            continue
        # capacity only shrank after this order was matched, so what had no room then has none now
        for b in businesses:
            deadline = matching.production_deadline(o.needed_by, b.province, o.delivery_province)
            assert schedules[b.id].free_until(deadline, day) == 0, (
                f"order {o.id} waits while business {b.id} has room by {deadline}"
            )


def test_duplicate_match_jobs_create_nothing_the_second_time(
    pg_app: Flask, market: ApiClient, workers: Workers, clock: Clock
) -> None:
    """P6 under RQ: a match job delivered several times (the sweep re-enqueueing it, a retry) places
    the order once, even when the copies start at the same moment on four idle workers."""
    admin = market.admin()
    # 4 × 70 a week: by a production deadline 29 days out each can make 290, together 1,160
    for i in range(4):
        market.business(admin, name=f"Workshop {i}", province="kermanshah", weekly_capacity=70)
    buyer = market.buyer()
    # 350 units need two workshops; a second placement would still find 810 units of room
    order = post_order(buyer, clock, quantity=350, delivery_province="kermanshah", days=30)
    empty_queue(pg_app)  # held back, so that every copy goes out at once below
    expected = expected_single_pass(pg_app, order["id"])
    assert len(expected) >= 2, "the order should need several workshops"

    procs = workers.start(4, "--no-sweep")
    with pg_app.app_context():
        q = queue()
    wait_for(lambda: idle_workers(q) == 4, timeout=REACH_TIMEOUT_SECONDS, what="four idle workers")
    with q.connection.pipeline() as pipe:
        for copy in range(8):
            # two as the sweep sends them (the same job id), the rest as retries under new ids
            job_id = f"match-order-{order['id']}" if copy < 2 else None
            q.enqueue("workers.jobs.match_order", order["id"], job_id=job_id, pipeline=pipe)
        pipe.execute()
    drain(q)
    first = placement(pg_app, order["id"])
    assert sorted((j["business_id"], j["quantity"]) for j in first["jobs"]) == expected, first
    assert first["status"] == states.ALLOCATED
    assert first["offered_audits"] == len(expected)

    # once more after everything settled: the sweep's or an admin's re-run changes nothing
    with pg_app.app_context():
        queue().enqueue("workers.jobs.match_order", order["id"], job_id=f"match-order-{order['id']}")
    drain(q)
    again = placement(pg_app, order["id"])
    assert again["jobs"] == first["jobs"]
    assert again["offered_audits"] == first["offered_audits"]
    assert FailedJobRegistry(queue=q).count == 0, "a matching job failed: see the worker logs"
    for proc in procs:
        stop_worker(proc)
    check_order_books(pg_app)


def idle_workers(q: Queue) -> int:
    return sum(1 for w in Worker.all(queue=q) if w.get_state() == WorkerStatus.IDLE)


def drain(q: Queue) -> None:
    """Wait until the queue is empty and every worker idle, twice a beat apart: a job leaves the
    queue before it shows in the started registry."""
    started = StartedJobRegistry(queue=q)

    def settled() -> bool:
        busy = any(w.get_state() != WorkerStatus.IDLE for w in Worker.all(queue=q))
        return q.count == 0 and q.connection.zcard(started.key) == 0 and not busy

    for _ in range(2):
        wait_for(settled, timeout=BURST_TIMEOUT_SECONDS, what="the workers to finish the queue")
        time.sleep(0.5)


def expected_single_pass(app: Flask, order_id: int) -> list[tuple[int, int]]:
    """What one matching pass gives this order on the empty books, by the pure engine."""
    with app.app_context():
        o = db.session.get(Order, order_id)
        assert o is not None
        businesses = [
            domain_business(b, frozenset(k.code for k in b.kits), [])
            for b in db.session.scalars(select(Business).order_by(Business.id))
        ]
        request = matching.OrderToMatch(
            id=o.id,
            kit=o.kit.code,
            quantity=o.quantity,
            delivery_province=o.delivery_province,
            needed_by=o.needed_by,
        )
        result = matching.match_order(request, businesses, today(), app.config["MAX_SPLITS"] or None)
        db.session.rollback()
    return sorted((a.business_id, a.quantity) for a in result.allocations)


def placement(app: Flask, order_id: int) -> dict[str, Any]:
    with app.app_context():
        o = db.session.get(Order, order_id)
        assert o is not None
        offered = db.session.scalar(
            select(func.count()).where(
                AuditEntry.action == "job.offered", AuditEntry.detail["order_id"].as_integer() == order_id
            )
        )
        out = {
            "status": o.status,
            "jobs": [
                {"id": j.id, "business_id": j.business_id, "quantity": j.quantity, "status": j.status}
                for j in o.jobs
            ],
            "offered_audits": offered,
        }
        db.session.rollback()
    return out
