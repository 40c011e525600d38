"""CSV exports of orders, jobs and the impact summary (UTF-8 with a byte order mark for Excel;
cells that would start a spreadsheet formula are written as text).

Orders and jobs come in the reader's language by default (headers, kit, province and status names,
the rule that chose each workshop, dates Jalali with Persian digits in Persian, times in
``MARKET_TIMEZONE``); ``?format=machine`` gives English headers with codes and ISO dates and times
(with the zone's offset) for programs. The impact summary carries both names in every row."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from datetime import date, datetime
from typing import Any

from flask import Response, request
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ...domain import geo, states
from ...domain.deadlines import is_late
from ...models import Job
from ...services import reports
from ...services.common import tally, today
from .. import bp, i18n, province_name
from ..common import owner_group_label, role_required, status_label
from ..forms import JobFilterForm, OrderFilterForm
from .explain import rule_label
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


#: ``?format=machine``: English headers, codes (kit, province, status, rule), ISO dates and times
#: with their offset; otherwise headers and names in the reader's language, dates Jalali in Persian
MACHINE = "machine"


def for_machines() -> bool:
    return request.args.get("format") == MACHINE


class Cell:
    """How a column's values are written: ``kind`` picks the code or the reader's words."""

    TEXT, DATE, TIME, KIT, PROVINCE, STATUS, RULE, FLAG, OWNER = (
        "text",
        "date",
        "time",
        "kit",
        "province",
        "status",
        "rule",
        "flag",
        "owner",
    )


def for_reader(kind: str, value: Any) -> Any:
    """A value in the reader's words: names, Jalali dates in Persian, local times."""
    if value is None:
        return None
    if kind == Cell.DATE:
        return i18n.format_short_date(value)
    if kind == Cell.TIME:
        local = i18n.to_local(value)
        return f"{i18n.format_short_date(local.date())} {i18n.local_digits(local.strftime('%H:%M'))}"
    if kind == Cell.KIT:
        return value.name_fa if i18n.is_fa() else value.name_en
    if kind == Cell.PROVINCE:
        return province_name(value)
    if kind == Cell.STATUS:
        return status_label(value)
    if kind == Cell.RULE:
        return rule_label(value)
    if kind == Cell.FLAG:
        return _("yes") if value else _("no")
    if kind == Cell.OWNER:
        return owner_group_label(value)
    return value


def for_machine(kind: str, value: Any) -> Any:
    """A value for a program: codes, ISO dates, times in MARKET_TIMEZONE with their offset."""
    if kind == Cell.KIT and value is not None:
        return value.code
    if kind == Cell.TIME and value is not None:
        return i18n.to_local(value).isoformat()
    return value


def export(name: str, columns: list[tuple[str, Any, str]], rows: Iterable[list[Any]]) -> Response:
    """The CSV of ``rows`` (one value per column), for the reader or, asked, for machines."""
    machine = for_machines()
    header = [code if machine else str(label) for code, label, _kind in columns]
    write = for_machine if machine else for_reader
    kinds = [kind for _code, _label, kind in columns]
    body = ([write(k, v) for k, v in zip(kinds, row, strict=True)] for row in rows)
    return csv_response(name, header, body)


