"""The online engine's terms for a batch job's explanation (P7): its tier and its equals.

The engine visits distances nearest first; ``tier`` is the rank of a job's distance among the
distances of the workshops eligible for its order (1 = the nearest such distance) and
``equally_near_with_room`` counts the eligible workshops at that distance that had room for the
job's production deadline before the batch. A batch may send a unit past nearer workshops with
room (P2 for a batch is about the whole batch), and these two figures show it plainly.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from . import geo
from .matching import Business, OrderToMatch, is_eligible


class Peers:
    """Counts for many jobs over one set of workshops, cached by what they depend on."""

    def __init__(self, businesses: list[Business], today: date) -> None:
        self._today = today
        self._by_province: dict[str, list[Business]] = defaultdict(list)
        for b in businesses:
            self._by_province[b.province].append(b)
        self._tiers: dict[tuple[str, str, frozenset[int]], dict[int, int]] = {}
        self._rooms: dict[tuple[str, int, date, str, frozenset[int]], int] = {}

    def _group(self, order: OrderToMatch, provinces: tuple[str, ...]) -> list[Business]:
        return [b for p in provinces for b in self._by_province.get(p, ()) if is_eligible(b, order)]

    def of(self, order: OrderToMatch, km: int, due: date) -> tuple[int, int]:
        """(tier, equally near with room) of a job of ``order`` at ``km``, due ``due``."""
        key = (order.delivery_province, order.kit, order.declined_by)
        tiers = self._tiers.get(key)
        if tiers is None:
            tiers = {}
            for d, provinces in geo.distance_groups(order.delivery_province):
                if self._group(order, provinces):
                    tiers[d] = len(tiers) + 1
            self._tiers[key] = tiers
        room_key = (order.delivery_province, km, due, order.kit, order.declined_by)
        rooms = self._rooms.get(room_key)
        if rooms is None:
            provinces = next(p for d, p in geo.distance_groups(order.delivery_province) if d == km)
            rooms = sum(
                1 for b in self._group(order, provinces) if b.schedule.free_until(due, self._today) > 0
            )
            self._rooms[room_key] = rooms
        return tiers[km], rooms
