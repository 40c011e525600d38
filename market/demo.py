"""The demo marketplace loaded by ``flask seed-demo`` (and ``make run``). Idempotent."""

from __future__ import annotations

from collections.abc import Iterator


def seed() -> Iterator[str]:  # filled in below
    yield "seed-demo: not loaded"
