"""Use cases. Each loads rows, asks the pure domain, writes rows, commits once, then enqueues.
The exceptions work through many rows: the sweep's expiry of offers (``sweeps.expire_offers``)
commits once per order; matching (``matching.match_kit``, ``matching.match_order``,
``matching.rematch_waiting``) commits once per round of a kit's orders (``rounds``).

Locks, when a use case takes any, are taken in one global order — the kit (a round's mutex), then
orders by ascending id, then businesses by ascending id — so concurrent transactions never
deadlock. On SQLite every
transaction starts with BEGIN IMMEDIATE (see ``market.app``), which serialises writers.
"""
