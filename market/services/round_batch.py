"""A round's orders allocated as one batch, each job explained against the online engine (P7).

The engine's unit-km for each order is what matching the round's orders one by one, oldest
first, on the same workshops would spend: the engine runs as a dry run on a copy of the round's
pool (it only reads the database's workshops, as the round loaded them, and writes nothing). That
is the exact figure the explanation promises; no cheaper way gives it, since each order's engine
placement depends on the orders matched before it. It costs one engine pass, a small part of the
round beside the flow (bench/README.md).
"""

from __future__ import annotations

from datetime import date

from ..domain import matching
from ..domain.allocation import BatchResult, allocate_batch


def engine_unit_km(
    requests: list[matching.OrderToMatch], pool: matching.CandidatePool, day: date, max_splits: int | None
) -> dict[int, int]:
    """Order id -> unit-km the online engine spends on it, the orders matched oldest first.

    :raises DomainError: as :func:`market.domain.matching.match_order`.
    """
    dry = matching.CandidatePool(pool)
    spent = {}
    for request in requests:
        result = matching.place_order(request, dry, day, max_splits)
        spent[request.id] = sum(a.quantity * a.explanation.distance_km for a in result.allocations)
    return spent


def allocate_round(
    requests: list[matching.OrderToMatch], pool: matching.CandidatePool, day: date, max_splits: int | None
) -> BatchResult:
    """The round's orders placed together on the pool's workshops (the pool is left as it is).

    :raises DomainError: as :func:`market.domain.allocation.allocate_batch`.
    """
    spent = engine_unit_km(requests, pool, day, max_splits)
    return allocate_batch(requests, list(pool), day, engine_unit_km=spent, peers=True)
