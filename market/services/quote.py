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
from sqlalchemy import Select, select

from ..domain import deadlines, states
from ..domain import quote as pure
from ..domain.capacity import Commitment
from ..domain.matching import Business as Candidate
from ..extensions import db
from ..models import Business, Job, Order, business_kits
from .common import tally, today
from .orders import checked_kit

#: what the engine needs of a candidate workshop, in :class:`Candidate`'s order
CANDIDATE_COLUMNS = (
    Business.id,
    Business.province,
    Business.weekly_capacity,
    Business.min_lot,
    Business.status,
    Business.paused,
)


def candidate_rows(kit_id: int) -> Select[Any]:
    """The workshops that may make the kit (approved, not paused, with capacity), ascending id:
    the query a matching round locks (``with_for_update``) and a quote reads as it is."""
    return (
        select(*CANDIDATE_COLUMNS)
        .join(business_kits, business_kits.c.business_id == Business.id)
        .where(
            business_kits.c.kit_id == kit_id,
            Business.status == states.APPROVED,
            Business.paused.is_(False),
            Business.weekly_capacity > 0,
        )
        .order_by(Business.id)
    )


def candidates(kit_id: int, kit_code: str) -> list[Candidate]:
    """The kit's candidate workshops with their open work, as the engine sees them; read without
    locks."""
    rows = db.session.execute(candidate_rows(kit_id)).all()
    work: dict[int, list[Commitment]] = {r.id: [] for r in rows}
    if work:
        open_jobs = db.session.execute(
            select(Job.business_id, Job.quantity, Job.units_done, Job.due_date).where(
                Job.business_id.in_(list(work)), Job.status.in_(states.OPEN_JOB_STATUSES)
            )
        )
        for business_id, quantity, done, due in open_jobs:
            work[business_id].append(Commitment(max(0, quantity - done), due))
    codes = frozenset({kit_code})
    return [
        Candidate(
            r.id, r.province, r.weekly_capacity, codes, r.min_lot, r.status, r.paused, tuple(work[r.id])
        )
        for r in rows
    ]


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
