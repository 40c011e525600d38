"""Every order, with its filters; re-running matching for one."""

from __future__ import annotations

import functools
from typing import Any

from flask import flash, request
from flask_babel import gettext as _
from wtforms import SelectChoice

from ...domain import states
from ...errors import Conflict
from ...services import orders
from ...services.common import tally
from .. import bp, i18n
from ..common import kit_choices, province_choices, role_required, status_label, user
from ..forms import OrderFilterForm
from .filters import back, order_filters, render_list, with_all


@bp.get("/admin/orders")
@role_required("admin")
def admin_orders() -> Any:
    form = OrderFilterForm(request.args)
    form.status.choices = with_all(SelectChoice(s, status_label(s)) for s in states.ORDER_STATUSES)
    form.province.choices = with_all(province_choices())
    form.kit.choices = with_all(kit_choices(active_only=False))
    filters = order_filters(form)
    fetch = functools.partial(orders.listing, user(), filters)
    return render_list(
        "admin/orders.html",
        form,
        fetch,
        filters,
        "orders",
        tally=tally,
        rematchable=states.WAITING_ORDER_STATUSES,
    )


@bp.post("/admin/orders/<int:order_id>/rematch")
@role_required("admin")
def rematch_order(order_id: int) -> Any:
    try:
        orders.request_rematch(user(), order_id)
    except Conflict:
        flash(
            _("Order #%(id)s is cancelled: matching does not run for it.", id=i18n.local_digits(order_id)),
            "error",
        )
    else:
        flash(_("Matching runs again for order #%(id)s.", id=i18n.local_digits(order_id)), "success")
    return back("web.admin_orders")
