"""The admin's shortage picture, read from the database and answered by :mod:`..domain.shortage`:
demand per delivery province against the capacity (of workshops in any province) that can serve
it by its dates, and the units left waiting with the reason they wait. Reads only, takes no lock."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..domain import states
from ..domain.matching import Business as Candidate
from ..domain.matching import OrderToMatch
from ..domain.shortage import OpenOrder, ProvinceServing, serving
from ..extensions import db
from ..models import Order
from .common import tally, today
from .quote import candidates, max_splits


def serving_by_province() -> list[ProvinceServing]:
    """Every delivery province with open orders (neither cancelled nor delivered): the most short
    first (see :func:`..domain.shortage.serving`)."""
    orders = db.session.scalars(
        select(Order)
        .where(Order.status.not_in(states.CLOSED_ORDER_STATUSES))
        .options(selectinload(Order.jobs), selectinload(Order.kit))
        .order_by(Order.id)
    ).all()
    pools: dict[str, list[Candidate]] = {}
    rows = []
    for o in orders:
        t = tally(o)
        waiting = None
        if t.unallocated > 0 and o.cancelled_at is None:
            if o.kit.code not in pools:
                pools[o.kit.code] = candidates(o.kit_id, o.kit.code)
            declined = frozenset(j.business_id for j in o.jobs if j.status == states.DECLINED)
            waiting = OrderToMatch(
                o.id, o.kit.code, t.unallocated, o.delivery_province, o.needed_by, declined
            )
        rows.append(OpenOrder(o.delivery_province, o.quantity, t.allocated, waiting))
    return serving(rows, pools, today(), max_splits())
