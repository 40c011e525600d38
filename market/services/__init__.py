"""Use cases. Each loads rows, asks the pure domain, writes rows, commits once, then enqueues.
The exceptions work through many orders and commit once per order, each order its own
transaction: the sweep's expiry of offers (``sweeps.expire_offers``) and
``matching.rematch_waiting``.

Locks, when a use case takes any, are taken in one global order — orders by ascending id, then
businesses by ascending id — so concurrent transactions never deadlock. On SQLite every
transaction starts with BEGIN IMMEDIATE (see ``market.app``), which serialises writers.
"""
