"""``GET /metrics``: what operators watch, in the Prometheus text format (prometheus_client).

Multi-process safe without prometheus_client's multiprocess mode: every gauge is computed at scrape
time from the database and Redis, which all web processes and workers share, so any process
answers the same. The matching-duration histogram is kept in Redis in the scaled mode (each
matching adds to it, in whichever worker it ran; it starts again from zero if Redis loses its
data, which Prometheus reads as a counter reset). In the embedded mode, with no Redis, it is kept
in the process that matched, so each web process reports its own.

Guarded: a caller from an address in ``METRICS_ALLOW``, or with an admin's bearer token.
"""

from __future__ import annotations

import ipaddress
import math
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any, TypeVar

from flask import Flask, Response, current_app, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector
from redis.exceptions import RedisError
from rq.registry import FailedJobRegistry
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from .domain import refusals, states
from .errors import json_error
from .extensions import db, limiter

T = TypeVar("T")
#: upper bounds of the matching-duration buckets, in seconds
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, math.inf)
_local: dict[str, float] = {}  # the embedded mode's histogram: this process's own


def _bucket(seconds: float) -> str:
    return next(f"{b}" for b in BUCKETS if seconds <= b)


def _histogram_key() -> str:
    return f"market:metrics:{current_app.config['RQ_QUEUE']}:matching_seconds"


def observe_matching(seconds: float) -> None:
    """Add one matching's duration to the histogram; never fails the matching for it."""
    bucket = _bucket(seconds)
    if current_app.config["JOBS_MODE"] != "rq":
        for field, value in ((bucket, 1.0), ("count", 1.0), ("sum", seconds)):
            _local[field] = _local.get(field, 0.0) + value
        return
    from .tasks import redis_connection

    try:
        with redis_connection().pipeline(transaction=False) as pipe:
            pipe.hincrby(_histogram_key(), bucket, 1)
            pipe.hincrby(_histogram_key(), "count", 1)
            pipe.hincrbyfloat(_histogram_key(), "sum", seconds)
            pipe.execute()
    except RedisError:
        pass  # Redis is down: this one goes unmeasured


def timed_matching(fn: Callable[..., T]) -> Callable[..., T]:
    """``fn`` with its duration added to the matching histogram."""

    def timed(*args: Any) -> T:
        started = time.perf_counter()
        try:
            return fn(*args)
        finally:
            observe_matching(time.perf_counter() - started)

    return timed


def _histogram_fields() -> dict[str, float]:
    if current_app.config["JOBS_MODE"] != "rq":
        return dict(_local)
    from .tasks import redis_connection

    raw = redis_connection().hgetall(_histogram_key())
    return {k.decode(): float(v) for k, v in raw.items()}


class MarketCollector(Collector):
    """Reads the figures when scraped (inside the request's app context)."""

    def collect(self) -> Iterator[Metric]:
        yield from self._database()
        yield from self._queue()

    def _database(self) -> Iterator[Metric]:
        from .models import Delivery, Order
        from .services.common import now
        from .services.sweeps import seconds_since_sweep

        up = GaugeMetricFamily("market_database_up", "1 if the database answers, else 0")
        try:
            counts = dict(db.session.execute(select(Order.status, func.count()).group_by(Order.status)).all())
            grace = int(current_app.config["PENDING_GRACE_SECONDS"])
            overdue = db.session.scalar(
                select(func.count(Order.id)).where(
                    Order.status == states.PENDING, Order.created_at <= now() - timedelta(seconds=grace)
                )
            )
            since = seconds_since_sweep()
            # email and SMS not yet sent (held for a digest or quiet hours included), by channel
            waiting = dict(
                db.session.execute(
                    select(Delivery.channel, func.count())
                    .where(Delivery.status.in_(("pending", "held")))
                    .group_by(Delivery.channel)
                ).all()
            )
        except SQLAlchemyError:
            db.session.rollback()
            up.add_metric([], 0)
            yield up
            return
        db.session.rollback()
        up.add_metric([], 1)
        yield up
        orders = GaugeMetricFamily("market_orders", "Orders by status", labels=["status"])
        for status in states.ORDER_STATUSES:
            orders.add_metric([status], counts.get(status, 0))
        yield orders
        yield GaugeMetricFamily(
            "market_orders_pending_overdue",
            f"Orders pending for longer than the grace period ({grace} s): their matching job was lost",
            value=overdue or 0,
        )
        notifications = GaugeMetricFamily(
            "market_notifications_waiting",
            "Notification deliveries not sent yet (pending, or held for a digest), by channel",
            labels=["channel"],
        )
        for channel, count in sorted(waiting.items()):
            notifications.add_metric([channel], count)
        yield notifications
        yield GaugeMetricFamily(
            "market_sweep_age_seconds",
            "Seconds since the last sweep finished (+Inf if none ever did)",
            value=math.inf if since is None else since,
        )

    def _queue(self) -> Iterator[Metric]:
        from .tasks import queues

        up = GaugeMetricFamily("market_queue_up", "1 if the job queue answers (or jobs run inline), else 0")
        try:
            fields = _histogram_fields()
            length = failed = None
            if current_app.config["JOBS_MODE"] == "rq":
                listened = queues()
                length = sum(q.count for q in listened)
                failed = sum(FailedJobRegistry(queue=q).count for q in listened)
        except RedisError:
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        if length is not None:
            yield GaugeMetricFamily(
                "market_queue_jobs", "Jobs waiting in the queues (matching and deliveries)", value=length
            )
            yield GaugeMetricFamily(
                "market_failed_jobs", "Jobs in the queues' failed registries", value=failed
            )
        yield _histogram(fields)


def _histogram(fields: dict[str, float]) -> HistogramMetricFamily:
    cumulative, buckets = 0.0, []
    for bound in BUCKETS:
        cumulative += fields.get(f"{bound}", 0.0)
        buckets.append(("+Inf" if math.isinf(bound) else f"{bound}", cumulative))
    return HistogramMetricFamily(
        "market_matching_duration_seconds",
        "How long a matching job took (a round of one kit, or the rematch of one order)",
        buckets=buckets,
        sum_value=fields.get("sum", 0.0),
    )


def allowed_address(address: str | None) -> bool:
    if not address:
        return False
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in ipaddress.ip_network(n, strict=False) for n in current_app.config["METRICS_ALLOW"])


def refusal() -> Response | None:
    """None if the caller may read the metrics, else the 401 or 403 to send."""
    if allowed_address(request.remote_addr):
        return None
    from .auth import user_from_bearer

    user = user_from_bearer(request)
    if user is None:
        response = json_error(401, refusals.english("metrics_credentials", {}))
        response.headers["WWW-Authenticate"] = "Bearer"
        return response
    if user.role != "admin":
        return json_error(403, refusals.english("role_forbidden", {"roles": "admin"}))
    return None


def init_app(app: Flask) -> None:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(MarketCollector())

    @app.get("/metrics")
    @limiter.exempt
    def metrics() -> Response:
        refused = refusal()
        if refused is not None:
            return refused
        return Response(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)

    from .extensions import api

    text = {"text/plain": {"schema": {"type": "string"}}}
    api.spec.path(
        rule=next(r for r in app.url_map.iter_rules() if r.endpoint == metrics.__name__),
        operations={
            "get": {
                "summary": "Operators' figures in the Prometheus text format (admin token or METRICS_ALLOW)",
                "security": [{"bearer": []}],
                "responses": {
                    "200": {"description": "The metrics", "content": text},
                    "401": {"description": "No admin token, and not from an allowed address"},
                    "403": {"description": "The token is not an admin's"},
                },
            }
        },
    )
