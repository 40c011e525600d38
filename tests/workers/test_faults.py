"""Nothing lost (DESIGN.md): a worker killed mid-matching and a Redis that goes away.

RQ guarantees no delivery. A killed worker's job is not retried, a Redis without persistence
forgets its queue; the database is the truth and the sweep finds what the queue lost. These tests
break things for real (SIGKILL, a stopped redis-server) and check both halves of the promise:
nothing half-written is left behind, and the order still gets matched.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from psycopg.errors import LockNotAvailable
from sqlalchemy import Connection, create_engine, func, select, text
from sqlalchemy.exc import OperationalError

from market.domain import states
from market.extensions import db
from market.models import AuditEntry, Job, Order
from market.services.sweeps import sweep
from market.tasks import queue

from ..support import TEST_DATABASE_URL, ApiClient, Clock, wait_for
from .conftest import (
    NEEDS_SERVICES,
    REACH_TIMEOUT_SECONDS,
    RedisServer,
    Workers,
    api_for,
    check_order_books,
    empty_queue,
    is_alive,
    kill_tree,
    post_order,
)

pytestmark = NEEDS_SERVICES


@pytest.fixture
def connect() -> Iterator[Callable[..., Connection]]:
    """Extra connections to the test database, the test's own hands on its locks."""
    assert TEST_DATABASE_URL
    engine = create_engine(TEST_DATABASE_URL)
    opened: list[Connection] = []

    def open_connection(autocommit: bool = False) -> Connection:
        conn = engine.connect()
        if autocommit:
            conn = conn.execution_options(isolation_level="AUTOCOMMIT")
        opened.append(conn)
        return conn

    yield open_connection
    for conn in opened:
        conn.close()
    engine.dispose()


def order_row(app: Flask, order_id: int) -> dict[str, Any]:
    """The order as the database has it, with its jobs and the offers the audit log recorded."""
    with app.app_context():
        o = db.session.get(Order, order_id)
        assert o is not None
        jobs = list(db.session.scalars(select(Job).where(Job.order_id == order_id)))
        offered = db.session.scalar(
            select(func.count()).where(
                AuditEntry.action == "job.offered", AuditEntry.detail["order_id"].as_integer() == order_id
            )
        )
        row = {
            "status": o.status,
            "quantity": o.quantity,
            "matched_at": o.matched_at,
            "jobs": [(j.business_id, j.quantity, j.status) for j in jobs],
            "offered_audits": offered,
        }
        db.session.rollback()
    return row


def run_sweep(app: Flask) -> Any:
    with app.app_context():
        return sweep()


