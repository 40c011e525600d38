"""City names in the reader's language.

A workshop types its city; the demo data and many sign-ups write it in Latin letters. Known cities
(every provincial capital from ``data/provinces.json`` and the towns in ``data/cities.json``) are
shown in Persian on Persian pages and in English on English ones; any other name is shown as typed.
"""

from __future__ import annotations

import json
import re
from functools import cache
from importlib import resources

from ..domain import geo
from . import bp, i18n


def _key(name: str) -> str:
    """Spelling-insensitive key: case, spaces, hyphens and zero-width non-joiners do not count."""
    return re.sub(r"[\s\-\u200c_']+", "", name).casefold()


@cache
def _names() -> dict[str, tuple[str, str]]:
    pairs = [(p.capital_en, p.capital_fa) for p in geo.PROVINCES]
    raw = resources.files("market").joinpath("data/cities.json").read_text(encoding="utf-8")
    pairs += [(row["en"], row["fa"]) for row in json.loads(raw)]
    table: dict[str, tuple[str, str]] = {}
    for en, fa in pairs:
        table.setdefault(_key(en), (en, fa))
        table.setdefault(_key(fa), (en, fa))
    return table


@bp.app_template_filter("city")
def city_name(name: str | None) -> str:
    if not name:
        return "—"
    known = _names().get(_key(name))
    if known is None:
        return name
    return known[1] if i18n.is_fa() else known[0]
