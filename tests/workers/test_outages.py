"""Survives its faults: a Redis that dies and comes back empty, a worker that dies under the serve
script. Real processes throughout: a redis-server of the test's own (never the shared one), real
``python -m workers`` processes, ``scripts/serve`` with gunicorn. Sweep intervals are short so
that each test takes seconds, not minutes.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask_migrate import upgrade
from rq.job import Job as RqJob
from rq.registry import FinishedJobRegistry
from sqlalchemy import func, select

from market.app import create_app
from market.domain import states
from market.domain.refusals import MESSAGES
from market.extensions import db
from market.models import Order
from market.services.sweeps import sweep
from market.tasks import queue

from ..conftest import base_config, worker_env
from ..support import PASSWORD, REDIS_URL, ROOT, Clock, artifacts_dir, wait_for
from .conftest import (
    NEEDS_SERVICES,
    REACH_TIMEOUT_SECONDS,
    PostgresServer,
    RedisServer,
    Workers,
    api_for,
    check_order_books,
    descendants,
    drop_queue,
    empty_queue,
    free_port,
    is_alive,
    post_order,
)

pytestmark = NEEDS_SERVICES

INTERVAL = 2  # seconds between sweeps in these tests
FAST_SWEEPS = {"SWEEP_INTERVAL_SECONDS": str(INTERVAL), "PENDING_GRACE_SECONDS": "1"}


def statuses(app: Flask, order_ids: list[int]) -> dict[int, str]:
    with app.app_context():
        found = {o.id: o.status for o in db.session.query(Order).filter(Order.id.in_(order_ids))}
        db.session.rollback()
    return found


def all_allocated(app: Flask, order_ids: list[int]) -> bool:
    return set(statuses(app, order_ids).values()) == {states.ALLOCATED}


def sweeps_run(app: Flask) -> list[dict[str, Any]]:
    """The sweeps this Redis has seen finish, in the order they ended, with what each found."""
    with app.app_context():
        q = queue()
        ids = [i for i in FinishedJobRegistry(queue=q).get_job_ids() if i.startswith("market-sweep-")]
        jobs = [j for j in RqJob.fetch_many(ids, connection=q.connection) if j is not None]
        jobs.sort(key=lambda j: j.ended_at)
        return [{"id": j.id, **(j.return_value() or {})} for j in jobs]


def test_a_worker_rides_through_redis_restarted_empty(
    own_redis: RedisServer, make_app: Callable[..., Flask], workers: Workers, clock: Clock
) -> None:
    """Redis dies while the worker waits for jobs and orders keep coming (stored, 201); it comes back
    with nothing in it. The same worker process reconnects, schedules the sweep again, and the first
    or second sweep after Redis's return sends every order posted meanwhile to matching."""
    app = make_app(redis_url=own_redis.url, SWEEP_INTERVAL_SECONDS=INTERVAL, PENDING_GRACE_SECONDS=1)
    market = api_for(app)
    market.business(market.admin(), weekly_capacity=700)
    buyer = market.buyer()
    empty_queue(app)
    (worker,) = workers.start(1, redis_url=own_redis.url, env=FAST_SWEEPS)
    before = post_order(buyer, clock, quantity=10)
    wait_for(
        lambda: all_allocated(app, [before["id"]]), timeout=REACH_TIMEOUT_SECONDS, what="the first match"
    )

    own_redis.stop()
    meanwhile = [post_order(buyer, clock, quantity=10)["id"] for _ in range(5)]
    log = workers.log(worker)
    # the worker has left RQ's loop and waits for Redis
    wait_for(lambda: "trying again in" in log.read_text(), timeout=60, what="the worker to miss Redis")
    assert worker.poll() is None, f"the worker exited; see {log}"
    assert set(statuses(app, meanwhile).values()) == {states.PENDING}

    own_redis.start()  # empty: the queue, the scheduled sweep and the scheduler's lock are gone
    wait_for(lambda: all_allocated(app, meanwhile), timeout=120, what=f"the orders to be matched; see {log}")

    assert worker.poll() is None, f"the worker was restarted or exited; see {log}"
    sweeps = sweeps_run(app)
    found = [i for i, s in enumerate(sweeps) if s.get("stale_pending")]
    assert found and found[0] <= 1, sweeps  # the first or the second sweep after the return
    check_order_books(app)


