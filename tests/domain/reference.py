"""The capacity rule written the slowest, most literal way, as a reference for the fast one."""

from __future__ import annotations

from datetime import date, timedelta

from market.domain.capacity import Commitment


def cap(weekly: int, today: date, d: date) -> int:
    return weekly * max(0, (d - today).days) // 7


def brute_feasible(weekly: int, jobs: list[Commitment], today: date) -> bool:
    return all(
        sum(j.remaining for j in jobs if j.deadline <= d) <= cap(weekly, today, d)
        for d in {j.deadline for j in jobs}
    )


def brute_free(weekly: int, jobs: list[Commitment], deadline: date, today: date) -> int:
    """Largest q such that every deadline >= ``deadline`` still fits after adding q at ``deadline``
    (found by searching q against the rule itself, so it checks the formula rather than repeating it)."""
    if deadline <= today:
        return 0
    later = sorted({deadline} | {j.deadline for j in jobs if j.deadline >= deadline})

    def fits(q: int) -> bool:
        return all(
            sum(j.remaining for j in jobs if j.deadline <= d) + q <= cap(weekly, today, d) for d in later
        )

    if not fits(0):
        return 0
    lo, hi = 0, cap(weekly, today, deadline)  # fits(lo) holds; fits is monotone in q
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if fits(mid):
            lo = mid
        else:
            hi = mid - 1
    return lo


def brute_utilization(weekly: int, jobs: list[Commitment], today: date) -> float:
    total = sum(j.remaining for j in jobs)
    if total == 0:
        return 0.0
    if weekly == 0:
        return 1.0
    end = max([j.deadline for j in jobs if j.remaining] + [today + timedelta(days=28)])
    return 7 * total / (weekly * (end - today).days)
