"""The instant quote, read from the database and answered by the pure domain (:mod:`..domain.quote`).

A quote reads the kit's candidate workshops and their open work with plain SELECTs: no row lock
(unlike a matching round's ``candidate_pool``), no write, nothing flushed, so it neither holds
capacity nor waits for a round. What it says is what a round would allocate to the order if it
were placed now and nothing else happened in between.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import current_app

from ..domain import deadlines, states
from ..domain import quote as pure
from ..domain.matching import Business as Candidate
from ..models import Order
from .candidates import kit_candidates
from .common import tally, today
from .orders import checked_kit


def candidates(kit_id: int, kit_code: str) -> list[Candidate]:
    """The kit's candidate workshops with their open work, as the engine sees them; read without
    locks (the query a round reads under locks: :func:`.candidates.kit_candidates`)."""
    return kit_candidates(kit_id, kit_code, lock=False)


def max_splits() -> int | None:
    """The engine's limit on jobs per pass, as rounds use it (0: none)."""
    return current_app.config["MAX_SPLITS"] or None


def quote(data: dict[str, Any]) -> pure.Quote:
    """The quote for an order's ``kit``, ``quantity``, ``delivery_province`` and optional
    ``needed_by`` (already through the schema); reads only.

    :raises Invalid: a kit that cannot be ordered, a date too soon or too far (as for an order).
    """
    if data.get("needed_by") is None:  # absent or null: no date asked
        data = {k: v for k, v in data.items() if k != "needed_by"}
    kit = checked_kit(data)
    return pure.quote(
        kit.code,
        data["quantity"],
        data["delivery_province"],
        data.get("needed_by"),
        candidates(kit.id, kit.code),
        today(),
        max_splits=max_splits(),
    )


def for_waiting_units(
    order: Order,
    unallocated: int | None = None,
    pool: list[Candidate] | None = None,
    *,
    by_needed_by: bool = True,
) -> pure.Quote | None:
    """The quote for an order's units that no job holds (``unallocated`` of them if given), without
    the workshops that declined it: None when nothing waits or the order is closed. Within the
    caller's transaction (a round calls it after writing its offers, so it sees them); ``pool``:
    the kit's candidates already read in it (a round asks for several orders of one kit). Without
    ``by_needed_by`` the order's date is not asked of (the sources are then those of the earliest
    full date: where the waiting units would be made)."""
    waiting = tally(order).unallocated if unallocated is None else unallocated
    if waiting <= 0 or order.cancelled_at is not None or order.status in states.CLOSED_ORDER_STATUSES:
        return None
    day = today()
    needed_by: date | None = order.needed_by
    if not by_needed_by or not (
        deadlines.earliest_needed_by(day) <= order.needed_by <= deadlines.latest_needed_by(day)
    ):
        needed_by = None
    declined = frozenset(j.business_id for j in order.jobs if j.status == states.DECLINED)
    return pure.quote(
        order.kit.code,
        waiting,
        order.delivery_province,
        needed_by,
        candidates(order.kit_id, order.kit.code) if pool is None else pool,
        day,
        declined,
        max_splits(),
    )
