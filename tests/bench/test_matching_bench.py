"""The matching benchmark: a tiny full run through its command line, and its parts on hand examples.

No timing is asserted here (STYLE.md: benchmarks print figures); what is asserted is that the
figures are computed on the right footing: the optimum is a true lower bound, the greedy is the
engine without its fairness tie-break, the generator is reproducible and shaped as documented.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import astuple
from datetime import timedelta
from pathlib import Path

import pytest

from bench.marketgen import (
    CLUSTER_PROVINCES,
    DEMAND_SHARE_OF_CAPACITY,
    HORIZON_DAYS,
    TODAY,
    Marketplace,
    generate,
)
from bench.matching import (
    DemandClass,
    FlowResult,
    TransportationProblem,
    early_production,
    engine,
    gini,
    nearest_first,
    stranding,
)
from market.domain.capacity import Commitment
from market.domain.geo import DISTANCE_KM
from market.domain.matching import Business, OrderToMatch

BENCH = Path(__file__).resolve().parents[2] / "bench" / "matching.py"
ELDERLY, PREGNANT = "ELDERLY-COVID", "PREGNANT-HYGIENE"
BOTH = frozenset({ELDERLY, PREGNANT})

KEYS = {
    "orders_per_second",
    "orders_per_second_greedy",
    "unit_km_engine",
    "unit_km_greedy",
    "unit_km_optimum",
    "unit_km_ratio_to_optimum",
    "unit_km_ratio_greedy_to_optimum",
    "unit_km_ratio_engine_to_greedy",
    "gini_engine",
    "gini_greedy",
    "gini_engine_final",
    "gini_greedy_final",
    "spread_engine",
    "spread_greedy",
    "units_demanded",
    "units_allocated_engine",
    "units_allocated_greedy",
    "seed",
    "businesses",
    "orders",
}


@pytest.fixture(scope="module")
def figures() -> dict[str, object]:
    """The JSON line of a tiny run, started as a user would, with warnings as errors."""
    done = subprocess.run(
        [sys.executable, "-W", "error", str(BENCH), "--businesses", "60", "--orders", "300", "--runs", "1"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "Targets:" in done.stdout
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_last_line_carries_every_figure(figures: dict[str, object]) -> None:
    assert figures.keys() >= KEYS
    assert (figures["seed"], figures["businesses"], figures["orders"]) == (20261128, 60, 300)


def test_optimum_is_a_lower_bound_serving_the_same_units(figures: dict[str, object]) -> None:
    assert figures["optimum_serves_all"] is True
    assert figures["unit_km_ratio_to_optimum"] >= 0.999
    assert figures["unit_km_ratio_greedy_to_optimum"] >= 0.999


def test_allocation_stays_within_demand_and_capacity(figures: dict[str, object]) -> None:
    assert 0 < figures["units_allocated_engine"] <= figures["units_demanded"]
    assert 0 < figures["units_allocated_greedy"] <= figures["units_demanded"]
    assert figures["units_allocated_engine"] <= figures["units_placeable_relaxation"]
    assert figures["overbooked_engine"] == figures["overbooked_greedy"] == 0
    assert figures["greedy_mirrors_engine"] is True


def test_no_unit_is_left_while_a_business_could_legally_take_it(figures: dict[str, object]) -> None:
    """DESIGN.md P5 over the whole stream: what waits had no eligible business with room for a job."""
    assert figures["units_left_placeable_engine"] == figures["units_left_placeable_greedy"] == 0
    for name in ("engine", "greedy"):
        assert figures[f"early_production_held_by_later_75_{name}"] >= 0
        assert (
            figures[f"early_production_held_by_later_75_{name}"]
            <= figures[f"early_production_unheld_75_{name}"]
        )


def fingerprint(market: Marketplace) -> tuple[object, ...]:
    """The marketplace as plain values (Business compares by identity)."""
    return tuple(astuple(b) for b in market.businesses), market.orders


def test_generator_is_reproducible_and_shaped_as_documented() -> None:
    market = generate(7, businesses=200, orders=2000)
    assert fingerprint(market) == fingerprint(generate(7, businesses=200, orders=2000))
    assert fingerprint(market) != fingerprint(generate(8, businesses=200, orders=2000))
    clustered = [b for b in market.businesses if b.province in CLUSTER_PROVINCES]
    assert len(clustered) == 100
    assert len(market.orders) == 2000
    assert market.units_demanded == pytest.approx(
        DEMAND_SHARE_OF_CAPACITY * market.capacity_over_horizon, rel=0.01
    )
    assert all(
        TODAY + timedelta(days=7) <= o.needed_by <= TODAY + timedelta(days=HORIZON_DAYS)
        for o in market.orders
    )


def test_greedy_differs_from_engine_only_in_the_tie_break() -> None:
    """Two equally near businesses: the engine picks the less utilized, the greedy the lower id."""
    busy = Business(1, "tehran", 70, BOTH, jobs=(Commitment(50, TODAY + timedelta(days=20)),))
    idle = Business(2, "tehran", 70, BOTH)
    order = OrderToMatch(1, ELDERLY, 5, "tehran", TODAY + timedelta(days=10))
    assert [a.business_id for a in engine(order, [busy, idle], TODAY)] == [2]
    assert [j.business_id for j in nearest_first(order, [busy, idle], TODAY)] == [1]


def test_greedy_gives_the_last_remainder_to_a_nearer_business_before_going_farther() -> None:
    """Tehran's business 1 (min_lot 10) has room for 6 of 8: passed over; business 2 takes 4. The
    remaining 4 fit business 1 as the order's last remainder, so nothing goes to Alborz."""
    needed_by = TODAY + timedelta(days=2)  # production deadline tomorrow: a day's capacity of room
    businesses = [
        Business(1, "tehran", 42, BOTH, min_lot=10),
        Business(2, "tehran", 28, BOTH),
        Business(3, "alborz", 700, BOTH),
    ]
    order = OrderToMatch(1, ELDERLY, 8, "tehran", needed_by)
    jobs = [(j.business_id, j.quantity) for j in nearest_first(order, businesses, TODAY)]
    assert jobs == [(2, 4), (1, 4)]
    assert jobs == [(a.business_id, a.quantity) for a in engine(order, businesses, TODAY)]


