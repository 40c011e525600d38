"""The audit log, filtered by entity and action."""

from __future__ import annotations

import functools
import json
from typing import Any

from flask import request
from wtforms import SelectChoice

from ...models import AuditEntry
from ...services import audit_log
from .. import bp
from ..common import role_required
from ..forms import AuditFilterForm
from .filters import pick, render_list, with_all
from .labels import action_label, entity_label

DETAIL_SHORT = 160


def compact(detail: dict[str, Any] | None) -> str:
    """An audit entry's detail on one line: ``key: value · key: value``."""
    parts = []
    for key, value in (detail or {}).items():
        if isinstance(value, dict | list):
            text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
        else:
            text = "—" if value is None else str(value)
        parts.append(f"{key}: {text}")
    return " · ".join(parts)


def actors(entries: list[AuditEntry]) -> dict[str, Any]:
    """The users the entries name as their actors, by id."""
    return {"actors": audit_log.users_by_id({e.actor_id for e in entries if e.actor_id is not None})}


@bp.get("/admin/audit")
@role_required("admin")
def admin_audit() -> Any:
    form = AuditFilterForm(request.args)
    entities, actions = audit_log.audit_facets()
    form.entity.choices = with_all(SelectChoice(e, entity_label(e)) for e in entities)
    form.action.choices = with_all(SelectChoice(a, action_label(a)) for a in actions)
    filters = {"entity": pick(form.entity.data, entities), "action": pick(form.action.data, actions)}
    fetch = functools.partial(audit_log.audit_log, filters)
    return render_list(
        "admin/audit.html",
        form,
        fetch,
        filters,
        "entries",
        actors,
        action_label=action_label,
        entity_label=entity_label,
        compact=compact,
        detail_short=DETAIL_SHORT,
    )
