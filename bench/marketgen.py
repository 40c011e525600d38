"""A synthetic marketplace for the matching benchmark: businesses clustered as in real life and a
stream of orders spread over Iran by population.

Everything comes from one ``random.Random(seed)``, so a seed names one marketplace exactly and two
runs (or two machines) compare the same work. The shape follows the first real deployment
(DESIGN.md): producers concentrated in Kermanshah, Lorestan, Fars and Tehran, buyers anywhere, so a
large share of the demand has to be made in another province than the one it is delivered to.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from market.domain.capacity import capacity_until
from market.domain.geo import BY_CODE
from market.domain.matching import APPROVED, Business, OrderToMatch

DEFAULT_SEED = 20261128
#: "Now" for the whole stream: every order of one planning window is matched at this date.
TODAY = date(2027, 3, 21)
HORIZON_DAYS = 84
#: soonest needed-by date of an order, in days after TODAY
MIN_LEAD_DAYS = 7
KITS = ("ELDERLY-COVID", "PREGNANT-HYGIENE")
#: total demand of the stream over what the active businesses can make in the horizon
DEMAND_SHARE_OF_CAPACITY = 0.90
#: where the first producers are; half of all generated businesses go here, in equal shares
CLUSTER_PROVINCES = ("kermanshah", "lorestan", "fars", "tehran")

#: Population by province, 2016 National Population and Housing Census (Statistical Centre of Iran,
#: census of 1395; the provinces add up to the published national total of 79,926,270).
POPULATION_2016: Mapping[str, int] = {
    "alborz": 2_712_400,
    "ardabil": 1_270_420,
    "bushehr": 1_163_400,
    "chaharmahal-bakhtiari": 947_763,
    "east-azerbaijan": 3_909_652,
    "fars": 4_851_274,
    "gilan": 2_530_696,
    "golestan": 1_868_819,
    "hamadan": 1_738_234,
    "hormozgan": 1_776_415,
    "ilam": 580_158,
    "isfahan": 5_120_850,
    "kerman": 3_164_718,
    "kermanshah": 1_952_434,
    "khorasan-razavi": 6_434_501,
    "khuzestan": 4_710_509,
    "kohgiluyeh-boyer-ahmad": 713_052,
    "kurdistan": 1_603_011,
    "lorestan": 1_760_649,
    "markazi": 1_429_475,
    "mazandaran": 3_283_582,
    "north-khorasan": 863_092,
    "qazvin": 1_273_761,
    "qom": 1_292_283,
    "semnan": 702_360,
    "sistan-baluchestan": 2_775_014,
    "south-khorasan": 768_898,
    "tehran": 13_267_637,
    "west-azerbaijan": 3_265_219,
    "yazd": 1_138_533,
    "zanjan": 1_057_461,
}
if set(POPULATION_2016) != set(BY_CODE):  # the table must name exactly the shipped provinces
    raise RuntimeError(f"population table and provinces differ: {set(POPULATION_2016) ^ set(BY_CODE)}")


@dataclass(frozen=True)
class Marketplace:
    """The generated businesses (ids 1…n) and the order stream in arrival order, matched at ``today``."""

    seed: int
    today: date
    businesses: tuple[Business, ...]
    orders: tuple[OrderToMatch, ...]

    @property
    def active(self) -> tuple[Business, ...]:
        """The businesses a matching query returns (approved, not paused): the ones that can work."""
        return _active(self.businesses)

    @property
    def capacity_over_horizon(self) -> int:
        """Kits the active businesses can make from ``today`` over the horizon."""
        return _capacity_over_horizon(self.active)

    @property
    def units_demanded(self) -> int:
        return sum(o.quantity for o in self.orders)


def generate(seed: int = DEFAULT_SEED, businesses: int = 1000, orders: int = 10_000) -> Marketplace:
    """The marketplace for ``seed``; the same arguments always give the same marketplace.

    :raises ValueError: for fewer than 4 businesses (one per cluster province) or no orders.
    """
    if businesses < len(CLUSTER_PROVINCES) or orders < 1:
        raise ValueError(f"need at least {len(CLUSTER_PROVINCES)} businesses and 1 order")
    rng = random.Random(seed)
    market_businesses = _businesses(rng, businesses)
    capacity = _capacity_over_horizon(_active(market_businesses))
    return Marketplace(seed, TODAY, market_businesses, _orders(rng, orders, capacity))


def _active(businesses: tuple[Business, ...]) -> tuple[Business, ...]:
    return tuple(b for b in businesses if b.status == APPROVED and not b.paused)


def _capacity_over_horizon(businesses: tuple[Business, ...]) -> int:
    end = TODAY + timedelta(days=HORIZON_DAYS)
    return sum(capacity_until(b.weekly_capacity, TODAY, end) for b in businesses)


def _businesses(rng: random.Random, n: int) -> tuple[Business, ...]:
    """Half in the cluster provinces, the rest over the other 27 by population; micro-business sizes."""
    others = [code for code in POPULATION_2016 if code not in CLUSTER_PROVINCES]
    clustered = n // 2
    provinces = [CLUSTER_PROVINCES[i % len(CLUSTER_PROVINCES)] for i in range(clustered)]
    provinces += rng.choices(others, weights=[POPULATION_2016[p] for p in others], k=n - clustered)
    rng.shuffle(provinces)  # ids carry no meaning: the greedy's id tie-break must not favour a region
    result = []
    for business_id, province in enumerate(provinces, start=1):
        # log-uniform over 20…200 kits a week: most workshops are small, a few are ten times larger
        weekly_capacity = round(20 * 10 ** rng.random())
        roll = rng.random()
        kits = frozenset(KITS) if roll < 0.7 else frozenset({KITS[0] if roll < 0.85 else KITS[1]})
        min_lot = 1 if rng.random() < 0.8 else rng.randint(5, 20)
        paused = rng.random() < 0.02
        result.append(Business(business_id, province, weekly_capacity, kits, min_lot, paused=paused))
    return tuple(result)


def _orders(rng: random.Random, n: int, capacity: int) -> tuple[OrderToMatch, ...]:
    """Delivery provinces by population, needed-by spread over the horizon, skewed quantities whose
    sum is DEMAND_SHARE_OF_CAPACITY of ``capacity``."""
    codes = list(POPULATION_2016)
    provinces = rng.choices(codes, weights=[POPULATION_2016[p] for p in codes], k=n)
    # lognormal sizes: many small orders (a health center's monthly need), a few large (an NGO drive)
    sizes = [rng.lognormvariate(0.0, 1.0) for _ in range(n)]
    scale = DEMAND_SHARE_OF_CAPACITY * capacity / sum(sizes)
    return tuple(
        OrderToMatch(
            id=order_id,
            kit=rng.choice(KITS),
            quantity=max(1, round(size * scale)),
            delivery_province=province,
            needed_by=TODAY + timedelta(days=rng.randint(MIN_LEAD_DAYS, HORIZON_DAYS)),
        )
        for order_id, (province, size) in enumerate(zip(provinces, sizes, strict=True), start=1)
    )
