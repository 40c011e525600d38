"""What a workshop that is not approved may do on the pages: look, not act.

A pending or suspended workshop cannot change its profile, pause, accept an offer, report progress
or ship (the services refuse it too, for the API); its pages say why with a 403, in the visitor's
language, before any form is read.
"""

from __future__ import annotations

from typing import Any

from flask import request
from flask_babel import gettext as _
from flask_login import current_user

from ..domain import states
from ..services import businesses
from . import bp, render_error
from .common import user
from .refusals import PAGE_TEXTS

#: the workshop's page actions that need an approved workshop (decline stays open: it only frees work)
ACTIONS = frozenset(
    {"web.workshop", "web.workshop_pause", "web.accept_offer", "web.job_progress", "web.job_ship"}
)


@bp.before_request
def refuse_unapproved_workshop() -> Any:
    if request.method != "POST" or request.endpoint not in ACTIONS:
        return None
    if not current_user.is_authenticated or current_user.role != "business":
        return None  # the view's own checks answer (sign in, 403)
    b = businesses.of_user(user())
    if b is None or b.status == states.APPROVED:
        return None
    code = "business_suspended" if b.status == states.SUSPENDED else "business_not_approved_yet"
    return render_error(403, str(PAGE_TEXTS[code]))


def suspended_message(name: str, jobs: str) -> str:
    """The admin's confirmation of a suspension, naming what became of the workshop's work."""
    if jobs == businesses.CANCEL_JOBS:
        return _("%(name)s is suspended: its offers and its accepted jobs went back to matching.", name=name)
    return _("%(name)s is suspended: its open offers went back to matching.", name=name)
