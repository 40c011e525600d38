"""The capacity rule: earliest-deadline-first feasibility on one production line.

A business makes ``weekly_capacity / 7`` kits a day, all kits together. Its open work is a set of
commitments (remaining units, production deadline). It can hold the set iff, for every deadline
``d`` in it::

    sum(remaining of commitments with deadline <= d)  <=  floor(weekly_capacity * days(today, d) / 7)

where ``days(today, d)`` is ``max(0, (d - today).days)``: production runs on the days from today up
to, not including, the deadline. Everything is exact integer arithmetic; "today" is always a
parameter, never read from a clock.

Speed: a :class:`Schedule` sorts a business's commitments once and keeps, for each distinct
deadline, ``w * ordinal(d) - 7 * load(<= d)`` and its suffix minimum. Since
``floor(w * (d - t) / 7) - load = floor((w * ordinal(d) - 7 * load - w * ordinal(t)) / 7)``, the
term in ``t`` is the same for every ``d``, so the free capacity for any new deadline at any
``today`` is one bisection and one minimum: ``O(log n)``.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from .errors import DomainError

UTILIZATION_HORIZON_DAYS = 28
#: the admin's horizon for a province's capacity: four weeks of production
CAPACITY_WEEKS = 4
#: the cap on :func:`four_week_load` (a province with tiny capacity and much work reads "9.99")
FOUR_WEEK_LOAD_CAP = 9.99


@dataclass(frozen=True, slots=True)
class Commitment:
    """One open job as the capacity rule sees it: units still to make and its production deadline."""

    remaining: int
    deadline: date

    def __post_init__(self) -> None:
        if self.remaining < 0:
            raise DomainError(f"remaining units cannot be negative: {self.remaining}")


def production_days(today: date, deadline: date) -> int:
    """Whole production days from ``today`` up to (not including) ``deadline``; never negative."""
    return max(0, (deadline - today).days)


def capacity_until(weekly_capacity: int, today: date, deadline: date) -> int:
    """Kits a business can make from ``today`` until ``deadline`` (rounded down)."""
    return weekly_capacity * production_days(today, deadline) // 7


class Schedule:
    """A business's commitments under one weekly capacity, indexed for fast capacity questions.

    Build it once per set of commitments (it does not depend on "today") and ask it many times.
    """

    __slots__ = ("_suffix_min", "deadlines", "loads", "total_remaining", "weekly_capacity")

    def __init__(self, weekly_capacity: int, commitments: Iterable[Commitment]) -> None:
        if weekly_capacity < 0:
            raise DomainError(f"weekly capacity cannot be negative: {weekly_capacity}")
        self.weekly_capacity = weekly_capacity
        per_day: dict[int, int] = {}
        for c in commitments:
            if c.remaining:
                key = c.deadline.toordinal()
                per_day[key] = per_day.get(key, 0) + c.remaining
        #: distinct deadlines (ordinals), ascending, and the cumulative load at each
        self.deadlines: list[int] = sorted(per_day)
        self.loads: list[int] = []
        running = 0
        for d in self.deadlines:
            running += per_day[d]
            self.loads.append(running)
        self.total_remaining = running
        w = weekly_capacity
        suffix: list[int] = [0] * len(self.deadlines)
        low: int | None = None
        for i in range(len(self.deadlines) - 1, -1, -1):
            x = w * self.deadlines[i] - 7 * self.loads[i]
            low = x if low is None or x < low else low
            suffix[i] = low
        self._suffix_min = suffix

    def is_feasible(self, today: date) -> bool:
        """Whether every deadline's cumulative load fits the production before it."""
        t = today.toordinal()
        w = self.weekly_capacity
        return all(7 * load <= w * max(0, d - t) for d, load in zip(self.deadlines, self.loads, strict=True))

    def free_until(self, deadline: date, today: date) -> int:
        """The most units a new commitment with this deadline can have, keeping the set feasible.

        It is the minimum of the slack at ``deadline`` and at every later deadline held (DESIGN.md),
        never below 0. A deadline not after ``today`` has no room.
        """
        t = today.toordinal()
        dl = deadline.toordinal()
        if dl <= t:
            return 0
        w = self.weekly_capacity
        i = bisect_right(self.deadlines, dl)
        low = w * dl - 7 * (self.loads[i - 1] if i else 0)
        if i < len(self.deadlines) and self._suffix_min[i] < low:
            low = self._suffix_min[i]
        free = (low - w * t) // 7
        return free if free > 0 else 0

    def utilization(self, today: date, horizon_days: int = UTILIZATION_HORIZON_DAYS) -> float:
        """Remaining committed units over what can be made from today until the later of the
        latest deadline held and ``horizon_days`` ahead. In 0 … 1 unless overbooked; a business
        with no capacity is 1.0 if it holds work, else 0.0."""
        total = self.total_remaining
        if total == 0:
            return 0.0
        t = today.toordinal()
        end = max(self.deadlines[-1], t + horizon_days)
        if self.weekly_capacity == 0:
            return 1.0
        return 7 * total / (self.weekly_capacity * (end - t))

    def min_weekly_capacity(self, today: date) -> int | None:
        """The smallest weekly capacity under which these commitments stay feasible, or None if
        none does (work is due today or earlier)."""
        t = today.toordinal()
        need = 0
        for d, load in zip(self.deadlines, self.loads, strict=True):
            days = d - t
            if days <= 0:
                return None
            need = max(need, -(-7 * load // days))
        return need


def four_week_load(committed_units: int, weekly_capacity: int) -> float:
    """Committed units over ``CAPACITY_WEEKS`` weeks of production, capped at 9.99 (0.0 with no
    capacity): the admin's figure for a province, ``utilization`` in ``GET /admin/stats``.

    It is not :meth:`Schedule.utilization`, which is the fairness measure of one business (P4) over
    a horizon that stretches to its latest deadline. A province's businesses have different
    horizons, so the admin's figure uses one fixed window for all, making provinces comparable;
    it can pass 1 when the work held is due over more than four weeks.
    """
    capacity = weekly_capacity * CAPACITY_WEEKS
    if capacity == 0:
        return 0.0
    return round(min(committed_units / capacity, FOUR_WEEK_LOAD_CAP), 4)


def is_feasible(weekly_capacity: int, commitments: Iterable[Commitment], today: date) -> bool:
    """Whether a business with this weekly capacity can hold these commitments (the rule above)."""
    return Schedule(weekly_capacity, commitments).is_feasible(today)


def free_capacity_until(
    weekly_capacity: int, commitments: Iterable[Commitment], deadline: date, today: date
) -> int:
    """The most units a business can take for a new job with this production deadline."""
    return Schedule(weekly_capacity, commitments).free_until(deadline, today)


def utilization(
    weekly_capacity: int,
    commitments: Iterable[Commitment],
    today: date,
    horizon_days: int = UTILIZATION_HORIZON_DAYS,
) -> float:
    """Committed share of what the business can make over its horizon (see :meth:`Schedule.utilization`)."""
    return Schedule(weekly_capacity, commitments).utilization(today, horizon_days)