@pytest.mark.parametrize(
    "hold",
    [
        # the worker has locked the order and the first candidates, and waits for the last one
        pytest.param("SELECT id FROM businesses WHERE id = :last FOR UPDATE", id="while-locking-candidates"),
        # the worker has inserted the order's job rows and waits to write their history
        pytest.param("LOCK TABLE job_events IN SHARE MODE", id="after-writing-job-rows"),
    ],
)
@pytest.mark.parametrize("mode", ["simple", "fork"])
def test_a_worker_killed_mid_matching_leaves_nothing_and_the_sweep_recovers(
    mode: str,
    pg_app: Flask,
    market: ApiClient,
    workers: Workers,
    clock: Clock,
    connect: Callable[..., Connection],
    hold: str,
) -> None:
    """The test holds a lock the worker's matching transaction needs, so the worker stops at a known
    point mid-transaction; then the worker (and, with ``--fork``, its work horse) is SIGKILLed. Nothing of the
    transaction may survive, RQ does not retry it, and the sweep gets the order matched."""
    admin = market.admin()
    # by a production deadline 29 days out each makes 290: the order needs two of the three
    shops = [market.business(admin, name=f"Workshop {i}", weekly_capacity=70) for i in range(3)]
    empty_queue(pg_app)
    order = post_order(market.buyer(), clock, quantity=300, days=30)

    holder = connect()
    holder_pid = holder.execute(text("SELECT pg_backend_pid()")).scalar_one()
    holder.execute(text(hold), {"last": max(s.business_id for s in shops)})
    observer = connect(autocommit=True)
    (worker,) = workers.start(1, "--burst", "--no-sweep", *(["--fork"] if mode == "fork" else []))

    def waiting_behind_the_test() -> list[Any]:
        assert worker.poll() is None, f"the worker ended early; see {workers.log(worker)}"
        return list(
            observer.execute(
                text("SELECT pid, query FROM pg_stat_activity WHERE :h = ANY(pg_blocking_pids(pid))"),
                {"h": holder_pid},
            )
        )

    wait_for(waiting_behind_the_test, timeout=REACH_TIMEOUT_SECONDS, what="the worker to block mid-matching")
    ((blocked_pid, query),) = waiting_behind_the_test()
    # it is mid-transaction: it holds the order row ...
    probe = connect()
    with pytest.raises(OperationalError) as err:
        probe.execute(text("SELECT id FROM orders WHERE id = :id FOR UPDATE NOWAIT"), {"id": order["id"]})
    assert isinstance(err.value.orig, LockNotAvailable)
    probe.rollback()
    if "job_events" in hold:
        # ... and, in this variant, has already written job rows, which only its commit would keep
        assert "job_events" in query
        written = observer.execute(
            text(
                "SELECT count(*) FROM pg_locks WHERE pid = :p AND granted "
                "AND relation = 'jobs'::regclass AND mode = 'RowExclusiveLock'"
            ),
            {"p": blocked_pid},
        ).scalar_one()
        assert written == 1
    else:
        assert "FOR UPDATE" in query and "businesses" in query

    horse_and_all = kill_tree(worker)
    if mode == "fork":
        assert len(horse_and_all) >= 2, "the work horse, which runs the transaction, was not found"
    wait_for(lambda: not any(is_alive(pid) for pid in horse_and_all), timeout=30, what="SIGKILL to land")
    holder.rollback()  # let the orphaned transaction run on: with no client, it can never commit
    wait_for(
        lambda: (
            observer.execute(
                text("SELECT count(*) FROM pg_stat_activity WHERE pid = :p"), {"p": blocked_pid}
            ).scalar_one()
            == 0
        ),
        timeout=60,
        what="the killed worker's database session to end",
    )

    killed = order_row(pg_app, order["id"])
    assert killed["jobs"] == [] and killed["offered_audits"] == 0, killed  # nothing half-written
    assert killed["status"] == states.PENDING and killed["matched_at"] is None, killed
    with pg_app.app_context():
        assert queue().count == 0  # RQ does not retry the killed job by itself

    assert run_sweep(pg_app).stale_pending == 0  # within the grace period the job may still run
    clock.advance(seconds=pg_app.config["PENDING_GRACE_SECONDS"] + 1)
    assert run_sweep(pg_app).stale_pending == 1
    workers.wait(workers.start(1, "--burst", "--no-sweep"))

    matched = order_row(pg_app, order["id"])
    assert matched["status"] == states.ALLOCATED, matched
    assert sum(q for _, q, s in matched["jobs"] if s == states.OFFERED) == 300, matched
    assert len(matched["jobs"]) == matched["offered_audits"] == 2, matched
    check_order_books(pg_app)


def test_an_order_posted_while_redis_is_down_is_matched_once_redis_is_back(
    own_redis: RedisServer, make_app: Callable[..., Flask], workers: Workers, clock: Clock
) -> None:
    """The order row is committed before anything is enqueued: with Redis down the buyer still gets
    201, health says the queue is unavailable, and once a fresh Redis is up the sweep re-sends it."""
    app = make_app(redis_url=own_redis.url)
    market = api_for(app)
    client = app.test_client()
    shop = market.business(market.admin(), weekly_capacity=140)
    buyer = market.buyer()

    own_redis.stop()
    health = client.get("/healthz")
    assert health.status_code == 503, health.get_json()
    assert health.get_json()["queue"] == "unavailable" and health.get_json()["database"] == "ok"
    order = post_order(buyer, clock, quantity=40)  # 201: stored, though nobody could be told
    stored = order_row(app, order["id"])
    assert stored["status"] == states.PENDING and stored["jobs"] == [], stored

    own_redis.start()  # a fresh one: no persistence, the nudge for this order is gone
    assert client.get("/healthz").get_json()["queue"] == "ok"
    with app.app_context():
        assert queue().count == 0
    clock.advance(seconds=app.config["PENDING_GRACE_SECONDS"] + 1)
    assert run_sweep(app).stale_pending == 1
    workers.wait(workers.start(1, "--burst", "--no-sweep", redis_url=own_redis.url))

    matched = order_row(app, order["id"])
    assert matched["status"] == states.ALLOCATED, matched
    assert matched["jobs"] == [(shop.business_id, 40, states.OFFERED)], matched
    check_order_books(app)


