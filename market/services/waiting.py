"""Why an order's units wait, read from the database and answered by the pure domain."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from ..domain.matching import Business as Candidate
from ..domain.matching import match_order
from ..domain.waiting import WaitingReport, explain_waiting
from ..errors import NotFound
from ..extensions import db
from ..models import Business, Order, business_kits
from .common import tally, today
from .rounds import declined_by, domain_business, open_commitments, order_to_match


@dataclass(frozen=True)
class WouldOffer:
    """One offer re-running matching would make now (nothing is written)."""

    business_name: str
    province: str
    quantity: int
    match: dict[str, Any]  # the explanation the job would store


def waiting_report(order_id: int) -> WaitingReport:
    """What stands between the order's unplaced units and the workshops that make its kit, now.

    :raises NotFound: no such order.
    """
    return dry_run(order_id)[0]


def dry_run(order_id: int) -> tuple[WaitingReport, list[WouldOffer]]:
    """The waiting report, and the offers one matching run would make now: the engine's own
    answer over the same candidates, computed and thrown away (it holds and writes nothing).

    :raises NotFound: no such order.
    """
    order = db.session.get(Order, order_id)
    if order is None:
        raise NotFound("order_not_found", order_id=order_id)
    t = tally(order)
    makers = list(
        db.session.scalars(
            select(Business)
            .join(business_kits, business_kits.c.business_id == Business.id)
            .where(business_kits.c.kit_id == order.kit_id)
            .order_by(Business.id)
        )
    )
    work = open_commitments([b.id for b in makers])
    codes = frozenset({order.kit.code})
    candidates: list[Candidate] = [domain_business(b, codes, work[b.id]) for b in makers]
    quantity = 0 if order.cancelled_at is not None else t.unallocated
    request = order_to_match(order, quantity, declined_by(order))
    report = explain_waiting(request, candidates, today())
    names = {b.id: (b.name, b.province) for b in makers}
    offers = []
    if report.placeable:
        result = match_order(request, candidates, today())
        offers = [
            WouldOffer(*names[a.business_id], a.quantity, a.explanation.as_dict()) for a in result.allocations
        ]
    db.session.rollback()
    return report, offers
