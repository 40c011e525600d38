"""Order and job state machines, and the order status derived from its jobs.

Statuses are exactly those of the public API. Every status change goes through
:meth:`StateMachine.transition`, which refuses a move the table does not list.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from .errors import DomainError, IllegalTransition, RuleBroken

# Job statuses
OFFERED = "offered"
ACCEPTED = "accepted"
IN_PRODUCTION = "in_production"
SHIPPED = "shipped"
DELIVERED = "delivered"
DECLINED = "declined"
EXPIRED = "expired"
CANCELLED = "cancelled"
# Order statuses beyond the shared ones
PENDING = "pending"
AWAITING_CAPACITY = "awaiting_capacity"
ALLOCATED = "allocated"

JOB_STATUSES: tuple[str, ...] = (
    OFFERED,
    ACCEPTED,
    IN_PRODUCTION,
    SHIPPED,
    DELIVERED,
    DECLINED,
    EXPIRED,
    CANCELLED,
)
ORDER_STATUSES: tuple[str, ...] = (
    PENDING,
    AWAITING_CAPACITY,
    ALLOCATED,
    IN_PRODUCTION,
    SHIPPED,
    DELIVERED,
    CANCELLED,
)
#: orders that wait for matching: never matched yet, or with units no business holds
WAITING_ORDER_STATUSES = frozenset({PENDING, AWAITING_CAPACITY})
#: orders that no longer count as demand: nothing more will be made or delivered for them
CLOSED_ORDER_STATUSES = frozenset({CANCELLED, DELIVERED})
#: jobs whose units count as allocated to the order (API.md invariant)
LIVE_JOB_STATUSES = frozenset({OFFERED, ACCEPTED, IN_PRODUCTION, SHIPPED, DELIVERED})
#: jobs that hold a business's capacity (DESIGN.md capacity rule)
OPEN_JOB_STATUSES = frozenset({OFFERED, ACCEPTED, IN_PRODUCTION})
#: jobs an admin may still move to another business, or a buyer cancel
CANCELLABLE_JOB_STATUSES = OPEN_JOB_STATUSES
#: jobs the business has accepted and not shipped yet: it reports progress on them and ships them
IN_HAND_JOB_STATUSES = frozenset({ACCEPTED, IN_PRODUCTION})
#: jobs that have left the business (an order with one can no longer be cancelled)
SENT_JOB_STATUSES = frozenset({SHIPPED, DELIVERED})

# Business statuses ("pending" is a workshop waiting for an admin's approval)
BUSINESS_PENDING = "pending"
APPROVED = "approved"
SUSPENDED = "suspended"
BUSINESS_STATUSES: tuple[str, ...] = (BUSINESS_PENDING, APPROVED, SUSPENDED)


class StateMachine:
    """A transition table: ``table[current]`` is the set of statuses reachable in one move."""

    def __init__(self, name: str, table: Mapping[str, Iterable[str]]) -> None:
        self.name = name
        self.table: Mapping[str, frozenset[str]] = MappingProxyType(
            {k: frozenset(v) for k, v in table.items()}
        )
        unknown = {t for targets in self.table.values() for t in targets} - set(self.table)
        if unknown:
            raise ValueError(f"{name}: targets without a row: {sorted(unknown)}")

    @property
    def statuses(self) -> frozenset[str]:
        return frozenset(self.table)

    def can(self, current: str, target: str) -> bool:
        return target in self.table.get(current, ())

    def is_terminal(self, status: str) -> bool:
        return not self.table.get(status)

    def transition(self, current: str, target: str) -> str:
        """The new status.

        :raises IllegalTransition: if the table does not allow ``current`` → ``target``
            (including an unknown status on either side).
        """
        if target not in self.table.get(current, ()):
            raise IllegalTransition(self.name, current, target)
        return target


JOB = StateMachine(
    "job",
    {
        OFFERED: {ACCEPTED, DECLINED, EXPIRED, CANCELLED},
        ACCEPTED: {IN_PRODUCTION, SHIPPED, CANCELLED},
        # progress reports keep a job in production
        IN_PRODUCTION: {IN_PRODUCTION, SHIPPED, CANCELLED},
        SHIPPED: {DELIVERED},
        DELIVERED: set(),
        DECLINED: set(),
        EXPIRED: set(),
        CANCELLED: set(),
    },
)

ORDER = StateMachine(
    "order",
    {
        PENDING: {AWAITING_CAPACITY, ALLOCATED, CANCELLED},
        AWAITING_CAPACITY: {ALLOCATED, IN_PRODUCTION, CANCELLED},
        ALLOCATED: {AWAITING_CAPACITY, IN_PRODUCTION, SHIPPED, CANCELLED},
        # a declined/expired/reassigned share sends an order back to waiting or to allocated
        IN_PRODUCTION: {AWAITING_CAPACITY, ALLOCATED, SHIPPED, CANCELLED},
        SHIPPED: {DELIVERED},
        DELIVERED: set(),
        CANCELLED: set(),
    },
)


@dataclass(frozen=True, slots=True)
class JobShare:
    """A job as the order's status sees it."""

    status: str
    quantity: int


