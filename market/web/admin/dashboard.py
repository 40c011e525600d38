"""The admin's dashboard: orders and units by status, waiting units, demand against capacity,
offers about to expire, late jobs, the queue and the buyers awaiting verification."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import render_template

from ...domain import states
from ...domain.capacity import CAPACITY_WEEKS
from ...services import businesses, buyers, queue_health, reports, shortage
from ...services.common import now, today
from .. import bp, i18n
from ..common import role_required
from .charts import bar_chart
from .waiting import REASONS as WAITING_REASONS

EXPIRING_WITHIN = timedelta(hours=12)
DASHBOARD_BUYERS = 5  # buyers (and workshops) awaiting approval listed on the dashboard


@bp.get("/admin")
@role_required("admin")
def dashboard() -> Any:
    figures = reports.admin_stats()
    loads = shortage.serving_by_province()
    by_status: dict[str, int] = figures["orders_by_status"]
    unallocated: dict[str, int] = figures["unallocated_by_province"]
    return render_template(
        "admin/dashboard.html",
        figures=figures,
        by_status=by_status,
        order_statuses=states.ORDER_STATUSES,
        waiting_orders=sum(by_status.get(s, 0) for s in states.WAITING_ORDER_STATUSES),
        unallocated=unallocated,
        unallocated_total=sum(unallocated.values()),
        loads=loads,
        chart=bar_chart(loads, rtl=i18n.is_fa()),  # type: ignore[arg-type]
        reasons=WAITING_REASONS,
        capacity_weeks=CAPACITY_WEEKS,
        expiring=reports.expiring_offers(EXPIRING_WITHIN),
        expiring_hours=int(EXPIRING_WITHIN.total_seconds() // 3600),
        late=reports.late_jobs(),
        queue=queue_health.queue_report(),
        now=now(),
        today=today(),
        duration=i18n.format_duration,
        buyers_waiting=buyers.awaiting(DASHBOARD_BUYERS),
        workshops_waiting=businesses.listing({"status": states.BUSINESS_PENDING}, 1, DASHBOARD_BUYERS),
    )