def test_a_worker_killed_mid_round_of_500_orders_leaves_nothing_and_the_sweep_matches_them_all(
    pg_app: Flask,
    market: ApiClient,
    workers: Workers,
    clock: Clock,
    connect: Callable[..., Connection],
) -> None:
    """One round takes all 500 orders of a kit. The worker is stopped where it has written the
    round's job rows and waits to write their history, holding the kit, the 500 orders and the
    workshops; then it is SIGKILLed. None of the round survives, and after the sweep every order
    is matched, each business within its capacity."""
    admin = market.admin()
    provinces = ["kermanshah", "lorestan", "fars", "tehran", "hamadan", "isfahan"]
    for i, province in enumerate(provinces):
        market.business(admin, name=f"Workshop {i}", province=province, weekly_capacity=140)
    buyer = market.buyer()
    empty_queue(pg_app)
    rng = random.Random(500)
    posted = [
        post_order(
            buyer,
            clock,
            quantity=rng.randint(5, 40),
            delivery_province=rng.choice(provinces),
            days=rng.randint(8, 40),
        )["id"]
        for _ in range(500)
    ]
    with pg_app.app_context():
        assert queue().count == 1  # one nudge for the kit, however many orders

    holder = connect()
    holder_pid = holder.execute(text("SELECT pg_backend_pid()")).scalar_one()
    holder.execute(text("LOCK TABLE job_events IN SHARE MODE"))
    observer = connect(autocommit=True)
    (worker,) = workers.start(1, "--burst", "--no-sweep")

    def waiting_behind_the_test() -> list[Any]:
        assert worker.poll() is None, f"the worker ended early; see {workers.log(worker)}"
        return list(
            observer.execute(
                text("SELECT pid FROM pg_stat_activity WHERE :h = ANY(pg_blocking_pids(pid))"),
                {"h": holder_pid},
            )
        )

    wait_for(waiting_behind_the_test, timeout=REACH_TIMEOUT_SECONDS, what="the worker to block mid-round")
    ((blocked_pid,),) = waiting_behind_the_test()
    probe = connect()
    for what, query in [
        ("the kit", "SELECT id FROM kits WHERE code = 'ELDERLY-COVID' FOR UPDATE NOWAIT"),
        ("the first order", f"SELECT id FROM orders WHERE id = {posted[0]} FOR UPDATE NOWAIT"),
        ("the last order", f"SELECT id FROM orders WHERE id = {posted[-1]} FOR UPDATE NOWAIT"),
    ]:
        with pytest.raises(OperationalError) as err:
            probe.execute(text(query))
        assert isinstance(err.value.orig, LockNotAvailable), what
        probe.rollback()
    written = observer.execute(
        text(
            "SELECT count(*) FROM pg_locks WHERE pid = :p AND granted "
            "AND relation = 'jobs'::regclass AND mode = 'RowExclusiveLock'"
        ),
        {"p": blocked_pid},
    ).scalar_one()
    assert written == 1  # the round's job rows are written, only its commit would keep them

    horse_and_all = kill_tree(worker)
    wait_for(lambda: not any(is_alive(pid) for pid in horse_and_all), timeout=30, what="SIGKILL to land")
    holder.rollback()
    wait_for(
        lambda: (
            observer.execute(
                text("SELECT count(*) FROM pg_stat_activity WHERE pid = :p"), {"p": blocked_pid}
            ).scalar_one()
            == 0
        ),
        timeout=60,
        what="the killed worker's database session to end",
    )
    with pg_app.app_context():
        assert db.session.scalar(select(func.count(Job.id))) == 0
        assert db.session.scalar(select(func.count()).where(AuditEntry.action == "job.offered")) == 0
        statuses = list(db.session.execute(select(Order.status, Order.matched_at)))
        assert statuses == [(states.PENDING, None)] * 500
        db.session.rollback()

    clock.advance(seconds=pg_app.config["PENDING_GRACE_SECONDS"] + 1)
    assert run_sweep(pg_app).stale_pending == 500
    workers.wait(workers.start(1, "--burst", "--no-sweep"))

    books = check_order_books(pg_app)
    assert books["statuses"][states.PENDING] == 0, books["statuses"]
    assert sum(books["statuses"].values()) == 500
    with pg_app.app_context():
        offered = db.session.scalar(select(func.count()).where(AuditEntry.action == "job.offered"))
        assert offered == len(books["jobs"]) > 0
        db.session.rollback()