C = Cell
ORDER_COLUMNS: list[tuple[str, Any, str]] = [
    ("id", _l("Order"), C.TEXT),
    ("created_at", _l("Ordered on"), C.TIME),
    ("buyer_name", _l("Buyer"), C.TEXT),
    ("buyer_email", _l("Buyer's email"), C.TEXT),
    ("buyer_organization", _l("Organization"), C.TEXT),
    ("kit", _l("Kit"), C.KIT),
    ("quantity", _l("Quantity"), C.TEXT),
    ("delivery_province", _l("Delivery province"), C.PROVINCE),
    ("delivery_address", _l("Delivery address"), C.TEXT),
    ("needed_by", _l("Needed by"), C.DATE),
    ("unit_price_rials", _l("Unit price (rials)"), C.TEXT),
    ("total_price_rials", _l("Total price (rials)"), C.TEXT),
    ("allocated", _l("Allocated"), C.TEXT),
    ("unallocated", _l("Without a workshop"), C.TEXT),
    ("delivered_units", _l("Kits delivered"), C.TEXT),
    ("status", _l("Status"), C.STATUS),
    ("cancelled_at", _l("Cancelled on"), C.TIME),
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
                o.kit,
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
    return export("orders", ORDER_COLUMNS, rows)


JOB_COLUMNS: list[tuple[str, Any, str]] = [
    ("id", _l("Job"), C.TEXT),
    ("order_id", _l("Order"), C.TEXT),
    ("business_id", _l("Workshop number"), C.TEXT),
    ("business_name", _l("Workshop"), C.TEXT),
    ("business_province", _l("Workshop's province"), C.PROVINCE),
    ("owner_group", _l("Who runs it"), C.OWNER),
    ("kit", _l("Kit"), C.KIT),
    ("delivery_province", _l("Delivery province"), C.PROVINCE),
    ("quantity", _l("Quantity"), C.TEXT),
    ("units_done", _l("Made"), C.TEXT),
    ("status", _l("Status"), C.STATUS),
    ("rule", _l("Why this workshop"), C.RULE),
    ("offered_at", _l("Offered on"), C.TIME),
    ("expires_at", _l("Offer expires"), C.TIME),
    ("due_date", _l("Production deadline"), C.DATE),
    ("late", _l("Late"), C.FLAG),
    ("accepted_at", _l("Accepted on"), C.TIME),
    ("shipped_at", _l("Shipped on"), C.TIME),
    ("carrier", _l("Carrier"), C.TEXT),
    ("tracking_code", _l("Tracking code"), C.TEXT),
    ("delivered_at", _l("Delivered on"), C.TIME),
    ("received_quantity", _l("Kits received"), C.TEXT),
    ("income_rials", _l("Income (rials)"), C.TEXT),
]


def job_row(j: Job, day: date) -> list[Any]:
    late = is_late(j.status, j.due_date, day)
    income = j.received_quantity * j.order.unit_price if j.received_quantity is not None else None
    rule = j.match.get("rule") if isinstance(j.match, dict) else None
    return [
        j.id,
        j.order_id,
        j.business_id,
        j.business.name,
        j.business.province,
        j.business.owner_group,
        j.order.kit,
        j.order.delivery_province,
        j.quantity,
        j.units_done,
        j.status,
        rule,
        j.offered_at,
        j.expires_at,
        j.due_date,
        late,
        j.accepted_at,
        j.shipped_at,
        j.carrier,
        j.tracking_code,
        j.delivered_at,
        j.received_quantity,
        income,
    ]


@bp.get("/admin/export/jobs.csv")
@role_required("admin")
def export_jobs() -> Any:
    day = today()
    filters = job_filters(JobFilterForm(request.args))
    return export("jobs", JOB_COLUMNS, (job_row(j, day) for j in reports.jobs_for_export(filters)))


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


IMPACT_READER_COLUMNS = [
    _l("Grouped by"),
    _l("Name"),
    _l("Jobs delivered"),
    _l("Kits delivered"),
    _l("Income (rials)"),
]
DIMENSIONS = {"owner_group": _l("Who runs it"), "province": _l("Province")}


@bp.get("/admin/export/impact.csv")
@role_required("admin")
def export_impact() -> Any:
    """Units delivered and income, by the workshops' owner group and by their province; each
    dimension ends with its total row. For machines: codes and both names; for the reader: the
    dimension and the name in the reader's language."""
    summary = reports.impact_summary()
    rows: list[list[Any]] = []
    total_names = bilingual(lambda: _("Total"))
    machine = for_machines()
    for dimension in ("owner_group", "province"):
        group = [r for r in summary if r.dimension == dimension]
        sums = [sum(r.jobs for r in group), sum(r.units for r in group), sum(r.income for r in group)]
        if machine:
            rows += [[dimension, r.key, *impact_names(r), r.jobs, r.units, r.income] for r in group]
            rows.append([dimension, "total", *total_names, *sums])
            continue
        label = str(DIMENSIONS[dimension])
        fa = 1 if i18n.is_fa() else 0
        rows += [[label, impact_names(r)[fa], r.jobs, r.units, r.income] for r in group]
        rows.append([label, _("Total"), *sums])
    header = IMPACT_COLUMNS if machine else [str(c) for c in IMPACT_READER_COLUMNS]
    return csv_response("impact", header, rows)