@dataclass(frozen=True, slots=True)
class OrderTally:
    allocated: int
    unallocated: int
    status: str


def tally_order(
    quantity: int, jobs: Iterable[JobShare], *, matched: bool, cancelled: bool = False
) -> OrderTally:
    """Allocated and unallocated units and the status they imply.

    ``matched`` is whether matching has run for the order at least once (before that it is
    ``pending``). Only live jobs (offered … delivered) count as allocated.

    :raises DomainError: if live jobs hold more units than the order has.
    """
    live = [j for j in jobs if j.status in LIVE_JOB_STATUSES]
    allocated = sum(j.quantity for j in live)
    unallocated = quantity - allocated
    if unallocated < 0:
        raise DomainError(f"jobs hold {allocated} units of an order of {quantity}")
    if cancelled:
        status = CANCELLED
    elif not matched:
        status = PENDING
    elif unallocated > 0:
        status = AWAITING_CAPACITY
    elif all(j.status == DELIVERED for j in live):
        status = DELIVERED
    elif all(j.status in (SHIPPED, DELIVERED) for j in live):
        status = SHIPPED
    elif any(j.status in (IN_PRODUCTION, SHIPPED, DELIVERED) for j in live):
        status = IN_PRODUCTION
    else:
        status = ALLOCATED
    return OrderTally(allocated, unallocated, status)


@dataclass(frozen=True, slots=True)
class JobProgress:
    """A job as the order's made / shipped / delivered counts see it."""

    status: str
    quantity: int
    units_done: int
    received: int | None


@dataclass(frozen=True, slots=True)
class OrderProgress:
    made: int
    shipped: int
    delivered: int


def order_progress(jobs: Iterable[JobProgress]) -> OrderProgress:
    """Units made (reported by live jobs, shipped ones in full), units shipped (a shipped job's
    quantity is what left the workshop) and units received by the buyer."""
    live = [j for j in jobs if j.status in LIVE_JOB_STATUSES]
    sent = [j for j in live if j.status in SENT_JOB_STATUSES]
    return OrderProgress(
        made=sum(min(j.units_done, j.quantity) for j in live),
        shipped=sum(j.quantity for j in sent),
        delivered=sum(j.received or 0 for j in live if j.status == DELIVERED),
    )


def check_progress(quantity: int, units_done: int, new_units_done: int) -> int:
    """The new count of units made.

    :raises RuleBroken: if it is outside 0 … quantity or lower than what was reported before.
    """
    if not 0 <= new_units_done <= quantity:
        raise RuleBroken("units_done_out_of_range", quantity=quantity, units_done=new_units_done)
    if new_units_done < units_done:
        raise RuleBroken("units_done_goes_down", before=units_done, units_done=new_units_done)
    return new_units_done


def check_shipped(quantity: int, shipped: int) -> int:
    """Units a business ships: 1 … the job's quantity. Fewer than the job's quantity return the
    rest to the order (matched again); more than the units reported made are taken as made (the
    shipment is the last progress report: what leaves the workshop was made).

    :raises RuleBroken: if it is outside 1 … quantity.
    """
    if not 1 <= shipped <= quantity:
        raise RuleBroken("shipped_out_of_range", quantity=quantity, shipped=shipped)
    return shipped


def check_received(quantity: int, received: int) -> int:
    """Units the buyer confirms; the shortfall is ``quantity - received``.

    :raises RuleBroken: if it is outside 0 … quantity.
    """
    if not 0 <= received <= quantity:
        raise RuleBroken("received_out_of_range", quantity=quantity, received=received)
    return received


BUSINESS = StateMachine(
    "business",
    {
        BUSINESS_PENDING: {APPROVED, SUSPENDED},
        APPROVED: {SUSPENDED},
        SUSPENDED: {APPROVED},
    },
)
