"""Admin pages: the dashboard, workshops to approve or suspend, every order and job, the audit log,
and CSV exports. Reads come from ``services.stats`` and the listings; every change goes through
``services.businesses`` / ``services.orders`` / ``services.jobs``; a refusal becomes a flash message
in the admin's language that says why.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import SelectChoice

from ..domain import geo, states
from ..domain.errors import IllegalTransition
from ..errors import Conflict
from ..models import BUSINESS_STATUSES, Job
from ..services import businesses, jobs, orders, stats
from ..services import buyers as buyer_accounts
from ..services.common import now, tally, today
from . import bp, i18n, province_name
from .auth import safe_next
from .common import kit_choices, owner_group_label, province_choices, role_required, status_label, user
from .forms import (
    AuditFilterForm,
    BusinessFilterForm,
    JobFilterForm,
    OrderFilterForm,
    ReasonForm,
    ReassignForm,
)

PER_PAGE = 20
DASHBOARD_BUYERS = 5  # buyers awaiting verification listed on the dashboard
EXPIRING_WITHIN = timedelta(hours=12)
#: a list of workshops for the jobs filter; the programme has tens, not thousands
WORKSHOP_CHOICES_LIMIT = 1000

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


def business_status_label(value: str) -> str:
    # "pending" reads "waiting to be matched" for an order; a workshop waits for approval
    return _("waiting for approval") if value == "pending" else status_label(value)


# --- small helpers --------------------------------------------------------------------------------


def page_number() -> int:
    return max(1, request.args.get("page", 1, type=int) or 1)


def pick(value: str | None, allowed: Iterable[str]) -> str | None:
    """The filter value if it is one of the allowed ones; anything else is no filter."""
    return value if value and value in set(allowed) else None


def with_all(choices: Iterable[SelectChoice]) -> list[SelectChoice]:
    return [SelectChoice("", _("All")), *choices]


def back(default_endpoint: str) -> Any:
    """Back to the list the button was pressed on, with its filters and page (same site only)."""
    return redirect(safe_next(request.form.get("next")) or url_for(default_endpoint))


def active_filters(filters: dict[str, Any]) -> dict[str, Any]:
    """The filters to carry into page links and export links (only those set)."""
    return {k: v for k, v in filters.items() if v not in (None, "", False)}


# --- the dashboard's chart ----------------------------------------------------------------------


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    value: int
    text_x: float  # where the value is written, just past the bar's end
    text_anchor: str


@dataclass(frozen=True)
class ChartRow:
    province: str
    label_x: float
    label_y: float
    label_anchor: str
    demand: Bar
    capacity: Bar


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    bar_height: int
    axis_x: float
    top: int
    rows: list[ChartRow]
    legend: list[tuple[str, float, float, str]]  # (css class, swatch x, text x, text anchor)


CHART_WIDTH = 600
LABEL_WIDTH = 190  # room for "Kohgiluyeh and Boyer-Ahmad" at 13px
VALUE_WIDTH = 80
CHART_TOP = 36  # the legend
ROW_HEIGHT = 44
BAR_HEIGHT = 15
BAR_GAP = 4


def bar_chart(loads: list[stats.ProvinceLoad], rtl: bool) -> Chart:
    """Geometry of the demand-against-capacity chart: two horizontal bars per province.

    The SVG is drawn left to right in coordinates; in Persian the labels sit on the right and the
    bars grow leftwards, so the chart reads in the same direction as the page. The template sets
    ``direction="ltr"`` on the SVG so that ``text-anchor`` start/end always mean left/right here,
    whatever the page's direction (Persian words still render right to left inside their text).
    """
    plot = CHART_WIDTH - LABEL_WIDTH - VALUE_WIDTH
    top = max([1, *(max(r.demand, r.capacity) for r in loads)])
    axis = CHART_WIDTH - LABEL_WIDTH if rtl else LABEL_WIDTH

    def bar(value: int, y: float) -> Bar:
        length = 0.0 if value == 0 else max(2.0, round(plot * value / top, 1))
        if rtl:
            return Bar(axis - length, y, length, value, axis - length - 5, "end")
        return Bar(axis, y, length, value, axis + length + 5, "start")

    rows = []
    for i, load in enumerate(loads):
        y0 = CHART_TOP + i * ROW_HEIGHT
        rows.append(
            ChartRow(
                province=load.province,
                label_x=axis + 8 if rtl else axis - 8,
                label_y=y0 + 4 + BAR_HEIGHT + BAR_GAP / 2,
                label_anchor="start" if rtl else "end",
                demand=bar(load.demand, y0 + 4),
                capacity=bar(load.capacity, y0 + 4 + BAR_HEIGHT + BAR_GAP),
            )
        )
    legend: list[tuple[str, float, float, str]]
    if rtl:
        legend = [
            ("bar-demand", CHART_WIDTH - 14, CHART_WIDTH - 20, "end"),
            ("bar-capacity", CHART_WIDTH / 2 - 14, CHART_WIDTH / 2 - 20, "end"),
        ]
    else:
        legend = [
            ("bar-demand", 4, 22, "start"),
            ("bar-capacity", CHART_WIDTH / 2, CHART_WIDTH / 2 + 18, "start"),
        ]
    return Chart(
        CHART_WIDTH,
        CHART_TOP + len(loads) * ROW_HEIGHT + 8,
        BAR_HEIGHT,
        axis,
        CHART_TOP,
        rows,
        legend,
    )


# --- dashboard ------------------------------------------------------------------------------------


@bp.get("/admin")
@role_required("admin")
def dashboard() -> Any:
    figures = stats.admin_stats()
    loads = stats.demand_by_province()
    by_status: dict[str, int] = figures["orders_by_status"]
    unallocated: dict[str, int] = figures["unallocated_by_province"]
    return render_template(
        "admin/dashboard.html",
        figures=figures,
        by_status=by_status,
        order_statuses=states.ORDER_STATUSES,
        waiting_orders=by_status.get(states.PENDING, 0) + by_status.get(states.AWAITING_CAPACITY, 0),
        unallocated=unallocated,
        unallocated_total=sum(unallocated.values()),
        loads=loads,
        chart=bar_chart(loads, rtl=i18n.is_fa()),
        capacity_weeks=stats.CAPACITY_WEEKS,
        expiring=stats.expiring_offers(EXPIRING_WITHIN),
        expiring_hours=int(EXPIRING_WITHIN.total_seconds() // 3600),
        late=stats.late_jobs(),
        queue=stats.queue_report(),
        now=now(),
        today=today(),
        duration=i18n.format_duration,
        buyers_waiting=buyer_accounts.awaiting(DASHBOARD_BUYERS),
    )


# --- workshops ------------------------------------------------------------------------------------


@bp.get("/admin/businesses")
@role_required("admin")
def admin_businesses() -> Any:
    form = BusinessFilterForm(request.args)
    form.status.choices = with_all(SelectChoice(s, business_status_label(s)) for s in BUSINESS_STATUSES)
    form.province.choices = with_all(province_choices())
    filters = {
        "status": pick(form.status.data, BUSINESS_STATUSES),
        "province": pick(form.province.data, geo.BY_CODE),
    }
    page = page_number()
    items, total = businesses.listing(filters, page, PER_PAGE)
    return render_template(
        "admin/businesses.html",
        form=form,
        businesses=items,
        total=total,
        page=page,
        per_page=PER_PAGE,
        filters=active_filters(filters),
        suspend_forms={b.id: ReasonForm(prefix=f"b{b.id}") for b in items if b.status != "suspended"},
        business_status_label=business_status_label,
    )


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


# --- orders ---------------------------------------------------------------------------------------


def order_filters(form: OrderFilterForm) -> dict[str, Any]:
    return {
        "status": pick(form.status.data, states.ORDER_STATUSES),
        "province": pick(form.province.data, geo.BY_CODE),
        "kit": form.kit.data or None,
    }


@bp.get("/admin/orders")
@role_required("admin")
def admin_orders() -> Any:
    form = OrderFilterForm(request.args)
    form.status.choices = with_all(SelectChoice(s, status_label(s)) for s in states.ORDER_STATUSES)
    form.province.choices = with_all(province_choices())
    form.kit.choices = with_all(kit_choices(active_only=False))
    filters = order_filters(form)
    page = page_number()
    items, total = orders.listing(user(), filters, page, PER_PAGE)
    return render_template(
        "admin/orders.html",
        form=form,
        orders=items,
        total=total,
        page=page,
        per_page=PER_PAGE,
        filters=active_filters(filters),
        tally=tally,
        rematchable={states.PENDING, states.AWAITING_CAPACITY},
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


# --- jobs -----------------------------------------------------------------------------------------


def job_filters(form: JobFilterForm) -> dict[str, Any]:
    business = form.business.data or ""
    return {
        "status": pick(form.status.data, states.JOB_STATUSES),
        "business_id": int(business) if business.isdigit() else None,
        "late": bool(form.late.data),
    }


def reassign_choice(option: stats.ReassignOption) -> SelectChoice:
    return SelectChoice(
        str(option.business_id),
        _(
            "%(name)s (%(province)s): room for %(n)s kits",
            name=option.name,
            province=province_name(option.province),
            n=i18n.number(option.free_units),
        ),
    )


@bp.get("/admin/jobs")
@role_required("admin")
def admin_jobs() -> Any:
    form = JobFilterForm(request.args)
    form.status.choices = with_all(SelectChoice(s, status_label(s)) for s in states.JOB_STATUSES)
    workshops, _total = businesses.listing({}, 1, WORKSHOP_CHOICES_LIMIT)
    form.business.choices = with_all(
        SelectChoice(str(b.id), f"{b.name} (#{i18n.local_digits(b.id)})")
        for b in sorted(workshops, key=lambda b: b.name)
    )
    filters = job_filters(form)
    page = page_number()
    items, total = stats.job_search(filters, page, PER_PAGE)
    options = stats.reassign_options(items)
    reassign_forms = {}
    for job_id, choices in options.items():
        if choices:
            f = ReassignForm(prefix=f"job{job_id}")
            f.business_id.choices = [reassign_choice(o) for o in choices]
            reassign_forms[job_id] = f
    link_filters = active_filters(
        {
            "status": filters["status"],
            "business": filters["business_id"],
            "late": "y" if filters["late"] else None,
        }
    )
    return render_template(
        "admin/jobs.html",
        form=form,
        jobs=items,
        total=total,
        page=page,
        per_page=PER_PAGE,
        filters=link_filters,
        reassign_forms=reassign_forms,
        open_statuses=states.OPEN_JOB_STATUSES,
        today=today(),
    )


#: the service's reasons for refusing a reassignment, said again in the admin's language
REASSIGN_REFUSALS: list[tuple[re.Pattern[str], Callable[[re.Match[str]], str]]] = [
    (
        re.compile(r"can take only (?P<free>\d+) of the (?P<n>\d+) units by (?P<date>\d{4}-\d{2}-\d{2})"),
        lambda m: _(
            "That workshop can make only %(free)s of the %(n)s kits by %(date)s.",
            free=i18n.number(int(m["free"])),
            n=i18n.number(int(m["n"])),
            date=i18n.format_date(date.fromisoformat(m["date"])),
        ),
    ),
    (
        re.compile(r"^This job is (?P<status>\w+): only an open job"),
        lambda m: _(
            "This job is %(status)s: only an open job can be moved.", status=status_label(m["status"])
        ),
    ),
    (re.compile(r"not approved and active"), lambda m: _("That workshop is not approved, or it is paused.")),
    (re.compile(r"does not make this kit"), lambda m: _("That workshop does not make this kit.")),
    (re.compile(r"declined this order"), lambda m: _("That workshop declined this order.")),
    (re.compile(r"already with this business"), lambda m: _("The job is already with that workshop.")),
]


def reassign_refusal(message: str) -> str:
    """The translated reason a reassignment was refused (a general one for a reason not listed)."""
    for pattern, say in REASSIGN_REFUSALS:
        found = pattern.search(message)
        if found:
            return say(found)
    return _("This job cannot be moved to that workshop.")


@bp.post("/admin/jobs/<int:job_id>/reassign")
@role_required("admin")
def reassign_job(job_id: int) -> Any:
    jobs.visible(user(), job_id)  # 404 for a job that does not exist
    form = ReassignForm(prefix=f"job{job_id}")
    # the service is the one judge of the target (approved, kit, capacity, declined): its reasons
    # are more useful than "not a valid choice"
    form.business_id.validate_choice = False
    if not form.validate_on_submit() or form.business_id.data is None:
        flash(_("Choose the workshop to move the job to."), "error")
        return back("web.admin_jobs")
    try:
        new = jobs.reassign(user(), job_id, form.business_id.data)
    except Conflict as err:
        flash(
            _(
                "Job #%(id)s was not moved: %(reason)s",
                id=i18n.local_digits(job_id),
                reason=reassign_refusal(err.message),
            ),
            "error",
        )
    else:
        flash(
            _(
                "Job #%(id)s is now offered to %(name)s as job #%(new)s.",
                id=i18n.local_digits(job_id),
                name=new.business.name,
                new=i18n.local_digits(new.id),
            ),
            "success",
        )
    return back("web.admin_jobs")


# --- audit log ------------------------------------------------------------------------------------


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


@bp.get("/admin/audit")
@role_required("admin")
def admin_audit() -> Any:
    form = AuditFilterForm(request.args)
    entities, actions = stats.audit_facets()
    form.entity.choices = with_all(SelectChoice(e, entity_label(e)) for e in entities)
    form.action.choices = with_all(SelectChoice(a, action_label(a)) for a in actions)
    filters = {"entity": pick(form.entity.data, entities), "action": pick(form.action.data, actions)}
    page = page_number()
    items, total = stats.audit_log(filters, page, PER_PAGE)
    return render_template(
        "admin/audit.html",
        form=form,
        entries=items,
        total=total,
        page=page,
        per_page=PER_PAGE,
        filters=active_filters(filters),
        actors=stats.users_by_id({e.actor_id for e in items if e.actor_id is not None}),
        action_label=action_label,
        entity_label=entity_label,
        compact=compact,
        detail_short=DETAIL_SHORT,
    )


# --- CSV exports ----------------------------------------------------------------------------------

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
    for o in stats.orders_for_export(order_filters(form)):
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
    late = j.status in states.OPEN_JOB_STATUSES and j.due_date < day
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
    return csv_response("jobs", JOB_COLUMNS, (job_row(j, day) for j in stats.jobs_for_export(filters)))


IMPACT_COLUMNS = [
    "dimension",
    "key",
    "name_en",
    "name_fa",
    "jobs_delivered",
    "units_delivered",
    "income_rials",
]


def impact_names(row: stats.ImpactRow) -> tuple[str, str]:
    if row.dimension == "province":
        p = geo.BY_CODE.get(row.key)
        return (p.name_en, p.name_fa) if p else (row.key, row.key)
    names = []
    for locale in ("en", "fa"):
        with force_locale(locale):
            names.append(owner_group_label(row.key))
    return names[0], names[1]


@bp.get("/admin/export/impact.csv")
@role_required("admin")
def export_impact() -> Any:
    """Units delivered and income, by the workshops' owner group and by their province; each
    dimension ends with its total row."""
    summary = stats.impact_summary()
    rows: list[list[Any]] = []
    for dimension in ("owner_group", "province"):
        group = [r for r in summary if r.dimension == dimension]
        for r in group:
            rows.append([dimension, r.key, *impact_names(r), r.jobs, r.units, r.income])
        rows.append(
            [
                dimension,
                "total",
                "Total",
                "جمع",
                sum(r.jobs for r in group),
                sum(r.units for r in group),
                sum(r.income for r in group),
            ]
        )
    return csv_response("impact", IMPACT_COLUMNS, rows)
