"""The audit log, filtered by entity and action."""

from __future__ import annotations

import functools
from typing import Any

from flask import request
from wtforms import SelectChoice

from ...models import AuditEntry
from ...services import audit_log, catalog
from .. import bp, i18n
from ..common import role_required
from ..forms import AuditFilterForm
from .audit_text import Sentences
from .filters import pick, render_list, with_all
from .labels import action_label, entity_label


def actors(entries: list[AuditEntry]) -> dict[str, Any]:
    """The users the entries name as their actors, by id, and each entry as a sentence."""
    fa = i18n.is_fa()
    kit_names = {k.code: (k.name_fa if fa else k.name_en) for k in catalog.kits()}
    return {
        "actors": audit_log.users_by_id({e.actor_id for e in entries if e.actor_id is not None}),
        "sentence": Sentences(kit_names),
    }


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
    )
