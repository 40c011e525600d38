"""The admin's shortage picture (domain/shortage.py): demand against what can serve it by its dates,
from any province; what is short is exactly what a dry round leaves unplaced, each unit with a reason."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from market.domain import waiting
from market.domain.capacity import Commitment
from market.domain.matching import Business, CandidatePool, OrderToMatch, place_order
from market.domain.shortage import OpenOrder, serving

from .test_matching_properties import KITS, PROVINCES, TODAY, loaded_businesses


def test_a_province_served_from_another_shows_no_shortage():
    lorestan = Business(1, "lorestan", 140, frozenset({KITS[0]}))
    order = OrderToMatch(1, KITS[0], 150, "khuzestan", TODAY + timedelta(days=20))
    (row,) = serving([OpenOrder("khuzestan", 150, 0, order)], {KITS[0]: [lorestan]}, TODAY)
    assert (row.province, row.demand, row.served, row.shortfall, row.reasons) == (
        "khuzestan",
        150,
        150,
        0,
        {},
    )
    # the same 150 already held by a job, and 30 more that nobody has room for by day 3
    full = Business(
        1, "lorestan", 140, frozenset({KITS[0]}), jobs=(Commitment(40, TODAY + timedelta(days=2)),)
    )
    late = OrderToMatch(2, KITS[0], 30, "khuzestan", TODAY + timedelta(days=3))
    rows = serving(
        [OpenOrder("khuzestan", 150, 150, None), OpenOrder("khuzestan", 30, 0, late)],
        {KITS[0]: [full]},
        TODAY,
    )
    assert [(r.demand, r.served, r.shortfall, r.reasons) for r in rows] == [
        (180, 150, 30, {waiting.NO_ROOM: 30})
    ]


@settings(max_examples=200, deadline=None)
@given(
    loaded_businesses(),
    st.lists(
        st.tuples(st.sampled_from(KITS), st.sampled_from(PROVINCES), st.integers(1, 400), st.integers(0, 40)),
        max_size=6,
    ),
)
def test_what_is_short_is_what_a_dry_round_leaves_unplaced(bs, shape):
    before = [(b.id, b.jobs) for b in bs]
    orders = [OrderToMatch(i, k, q, p, TODAY + timedelta(days=d)) for i, (k, p, q, d) in enumerate(shape, 1)]
    pools = {k: [b for b in bs if k in b.kits] for k in KITS}
    rows = serving([OpenOrder(o.delivery_province, o.quantity, 0, o) for o in orders], pools, TODAY)
    # the round: each kit's orders oldest first on one pool
    copies = {k: CandidatePool(v) for k, v in pools.items()}
    short: dict[str, int] = {}
    for o in orders:
        placed = 0 if o.needed_by <= TODAY else place_order(o, copies[o.kit], TODAY).allocated
        short[o.delivery_province] = short.get(o.delivery_province, 0) + o.quantity - placed
    assert {r.province: r.shortfall for r in rows} == short
    for r in rows:
        assert r.shortfall == r.waiting and set(r.reasons) <= set(waiting.REASONS) - {waiting.PLACEABLE}
        assert r.demand == r.served + r.waiting
    assert [(b.id, b.jobs) for b in bs] == before
