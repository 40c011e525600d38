"""The kit's candidate workshops as the engine sees them: the one query a matching round reads
under row locks and a quote (or the shortage picture, or a round's "units waiting" date) reads
as it is."""

from __future__ import annotations

from sqlalchemy import select

from ..domain import matching, states
from ..domain.capacity import Commitment
from ..extensions import db
from ..models import Business, Job, business_kits


def kit_candidates(kit_id: int, kit_code: str, *, lock: bool) -> list[matching.Business]:
    """The workshops that may make the kit (approved, not paused, with capacity), ascending id,
    each with its open work; with ``lock`` the workshops' rows are locked (FOR UPDATE, in that
    order, as a round takes them). Read as plain rows: nobody needs business objects here."""
    query = (
        select(
            Business.id,
            Business.province,
            Business.weekly_capacity,
            Business.min_lot,
            Business.status,
            Business.paused,
        )
        .join(business_kits, business_kits.c.business_id == Business.id)
        .where(
            business_kits.c.kit_id == kit_id,
            Business.status == states.APPROVED,
            Business.paused.is_(False),
            Business.weekly_capacity > 0,
        )
        .order_by(Business.id)
    )
    rows = db.session.execute(query.with_for_update(of=Business) if lock else query).all()
    work = _open_work_of_kit(kit_id)
    codes = frozenset({kit_code})
    return [
        matching.Business(
            r.id, r.province, r.weekly_capacity, codes, r.min_lot, r.status, r.paused, work.get(r.id, ())
        )
        for r in rows
    ]


def _open_work_of_kit(kit_id: int) -> dict[int, tuple[Commitment, ...]]:
    """Open work of every business that makes the kit (one join, not a list of ids)."""
    rows = db.session.execute(
        select(Job.business_id, Job.quantity, Job.units_done, Job.due_date)
        .join(business_kits, business_kits.c.business_id == Job.business_id)
        .where(business_kits.c.kit_id == kit_id, Job.status.in_(states.OPEN_JOB_STATUSES))
    )
    out: dict[int, list[Commitment]] = {}
    for business_id, quantity, done, due in rows:
        out.setdefault(business_id, []).append(Commitment(max(0, quantity - done), due))
    return {b: tuple(c) for b, c in out.items()}