@pytest.fixture
def private_app(own_postgres: PostgresServer, clock: Clock, queue_name: str) -> Iterator[Flask]:
    """An app in the RQ mode on the test's own PostgreSQL cluster, migrated, and its queue."""
    app = create_app(
        {
            **base_config(clock),
            "SQLALCHEMY_DATABASE_URI": own_postgres.url,
            "JOBS_MODE": "rq",
            "REDIS_URL": REDIS_URL,
            "RQ_QUEUE": queue_name,
            "SWEEP_INTERVAL_SECONDS": INTERVAL,
            "PENDING_GRACE_SECONDS": 1,
        }
    )
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
    yield app
    drop_queue(app)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def order_count(app: Flask) -> int:
    with app.app_context():
        count = db.session.scalar(select(func.count(Order.id)))
        db.session.rollback()
    return int(count or 0)


def test_a_database_crash_is_a_503_and_everything_resumes_when_it_returns(
    own_postgres: PostgresServer, private_app: Flask, workers: Workers, clock: Clock
) -> None:
    """PostgreSQL stops at once (``-m immediate``, as a crash). Posting, reading and /healthz answer
    503 with a readable message and Retry-After, the pages a friendly page; nothing is stored. When
    it returns, the same web app and the same worker carry on: new orders are stored and matched."""
    app = private_app
    market = api_for(app)
    client = app.test_client()
    market.business(market.admin(), weekly_capacity=700)
    buyer = market.buyer()
    empty_queue(app)
    (worker,) = workers.start(1, env={"DATABASE_URL": own_postgres.url, **FAST_SWEEPS})
    first = post_order(buyer, clock, quantity=10)
    wait_for(lambda: all_allocated(app, [first["id"]]), timeout=REACH_TIMEOUT_SECONDS, what="the first match")

    pages = app.test_client()  # the buyer's browser, signed in
    form = pages.get("/signin").get_data(as_text=True)
    csrf = form.split('name="csrf_token"', 1)[1].split('value="', 1)[1].split('"', 1)[0]
    signed_in = pages.post("/signin", data={"email": buyer.email, "password": PASSWORD, "csrf_token": csrf})
    assert signed_in.status_code == 302

    own_postgres.crash()
    body = {
        **{k: first[k] for k in ("kit", "quantity", "delivery_province", "needed_by")},
        "delivery_address": "x",
    }
    posted = buyer.post("/api/v1/orders", json=body)
    assert posted.status_code == 503, posted.get_data(as_text=True)
    assert posted.get_json() == {"message": MESSAGES["database_unavailable"], "code": 503}
    assert int(posted.headers["Retry-After"]) > 0
    read = buyer.get("/api/v1/orders")
    assert read.status_code == 503 and read.get_json()["code"] == 503 and "Retry-After" in read.headers
    health = client.get("/healthz")
    assert health.status_code == 503 and health.get_json()["database"] == "unavailable"
    page = client.get("/")
    assert page.status_code == 503 and "Retry-After" in page.headers
    assert "به‌زودی برمی‌گردیم" in page.get_data(as_text=True)  # "back in a moment"
    mine = pages.get("/orders")  # signed in: who it is cannot be read either
    assert mine.status_code == 503 and "به‌زودی برمی‌گردیم" in mine.get_data(as_text=True)
    token = page.get_data(as_text=True).split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    client.post("/language/en", data={"csrf_token": token})  # the switch is a form; no database needed
    assert "Back in a moment" in client.get("/").get_data(as_text=True)
    assert worker.poll() is None

    own_postgres.start()
    wait_for(lambda: client.get("/healthz").status_code == 200, timeout=60, what="/healthz to recover")
    second = post_order(buyer, clock, quantity=10)
    wait_for(
        lambda: all_allocated(app, [second["id"]]), timeout=120, what=f"a match; see {workers.log(worker)}"
    )
    assert worker.poll() is None, "the worker exited"
    assert order_count(app) == 2  # the order refused with 503 was not stored
    check_order_books(app)


def serve_env(port: int, queue_name: str) -> dict[str, str]:
    return {
        **worker_env(PORT=str(port), WEB_WORKERS="1", SERVE_BACKOFF_MAX="2", **FAST_SWEEPS),
        "MARKET_QUEUE": queue_name,
    }


