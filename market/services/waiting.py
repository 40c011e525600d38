"""Why an order's units wait, read from the database and answered by the pure domain."""

from __future__ import annotations

from sqlalchemy import select

from ..domain import states
from ..domain.matching import Business as Candidate
from ..domain.matching import OrderToMatch
from ..domain.waiting import WaitingReport, explain_waiting
from ..errors import NotFound
from ..extensions import db
from ..models import Business, Order, business_kits
from .common import tally, today
from .rounds import domain_business, open_commitments


def waiting_report(order_id: int) -> WaitingReport:
    """What stands between the order's unplaced units and the workshops that make its kit, now.

    :raises NotFound: no such order.
    """
    order = db.session.get(Order, order_id)
    if order is None:
        raise NotFound("No such order.")
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
    request = OrderToMatch(
        id=order.id,
        kit=order.kit.code,
        quantity=0 if order.cancelled_at is not None else t.unallocated,
        delivery_province=order.delivery_province,
        needed_by=order.needed_by,
        declined_by=frozenset(j.business_id for j in order.jobs if j.status == states.DECLINED),
    )
    report = explain_waiting(request, candidates, today())
    db.session.rollback()
    return report
