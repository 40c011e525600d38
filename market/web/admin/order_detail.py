"""The admin's page for one order: who makes it and why each workshop was chosen (from the stored
explanation), and what re-running matching would do now (a dry run that holds nothing: the
waiting report of ``domain.waiting``)."""

from __future__ import annotations

from typing import Any

from flask import render_template

from ...domain import states
from ...services import orders
from ...services.common import tally
from ...services.waiting import dry_run
from .. import bp
from ..common import role_required, user
from .explain import why
from .waiting import describe


@bp.get("/admin/orders/<int:order_id>")
@role_required("admin")
def admin_order(order_id: int) -> Any:
    orders.visible(user(), order_id)  # 404 before anything else
    report, would_offer = dry_run(order_id)  # it reads, holds nothing and rolls back
    order = orders.visible(user(), order_id)
    return render_template(
        "admin/order.html",
        order=order,
        t=tally(order),
        jobs=sorted(order.jobs, key=lambda j: j.id),
        why=why,
        dry_run=describe(report),
        report=report,
        would_offer=would_offer,
        rematchable=order.status in states.WAITING_ORDER_STATUSES,
    )
