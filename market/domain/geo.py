"""Iran's 31 provinces, distances between their capitals and transit days.

The province list ships with the package (``market/data/provinces.json``); distances are
great-circle distances between provincial capitals, rounded to whole kilometres so that
"equally near" (DESIGN.md, P2) means exactly the same number: in practice, the same province.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from types import MappingProxyType

from .errors import UnknownProvince

EARTH_RADIUS_KM = 6371.0088  # IUGG mean Earth radius
TRANSIT_KM_PER_DAY = 400


@dataclass(frozen=True, slots=True)
class Province:
    code: str
    name_en: str
    name_fa: str
    capital_en: str
    capital_fa: str
    lat: float
    lon: float


def _load() -> tuple[Province, ...]:
    raw = resources.files("market").joinpath("data/provinces.json").read_text(encoding="utf-8")
    return tuple(Province(**row) for row in json.loads(raw))


PROVINCES: tuple[Province, ...] = _load()
BY_CODE: Mapping[str, Province] = MappingProxyType({p.code: p for p in PROVINCES})


def province(code: str) -> Province:
    """The province with this slug.

    :raises UnknownProvince: if ``code`` is not one of the 31 slugs.
    """
    try:
        return BY_CODE[code]
    except KeyError:
        raise UnknownProvince(code) from None


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in kilometres between two points given in degrees."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def _distance_table() -> Mapping[str, Mapping[str, int]]:
    table = {
        a.code: {
            b.code: 0 if a.code == b.code else round(haversine_km(a.lat, a.lon, b.lat, b.lon))
            for b in PROVINCES
        }
        for a in PROVINCES
    }
    return MappingProxyType({k: MappingProxyType(v) for k, v in table.items()})


#: ``DISTANCE_KM[a][b]``: whole kilometres between the capitals of provinces a and b (0 if a == b).
DISTANCE_KM: Mapping[str, Mapping[str, int]] = _distance_table()


def distance_km(a: str, b: str) -> int:
    """Whole kilometres between the capitals of two provinces; 0 within one province.

    :raises UnknownProvince: if either slug is unknown.
    """
    try:
        return DISTANCE_KM[a][b]
    except KeyError:
        province(a)
        province(b)
        raise  # pragma: no cover - province() raised already


def transit_days(a: str, b: str) -> int:
    """Days a shipment takes between two provinces: 1 within one, else 1 + distance_km // 400.

    :raises UnknownProvince: if either slug is unknown.
    """
    return 1 + distance_km(a, b) // TRANSIT_KM_PER_DAY


def provinces_by_distance(origin: str) -> tuple[str, ...]:
    """Every province slug, nearest to ``origin`` first (ties by slug); ``origin`` itself first.

    :raises UnknownProvince: if ``origin`` is unknown.
    """
    return _BY_DISTANCE[province(origin).code]


_BY_DISTANCE: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {a: tuple(sorted(DISTANCE_KM[a], key=lambda b: (DISTANCE_KM[a][b], b))) for a in DISTANCE_KM}
)


def _distance_groups() -> Mapping[str, tuple[tuple[int, tuple[str, ...]], ...]]:
    out = {}
    for origin, order in _BY_DISTANCE.items():
        groups: list[tuple[int, list[str]]] = []
        for code in order:
            d = DISTANCE_KM[origin][code]
            if groups and groups[-1][0] == d:
                groups[-1][1].append(code)
            else:
                groups.append((d, [code]))
        out[origin] = tuple((d, tuple(codes)) for d, codes in groups)
    return MappingProxyType(out)


_GROUPS = _distance_groups()


def distance_groups(origin: str) -> tuple[tuple[int, tuple[str, ...]], ...]:
    """Provinces grouped by equal distance from ``origin``, nearest first: ``(km, (slugs...))``.

    :raises UnknownProvince: if ``origin`` is unknown.
    """
    try:
        return _GROUPS[origin]
    except KeyError:
        raise UnknownProvince(origin) from None
