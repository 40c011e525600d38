"""What the output schemas cannot read off a row: the figures derived from it, computed here once.

The schemas (``market/schemas``) declare every field, with ``attribute=`` for a field that lives
on a related row (a job's ``business_name`` is ``business.name``); a presenter hands the schema
the row itself, wrapped in :class:`Derived` when it carries figures of its own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from typing import Any

from ..domain import states
from ..models import Business, Job, Notification, Order, User
from ..services.businesses import BusinessFigures
from ..services.common import progress_of, tally
from ..services.inbox import text_of
from ..services.reoptimise import Reoptimisation


class Derived:
    """A row as the schema sees it: the derived figures first, then the row's own attributes."""

    def __init__(self, row: Any, **figures: Any) -> None:
        self._row = row
        self._figures = figures

    def __getattr__(self, name: str) -> Any:
        figures = self.__dict__["_figures"]
        return figures[name] if name in figures else getattr(self.__dict__["_row"], name)


class Withheld(Derived):
    """A row with some attributes withheld: the schema leaves their fields out of the output."""

    def __init__(self, row: Any, withheld: tuple[str, ...], **figures: Any) -> None:
        super().__init__(row, **figures)
        self._withheld = withheld

    def __getattr__(self, name: str) -> Any:
        if name in self.__dict__["_withheld"]:
            raise AttributeError(name)
        return super().__getattr__(name)


def order(o: Order) -> Derived:
    t = tally(o)
    delivered = [j for j in o.jobs if j.status == states.DELIVERED]
    received = sum(j.received_quantity or 0 for j in delivered)
    counts = progress_of(o)
    return Derived(
        o,
        total_price=o.unit_price * o.quantity,
        allocated_quantity=t.allocated,
        unallocated_quantity=t.unallocated,
        delivered_quantity=received,
        made_quantity=counts.made,
        shipped_quantity=counts.shipped,
        shortfall=sum(j.quantity for j in delivered) - received,
    )


def job(j: Job) -> Derived:
    return Derived(j, shortfall=None if j.received_quantity is None else j.quantity - j.received_quantity)


def business(b: Business, figures: BusinessFigures | None = None) -> Any:
    return b if figures is None else Derived(b, **asdict(figures))


def job_for(viewer: User, j: Job) -> Derived:
    """The job as ``viewer`` may see it. The job's business and admins see everything; the order's
    buyer sees status, quantities and dates, without ``match`` (other workshops' free capacity and
    utilization), with ``events`` as status and time only (no actor, no reason) and no
    ``closed_reason``: a workshop's figures and reasons are its own."""
    full = job(j)
    if viewer.role == "admin" or (viewer.role == "business" and j.business.owner_id == viewer.id):
        return full
    events = [{"at": e.at, "from_status": e.from_status, "to_status": e.to_status} for e in j.events]
    return Withheld(full, ("match", "closed_reason"), events=events)


def buyer(u: User, open_units: int) -> Derived:
    return Derived(u, open_units=open_units)


def notification(locale: str) -> Callable[[Notification], Derived]:
    """A notification with its text in ``locale``."""
    return lambda n: Derived(n, text=text_of(n, locale))


def page(
    found: tuple[list[Any], int], args: dict[str, Any], present: Callable[[Any], Any] | None = None
) -> dict[str, Any]:
    """A listing's page (its rows and count) as its ``...List`` schema dumps it, each row presented."""
    items, total = found
    rows = [present(row) for row in items] if present else items
    return {"items": rows, "total": total, "page": args["page"], "per_page": args["per_page"]}


def reoptimisation(done: Reoptimisation) -> dict[str, Any]:
    """The contract's body of ``POST /admin/reoptimise``: the moves, per order, and the figures."""
    plan, ids = done.plan, iter(done.new_job_ids)
    moves = []
    for m in plan.moves:
        new = []
        for j in m.made:
            item: dict[str, Any] = {
                "business_id": j.business_id,
                "quantity": j.quantity,
                "due_date": j.due_date,
            }
            if done.applied:
                item["job_id"] = next(ids)
            new.append(item)
        moves.append({"order_id": m.order_id, "withdrawn": [o.job_id for o in m.withdrawn], "new": new})
    return {
        "applied": done.applied,
        "moves": moves,
        "units_placed_before": plan.units_placed_before,
        "units_placed_after": plan.units_placed_after,
        "unit_km_before": plan.unit_km_before,
        "unit_km_after": plan.unit_km_after,
        "utilization_spread_before": plan.spread_before,
        "utilization_spread_after": plan.spread_after,
    }
