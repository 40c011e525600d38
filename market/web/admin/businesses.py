"""Workshops to approve or suspend."""

from __future__ import annotations

import functools
from typing import Any

from flask import flash, request
from flask_babel import gettext as _
from wtforms import SelectChoice

from ...domain import geo, states
from ...domain.errors import IllegalTransition
from ...models import Business
from ...services import businesses
from .. import bp
from ..common import business_status_label, province_choices, role_required, user
from ..forms import BusinessFilterForm, ReasonForm
from .filters import back, pick, render_list, with_all


@bp.get("/admin/businesses")
@role_required("admin")
def admin_businesses() -> Any:
    form = BusinessFilterForm(request.args)
    form.status.choices = with_all(
        SelectChoice(s, business_status_label(s)) for s in states.BUSINESS_STATUSES
    )
    form.province.choices = with_all(province_choices())
    filters = {
        "status": pick(form.status.data, states.BUSINESS_STATUSES),
        "province": pick(form.province.data, geo.BY_CODE),
    }
    fetch = functools.partial(businesses.listing, filters)
    more = suspend_forms
    return render_list("admin/businesses.html", form, fetch, filters, "businesses", more, **LABELS)


#: what the workshops page names: a workshop's status as a workshop, not as an order
LABELS = {"business_status_label": business_status_label}


def suspend_forms(items: list[Business]) -> dict[str, Any]:
    """A form to suspend each workshop not suspended already (its reason field named apart)."""
    return {
        "suspend_forms": {b.id: ReasonForm(prefix=f"b{b.id}") for b in items if b.status != states.SUSPENDED}
    }


@bp.post("/admin/businesses/<int:business_id>/approve")
@role_required("admin")
def approve_business(business_id: int) -> Any:
    try:
        b = businesses.approve(user(), business_id)
    except IllegalTransition as err:
        flash(_("This workshop is %(status)s already.", status=business_status_label(err.current)), "error")
    else:
        flash(_("%(name)s is approved: it can now receive offers.", name=b.name), "success")
    return back("web.admin_businesses")


@bp.post("/admin/businesses/<int:business_id>/suspend")
@role_required("admin")
def suspend_business(business_id: int) -> Any:
    form = ReasonForm(prefix=f"b{business_id}")
    if not form.validate_on_submit():
        flash(_("Write the reason in at most 500 characters."), "error")
        return back("web.admin_businesses")
    try:
        b = businesses.suspend(user(), business_id, (form.reason.data or "").strip() or None)
    except IllegalTransition as err:
        flash(_("This workshop is %(status)s already.", status=business_status_label(err.current)), "error")
    else:
        flash(_("%(name)s is suspended: its open offers went back to matching.", name=b.name), "success")
    return back("web.admin_businesses")
