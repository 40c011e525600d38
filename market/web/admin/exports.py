"""CSV exports of orders, jobs and the impact summary (UTF-8 with a byte order mark for Excel;
cells that would start a spreadsheet formula are written as text)."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from datetime import date, datetime
from typing import Any

from flask import Response, request
from flask_babel import force_locale
from flask_babel import gettext as _

from ...domain import geo, states
from ...domain.deadlines import is_late
from ...models import Job
from ...services import reports
from ...services.common import tally, today
from .. import bp
from ..common import owner_group_label, role_required
from ..forms import JobFilterForm, OrderFilterForm
from .filters import job_filters, order_filters

#: a text cell starting with one of these is a formula to a spreadsheet: names and addresses are
#: typed by users, so such a cell is written with a leading apostrophe
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> Any:
    """ISO dates and times, integers as they are, text made safe for spreadsheets."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def csv_response(name: str, header: list[str], rows: Iterable[Iterable[Any]]) -> Response:
    """A CSV attachment in UTF-8 with a byte order mark: without it Excel reads Persian as mojibake."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    writer.writerow(header)
    for row in rows:
        writer.writerow([csv_cell(v) for v in row])
    return Response(
        buffer.getvalue().encode("utf-8"),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{name}-{today().isoformat()}.csv"',
            "Cache-Control": "no-store",  # names, emails and addresses of real people
        },
    )


ORDER_COLUMNS = [
    "id",
    "created_at",
    "buyer_name",
    "buyer_email",
    "buyer_organization",
    "kit",
    "quantity",
    "delivery_province",
    "delivery_address",
    "needed_by",
    "unit_price_rials",
    "total_price_rials",
    "allocated",
    "unallocated",
    "delivered_units",
    "status",
    "cancelled_at",
]


@bp.get("/admin/export/orders.csv")
@role_required("admin")
def export_orders() -> Any:
    form = OrderFilterForm(request.args)
    rows = []
    for o in reports.orders_for_export(order_filters(form)):
        t = tally(o)
        delivered = sum(j.received_quantity or 0 for j in o.jobs if j.status == states.DELIVERED)
        rows.append(
            [
                o.id,
                o.created_at,
                o.buyer.name,
                o.buyer.email,
                o.buyer.organization,
                o.kit.code,
                o.quantity,
                o.delivery_province,
                o.delivery_address,
                o.needed_by,
                o.unit_price,
                o.unit_price * o.quantity,
                t.allocated,
                t.unallocated,
                delivered,
                o.status,
                o.cancelled_at,
            ]
        )
    return csv_response("orders", ORDER_COLUMNS, rows)


JOB_COLUMNS = [
    "id",
    "order_id",
    "business_id",
    "business_name",
    "business_province",
    "owner_group",
    "kit",
    "delivery_province",
    "quantity",
    "units_done",
    "status",
    "offered_at",
    "expires_at",
    "due_date",
    "late",
    "accepted_at",
    "shipped_at",
    "delivered_at",
    "received_quantity",
    "income_rials",
]


def job_row(j: Job, day: date) -> list[Any]:
    late = is_late(j.status, j.due_date, day)
    income = j.received_quantity * j.order.unit_price if j.received_quantity is not None else None
    return [
        j.id,
        j.order_id,
        j.business_id,
        j.business.name,
        j.business.province,
        j.business.owner_group,
        j.order.kit.code,
        j.order.delivery_province,
        j.quantity,
        j.units_done,
        j.status,
        j.offered_at,
        j.expires_at,
        j.due_date,
        late,
        j.accepted_at,
        j.shipped_at,
        j.delivered_at,
        j.received_quantity,
        income,
    ]


@bp.get("/admin/export/jobs.csv")
@role_required("admin")
def export_jobs() -> Any:
    day = today()
    filters = job_filters(JobFilterForm(request.args))
    return csv_response("jobs", JOB_COLUMNS, (job_row(j, day) for j in reports.jobs_for_export(filters)))


IMPACT_COLUMNS = [
    "dimension",
    "key",
    "name_en",
    "name_fa",
    "jobs_delivered",
    "units_delivered",
    "income_rials",
]


def impact_names(row: reports.ImpactRow) -> tuple[str, str]:
    if row.dimension == "province":
        p = geo.BY_CODE.get(row.key)
        return (p.name_en, p.name_fa) if p else (row.key, row.key)
    return bilingual(lambda: owner_group_label(row.key))


def bilingual(say: Callable[[], str]) -> tuple[str, str]:
    """What ``say`` says in English and in Persian (the impact export carries both names)."""
    names = []
    for locale in ("en", "fa"):
        with force_locale(locale):
            names.append(say())
    return names[0], names[1]


@bp.get("/admin/export/impact.csv")
@role_required("admin")
def export_impact() -> Any:
    """Units delivered and income, by the workshops' owner group and by their province; each
    dimension ends with its total row."""
    summary = reports.impact_summary()
    rows: list[list[Any]] = []
    total_names = bilingual(lambda: _("Total"))
    for dimension in ("owner_group", "province"):
        group = [r for r in summary if r.dimension == dimension]
        for r in group:
            rows.append([dimension, r.key, *impact_names(r), r.jobs, r.units, r.income])
        rows.append(
            [
                dimension,
                "total",
                *total_names,
                sum(r.jobs for r in group),
                sum(r.units for r in group),
                sum(r.income for r in group),
            ]
        )
    return csv_response("impact", IMPACT_COLUMNS, rows)
