"""Names the admin pages show for audit entities and actions."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ...domain import states
from ..common import status_label

ENTITY_LABELS = {
    "order": _l("order"),
    "job": _l("job"),
    "business": _l("workshop"),
    "user": _l("account"),
    "kit": _l("kit"),
    "batch": _l("bulk order"),
}
ACTION_LABELS = {
    "user.registered": _l("account created"),
    "user.made_admin": _l("made an admin"),
    "user.verified": _l("buyer verified"),
    "user.updated": _l("account settings changed"),
    "user.password_changed": _l("password changed"),
    "order.message": _l("message on an order"),
    "batch.created": _l("bulk order placed"),
    "business.registered": _l("workshop registered"),
    "business.updated": _l("workshop profile changed"),
    "business.approved": _l("workshop approved"),
    "business.suspended": _l("workshop suspended"),
    "kit.created": _l("kit added"),
    "kit.updated": _l("kit changed"),
    "order.created": _l("order placed"),
    "order.rematch_requested": _l("matching re-run requested"),
    "job.reassigned": _l("job moved to another workshop"),
}


def action_label(action: str) -> str:
    """A readable name for an audit action; status changes ("order.allocated") name the status."""
    if action in ACTION_LABELS:
        return str(ACTION_LABELS[action])
    entity, _dot, target = action.partition(".")
    if entity == "order" and target in states.ORDER_STATUSES:
        return _("order: %(status)s", status=status_label(target))
    if entity == "job" and target in states.JOB_STATUSES:
        return _("job: %(status)s", status=status_label(target))
    return action


def entity_label(entity: str) -> str:
    return str(ENTITY_LABELS.get(entity, entity))
