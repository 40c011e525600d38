"""A business's week calendar, counted the way the capacity rule counts (earliest deadline first).

The rule (``capacity.py``) judges a set of commitments by cumulative sums: work made in earlier
weeks serves a later deadline. A calendar that set each week's due work against that week's
production alone would call a week "over" that the rule judges feasible (and invite a needless
decline). This one shows, per week:

- ``due_units``: remaining units whose production deadline falls in the week (week ``k`` holds the
  deadlines ``today + 7k + 1`` … ``today + 7k + 7``; a deadline on or before today counts in week 0);
- ``can_make``: what the week's seven production days make;
- ``made_ahead``: what the days before the week make beyond the work due before it, which EDF
  production spends on this week's (and later) deadlines: ``max(0, made before the week − due
  before the week)``;
- ``short``: the units the rule cannot make in time at this week's deadlines,
  ``max(0, max over deadlines d in the week of load(<= d) − capacity_until(d))``.

A week is shown over capacity iff ``short > 0``; so some shown week (or the "later" part) is over
iff the rule judges the whole set infeasible, and never otherwise (property-tested against
:func:`capacity.is_feasible`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from .capacity import Commitment, capacity_until


@dataclass(frozen=True, slots=True)
class Week:
    first_due: date  # the earliest production deadline counted in this week
    last_due: date  # the latest one
    due_units: int
    can_make: int
    made_ahead: int
    short: int

    @property
    def over(self) -> bool:
        return self.short > 0

    @property
    def available(self) -> int:
        """What production can give this week's deadlines: made ahead plus made in the week."""
        return self.made_ahead + self.can_make


@dataclass(frozen=True, slots=True)
class WeekCalendar:
    weeks: tuple[Week, ...]
    later_units: int  # remaining units due after the last week shown
    later_short: int  # units the rule cannot make in time at those later deadlines

    @property
    def over(self) -> bool:
        return self.later_short > 0 or any(w.over for w in self.weeks)


def week_of(today: date, deadline: date) -> int:
    """The calendar week a production deadline falls in (0 for one on or before today)."""
    return max(0, ((deadline - today).days - 1) // 7)


def week_calendar(
    weekly_capacity: int, commitments: Iterable[Commitment], today: date, weeks: int
) -> WeekCalendar:
    """The calendar of ``weeks`` weeks from ``today`` (see the module's docstring)."""
    per_day: dict[date, int] = {}
    for c in commitments:
        if c.remaining:
            per_day[c.deadline] = per_day.get(c.deadline, 0) + c.remaining
    due = [0] * weeks
    short = [0] * weeks
    later_units = later_short = 0
    load = 0
    for deadline in sorted(per_day):
        units = per_day[deadline]
        load += units
        excess = max(0, load - capacity_until(weekly_capacity, today, deadline))
        k = week_of(today, deadline)
        if k >= weeks:
            later_units += units
            later_short = max(later_short, excess)
        else:
            due[k] += units
            short[k] = max(short[k], excess)
    out = []
    due_before = 0
    for k in range(weeks):
        start, end = today + timedelta(days=7 * k), today + timedelta(days=7 * k + 7)
        made_before = capacity_until(weekly_capacity, today, start)
        can_make = capacity_until(weekly_capacity, today, end) - made_before
        made_ahead = max(0, made_before - due_before)
        out.append(Week(start + timedelta(days=1), end, due[k], can_make, made_ahead, short[k]))
        due_before += due[k]
    return WeekCalendar(tuple(out), later_units, later_short)
