"""The pure domain: geography, the capacity rule, matching and state machines.

Standard library only: no Flask, SQLAlchemy or RQ (a test checks it). The API, the worker and the
pages call these functions; nothing here reads a clock, a database or the environment.
"""

from .capacity import Commitment, Schedule, capacity_until, free_capacity_until, is_feasible, utilization
from .errors import DomainError, IllegalTransition, UnknownProvince
from .matching import MAX_SPLITS, Allocation, Business, Explanation, MatchResult, OrderToMatch, match_order

__all__ = [
    "MAX_SPLITS",
    "Allocation",
    "Business",
    "Commitment",
    "DomainError",
    "Explanation",
    "IllegalTransition",
    "MatchResult",
    "OrderToMatch",
    "Schedule",
    "UnknownProvince",
    "capacity_until",
    "free_capacity_until",
    "is_feasible",
    "match_order",
    "utilization",
]
