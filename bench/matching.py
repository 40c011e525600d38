"""Benchmark of the online matching engine: throughput, distance against the offline optimum, fairness.

Run ``python bench/matching.py`` (``--help`` for the sizes); bench/README.md explains every figure.
The stream of a generated marketplace (bench/marketgen.py) is matched twice, each time online in
arrival order: by the engine (``market.domain.matching.match_order``) and by a plain nearest-first
greedy that is the engine without its fairness tie-break (checked on every order of the stream).
The same served units are then placed offline by a min-cost flow over a relaxation of the
capacity rule, a lower bound on unit-kilometres.
The last line of the output is one JSON object for scripts.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from functools import partial
from operator import itemgetter
from pathlib import Path
from typing import NamedTuple, Protocol

import numpy as np
from ortools.graph.python import min_cost_flow

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # `python bench/matching.py` from anywhere

from bench.marketgen import DEFAULT_SEED, KITS, Marketplace, generate
from market.domain.capacity import Commitment, capacity_until
from market.domain.geo import DISTANCE_KM, TRANSIT_KM_PER_DAY, transit_days
from market.domain.matching import Business, CandidatePool, OrderToMatch, is_eligible, match_order

TARGET_ORDERS_PER_SECOND = 2000
#: the engine's total unit-km may exceed the plain greedy's by at most this share
TARGET_DISTANCE_OVERHEAD = 0.01
#: the engine's unplaced share may exceed the plain greedy's by at most this (in points of the demand)
TARGET_UNPLACED_OVERHEAD = 0.01
#: fairness snapshots, as shares of the stream matched so far
CHECKPOINTS = (0.25, 0.50, 0.75, 1.00)
#: the stranding diagnosis looks at production before this day: the units left unplaced are of
#: orders due within six weeks (bench/README.md, "Why the engine strands more units")
EARLY_DAYS = 35


class Placed(Protocol):
    """What the stream needs of a job to record it: the engine's Allocation and the greedy's Job."""

    @property
    def business_id(self) -> int: ...
    @property
    def quantity(self) -> int: ...
    @property
    def due_date(self) -> date: ...


Matcher = Callable[[OrderToMatch, Sequence[Business], date], Sequence[Placed]]


class Job(NamedTuple):
    """A job the greedy offers, with the fields of the engine's Allocation that the stream uses."""

    business_id: int
    quantity: int
    due_date: date


class DemandClass(NamedTuple):
    """Orders the offline optimum cannot tell apart: same delivery province, kit and needed-by."""

    province: str
    kit: str
    needed_by: date


def engine(order: OrderToMatch, candidates: Sequence[Business], today: date) -> Sequence[Placed]:
    """The engine under test, exactly as the matching service calls it."""
    return match_order(order, candidates, today).allocations


Rank = Callable[[Business, date, int, int], tuple[object, ...]]


def engine_rank(business: Business, today: date, free: int, remaining: int) -> tuple[object, ...]:
    """The engine's order among equally near businesses: the less utilized (P4), then the lower id."""
    return (business.schedule.utilization(today), business.id)


def plain_rank(business: Business, today: date, free: int, remaining: int) -> tuple[object, ...]:
    """The plain greedy: equally near businesses go by id alone."""
    return (business.id,)


def whole_first_rank(business: Business, today: date, free: int, remaining: int) -> tuple[object, ...]:
    """The engine's previous rule: one that can take the whole remainder (not below its min_lot)
    first, then the less utilized, then the lower id. Shows what that preference costs."""
    return (free < remaining, remaining < business.min_lot, business.schedule.utilization(today), business.id)


