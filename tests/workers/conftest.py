"""Fixtures for the worker tests: a PostgreSQL app in the RQ mode on a queue of the test's own, and
real ``python -m workers`` processes whose number and lifetime each test decides.

The session workers of ``tests/conftest.py`` listen on another queue, so nothing here is matched
behind the test's back: an order posted here waits in Redis until the test starts its workers.
Everything is real (PostgreSQL, Redis, RQ worker processes and their work horses); the levers the
tests pull are the app's clock, locks taken from a second connection, SIGKILL, and a redis-server
of their own that they stop and start.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from redis import Redis
from redis.exceptions import RedisError
from rq import Queue
from rq.registry import (
    CanceledJobRegistry,
    DeferredJobRegistry,
    FailedJobRegistry,
    FinishedJobRegistry,
    ScheduledJobRegistry,
    StartedJobRegistry,
)
from rq.worker_registration import WORKERS_BY_QUEUE_KEY
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from market.app import create_app
from market.domain import states
from market.domain.capacity import Commitment, Schedule
from market.extensions import db
from market.models import Business, Job, Order
from market.services.common import today
from market.tasks import queues

from ..conftest import base_config, reset_postgres, worker_env
from ..support import (
    REDIS_URL,
    TEST_DATABASE_URL,
    Actor,
    ApiClient,
    Clock,
    artifacts_dir,
    local_today,
    start_worker,
    wait_for,
)

SCALED = bool(TEST_DATABASE_URL and REDIS_URL)
#: put on every test module here: these tests mean nothing on SQLite or with inline jobs
NEEDS_SERVICES = pytest.mark.skipif(
    not SCALED,
    reason="worker tests need real PostgreSQL and Redis: set TEST_DATABASE_URL and REDIS_URL",
)
#: how long burst workers may take to drain their queue before the test calls them stuck: generous,
#: a shared 2-core machine has been seen to take ten minutes over the 500 orders of test_concurrency
BURST_TIMEOUT_SECONDS = 1800
#: how long a freshly started worker may take to import the app and take its first job
REACH_TIMEOUT_SECONDS = 180


def descendants(pid: int) -> list[int]:
    """Every live descendant of ``pid``, read from /proc (RQ's work horse runs in its own process
    group, so killing the worker's group would miss the very process that holds the transaction)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue  # it ended while we looked
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    found: list[int] = []
    stack = [pid]
    while stack:
        for child in children.get(stack.pop(), []):
            found.append(child)
            stack.append(child)
    return found


def kill_tree(proc: subprocess.Popen[bytes]) -> list[int]:
    """SIGKILL a worker and everything it forked (its work horse); return the pids killed."""
    pids = [*descendants(proc.pid), proc.pid]
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):  # already gone
            os.kill(pid, signal.SIGKILL)
    proc.wait(timeout=30)
    return pids