def is_worker(pid: int) -> bool:
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    return b"workers" in cmdline and b"-m" in cmdline and is_alive(pid)


def parent(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except OSError:
        return 0


def worker_pids(serve: subprocess.Popen[bytes]) -> list[int]:
    """The ``python -m workers`` processes under the serve script (not their scheduler processes,
    which RQ forks with the same command line)."""
    return [pid for pid in descendants(serve.pid) if is_worker(pid) and not is_worker(parent(pid))]


def healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as r:
            return bool(r.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def test_the_serve_script_keeps_serving_and_brings_a_new_worker(
    pg_app: Flask, queue_name: str, clock: Clock
) -> None:
    """SIGKILL the worker under ``scripts/serve``: gunicorn keeps answering, a new worker starts
    and matches; Ctrl-C (SIGINT to the process group) then stops everything."""
    market = api_for(pg_app)
    market.business(market.admin(), weekly_capacity=700)
    buyer = market.buyer()
    empty_queue(pg_app)
    port = free_port()
    with open(artifacts_dir() / f"serve-{port}.log", "ab") as log:
        serve = subprocess.Popen(
            [str(ROOT / "scripts" / "serve")],
            cwd=ROOT,
            env=serve_env(port, queue_name),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, as a terminal's Ctrl-C would reach
        )
    try:
        wait_for(lambda: healthy(port), timeout=REACH_TIMEOUT_SECONDS, what="gunicorn to answer")
        wait_for(lambda: worker_pids(serve), timeout=60, what="the worker to start")
        (first,) = worker_pids(serve)
        os.kill(first, signal.SIGKILL)
        wait_for(lambda: not is_alive(first), timeout=30, what="the worker to die")
        assert healthy(port), "gunicorn stopped with its worker"
        wait_for(
            lambda: [p for p in worker_pids(serve) if p != first],
            timeout=60,
            what="a new worker",
        )
        assert serve.poll() is None and healthy(port)
        order = post_order(buyer, clock, quantity=10)
        wait_for(lambda: all_allocated(pg_app, [order["id"]]), timeout=REACH_TIMEOUT_SECONDS, what="a match")
    finally:
        tree = [serve.pid, *descendants(serve.pid)]
        os.killpg(serve.pid, signal.SIGINT)
        try:
            serve.wait(timeout=60)
        finally:
            for pid in tree:  # whatever is left dies with the test
                if is_alive(pid):
                    os.kill(pid, signal.SIGKILL)
    assert serve.returncode is not None
    time.sleep(0.5)
    assert [pid for pid in tree if is_alive(pid)] == [], "Ctrl-C left processes behind"


def test_the_watchdog_queues_a_sweep_when_none_ran_for_three_intervals(
    make_app: Callable[..., Flask], clock: Clock
) -> None:
    """A web request looks (at most once an interval per process): no sweep for three intervals, or
    none ever, queues one, with one job id per interval; a recent sweep queues nothing."""
    app = make_app(SWEEP_WATCHDOG=True, SWEEP_INTERVAL_SECONDS=60)
    client = app.test_client()
    looks = app.extensions.setdefault("market_watchdog", {"looked": None})

    def queued() -> list[str]:
        with app.app_context():
            return [i for i in queue().get_job_ids() if i.startswith("market-sweep-watchdog-")]

    empty_queue(app)
    client.get("/healthz")  # no sweep has ever run
    assert len(queued()) == 1
    client.get("/healthz")
    looks["looked"] = None  # as if an interval had passed: the same interval's job id keeps it one
    client.get("/healthz")
    assert len(queued()) == 1

    with app.app_context():  # a new start: the queue emptied, the claim on this interval's id dropped
        queue().empty()
        queue().connection.delete(*queue().connection.keys(f"market:claim:{queue().name}:*"))
        sweep()  # a sweep has just run
    looks["looked"] = None
    client.get("/healthz")
    assert queued() == []
    clock.advance(seconds=3 * 60 - 1)
    looks["looked"] = None
    client.get("/healthz")
    assert queued() == []
    clock.advance(seconds=2)  # three intervals and a second
    client.get("/healthz")
    assert queued() == [], "looked again within the same interval"
    looks["looked"] = None
    client.get("/healthz")
    assert len(queued()) == 1
