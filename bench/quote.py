"""How fast the instant quote answers (``market.domain.quote.quote``) on a loaded marketplace.

The generated marketplace of ``bench/marketgen.py`` (1,000 workshops by default) first takes half
of its order stream through the engine (so workshops hold work and rooms are uneven); then each of
``--quotes`` orders of the other half is quoted twice, with its ``needed_by`` and without, and the
admin's shortage picture (``market.domain.shortage.serving``) is computed once over those orders.
Prints the figures and, as the last line, one JSON object.

    .venv/bin/python bench/quote.py
    .venv/bin/python bench/quote.py --businesses 200 --orders 2000 --quotes 50
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from marketgen import DEFAULT_SEED, generate

from market.domain import quote as q
from market.domain.matching import CandidatePool, place_order
from market.domain.shortage import OpenOrder, serving


def ms(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "median_ms": round(statistics.median(ordered) * 1000, 2),
        "p95_ms": round(ordered[int(0.95 * (len(ordered) - 1))] * 1000, 2),
        "max_ms": round(ordered[-1] * 1000, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--businesses", type=int, default=1000)
    parser.add_argument("--orders", type=int, default=10_000)
    parser.add_argument("--quotes", type=int, default=200)
    args = parser.parse_args()
    market = generate(args.seed, args.businesses, args.orders)
    pool = CandidatePool(market.active)
    half = len(market.orders) // 2
    for order in market.orders[:half]:
        place_order(order, pool, market.today)
    loaded = list(pool)
    asked = market.orders[half : half + args.quotes]
    with_date, without = [], []
    full = 0
    for order in asked:
        started = time.perf_counter()
        got = q.quote(
            order.kit, order.quantity, order.delivery_province, order.needed_by, loaded, market.today
        )
        with_date.append(time.perf_counter() - started)
        full += got.placeable_by_needed_by == order.quantity
        started = time.perf_counter()
        q.quote(order.kit, order.quantity, order.delivery_province, None, loaded, market.today)
        without.append(time.perf_counter() - started)
    pools = {kit: [b for b in loaded if kit in b.kits] for kit in {o.kit for o in asked}}
    started = time.perf_counter()
    serving([OpenOrder(o.delivery_province, o.quantity, 0, o) for o in asked], pools, market.today)
    shortage_s = time.perf_counter() - started
    figures = {
        "businesses": len(loaded),
        "orders_loaded": half,
        "quotes": len(asked),
        "placeable_in_full_share": round(full / max(1, len(asked)), 3),
        "quote_with_needed_by": ms(with_date),
        "quote_without_needed_by": ms(without),
        "shortage_picture_s": round(shortage_s, 3),
    }
    print(f"{len(loaded)} workshops holding {half} orders; {len(asked)} quotes")
    print(f"with needed_by:    {figures['quote_with_needed_by']}")
    print(f"without needed_by: {figures['quote_without_needed_by']}")
    print(f"shortage picture over {len(asked)} waiting orders: {shortage_s:.3f} s")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
