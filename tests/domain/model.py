"""A tiny in-memory marketplace driven by the pure domain, for sequence and property tests.

It plays the part the service layer plays in the application: it keeps businesses, orders and
jobs, calls ``match_order`` after every event that can change an allocation, and re-matches
waiting orders oldest first. Every matching call is recorded with exactly what the engine saw,
so each property of DESIGN.md can be checked call by call and state by state.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import date

from market.domain import states
from market.domain.capacity import Commitment
from market.domain.matching import MAX_SPLITS, Business, MatchResult, OrderToMatch, match_order


@dataclass
class Job:
    id: int
    order_id: int
    business_id: int
    quantity: int
    due_date: date
    status: str = states.OFFERED
    created_at_event: int = 0


@dataclass
class Order:
    id: int
    kit: str
    quantity: int
    delivery_province: str
    needed_by: date
    #: business id -> number of the event at which it declined
    declined_by: dict[int, int] = field(default_factory=dict)
    cancelled: bool = False
    matched: bool = False


@dataclass(frozen=True)
class MatchCall:
    """One call of the engine: its inputs exactly as given, and its answer."""

    order: OrderToMatch
    candidates: tuple[Business, ...]
    result: MatchResult


class Market:
    def __init__(self, today: date, businesses: list[Business], max_splits: int | None = MAX_SPLITS) -> None:
        self.today = today
        self.max_splits = max_splits
        # businesses are kept without jobs; jobs live in self.jobs and are attached on demand
        self.businesses: dict[int, Business] = {b.id: dataclasses.replace(b, jobs=()) for b in businesses}
        self.orders: dict[int, Order] = {}
        self.jobs: dict[int, Job] = {}
        self.calls: list[MatchCall] = []
        self._next_order = 1
        self._next_job = 1
        self.events = 0  # one tick per public event below, to order jobs against declines

    # -- views -------------------------------------------------------------------------------
    def open_commitments(self, business_id: int) -> tuple[Commitment, ...]:
        return tuple(
            Commitment(j.quantity, j.due_date)
            for j in self.jobs.values()
            if j.business_id == business_id and j.status in states.OPEN_JOB_STATUSES
        )

    def business_now(self, business_id: int) -> Business:
        return dataclasses.replace(self.businesses[business_id], jobs=self.open_commitments(business_id))

    def live_jobs(self, order_id: int) -> list[Job]:
        return [
            j for j in self.jobs.values() if j.order_id == order_id and j.status in states.LIVE_JOB_STATUSES
        ]

    def tally(self, order_id: int) -> states.OrderTally:
        o = self.orders[order_id]
        shares = [states.JobShare(j.status, j.quantity) for j in self.jobs.values() if j.order_id == order_id]
        return states.tally_order(o.quantity, shares, matched=o.matched, cancelled=o.cancelled)

    def waiting_orders(self) -> list[Order]:
        """Orders with unplaced units, oldest first."""
        return [
            o
            for o in sorted(self.orders.values(), key=lambda o: o.id)
            if not o.cancelled and self.tally(o.id).unallocated > 0
        ]

    # -- matching ----------------------------------------------------------------------------
    def match(self, order_id: int) -> MatchResult | None:
        o = self.orders[order_id]
        tally = self.tally(order_id)
        o.matched = True
        if o.cancelled or tally.unallocated == 0:
            return None
        request = OrderToMatch(
            id=o.id,
            kit=o.kit,
            quantity=tally.unallocated,
            delivery_province=o.delivery_province,
            needed_by=o.needed_by,
            declined_by=frozenset(o.declined_by),
        )
        candidates = tuple(self.business_now(b) for b in sorted(self.businesses))
        result = match_order(request, candidates, self.today, self.max_splits)
        self.calls.append(MatchCall(request, candidates, result))
        for a in result.allocations:
            self.jobs[self._next_job] = Job(
                self._next_job, o.id, a.business_id, a.quantity, a.due_date, created_at_event=self.events
            )
            self._next_job += 1
        return result

    def rematch_waiting(self) -> None:
        for o in self.waiting_orders():
            self.match(o.id)

    # -- events ------------------------------------------------------------------------------
    def post_order(self, kit: str, quantity: int, province: str, needed_by: date) -> int:
        self.events += 1
        oid = self._next_order
        self._next_order += 1
        self.orders[oid] = Order(oid, kit, quantity, province, needed_by)
        self.match(oid)
        return oid

    def decline(self, job_id: int) -> None:
        """The business says no to the order: this offer and any other offer it holds for the same
        order are declined, and the order's units never come back to it (P8)."""
        self.events += 1
        job = self.jobs[job_id]
        job.status = states.JOB.transition(job.status, states.DECLINED)
        for other in self.jobs.values():
            if (other.order_id, other.business_id, other.status) == (
                job.order_id,
                job.business_id,
                states.OFFERED,
            ):
                other.status = states.JOB.transition(other.status, states.DECLINED)
        self.orders[job.order_id].declined_by[job.business_id] = self.events
        self.rematch_waiting()

    def accept(self, job_id: int) -> None:
        self.events += 1
        job = self.jobs[job_id]
        job.status = states.JOB.transition(job.status, states.ACCEPTED)

    def cancel_order(self, order_id: int) -> None:
        self.events += 1
        o = self.orders[order_id]
        for j in self.jobs.values():
            if j.order_id == order_id and j.status in states.CANCELLABLE_JOB_STATUSES:
                j.status = states.JOB.transition(j.status, states.CANCELLED)
        o.cancelled = True
        self.rematch_waiting()

    def set_capacity(self, business_id: int, weekly_capacity: int) -> bool:
        """Change a business's weekly capacity; a cut that would overbook it is refused."""
        self.events += 1
        current = self.businesses[business_id]
        proposed = dataclasses.replace(
            current, weekly_capacity=weekly_capacity, jobs=self.open_commitments(business_id)
        )
        if weekly_capacity < current.weekly_capacity and not proposed.schedule.is_feasible(self.today):
            return False
        self.businesses[business_id] = dataclasses.replace(current, weekly_capacity=weekly_capacity)
        self.rematch_waiting()
        return True

    def set_paused(self, business_id: int, paused: bool) -> None:
        self.events += 1
        self.businesses[business_id] = dataclasses.replace(self.businesses[business_id], paused=paused)
        self.rematch_waiting()

    def suspend(self, business_id: int) -> None:
        """Suspension withdraws the business's open offers; their units are re-matched."""
        self.events += 1
        self.businesses[business_id] = dataclasses.replace(self.businesses[business_id], status="suspended")
        for j in self.jobs.values():
            if j.business_id == business_id and j.status == states.OFFERED:
                j.status = states.JOB.transition(j.status, states.CANCELLED)
        self.rematch_waiting()

    def approve(self, business_id: int) -> None:
        self.events += 1
        self.businesses[business_id] = dataclasses.replace(self.businesses[business_id], status="approved")
        self.rematch_waiting()