def nearest_first(
    order: OrderToMatch,
    candidates: Sequence[Business],
    today: date,
    rank: Rank = plain_rank,
    max_splits: int | None = None,
) -> list[Job]:
    """The engine's walk, written again with the order among equally near businesses as a
    parameter; with the default, :func:`plain_rank`, it is the plain nearest-first greedy.

    It mirrors ``match_order`` rule for rule: same eligibility; distance groups visited nearest
    first; production deadline = needed_by − transit days; room = ``Schedule.free_until``; inside a
    group, businesses with room ranked by ``rank``; each takes all it can (at most ``max_splits``
    jobs if given: the engine has no such cap); a take below the business's min_lot that is not the
    whole remainder is passed over; before a farther group is visited, and after the walk, the first
    passed-over business whose room covers the whole remainder takes it. With :func:`engine_rank` it
    must give exactly the engine's jobs, which the bench checks on every order of the stream.
    """
    distance_from = DISTANCE_KM[order.delivery_province]
    groups: dict[int, list[Business]] = defaultdict(list)
    for b in candidates:
        if is_eligible(b, order):
            groups[distance_from[b.province]].append(b)
    remaining = order.quantity
    slots = order.quantity if max_splits is None else max_splits
    jobs: list[Job] = []
    passed: list[tuple[Business, int, date]] = []
    for distance in sorted(groups):
        if remaining == 0 or slots <= 0:
            break
        if passed and (last := _last_remainder(passed, remaining)):
            jobs.append(last)
            remaining = 0
            break
        due = order.needed_by - timedelta(days=1 + distance // TRANSIT_KM_PER_DAY)
        with_room = []
        for b in groups[distance]:
            free = b.schedule.free_until(due, today)
            if free > 0:
                with_room.append((rank(b, today, free, remaining), b.id, b, free))
        with_room.sort(key=itemgetter(0))
        for _, _, b, free in with_room:
            if remaining == 0 or slots <= 0:
                break
            take = min(free, remaining)
            if take < b.min_lot and take < remaining:
                passed.append((b, free, due))
                continue
            jobs.append(Job(b.id, take, due))
            remaining -= take
            slots -= 1
    if remaining and slots > 0 and passed and (last := _last_remainder(passed, remaining)):
        jobs.append(last)
    return jobs


def _last_remainder(passed: list[tuple[Business, int, date]], remaining: int) -> Job | None:
    """The job giving the whole remainder to the first passed-over business with room for it."""
    for b, free, due in passed:
        if free >= remaining:
            return Job(b.id, remaining, due)
    return None


@dataclass
class StreamRun:
    """One online pass over the stream."""

    #: CPU seconds spent matching and applying in each quarter of the stream (CHECKPOINTS); the
    #: fairness snapshots between quarters are not counted
    seconds: list[float]
    #: (order index in the stream, business id, units, production deadline), in the order made
    jobs: list[tuple[int, int, int, date]]
    #: utilization of every active business at each checkpoint
    utilization: list[list[float]]
    #: the active businesses with all their jobs at the end
    businesses: dict[int, Business]
    #: :func:`early_production` at each checkpoint
    early: list[tuple[int, int]] = field(default_factory=list)


def checkpoint_bounds(orders: int) -> list[int]:
    """Stream indexes where each quarter (CHECKPOINTS) starts and the last one ends."""
    return [0] + [round(share * orders) for share in CHECKPOINTS]


def run_stream(market: Marketplace, matcher: Matcher) -> StreamRun:
    """Match every order in arrival order at ``market.today`` and apply its jobs before the next.

    Candidates are kept per kit, as the query ``WHERE kit AND approved AND NOT paused`` returns them;
    applying a job replaces the business by a copy holding one more commitment (its schedule is
    rebuilt lazily on the next question), exactly what reloading it from the database would give.
    Time is the process's CPU time, so that other work on the machine does not count against the
    engine (on an idle machine it equals wall time: the loop is single-threaded and never waits).
    """
    today, orders = market.today, market.orders
    businesses = {b.id: b for b in market.active}
    by_kit = {kit: CandidatePool(b for b in businesses.values() if kit in b.kits) for kit in KITS}
    bounds = checkpoint_bounds(len(orders))
    run = StreamRun([], [], [], businesses)
    for start, stop in itertools.pairwise(bounds):
        began = time.process_time()
        for i in range(start, stop):
            order = orders[i]
            for placed in matcher(order, by_kit[order.kit], today):
                b = businesses[placed.business_id]
                b = replace(b, jobs=(*b.jobs, Commitment(placed.quantity, placed.due_date)))
                businesses[b.id] = b
                for kit in b.kits:
                    by_kit[kit].put(b)
                run.jobs.append((i, b.id, placed.quantity, placed.due_date))
        run.seconds.append(time.process_time() - began)
        run.utilization.append([b.schedule.utilization(today) for b in businesses.values()])
        run.early.append(early_production(businesses.values(), today))
    return run


def early_production(businesses: Iterable[Business], today: date, days: int = EARLY_DAYS) -> tuple[int, int]:
    """(production before ``today + days`` that no job due by then holds, the part of it that jobs
    due later hold). For one business the first is its slack at that day, ``floor(w × days / 7)``
    minus the units due by then; what a new job due then can still have is ``free_until`` (the
    capacity rule: the slack at every later deadline bounds it too); the difference is production
    before the day that later jobs need, i.e. early room that work due later has taken."""
    end = today + timedelta(days=days)
    unheld = held = 0
    for b in businesses:
        due = sum(c.remaining for c in b.jobs if c.deadline <= end)
        slack = max(0, capacity_until(b.weekly_capacity, today, end) - due)
        unheld += slack
        held += slack - min(slack, b.schedule.free_until(end, today))
    return unheld, held


@dataclass(frozen=True)
class Stranding:
    """Where the units a run left unplaced could have gone, asked at the moment each order was matched."""

    units: int
    orders: int
    #: units left while an eligible business that got nothing had room a job could legally take
    #: (room of at least its min_lot, or of all that was left): DESIGN.md P5 says 0
    placeable: int
    #: room those eligible businesses had then, before the order's deadline for each (all of it
    #: below their min_lot and below what was left, when ``placeable`` is 0)
    room: int


def stranding(market: Marketplace, matcher: Matcher) -> Stranding:
    """One untimed run of the stream that looks, for every order left with units, at every eligible
    business that got none of them: how much room it had before its deadline for the order."""
    found = {"units": 0, "orders": 0, "placeable": 0, "room": 0}

    def observed(order: OrderToMatch, candidates: Sequence[Business], today: date) -> Sequence[Placed]:
        placed = matcher(order, candidates, today)
        left = order.quantity - sum(p.quantity for p in placed)
        if left:
            got = {p.business_id for p in placed}
            rooms = [
                (
                    b,
                    b.schedule.free_until(
                        order.needed_by - timedelta(days=transit_days(b.province, order.delivery_province)),
                        today,
                    ),
                )
                for b in candidates
                if b.id not in got and is_eligible(b, order)
            ]
            found["units"] += left
            found["orders"] += 1
            found["room"] += sum(free for _, free in rooms)
            found["placeable"] += (
                left if any(free >= min(b.min_lot, left) for b, free in rooms if free) else 0
            )
        return placed

    run_stream(market, observed)
    return Stranding(**found)


def median_run(market: Marketplace, matcher: Matcher, runs: int) -> StreamRun:
    """The median by time of ``runs`` runs, each from the fresh marketplace (for an even count, the
    slower of the middle two). Matching is deterministic, so all runs must place the same jobs."""
    results = sorted((run_stream(market, matcher) for _ in range(runs)), key=lambda r: sum(r.seconds))
    if any(r.jobs != results[0].jobs for r in results[1:]):
        raise RuntimeError("two runs of the same stream placed different jobs")
    return results[len(results) // 2]


def mirror_mismatches(market: Marketplace) -> int:
    """On how many orders of the stream :func:`nearest_first` with the engine's tie-break gives other
    jobs than the engine, both asked on the engine's own run (untimed). 0 means the greedy baseline
    differs from the engine in the tie-break only, however the engine's rules evolve."""
    mismatches = 0

    def compared(order: OrderToMatch, candidates: Sequence[Business], today: date) -> Sequence[Placed]:
        nonlocal mismatches
        placed = engine(order, candidates, today)
        walked = nearest_first(order, candidates, today, engine_rank)
        mismatches += [(a.business_id, a.quantity, a.due_date) for a in placed] != [tuple(j) for j in walked]
        return placed

    run_stream(market, compared)
    return mismatches


@dataclass(frozen=True)
class Outcome:
    """What a stream run placed and how fast, in the terms the report uses."""

    orders_per_second: float
    #: throughput in each quarter of the stream: it falls as nearby capacity fills up
    quarter_orders_per_second: list[float]
    units: int
    unit_km: int
    jobs_per_order: float
    same_province_share: float
    by_class: dict[DemandClass, int]
    overbooked: int
    spread: list[float]
    gini: list[float]
    #: :func:`early_production` at each checkpoint
    early: list[tuple[int, int]] = field(default_factory=list)


def outcome(market: Marketplace, run: StreamRun) -> Outcome:
    """The figures of one run; unit-km counts each unit at the distance between the capitals of the
    maker's and the delivery province, as the engine's explanation does."""
    bounds = checkpoint_bounds(len(market.orders))
    province_of = {b.id: b.province for b in market.businesses}
    units = unit_km = local = 0
    by_class: dict[DemandClass, int] = defaultdict(int)
    for i, business_id, quantity, _ in run.jobs:
        order = market.orders[i]
        distance = DISTANCE_KM[order.delivery_province][province_of[business_id]]
        units += quantity
        unit_km += quantity * distance
        local += quantity if distance == 0 else 0
        by_class[demand_class(order)] += quantity
    return Outcome(
        orders_per_second=len(market.orders) / sum(run.seconds),
        quarter_orders_per_second=[
            (stop - start) / seconds if seconds else math.inf
            for (start, stop), seconds in zip(itertools.pairwise(bounds), run.seconds, strict=True)
        ],
        units=units,
        unit_km=unit_km,
        jobs_per_order=len(run.jobs) / len(market.orders),
        same_province_share=local / units if units else 0.0,
        by_class=by_class,
        overbooked=sum(not b.schedule.is_feasible(market.today) for b in run.businesses.values()),
        spread=[max(u) - min(u) for u in run.utilization],
        gini=[gini(u) for u in run.utilization],
        early=run.early,
    )


def demand_class(order: OrderToMatch) -> DemandClass:
    return DemandClass(order.delivery_province, order.kit, order.needed_by)


def gini(values: Sequence[float]) -> float:
    """Gini coefficient: 0 when all are equal, towards 1 when one holds everything; 0 for all zeros."""
    xs = sorted(values)
    total = sum(xs)
    if not total:
        return 0.0
    n = len(xs)
    return sum((2 * i - n + 1) * x for i, x in enumerate(xs)) / (n * total)


class FlowResult(NamedTuple):
    """A solution of the relaxation: units served and their total unit-km (the least possible)."""

    units: int
    unit_km: int


class TransportationProblem:
    """The offline optimum as a min-cost flow, built once for the stream and solved per demand.

    Supply is aggregated into classes (province, kit set) and demand into :class:`DemandClass`.
    For a supply class s, every demand class c it can serve has a production deadline
    d = needed_by − transit_days(s, c); with s's distinct deadlines d_1 < d_2 < …, the node (s, k)
    receives from the source what s's businesses make between d_(k−1) and d_k
    (Σ floor(w × days / 7), the capacity rule's rounding) and passes it on, free, to (s, k+1): work
    made early can serve a later deadline. (s, k) → c costs DISTANCE_KM per unit; c → sink carries
    the units to serve. A flow that serves all of them is a schedule meeting every cumulative
    deadline of every class, i.e. the earliest-deadline-first rule with a class's businesses pooled,
    without min_lot and without the split limit: its minimum cost is a lower bound on the
    unit-kilometres of any online placement of the same units.
    """

    def __init__(self, market: Marketplace) -> None:
        today = market.today
        self.classes = sorted({demand_class(o) for o in market.orders})
        supply: dict[tuple[str, frozenset[str]], list[int]] = defaultdict(list)
        for b in market.active:
            supply[(b.province, b.kits)].append(b.weekly_capacity)
        self.source, self.sink = 0, 1
        class_node = {c: 2 + i for i, c in enumerate(self.classes)}
        next_node = 2 + len(self.classes)
        unbounded = sum(o.quantity for o in market.orders)
        tails: list[int] = []
        heads: list[int] = []
        capacities: list[int] = []
        costs: list[int] = []

        def arc(tail: int, head: int, capacity: int, cost: int) -> None:
            tails.append(tail)
            heads.append(head)
            capacities.append(capacity)
            costs.append(cost)

        for (province, kits), weekly in supply.items():
            served = [
                (c.needed_by - timedelta(days=transit_days(province, c.province)), c)
                for c in self.classes
                if c.kit in kits
            ]
            deadlines = sorted({d for d, _ in served})
            node_of = {d: next_node + k for k, d in enumerate(deadlines)}
            next_node += len(deadlines)
            made_before = 0
            for k, d in enumerate(deadlines):
                made = sum(capacity_until(w, today, d) for w in weekly)
                arc(self.source, node_of[d], made - made_before, 0)
                made_before = made
                if k + 1 < len(deadlines):
                    arc(node_of[d], node_of[deadlines[k + 1]], unbounded, 0)
            for d, c in served:
                arc(node_of[d], class_node[c], unbounded, DISTANCE_KM[province][c.province])
        self._fixed = len(tails)
        for c in self.classes:
            arc(class_node[c], self.sink, 0, 0)
        self.nodes, self.arcs = next_node, len(tails)
        self._tails = np.array(tails, dtype=np.int32)
        self._heads = np.array(heads, dtype=np.int32)
        self._capacities = np.array(capacities, dtype=np.int64)
        self._costs = np.array(costs, dtype=np.int64)

    def solve(self, demand: Mapping[DemandClass, int]) -> FlowResult:
        """The most of ``demand`` the relaxation can serve, at the least total unit-km."""
        capacities = self._capacities.copy()
        capacities[self._fixed :] = [demand.get(c, 0) for c in self.classes]
        total = int(capacities[self._fixed :].sum())
        flow = min_cost_flow.SimpleMinCostFlow()
        flow.add_arcs_with_capacity_and_unit_cost(self._tails, self._heads, capacities, self._costs)
        flow.set_nodes_supplies(
            np.array([self.source, self.sink], dtype=np.int32), np.array([total, -total], dtype=np.int64)
        )
        status = flow.solve_max_flow_with_min_cost()
        if status != flow.OPTIMAL:
            raise RuntimeError(f"min-cost flow failed: {status}")
        return FlowResult(flow.maximum_flow(), flow.optimal_cost())


@dataclass(frozen=True)
class Report:
    """Every figure of one benchmark, and the two ways to print them."""

    market: Marketplace
    runs: int
    mirror_mismatches: int
    engine: Outcome
    greedy: Outcome
    best_for_engine: FlowResult
    best_for_greedy: FlowResult
    best_for_all: FlowResult
    network: tuple[int, int]
    seconds: float
    #: the engine's previous rule, whole remainder first then utilization (one run)
    whole_first: Outcome | None = None
    #: where the units left unplaced could have gone (one untimed run each)
    stranding_engine: Stranding | None = None
    stranding_greedy: Stranding | None = None

    @property
    def optimum_serves_all(self) -> bool:
        """Whether the relaxation served exactly what each algorithm did (it must: their placements
        are flows of it)."""
        engine_ok = self.best_for_engine.units == self.engine.units
        return engine_ok and self.best_for_greedy.units == self.greedy.units

    def figures(self) -> dict[str, object]:
        """The JSON line: the figures a script compares between runs."""
        m, e, g = self.market, self.engine, self.greedy
        return {
            "orders_per_second": round(e.orders_per_second, 1),
            "orders_per_second_greedy": round(g.orders_per_second, 1),
            "unit_km_engine": e.unit_km,
            "unit_km_greedy": g.unit_km,
            "unit_km_optimum": self.best_for_engine.unit_km,
            "unit_km_optimum_greedy": self.best_for_greedy.unit_km,
            "unit_km_ratio_to_optimum": _ratio(e.unit_km, self.best_for_engine.unit_km),
            "unit_km_ratio_greedy_to_optimum": _ratio(g.unit_km, self.best_for_greedy.unit_km),
            "unit_km_ratio_engine_to_greedy": _ratio(e.unit_km, g.unit_km),
            "gini_engine": round(statistics.fmean(e.gini), 4),
            "gini_greedy": round(statistics.fmean(g.gini), 4),
            "gini_engine_final": round(e.gini[-1], 4),
            "gini_greedy_final": round(g.gini[-1], 4),
            "spread_engine": round(statistics.fmean(e.spread), 4),
            "spread_greedy": round(statistics.fmean(g.spread), 4),
            "units_demanded": m.units_demanded,
            "units_allocated_engine": e.units,
            "units_allocated_greedy": g.units,
            "unplaced_share_engine": _share(m.units_demanded - e.units, m),
            "unplaced_share_greedy": _share(m.units_demanded - g.units, m),
            "units_placeable_relaxation": self.best_for_all.units,
            "capacity_over_horizon": m.capacity_over_horizon,
            "optimum_serves_all": self.optimum_serves_all,
            "overbooked_engine": e.overbooked,
            "overbooked_greedy": g.overbooked,
            "greedy_mirrors_engine": self.mirror_mismatches == 0,
            **(
                {
                    "unit_km_whole_first": self.whole_first.unit_km,
                    "units_allocated_whole_first": self.whole_first.units,
                    "unplaced_share_whole_first": _share(m.units_demanded - self.whole_first.units, m),
                    "gini_whole_first": round(statistics.fmean(self.whole_first.gini), 4),
                }
                if self.whole_first
                else {}
            ),
            **self.stranding_figures(),
            "targets_met": all(met for _, met, _ in self.targets()),
            "seed": m.seed,
            "businesses": len(m.businesses),
            "orders": len(m.orders),
            "runs": self.runs,
            "seconds": round(self.seconds, 1),
        }

    def stranding_figures(self) -> dict[str, object]:
        """Why units are left unplaced: none while a business could legally take them (P5), and
        how much early production work due later holds (at 75 % of the stream and at the end)."""
        out: dict[str, object] = {}
        for name, found, run in (
            ("engine", self.stranding_engine, self.engine),
            ("greedy", self.stranding_greedy, self.greedy),
        ):
            if found:
                out[f"units_left_placeable_{name}"] = found.placeable
                out[f"room_when_left_{name}"] = found.room
            if run.early:
                out[f"early_production_unheld_75_{name}"] = run.early[2][0]
                out[f"early_production_held_by_later_75_{name}"] = run.early[2][1]
                out[f"early_production_held_by_later_{name}"] = run.early[-1][1]
        return out

    def targets(self) -> list[tuple[str, bool, str]]:
        """(target, met, measured) for the targets of the issues."""
        e, g = self.engine, self.greedy
        demanded = self.market.units_demanded
        gini_e, gini_g = statistics.fmean(e.gini), statistics.fmean(g.gini)
        return [
            (
                f"throughput >= {TARGET_ORDERS_PER_SECOND:,} orders/s",
                e.orders_per_second >= TARGET_ORDERS_PER_SECOND,
                f"{e.orders_per_second:,.0f} orders/s",
            ),
            (
                f"unit-km <= greedy's + {TARGET_DISTANCE_OVERHEAD:.0%}",
                e.unit_km <= g.unit_km * (1 + TARGET_DISTANCE_OVERHEAD),
                f"engine / greedy = {_ratio(e.unit_km, g.unit_km):.4f}",
            ),
            (
                f"unplaced <= greedy's + {TARGET_UNPLACED_OVERHEAD * 100:.0f} point",
                g.units - e.units <= TARGET_UNPLACED_OVERHEAD * self.market.units_demanded,
                f"{1 - e.units / demanded:.2%} vs {1 - g.units / demanded:.2%}",
            ),
            (
                "utilization Gini < greedy's",
                gini_e < gini_g,
                f"{gini_e:.4f} vs {gini_g:.4f} (mean of the checkpoints)",
            ),
        ]

    def table(self) -> str:
        m, e, g = self.market, self.engine, self.greedy
        demanded = m.units_demanded

        def row(label: str, engine_value: str, greedy_value: str) -> str:
            return f"  {label:40}{engine_value:>16}{greedy_value:>16}".rstrip()

        lines = [
            f"Marketplace: seed {m.seed}, {len(m.businesses):,} businesses ({len(m.active):,} active), "
            f"{len(m.orders):,} orders, all matched at {m.today.isoformat()}",
            f"  demand {demanded:,} units = {demanded / m.capacity_over_horizon:.3f} of what the active "
            f"businesses can make over the horizon ({m.capacity_over_horizon:,})",
            "",
            row("", "engine", "greedy"),
            row(
                f"orders/s (median of {self.runs} runs)",
                f"{e.orders_per_second:,.0f}",
                f"{g.orders_per_second:,.0f}",
            ),
        ]
        for k, share in enumerate(CHECKPOINTS):
            lines.append(
                row(
                    f"  orders/s in quarter {k + 1} (to {share:.0%})",
                    f"{e.quarter_orders_per_second[k]:,.0f}",
                    f"{g.quarter_orders_per_second[k]:,.0f}",
                )
            )
        lines += [
            row("units allocated", f"{e.units:,}", f"{g.units:,}"),
            row("units unallocated", f"{demanded - e.units:,}", f"{demanded - g.units:,}"),
            row("share unallocated", f"{1 - e.units / demanded:.2%}", f"{1 - g.units / demanded:.2%}"),
            row("jobs per order", f"{e.jobs_per_order:.3f}", f"{g.jobs_per_order:.3f}"),
            row(
                "units made in the delivery province",
                f"{e.same_province_share:.2%}",
                f"{g.same_province_share:.2%}",
            ),
            row("unit-km", f"{e.unit_km:,}", f"{g.unit_km:,}"),
            row("km per unit", f"{e.unit_km / e.units:.1f}", f"{g.unit_km / g.units:.1f}"),
            row(
                "unit-km of the optimum, same units",
                f"{self.best_for_engine.unit_km:,}",
                f"{self.best_for_greedy.unit_km:,}",
            ),
            row(
                "ratio to the optimum",
                f"{_ratio(e.unit_km, self.best_for_engine.unit_km):.4f}",
                f"{_ratio(g.unit_km, self.best_for_greedy.unit_km):.4f}",
            ),
            row("utilization spread (max - min) / Gini", "", ""),
        ]
        for k, share in enumerate(CHECKPOINTS):
            lines.append(
                row(
                    f"  at {share:.0%} of the stream",
                    f"{e.spread[k]:.3f} / {e.gini[k]:.3f}",
                    f"{g.spread[k]:.3f} / {g.gini[k]:.3f}",
                )
            )
        lines += [
            row(
                "  mean of the checkpoints",
                f"{statistics.fmean(e.spread):.3f} / {statistics.fmean(e.gini):.3f}",
                f"{statistics.fmean(g.spread):.3f} / {statistics.fmean(g.gini):.3f}",
            ),
            row("overbooked businesses", str(e.overbooked), str(g.overbooked)),
        ]
        lines += self.stranding_rows(row)
        lines += [""]
        if self.whole_first:
            w = self.whole_first
            lines.append(
                f"The previous rule (whole remainder first, then utilization): {1 - w.units / demanded:.2%} "
                f"unallocated, {w.unit_km:,} unit-km, {w.jobs_per_order:.3f} jobs per order, "
                f"mean Gini {statistics.fmean(w.gini):.3f}."
            )
        lines += [
            f"Offline relaxation: {self.network[0]:,} nodes, {self.network[1]:,} arcs. With every "
            f"order's full quantity it places {self.best_for_all.units:,} of {demanded:,} units "
            f"({self.best_for_all.units / demanded:.2%}) at {self.best_for_all.unit_km:,} unit-km.",
            "It serves exactly the units each algorithm placed: "
            + (
                "yes"
                if self.optimum_serves_all
                else f"NO ({self.best_for_engine.units:,} / {self.best_for_greedy.units:,})"
            ),
            "The greedy's walk with the engine's tie-break gives the engine's jobs on every order: "
            + ("yes" if not self.mirror_mismatches else f"NO, on {self.mirror_mismatches:,} orders"),
            "",
            "Targets:",
        ]
        lines += [
            f"  {name:34}{'met' if met else 'NOT met':>8}   {text}" for name, met, text in self.targets()
        ]
        lines.append(f"Run time {self.seconds:.1f} s.")
        return "\n".join(lines)

    def stranding_rows(self, row: Callable[[str, str, str], str]) -> list[str]:
        """The table's lines on where the units left unplaced could have gone."""
        lines = []
        e, g = self.stranding_engine, self.stranding_greedy
        if e and g:
            lines += [
                row("orders left with units", f"{e.orders:,}", f"{g.orders:,}"),
                row("  units a business could legally take", f"{e.placeable:,}", f"{g.placeable:,}"),
                row("  room of the others then (< min_lot)", f"{e.room:,}", f"{g.room:,}"),
            ]
        if len(self.engine.early) == len(CHECKPOINTS) and len(self.greedy.early) == len(CHECKPOINTS):
            lines.append(row(f"production before day {EARLY_DAYS}:", "", ""))
            for k, share in enumerate(CHECKPOINTS):
                (eu, eh), (gu, gh) = self.engine.early[k], self.greedy.early[k]
                lines.append(row(f"  at {share:.0%}: not held by work due by then", f"{eu:,}", f"{gu:,}"))
                lines.append(row("    of which work due later holds", f"{eh:,}", f"{gh:,}"))
        return lines


def _share(units: int, market: Marketplace) -> float:
    """``units`` as a share of the stream's demand, to 6 places."""
    return round(units / market.units_demanded, 6) if market.units_demanded else 0.0


def _ratio(numerator: int, denominator: int) -> float:
    """numerator / denominator to 4 places; 0 / 0 is 1 (nothing moved on either side)."""
    if not denominator:
        return 1.0 if not numerator else math.inf
    return round(numerator / denominator, 4)


def benchmark(seed: int, businesses: int, orders: int, runs: int) -> Report:
    """Generate the marketplace, run both algorithms ``runs`` times and solve the optimum."""
    began = time.perf_counter()
    market = generate(seed, businesses, orders)
    engine_outcome = outcome(market, median_run(market, engine, runs))
    greedy_outcome = outcome(market, median_run(market, nearest_first, runs))
    whole_first = outcome(market, run_stream(market, partial(nearest_first, rank=whole_first_rank)))
    stranding_engine, stranding_greedy = stranding(market, engine), stranding(market, nearest_first)
    mismatches = mirror_mismatches(market)
    problem = TransportationProblem(market)
    all_demand: dict[DemandClass, int] = defaultdict(int)
    for order in market.orders:
        all_demand[demand_class(order)] += order.quantity
    best_for_engine = problem.solve(engine_outcome.by_class)
    best_for_greedy = problem.solve(greedy_outcome.by_class)
    best_for_all = problem.solve(all_demand)
    return Report(
        market=market,
        runs=runs,
        mirror_mismatches=mismatches,
        engine=engine_outcome,
        greedy=greedy_outcome,
        best_for_engine=best_for_engine,
        best_for_greedy=best_for_greedy,
        best_for_all=best_for_all,
        network=(problem.nodes, problem.arcs),
        seconds=time.perf_counter() - began,
        whole_first=whole_first,
        stranding_engine=stranding_engine,
        stranding_greedy=stranding_greedy,
    )


# ------------------------------------------------------------------------------------------------
# Batch allocation: the whole stream placed as one batch by market.domain.allocation (bench/README.md,
# "Batch allocation"). Kept apart from the online benchmark above: it only reads its Report.
# ------------------------------------------------------------------------------------------------

TARGET_BATCH_PLACED_SHARE = 0.995
TARGET_BATCH_UNIT_KM_RATIO = 1.05
TARGET_BATCH_SECONDS = 10.0


@dataclass(frozen=True)
class BatchOutcome:
    """What the batch allocator placed for the whole stream, and the figures it is held to."""

    #: CPU seconds of ``allocate_batch`` (one call, single-threaded) and of its flow part alone
    seconds: float
    seconds_flow: float
    units: int
    unit_km: int
    jobs: int
    orders: int
    exact: bool
    #: units the relaxation places with every order's full quantity, and its optimum for exactly
    #: the units the batch placed (per demand class)
    relaxation_units: int
    optimum_for_batch: int
    gini_final: float
    spread_final: float
    overbooked: int
    conserved: bool
    network: tuple[int, int]


def run_batch(market: Marketplace, problem: TransportationProblem, relaxation_units: int) -> BatchOutcome:
    """Allocate every order of the stream as one batch at ``market.today`` and measure it."""
    from market.domain.allocation import allocate_batch
    from market.domain.allocation_flow import build_and_solve, make_pools

    began = time.process_time()
    result = allocate_batch(market.orders, market.active, market.today)
    seconds = time.process_time() - began
    began = time.process_time()
    orders = sorted(market.orders, key=lambda o: o.id)
    network = build_and_solve(make_pools(market.active, orders), orders, market.today)
    seconds_flow = time.process_time() - began
    added: dict[int, list[Commitment]] = defaultdict(list)
    by_class: dict[DemandClass, int] = defaultdict(int)
    order_of = {o.id: o for o in market.orders}
    for job in result.jobs:
        added[job.business_id].append(Commitment(job.quantity, job.due_date))
        by_class[demand_class(order_of[job.order_id])] += job.quantity
    final = [replace(b, jobs=(*b.jobs, *added[b.id])) for b in market.active]
    utilization = [b.schedule.utilization(market.today) for b in final]
    conserved = all(
        o.allocated + o.unallocated == order_of[o.order_id].quantity and o.unallocated >= 0
        for o in result.orders
    ) and len(result.orders) == len(market.orders)
    return BatchOutcome(
        seconds=seconds,
        seconds_flow=seconds_flow,
        units=result.units_placed,
        unit_km=result.unit_km,
        jobs=len(result.jobs),
        orders=len(market.orders),
        exact=result.exact,
        relaxation_units=relaxation_units,
        optimum_for_batch=problem.solve(by_class).unit_km,
        gini_final=gini(utilization),
        spread_final=max(utilization) - min(utilization),
        overbooked=sum(not b.schedule.is_feasible(market.today) for b in final),
        conserved=conserved,
        network=(network.nodes, network.arcs),
    )


def batch_report(market: Marketplace, report: Report | None) -> BatchOutcome:
    """The batch outcome, reusing the online report's relaxation when there is one."""
    problem = TransportationProblem(market)
    if report is not None:
        relaxation_units = report.best_for_all.units
    else:
        all_demand: dict[DemandClass, int] = defaultdict(int)
        for order in market.orders:
            all_demand[demand_class(order)] += order.quantity
        relaxation_units = problem.solve(all_demand).units
    return run_batch(market, problem, relaxation_units)


def batch_figures(batch: BatchOutcome, report: Report | None) -> dict[str, object]:
    """The batch's keys of the JSON line."""
    engine_gini = round(report.engine.gini[-1], 4) if report else None
    return {
        "batch_units_placed": batch.units,
        "batch_units_placed_share": round(batch.units / batch.relaxation_units, 4)
        if batch.relaxation_units
        else 1.0,
        "batch_unit_km": batch.unit_km,
        "batch_unit_km_optimum": batch.optimum_for_batch,
        "batch_unit_km_ratio_to_optimum": _ratio(batch.unit_km, batch.optimum_for_batch),
        "batch_gini_final": round(batch.gini_final, 4),
        "gini_engine_final": engine_gini,
        "batch_spread_final": round(batch.spread_final, 4),
        "batch_jobs_per_order": round(batch.jobs / batch.orders, 3),
        "batch_exact": batch.exact,
        "batch_conserved": batch.conserved,
        "batch_overbooked": batch.overbooked,
        "batch_seconds": round(batch.seconds, 2),
        "batch_seconds_flow": round(batch.seconds_flow, 2),
        "batch_targets_met": all(met for _, met, _ in batch_targets(batch, report)),
    }


def batch_targets(batch: BatchOutcome, report: Report | None) -> list[tuple[str, bool, str]]:
    share = batch.units / batch.relaxation_units if batch.relaxation_units else 1.0
    ratio = _ratio(batch.unit_km, batch.optimum_for_batch)
    targets = [
        (
            f"placed >= {TARGET_BATCH_PLACED_SHARE:.1%} of the relaxation",
            share >= TARGET_BATCH_PLACED_SHARE,
            f"{share:.4%}",
        ),
        (
            f"unit-km <= {TARGET_BATCH_UNIT_KM_RATIO}x optimum",
            ratio <= TARGET_BATCH_UNIT_KM_RATIO,
            f"{ratio:.4f}",
        ),
        (
            f"solve < {TARGET_BATCH_SECONDS:.0f} s CPU",
            batch.seconds < TARGET_BATCH_SECONDS,
            f"{batch.seconds:.2f} s",
        ),
        (
            "no workshop overbooked, orders conserved",
            not batch.overbooked and batch.conserved,
            str(batch.overbooked),
        ),
    ]
    if report is not None:
        engine_gini = report.engine.gini[-1]
        targets.append(
            (
                "final Gini <= engine's",
                batch.gini_final <= engine_gini,
                f"{batch.gini_final:.4f} vs {engine_gini:.4f}",
            )
        )
    return targets


def batch_table(batch: BatchOutcome, report: Report | None) -> str:
    lines = [
        "",
        f"Batch allocation (the whole stream as one batch; {batch.network[0]:,} nodes, "
        f"{batch.network[1]:,} arcs):",
        f"  units placed {batch.units:,} of {batch.relaxation_units:,} the relaxation places",
        f"  unit-km {batch.unit_km:,}, optimum for the same units {batch.optimum_for_batch:,}",
        f"  jobs {batch.jobs:,}; the jobs are the flow itself (no lot moved a unit): "
        + ("yes" if batch.exact else "no"),
        f"  final utilization Gini {batch.gini_final:.4f}, spread {batch.spread_final:.3f}",
        f"  CPU seconds {batch.seconds:.2f} (of which pools, network and solve {batch.seconds_flow:.2f})",
        "Batch targets:",
    ]
    lines += [
        f"  {name:40}{'met' if met else 'NOT met':>8}   {text}"
        for name, met, text in batch_targets(batch, report)
    ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="generator seed (%(default)s)")
    parser.add_argument("--businesses", type=int, default=1000, help="businesses, at least 4 (%(default)s)")
    parser.add_argument("--orders", type=int, default=10_000, help="orders, at least 4 (%(default)s)")
    parser.add_argument("--runs", type=int, default=3, help="timed runs per algorithm (%(default)s)")
    batch_mode = parser.add_mutually_exclusive_group()
    batch_mode.add_argument("--no-batch", action="store_true", help="skip the batch allocation")
    batch_mode.add_argument("--batch-only", action="store_true", help="only the batch allocation")
    args = parser.parse_args(argv)
    if args.businesses < 4 or args.orders < len(CHECKPOINTS) or args.runs < 1:
        parser.error("need --businesses >= 4 (one per cluster province), --orders >= 4 and --runs >= 1")
    report = None if args.batch_only else benchmark(args.seed, args.businesses, args.orders, args.runs)
    figures = {} if report is None else report.figures()
    if report is not None:
        print(report.table())
    if not args.no_batch:
        market = report.market if report else generate(args.seed, args.businesses, args.orders)
        batch = batch_report(market, report)
        print(batch_table(batch, report))
        figures |= batch_figures(batch, report)
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
