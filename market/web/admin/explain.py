"""Why a workshop got a job, in the reader's language, from the explanation stored with the job
(P7). The online engine, the batch allocator and an admin's reassignment store slightly different
dicts (``rule``, ``distance_km``, ``free_capacity_before``, ``utilization_before`` …; the batch's
``unit_km_saved``); a key that is missing or unreadable is shown as "—", an unknown rule as its code.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from .. import i18n

RULE_LABELS = {
    "nearest_first": _l("nearest workshop with room"),
    "nearest_first_takes_whole_remainder": _l("nearest workshop with room, taking the whole remainder"),
    "nearest_first_lowest_utilization": _l("nearest; among equally near workshops, the least busy"),
    "last_remainder_below_min_lot": _l("the order's last remainder, below the workshop's smallest job"),
    "batch": _l("bulk allocation: fewest kit-kilometres for the whole batch"),
    "batch_last_remainder_below_min_lot": _l(
        "bulk allocation: the order's last remainder, below the smallest job"
    ),
    "batch_then_nearest_first": _l("bulk allocation, then nearest workshop with room"),
    "admin_reassignment": _l("moved here by an admin"),
}
NONE = "—"


def rule_label(rule: object) -> str:
    """The rule in the reader's language; an unknown one as its code; none as "—"."""
    if not rule:
        return NONE
    return str(RULE_LABELS.get(str(rule), str(rule)))


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


@dataclass(frozen=True)
class Why:
    """An explanation as the page shows it: each figure already in the reader's words."""

    rule: str
    distance: str
    transit: str
    deadline: str
    free_before: str
    utilization_before: str
    unit_km_saved: str | None  # only the batch allocator says it


#: other names the same figures go by in other allocators' explanations
ALIASES = {
    "distance_km": ("distance",),
    "free_capacity_before": ("free_capacity", "free_before"),
    "utilization_before": ("utilization",),
    "production_deadline": ("due_date", "deadline"),
}


def _get(m: dict[str, Any], key: str) -> Any:
    for name in (key, *ALIASES.get(key, ())):
        if m.get(name) is not None:
            return m[name]
    return None


def why(match: dict[str, Any] | None) -> Why:
    m = match if isinstance(match, dict) else {}
    m = {**m, **{key: _get(m, key) for key in ALIASES}}
    km = _int(m.get("distance_km"))
    if km is None:
        distance = NONE
    elif km == 0 or m.get("same_province") is True:
        distance = _("same province")
    else:
        distance = _("%(km)s km", km=i18n.number(km))
    transit = _int(m.get("transit_days"))
    free = _int(m.get("free_capacity_before"))
    util = m.get("utilization_before")
    saved = _int(m.get("unit_km_saved"))
    return Why(
        rule=rule_label(m.get("rule")),
        distance=distance,
        transit=NONE
        if transit is None
        else ngettext("%(n)s day", "%(n)s days", transit, n=i18n.number(transit)),
        deadline=_date(m.get("production_deadline")),
        free_before=NONE if free is None else _("%(n)s kits", n=i18n.number(free)),
        utilization_before=i18n.percent(util) if isinstance(util, int | float) else NONE,
        unit_km_saved=None if saved is None else _("%(n)s kit-km", n=i18n.number(saved)),
    )


def days(n: int) -> str:
    return str(ngettext("%(n)s day", "%(n)s days", n, n=i18n.number(n)))


def _date(value: object) -> str:
    try:
        return i18n.format_date(date.fromisoformat(str(value))) if value else NONE
    except ValueError:
        return NONE