def is_alive(pid: int) -> bool:
    """Whether ``pid`` still runs (a zombie waiting for its parent to reap it counts as dead)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in {"Z", "X"}


class Workers:
    """``python -m workers`` processes on one queue; whatever is left of them dies with the test."""

    def __init__(self, queue_name: str) -> None:
        self.queue_name = queue_name
        self.procs: list[subprocess.Popen[bytes]] = []
        self.names: dict[int, str] = {}

    def start(
        self,
        count: int,
        *args: str,
        redis_url: str | None = None,
        env: dict[str, str] | None = None,
        **settings: str,
    ) -> list[subprocess.Popen[bytes]]:
        """Start ``count`` workers at once with these command-line ``args`` (and ``env`` and
        ``settings``, e.g. ``MATCH_ROUND_SIZE="50"``, over the tests' environment)."""
        full_env = {**worker_env(), "MARKET_QUEUE": self.queue_name, **(env or {}), **settings}
        if redis_url:
            full_env["REDIS_URL"] = redis_url
        started = []
        for _ in range(count):
            # worker names are global in Redis: a name still registered by a killed worker is refused
            name = f"{self.queue_name}-w{len(self.procs)}-{uuid.uuid4().hex[:6]}"
            proc = start_worker(full_env, name, *args)
            self.procs.append(proc)
            self.names[proc.pid] = name
            started.append(proc)
        return started

    def log(self, proc: subprocess.Popen[bytes]) -> Path:
        return artifacts_dir() / f"{self.names[proc.pid]}.log"

    def wait(
        self,
        procs: list[subprocess.Popen[bytes]],
        timeout: float = BURST_TIMEOUT_SECONDS,
        watch: Callable[[], None] | None = None,
    ) -> None:
        """Wait for burst workers to drain the queue and exit cleanly, calling ``watch`` now and
        then meanwhile (to observe them at work)."""
        deadline = time.monotonic() + timeout
        while any(p.poll() is None for p in procs):
            if time.monotonic() > deadline:
                running = [self.log(p) for p in procs if p.poll() is None]
                raise AssertionError(f"workers still running after {timeout}s; see {running}")
            if watch is not None:
                watch()
            time.sleep(0.05)
        for proc in procs:
            assert proc.returncode == 0, f"worker exited with {proc.returncode}; see {self.log(proc)}"

    def stop_all(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                kill_tree(proc)


@pytest.fixture
def queue_name() -> str:
    return f"market-workers-{os.getpid()}-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def workers(queue_name: str) -> Iterator[Workers]:
    pool = Workers(queue_name)
    yield pool
    pool.stop_all()


def drop_queue(app: Flask) -> None:
    """Remove the test's queue, its registries and its jobs from Redis (db 7 outlives the test run).

    Done by key: RQ 2 cannot ``remove`` from a StartedJobRegistry, where a killed worker's job stays.
    """
    with app.app_context():
        for q in queues():
            _drop(q)


def _drop(q: Queue) -> None:
    registries = [
        cls(queue=q)
        for cls in (
            StartedJobRegistry,
            FinishedJobRegistry,
            FailedJobRegistry,
            DeferredJobRegistry,
            ScheduledJobRegistry,
            CanceledJobRegistry,
        )
    ]
    job_ids = set(q.get_job_ids())
    for registry in registries:
        job_ids.update(registry.get_job_ids(cleanup=False))
    keys = [f"rq:{kind}:{job_id}" for job_id in job_ids for kind in ("job", "results", "executions")]
    q.connection.delete(*keys, *(r.key for r in registries), WORKERS_BY_QUEUE_KEY % q.name)
    q.delete(delete_jobs=False)


@pytest.fixture
def make_app(pg_migrated: str, clock: Clock, queue_name: str) -> Iterator[Callable[..., Flask]]:
    """Build PostgreSQL apps in the RQ mode on the test's queue, on an emptied database."""
    made: list[Flask] = []

    def make(redis_url: str | None = None, **config: Any) -> Flask:
        app = create_app(
            {
                **base_config(clock),
                "SQLALCHEMY_DATABASE_URI": pg_migrated,
                "JOBS_MODE": "rq",
                "REDIS_URL": redis_url or REDIS_URL,
                "RQ_QUEUE": queue_name,
                **config,
            }
        )
        reset_postgres(app)
        made.append(app)
        return app

    yield make
    for app in made:
        with contextlib.suppress(RedisError):  # a test's own Redis, already stopped
            drop_queue(app)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def pg_app(make_app: Callable[..., Flask]) -> Flask:
    return make_app()


def api_for(app: Flask) -> ApiClient:
    """The test API client, without waiting for workers after each step: none listen until the test
    starts them. What approvals enqueue is dropped by :func:`empty_queue` before orders are posted."""
    return ApiClient(app, app.test_client(), lambda: None)


@pytest.fixture
def market(pg_app: Flask) -> ApiClient:
    return api_for(pg_app)


def empty_queue(app: Flask) -> None:
    with app.app_context():
        for q in queues():
            q.empty()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class RedisServer:
    """A redis-server of the test's own, without persistence: stopping it loses every queued job,
    as a crash of a Redis without append-only persistence would. The shared Redis is never touched."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.url = f"redis://127.0.0.1:{port}/0"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        assert self.proc is None or self.proc.poll() is not None, "already running"
        with open(artifacts_dir() / f"redis-{self.port}.log", "ab") as log:
            self.proc = subprocess.Popen(
                [
                    "redis-server",
                    "--port",
                    str(self.port),
                    "--bind",
                    "127.0.0.1",
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                    "--daemonize",
                    "no",
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        client = Redis.from_url(self.url, socket_connect_timeout=1)

        def answers() -> bool:
            try:
                return bool(client.ping())
            except RedisError:
                return False

        try:
            wait_for(answers, timeout=20, what=f"redis-server on port {self.port}")
        finally:
            client.close()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=20)


@pytest.fixture
def own_redis() -> Iterator[RedisServer]:
    server = RedisServer(free_port())
    server.start()
    yield server
    server.stop()


def post_order(buyer: Actor, clock: Clock, *, days: int = 30, **fields: Any) -> dict[str, Any]:
    """POST an order through the API; it is stored ``pending`` whatever the queue does."""
    body = {
        "kit": "ELDERLY-COVID",
        "quantity": 50,
        "delivery_province": "kermanshah",
        "delivery_address": "Health center 4",
        "needed_by": (local_today(clock) + timedelta(days=days)).isoformat(),
        **fields,
    }
    r = buyer.post("/api/v1/orders", json=body)
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["status"] == "pending"
    return dict(r.get_json())


def open_work(business_id: int, jobs: list[Job]) -> list[Commitment]:
    """A business's open jobs as the capacity rule sees them."""
    return [
        Commitment(j.quantity - j.units_done, j.due_date)
        for j in jobs
        if j.business_id == business_id and j.status in states.OPEN_JOB_STATUSES
    ]


def check_order_books(app: Flask) -> dict[str, Any]:
    """Direct database reads: every business within the capacity rule (P1), every order conserved and
    in the status its jobs imply (P3). Returns figures."""
    with app.app_context():
        day = today()
        businesses = list(db.session.scalars(select(Business).order_by(Business.id)))
        jobs = list(db.session.scalars(select(Job)))
        orders = list(db.session.scalars(select(Order).options(selectinload(Order.jobs)).order_by(Order.id)))
        for b in businesses:
            work = open_work(b.id, jobs)
            work.sort(key=lambda c: c.deadline)
            assert Schedule(b.weekly_capacity, work).is_feasible(day), (
                f"business {b.id} ({b.weekly_capacity}/week) is overbooked on {day}: {work}"
            )
        for o in orders:
            live = [j for j in o.jobs if j.status in states.LIVE_JOB_STATUSES]
            allocated = sum(j.quantity for j in live)
            assert all(j.quantity > 0 for j in o.jobs), f"order {o.id} has an empty job"
            assert allocated <= o.quantity, f"order {o.id}: {allocated} units allocated of {o.quantity}"
            t = states.tally_order(
                o.quantity,
                [states.JobShare(j.status, j.quantity) for j in o.jobs],
                matched=o.matched_at is not None,
                cancelled=o.cancelled_at is not None,
            )
            assert t.allocated + t.unallocated == o.quantity and t.unallocated >= 0
            assert o.status == t.status, f"order {o.id} is {o.status!r} but its jobs say {t.status!r}"
        statuses = Counter(o.status for o in orders)
        return {
            "day": day,
            "businesses": businesses,
            "jobs": jobs,
            "orders": orders,
            "statuses": statuses,
        }


class PostgresServer:
    """A PostgreSQL cluster of the test's own (initdb in a temporary directory, a free port): the
    test may crash it. The shared PostgreSQL is never touched."""

    def __init__(self, root: Path, port: int) -> None:
        versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=lambda p: int(p.parts[-3]))
        assert versions, "PostgreSQL's server programs are missing (/usr/lib/postgresql/*/bin)"
        self.bin = versions[-1].parent
        self.root = root
        self.data = root / "data"
        self.port = port
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
        self.log = artifacts_dir() / f"postgres-{port}.log"

    def _run(self, *command: str) -> None:
        # initdb and postgres refuse to run as root: as root, run them as the postgres user
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        subprocess.run([*prefix, *command], check=True, capture_output=True, timeout=120)

    def init(self) -> None:
        self.root.chmod(0o777)
        self.log.touch()
        self.log.chmod(0o666)
        self._run(
            str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust", "--no-sync"
        )

    def start(self) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(
            str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "start"
        )

    def crash(self) -> None:
        """Stop at once, as a crash would: no checkpoint, every connection cut."""
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop")

    def stop(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")


@pytest.fixture
def own_postgres() -> Iterator[PostgresServer]:
    # not under pytest's tmp_path: its parent is private to root, and the server runs as postgres
    with tempfile.TemporaryDirectory(prefix="market-pg-") as root:
        server = PostgresServer(Path(root), free_port())
        server.init()
        server.start()
        try:
            yield server
        finally:
            server.stop()
