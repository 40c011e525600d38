"""Why an order's units wait: the answer an admin gets from "re-run matching".

:func:`explain_waiting` asks the same questions as the engine (eligibility by :func:`is_eligible`,
room by the capacity rule before each business's own production deadline, min_lot) and counts
the answers, so the page can say exactly why units are not placed: nobody makes the kit, every
maker declined this order, nobody has room before the deadline, the room left is in pieces below
the makers' minimum lots, or the deadline has passed. When a business does have room, matching
places what it can and the report says how many units that is.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date

from . import geo
from .matching import Business, CandidatePool, OrderToMatch, is_eligible, match_order, production_deadline

NOTHING_WAITING = "nothing_waiting"
DEADLINE_PASSED = "deadline_passed"
NO_MAKER = "no_maker"
ALL_DECLINED = "all_declined"
NO_ROOM = "no_room_before_deadline"
BELOW_MIN_LOT = "room_below_min_lot"
PLACEABLE = "placeable"

REASONS = (NOTHING_WAITING, DEADLINE_PASSED, NO_MAKER, ALL_DECLINED, NO_ROOM, BELOW_MIN_LOT, PLACEABLE)


@dataclass(frozen=True, slots=True)
class WaitingReport:
    """What stands between an order's waiting units and the businesses.

    ``makers`` are approved, unpaused businesses with capacity that list the kit; ``declined`` of
    them declined this order; ``eligible`` may get it (:func:`is_eligible`); ``with_room`` of those
    have room before their production deadline for it, ``room`` units in all; ``below_min_lot``
    of those have less room than their min_lot and than the waiting units, so they take nothing.
    ``placeable`` is what one matching run would place now; ``reason`` names why the rest waits
    (one of :data:`REASONS`; :data:`PLACEABLE` when nothing would be left).
    """

    waiting: int
    makers: int
    declined: int
    eligible: int
    with_room: int
    room: int
    below_min_lot: int
    placeable: int
    reason: str

    @property
    def left_waiting(self) -> int:
        return self.waiting - self.placeable


def explain_waiting(order: OrderToMatch, candidates: Iterable[Business], today: date) -> WaitingReport:
    """Why ``order.quantity`` units wait among ``candidates`` at ``today`` (any candidates: the
    ineligible are counted out)."""
    businesses = list(candidates)
    makers = [b for b in businesses if is_eligible(b, replace(order, declined_by=frozenset()))]
    eligible = [b for b in makers if is_eligible(b, order)]
    declined = len(makers) - len(eligible)
    if order.quantity <= 0:
        return WaitingReport(0, len(makers), declined, len(eligible), 0, 0, 0, 0, NOTHING_WAITING)
    if order.needed_by <= today or order.delivery_province not in geo.BY_CODE:
        return WaitingReport(
            order.quantity, len(makers), declined, len(eligible), 0, 0, 0, 0, DEADLINE_PASSED
        )
    rooms = [
        (
            b,
            b.schedule.free_until(
                production_deadline(order.needed_by, b.province, order.delivery_province), today
            ),
        )
        for b in eligible
    ]
    with_room = [(b, free) for b, free in rooms if free > 0]
    small = sum(1 for b, free in with_room if free < b.min_lot and free < order.quantity)
    placeable = match_order(order, CandidatePool(eligible), today).allocated if with_room else 0
    if not makers:
        reason = NO_MAKER
    elif not eligible:
        reason = ALL_DECLINED
    elif placeable == order.quantity:
        reason = PLACEABLE
    elif len(with_room) == small and small:
        reason = BELOW_MIN_LOT
    else:
        reason = NO_ROOM
    return WaitingReport(
        order.quantity,
        len(makers),
        declined,
        len(eligible),
        len(with_room),
        sum(free for _, free in with_room),
        small,
        placeable,
        reason,
    )


def _room(business: Business, order: OrderToMatch, today: date) -> int:
    due = production_deadline(order.needed_by, business.province, order.delivery_province)
    return business.schedule.free_until(due, today)