def test_stranding_finds_units_left_while_a_business_had_room() -> None:
    """A cap of one job an order (the old MAX_SPLITS) leaves 30 of 100 units while Tehran's second
    business has room for them: the diagnosis counts them; the engine places them all."""
    market = Marketplace(
        seed=0,
        today=TODAY,
        businesses=(Business(1, "tehran", 70, BOTH), Business(2, "tehran", 70, BOTH)),
        orders=(OrderToMatch(1, ELDERLY, 100, "tehran", TODAY + timedelta(days=8)),),
    )
    capped = stranding(market, lambda o, c, t: nearest_first(o, c, t, max_splits=1))
    assert (capped.units, capped.orders, capped.placeable, capped.room) == (30, 1, 30, 70)
    assert stranding(market, engine).units == 0


def test_stranding_counts_room_below_min_lot_as_not_placeable() -> None:
    """Business 1 takes 70 of 90; 20 wait: business 2 has room for 14, below its min_lot of 20
    and below the 20 left (P5), so they are not counted as placeable."""
    market = Marketplace(
        seed=0,
        today=TODAY,
        businesses=(Business(1, "tehran", 70, BOTH), Business(2, "tehran", 14, BOTH, min_lot=20)),
        orders=(OrderToMatch(1, ELDERLY, 90, "tehran", TODAY + timedelta(days=8)),),
    )
    found = stranding(market, engine)
    assert (found.units, found.orders, found.placeable, found.room) == (20, 1, 0, 14)


def test_early_production_held_by_work_due_later() -> None:
    """One kit a day: 5 made before day 5, none due by then, but 10 due on day 10 need all of them."""
    held = Business(1, "tehran", 7, BOTH, jobs=(Commitment(10, TODAY + timedelta(days=10)),))
    loose = Business(2, "tehran", 7, BOTH, jobs=(Commitment(4, TODAY + timedelta(days=10)),))
    assert early_production([held], TODAY, days=5) == (5, 5)
    assert early_production([loose], TODAY, days=5) == (5, 0)
    assert early_production([held, loose], TODAY, days=5) == (10, 5)


def test_optimum_on_a_hand_solved_market() -> None:
    """Tehran's maker makes 1 kit a day, Fars's 10; Tehran needs 5 by day 4, Fars 19 by day 3.

    Tehran's maker has 3 kits by its deadline (day 3). Fars's must finish by day 2 for both orders
    (1 transit day inside Fars, 2 for the 687 km to Tehran), 20 kits in all: it serves Fars's 19
    and only 1 of Tehran's missing 2. So 23 of 24 units, one of them carried 687 km; serving just
    3 + 19 needs no kit to travel at all.
    """
    market = Marketplace(
        seed=0,
        today=TODAY,
        businesses=(Business(1, "tehran", 7, BOTH), Business(2, "fars", 70, BOTH)),
        orders=(
            OrderToMatch(1, ELDERLY, 5, "tehran", TODAY + timedelta(days=4)),
            OrderToMatch(2, ELDERLY, 19, "fars", TODAY + timedelta(days=3)),
        ),
    )
    tehran = DemandClass("tehran", ELDERLY, TODAY + timedelta(days=4))
    fars = DemandClass("fars", ELDERLY, TODAY + timedelta(days=3))
    problem = TransportationProblem(market)
    assert problem.solve({tehran: 5, fars: 19}) == FlowResult(23, DISTANCE_KM["fars"]["tehran"])
    assert problem.solve({tehran: 3, fars: 19}) == FlowResult(22, 0)


def test_gini() -> None:
    assert gini([0.5, 0.5, 0.5]) == 0
    assert gini([0.0, 0.0, 0.0]) == 0
    assert gini([0.0, 0.0, 1.0]) == pytest.approx(2 / 3)


BATCH_KEYS = {
    "batch_units_placed_share",
    "batch_unit_km_ratio_to_optimum",
    "batch_gini_final",
    "gini_engine_final",
    "batch_seconds",
    "batch_overbooked",
}


def test_batch_mode_is_in_the_default_run_on_the_same_footing(figures: dict[str, object]) -> None:
    """The batch places no more than the relaxation, never beats its optimum for the same units,
    overbooks nobody and conserves every order."""
    assert figures.keys() >= BATCH_KEYS
    assert 0 < figures["batch_units_placed_share"] <= 1
    assert figures["batch_unit_km_ratio_to_optimum"] >= 0.999
    assert figures["batch_overbooked"] == 0
    assert figures["batch_conserved"] is True
