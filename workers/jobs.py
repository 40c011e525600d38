"""Thin job functions of ids: open an app context, call a service. Exceptions propagate so RQ
records the failure; every job is idempotent, so a retry or a duplicate is harmless.

In the embedded mode ``market.tasks.enqueue`` calls these directly, inside the request's app
context. In a worker the app is built once per process, lazily, never at import.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, has_app_context

T = TypeVar("T")
_app: dict[str, Any] = {}


def worker_app() -> Flask:
    """The app of this process. After a fork the parent's pooled connections are dropped, never
    shared: the child opens its own."""
    if "app" not in _app:
        from market.app import create_app

        _app["app"] = create_app()
        _app["pid"] = os.getpid()
    app: Flask = _app["app"]
    if _app["pid"] != os.getpid():
        from market.extensions import db

        with app.app_context():
            db.engine.dispose(close=False)
        _app["pid"] = os.getpid()
    return app


def _run(fn: Callable[..., T], *args: Any) -> T:
    if has_app_context():
        return fn(*args)
    from market.extensions import db

    with worker_app().app_context():
        try:
            return fn(*args)
        finally:
            db.session.remove()


def match_kit(kit_id: int) -> int:
    """The nudge after orders of a kit are posted: match its new orders in rounds."""
    from market.metrics import timed_matching
    from market.services import matching
    from market.tasks import started

    def run(kit: int) -> int:
        started("workers.jobs.match_kit", kit)
        return matching.match_kit(kit)

    return _run(timed_matching(run), kit_id)


def match_order(order_id: int) -> Any:
    from market.metrics import timed_matching
    from market.services import matching

    outcome = _run(timed_matching(matching.match_order), order_id)
    return None if outcome is None else outcome.__dict__


def rematch_waiting(kit_id: int | None = None) -> int:
    from market.metrics import timed_matching
    from market.services import matching
    from market.tasks import started

    def run(kit: int | None) -> int:
        started("workers.jobs.rematch_waiting", *([] if kit is None else [kit]))
        return matching.rematch_waiting(kit)

    return _run(timed_matching(run), kit_id)


def sweep() -> Any:
    """Expire offers and re-enqueue waiting orders, then schedule the next sweep."""
    from market.services.sweeps import sweep as run_sweep

    from .schedule import schedule_next_sweep

    if not has_app_context():
        with worker_app().app_context():
            schedule_next_sweep()
    report = _run(run_sweep)
    return report.__dict__


def deliver_outbox(deferred: int = 0) -> dict[str, int]:
    """Fan out and send the notifications not yet fanned out (nudged after commits; ``deferred``:
    how many times in a row it has stepped aside for a matching round)."""
    from market.services import deliveries

    return _run(deliveries.drain, deferred)


def deliver_notifications(delivery_ids: list[int]) -> dict[str, int]:
    """Send these deliveries, each on its channel; failures are rescheduled, then raised for RQ."""
    from market.services import deliveries

    return _run(deliveries.deliver_all, delivery_ids)
