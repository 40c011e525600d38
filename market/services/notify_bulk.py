"""What a matching round tells, written in bulk inside the round's transaction.

A round tells exactly what matching its orders one by one told (see :mod:`.notifications`): the
workshop's owner hears of each offer made (``offer_new``); the buyer hears that the order was
matched (``order_matched``, once per order the round made offers for) and, while units are left to
place, that they wait (``units_waiting``: on the order's first matching or when the round made
offers for it, with the earliest date by which they could all be made and delivered: the instant
quote's answer, :mod:`.quote`). The same kinds, readers, params and links as the one-at-a-time
functions, but all rows go in with one COPY on PostgreSQL, one INSERT elsewhere (plus one read of
the offered workshops' owners) instead of one ORM object each. They commit or roll back with the
round; after its commit the delivery job is nudged as for any other notification
(:func:`.outbox.remember`), and it fans them out into deliveries.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import insert, select

from ..domain.matching import Business as Candidate
from ..extensions import db
from ..models import Business, Kit, Notification, Order, business_kits
from . import outbox
from . import quote as quotes


@dataclass(frozen=True)
class NewOffer:
    """An offer the round wrote (its job's id and what the offer says)."""

    job_id: int
    order: Order
    business_id: int
    quantity: int
    due_date: date
    expires_at: datetime


@dataclass(frozen=True)
class RoundOrder:
    """An order of the round, as it stood before the round and after it."""

    order: Order
    #: the round is the order's first matching
    first: bool
    #: the order had units to place when the round took it (not cancelled, not past its date)
    waiting: bool
    allocated: int
    unallocated: int


def _row(user_id: int, kind: str, params: dict[str, Any], link: str, moment: datetime) -> dict[str, Any]:
    return {
        "user_id": user_id,
        "kind": kind,
        "params": params,
        "link": link,
        "once_key": None,
        "created_at": moment,
    }


def _offer_params(o: NewOffer, kit: Kit) -> dict[str, Any]:
    """As :func:`.notifications.job_params` says it of the job."""
    return {
        "job_id": o.job_id,
        "order_id": o.order.id,
        "quantity": o.quantity,
        "kit_fa": kit.name_fa,
        "kit_en": kit.name_en,
        "due_date": o.due_date.isoformat(),
        "expires_at": o.expires_at.isoformat(),
    }


def _shops(kit_id: int, ids: set[int]) -> dict[int, tuple[int, str]]:
    """Owner and province of each offered workshop. Read for every workshop of the kit by a join
    (the round holds their rows locked): cheaper than naming hundreds of ids in an IN list."""
    if not ids:
        return {}
    rows = db.session.execute(
        select(Business.id, Business.owner_id, Business.province)
        .join(business_kits, business_kits.c.business_id == Business.id)
        .where(business_kits.c.kit_id == kit_id)
    )
    return {i: (owner, province) for i, owner, province in rows if i in ids}


def round_rows(
    kit: Kit, orders: Iterable[RoundOrder], offers: list[NewOffer], moment: datetime
) -> list[dict[str, Any]]:
    """The round's notification rows, order by order in the round's order (each order's offers,
    then its "matched", then its "waiting"), as the one-at-a-time path added them."""
    shops = _shops(kit.id, {o.business_id for o in offers})
    by_order: dict[int, list[NewOffer]] = {}
    for o in offers:
        by_order.setdefault(o.order.id, []).append(o)
    rows = []
    pool: list[Candidate] | None = None
    for r in orders:
        order, made = r.order, by_order.get(r.order.id, [])
        for o in made:
            link = f"/workshop/offers#job-{o.job_id}"
            rows.append(_row(shops[o.business_id][0], "offer_new", _offer_params(o, kit), link, moment))
        if made:
            params = {
                "order_id": order.id,
                "allocated": r.allocated,
                "quantity": order.quantity,
                "workshops": len({o.business_id for o in made}),
                "provinces": sorted({shops[o.business_id][1] for o in made}),
                "needed_by": order.needed_by.isoformat(),
            }
            rows.append(_row(order.buyer_id, "order_matched", params, f"/orders/{order.id}", moment))
        if r.unallocated and r.waiting and (r.first or made):
            if pool is None:  # read once per round, after its offers were written
                pool = quotes.candidates(kit.id, kit.code)
            params = {"order_id": order.id, "unallocated": r.unallocated, "earliest": _earliest(r, pool)}
            rows.append(_row(order.buyer_id, "units_waiting", params, f"/orders/{order.id}", moment))
    return rows


def _earliest(r: RoundOrder, pool: list[Candidate]) -> str | None:
    """The first date by which the order's waiting units could all be made and delivered (the
    quote's answer for them, on the workshops as the round left them); None if none within a year."""
    q = quotes.for_waiting_units(r.order, r.unallocated, pool)
    return None if q is None or q.earliest_full_date is None else q.earliest_full_date.isoformat()


#: the columns of ``_row``, in the order the rows are copied
_COLUMNS = ("user_id", "kind", "params", "link", "once_key", "created_at")
_COPY = f"COPY notifications ({', '.join(_COLUMNS)}) FROM STDIN"


def _stored(value: datetime) -> datetime:
    """A datetime as its column stores it: naive UTC (``models.types.UTCDateTime``)."""
    if value.tzinfo is None:
        raise TypeError(f"not an aware datetime: {value!r}")
    return value.astimezone(UTC).replace(tzinfo=None)


def _insert(rows: list[dict[str, Any]]) -> None:
    """The rows into ``notifications``, in the current transaction: on PostgreSQL through psycopg 3
    (the driver shipped) by COPY, about half the time of one INSERT over the rows as a JSON array
    (bench/README.md); through any other driver by one executemany."""
    connection = db.session.connection()
    if connection.dialect.driver != "psycopg":
        db.session.execute(insert(Notification), rows)
        return
    moments = {m: _stored(m) for m in {r["created_at"] for r in rows}}  # a round has one
    with connection.connection.driver_connection.cursor() as cursor, cursor.copy(_COPY) as copy:
        for r in rows:
            at = moments[r["created_at"]]
            copy.write_row((r["user_id"], r["kind"], json.dumps(r["params"]), r["link"], r["once_key"], at))


def tell_round(kit: Kit, orders: Iterable[RoundOrder], offers: list[NewOffer], moment: datetime) -> int:
    """Write the round's notifications in the current transaction (one COPY or INSERT); count them."""
    rows = round_rows(kit, orders, offers, moment)
    if rows:
        _insert(rows)
        outbox.remember()
    return len(rows)
