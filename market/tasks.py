"""The one seam between "something should happen next" and how it happens.

``enqueue("workers.jobs.match_order", order_id)`` runs the job right away in-process in the
embedded mode, or puts it on the RQ queue in the scaled mode. Nothing else knows which. Callers
enqueue only after their commit; if Redis is unreachable the work is not lost: the database still
says what is waiting, and the periodic sweep finds it.
"""

from __future__ import annotations

import importlib
from datetime import timedelta
from typing import Any

from flask import current_app
from redis import Redis
from redis.exceptions import RedisError
from rq import Queue
from rq.registry import StartedJobRegistry

JOB_TIMEOUT_SECONDS = 120
#: what every queued job is given: its time limit, and how long RQ keeps its result and its failure
JOB_OPTIONS: dict[str, Any] = {
    "job_timeout": JOB_TIMEOUT_SECONDS,
    "result_ttl": 300,
    "failure_ttl": 24 * 3600,
}
#: jobs of which one queued copy is enough: a nudge for one that is queued and not yet started is
#: dropped (it will read the database after the caller's commit). See :func:`enqueue`.
COALESCED = frozenset({"workers.jobs.match_kit", "workers.jobs.rematch_waiting"})
#: how long the "already queued" mark lives if its job is lost before it starts (the sweep, which
#: never coalesces, covers the meantime)
COALESCE_TTL_SECONDS = 300
#: jobs that tell people of what happened (the outbox's delivery): they go on a second queue, which
#: workers take from only when the first is empty, so a matching round never waits behind them
LATER = frozenset({"workers.jobs.deliver_outbox", "workers.jobs.deliver_notifications"})
#: the second queue's name is the first's with this ending
LATER_SUFFIX = "-later"


def redis_connection() -> Redis:
    ext = current_app.extensions.setdefault("market_redis", {})
    if "conn" not in ext:
        ext["conn"] = Redis.from_url(
            current_app.config["REDIS_URL"], socket_connect_timeout=2, socket_timeout=5
        )
    conn: Redis = ext["conn"]
    return conn


def queue(*, later: bool = False) -> Queue:
    """The queue of matching, sweeps and everything else, or with ``later`` the queue of the
    jobs in :data:`LATER` (see :func:`queues`)."""
    name = current_app.config["RQ_QUEUE"] + (LATER_SUFFIX if later else "")
    return Queue(name, connection=redis_connection())


def queues() -> list[Queue]:
    """What a worker listens to, in order: RQ takes a job from the second queue only when the first
    is empty, so the deliveries a round's notifications cause never delay the next round."""
    return [queue(), queue(later=True)]


def claim_once(name: str, seconds: int) -> bool:
    """Whether this caller is the first to claim ``name`` in the next ``seconds`` (SET NX).

    RQ pushes a job id onto the queue again when the same id is enqueued twice (only a scheduled
    job is kept single by its id), so work that many processes may queue at once claims it first.
    :raises RedisError: if Redis is unreachable.
    """
    key = f"market:claim:{current_app.config['RQ_QUEUE']}:{name}"
    return bool(redis_connection().set(key, 1, nx=True, ex=max(1, seconds)))


def resolve(path: str) -> Any:
    module, _, name = path.rpartition(".")
    return getattr(importlib.import_module(module), name)


def _mark(path: str, args: tuple[Any, ...]) -> str:
    return f"market:{current_app.config['RQ_QUEUE']}:queued:{path}:{','.join(map(str, args))}"


def started(path: str, *args: Any) -> None:
    """Called by a coalesced job as it starts, before it reads anything: from now on a nudge
    queues a new copy, since this one may already have read past the nudger's commit."""
    if current_app.config["JOBS_MODE"] == "inline":
        return
    try:
        redis_connection().delete(_mark(path, args))
    except RedisError:
        current_app.logger.warning("queue unreachable: the mark of %s%r expires by itself", path, args)


def enqueue(path: str, *args: Any, job_id: str | None = None, coalesce: bool | None = None) -> bool:
    """Run or queue the job at dotted ``path`` with ``args``; say whether it was handed over.

    Inline failures are logged, not raised: the caller's transaction is already committed and the
    sweep retries what is still waiting. Jobs in :data:`COALESCED` (unless ``coalesce`` is False)
    are queued only if no copy with the same arguments is queued and not yet started: that copy
    reads the database after this caller's commit, so it sees what the caller changed.
    """
    if current_app.config["JOBS_MODE"] == "inline":
        try:
            resolve(path)(*args)
        except Exception:
            current_app.logger.exception("inline job %s%r failed; the sweep will retry", path, args)
            return False
        return True
    try:
        if (path in COALESCED if coalesce is None else coalesce) and not redis_connection().set(
            _mark(path, args), job_id or "1", nx=True, ex=COALESCE_TTL_SECONDS
        ):
            return True  # a copy is queued and has not started
        queue(later=path in LATER).enqueue(path, *args, job_id=job_id, **JOB_OPTIONS)
    except RedisError:
        current_app.logger.warning("queue unreachable: %s%r left for the sweep", path, args)
        return False
    return True


def enqueue_once(path: str, key: str, ttl_seconds: int = 300, *args: Any, delay_seconds: float = 0) -> bool:
    """Queue the job at ``path`` (with ``args``) unless one queued under ``key`` has not started yet
    (the job calls :func:`release` with the same key first thing). A nudge costs one Redis SET when
    a job is already waiting. With ``delay_seconds``, RQ's scheduler (every worker runs one) queues
    it that much later. Inline, the job runs at once. Says whether a job was queued or run.
    """
    if current_app.config["JOBS_MODE"] == "inline":
        return enqueue(path, *args)
    try:
        fresh = redis_connection().set(f"{current_app.config['RQ_QUEUE']}:{key}", 1, nx=True, ex=ttl_seconds)
        if fresh and delay_seconds > 0:
            later = timedelta(seconds=delay_seconds)
            queue(later=path in LATER).enqueue_in(later, path, *args, **JOB_OPTIONS)
            return True
    except RedisError:
        current_app.logger.warning("queue unreachable: %s left for the sweep", path)
        return False
    return enqueue(path, *args) if fresh else False


def matching_busy() -> bool:
    """Whether a job of the first queue (matching, sweeps) is waiting or running now; False when
    Redis cannot say."""
    if current_app.config["JOBS_MODE"] == "inline":
        return False
    try:
        first = queue()
        return first.count > 0 or StartedJobRegistry(queue=first).get_job_count(cleanup=False) > 0
    except RedisError:
        return False


def release(key: str) -> None:
    """Let the next :func:`enqueue_once` with this key queue a job again."""
    if current_app.config["JOBS_MODE"] != "inline":
        redis_connection().delete(f"{current_app.config['RQ_QUEUE']}:{key}")


def queue_health() -> str:
    """``"inline"`` in the embedded mode, else ``"ok"``; raises RedisError if Redis is down."""
    if current_app.config["JOBS_MODE"] == "inline":
        return "inline"
    redis_connection().ping()
    return "ok"
