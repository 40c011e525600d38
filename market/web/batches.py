"""Bulk requisitions from a CSV file: upload, a preview with every error by line before anything
is stored, a confirm that posts the batch, and a page that shows how far its matching has got
(it refreshes itself with a meta refresh: no script). Buyers order for themselves; an admin for a
verified buyer."""

from __future__ import annotations

import secrets
from datetime import date, timedelta
from typing import Any

from flask import Response, abort, current_app, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from sqlalchemy import select
from wtforms import HiddenField, SelectChoice, SelectField
from wtforms.validators import InputRequired

from ..errors import Forbidden, Invalid
from ..extensions import db
from ..models import Order, User
from ..services import batches, buyers, catalog
from ..services.common import today
from . import bp, i18n
from .a11y import PageForm as FlaskForm  # Flask-WTF's, announcing a refused submit
from .a11y import persian_option
from .batch_csv import FIELDS, MAX_LINES, TEMPLATE_HEADERS, FileProblem, Sheet, decode, read, template
from .common import role_required, user
from .refusals import refusal_text

#: what the preview says of a bad field, whatever the batch's validation said in English
FIELD_ERRORS = {
    "kit": _l("No kit with this code or name can be ordered."),
    "quantity": _l("Enter a whole number from 1 to 1,000,000."),
    "delivery_province": _l("No province of Iran has this name."),
    "delivery_address": _l("Write the delivery address (at most 500 characters)."),
    "note": _l("A note is at most 2,000 characters."),
}
FILE_ERRORS = {
    "encoding": _l("The file cannot be read: save it as CSV (UTF-8)."),
    "empty": _l("The file has no orders."),
    "too_many": _l("At most 1,000 orders in one file: split it in two."),
    "unknown_column": _l("The file has a column this page does not know: %(name)s."),
    "missing_column": _l("The file lacks a column: %(name)s."),
}
PAGE_ENDPOINTS = frozenset({"web.batch_preview", "web.batch_confirm"})


class UploadForm(FlaskForm):
    file = FileField(_l("CSV file"), validators=[InputRequired(_l("Choose a CSV file."))])
    buyer_id = SelectField(_l("Ordering for"), coerce=int, validate_choice=False)


class ConfirmForm(FlaskForm):
    sheet = HiddenField()
    buyer_id = HiddenField()
    key = HiddenField()


def allow_large_bodies() -> None:
    """Run before the CSRF check reads the form: a file of 1,000 lines exceeds the usual limit."""
    if request.endpoint in PAGE_ENDPOINTS:
        limit = current_app.config["BATCH_MAX_CONTENT_LENGTH"]
        request.max_content_length = limit
        request.max_form_memory_size = limit


def verified_buyers() -> list[SelectChoice]:
    rows = db.session.scalars(
        select(User).where(User.role == "buyer", User.verified.is_(True)).order_by(User.name, User.id)
    )
    return [
        SelectChoice(u.id, label, persian_option(label))
        for u in rows
        if (label := f"{u.name} — {u.organization or u.email}")
    ]


def upload_form() -> UploadForm:
    form = UploadForm()
    if user().role == "admin":
        form.buyer_id.choices = verified_buyers()
        if request.method == "GET" and request.args.get("buyer", type=int):
            form.buyer_id.data = request.args.get("buyer", type=int)
    return form


def refuse_unverified() -> None:
    try:
        batches.check_may_post(user())
    except Forbidden as err:
        abort(
            403,
            refusal_text(
                err,
                _("Bulk orders are for verified buyers. Ask the administrators to verify your organization."),
            ),
        )


@bp.get("/orders/batch")
@role_required("buyer", "admin")
def batch_upload() -> Any:
    refuse_unverified()
    return render_template("batches/upload.html", form=upload_form(), max_lines=MAX_LINES)


@bp.get("/orders/batch/template-<lang>.csv")
@role_required("buyer", "admin")
def batch_template(lang: str) -> Response:
    if lang not in ("fa", "en"):
        abort(404)
    kit = catalog.kits()[0]
    needed_by = today() + timedelta(days=30)
    example = {
        "kit": kit.code,
        "quantity": "۱۲۰" if lang == "fa" else "120",
        "delivery_province": "کرمانشاه" if lang == "fa" else "kermanshah",
        "delivery_address": "کرمانشاه، خیابان مدرس، مرکز بهداشت شماره ۲"
        if lang == "fa"
        else "Health center 2, Modarres St, Kermanshah",
        "needed_by": i18n.digits.en_to_fa(i18n.jalali(needed_by).strftime("%Y/%m/%d"))
        if lang == "fa"
        else needed_by.isoformat(),
    }
    body = "\ufeff" + template(lang, example)  # the BOM makes Excel read UTF-8
    response = make_response(body.encode("utf-8"))
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = f"attachment; filename=orders-template-{lang}.csv"
    return response


def read_sheet(text: str) -> tuple[Sheet | None, str | None]:
    try:
        return read(text, catalog.kits()), None
    except FileProblem as problem:
        name = problem.detail
        if problem.code == "missing_column":  # named as the template of the reader's language names it
            name = TEMPLATE_HEADERS[i18n.lang()][FIELDS.index(name)]
        return None, str(FILE_ERRORS[problem.code]) % {"name": name}


def line_errors(sheet: Sheet) -> dict[int, dict[str, str]]:
    """The batch's own validation, by line index and field, in the reader's language."""
    _cleaned, errors = batches.validate(sheet.orders)
    db.session.rollback()
    out: dict[int, dict[str, str]] = {}
    earliest = i18n.format_date(today() + timedelta(days=1))
    for key in errors:
        parts = key.split(".")
        index, name = int(parts[1]), (parts[2] if len(parts) > 2 else "")
        if name == "needed_by":
            message = _("Enter a date like 1405/09/30 or 2026-12-21, %(date)s or later.", date=earliest)
        elif name in FIELD_ERRORS:
            message = str(FIELD_ERRORS[name])
        else:
            message = _("This line cannot be read.")
        out.setdefault(index, {})[name or "line"] = message
    return out


def chosen_buyer(raw: Any) -> int | None:
    """The buyer an admin orders for (None for a buyer: itself)."""
    if user().role != "admin":
        return None
    try:
        return int(raw)
    except (TypeError, ValueError):
        return None


@bp.post("/orders/batch/preview")
@role_required("buyer", "admin")
def batch_preview() -> Any:
    refuse_unverified()
    form = upload_form()
    if not form.validate_on_submit():
        return render_template("batches/upload.html", form=form, max_lines=MAX_LINES), 422
    buyer_id = chosen_buyer(form.buyer_id.data)
    if user().role == "admin" and buyer_id not in {c.value for c in verified_buyers()}:
        form.buyer_id.errors = [_("Choose a verified buyer.")]
        return render_template("batches/upload.html", form=form, max_lines=MAX_LINES), 422
    try:
        text = decode(form.file.data.read())
    except FileProblem as problem:
        form.file.errors = [str(FILE_ERRORS[problem.code])]
        return render_template("batches/upload.html", form=form, max_lines=MAX_LINES), 422
    return preview(form, text, buyer_id)


def preview(form: UploadForm, text: str, buyer_id: int | None) -> Any:
    sheet, problem = read_sheet(text)
    if sheet is None:
        form.file.errors = [problem or ""]
        return render_template("batches/upload.html", form=form, max_lines=MAX_LINES), 422
    errors = line_errors(sheet)
    confirm = ConfirmForm(formdata=None, sheet=text, buyer_id=buyer_id or "", key=secrets.token_urlsafe(16))
    buyer = buyers.get(buyer_id) if buyer_id else user()
    page = render_template(
        "batches/preview.html",
        sheet=sheet,
        errors=errors,
        fields=FIELDS,
        confirm=confirm,
        form=form,
        buyer=buyer,
        kits={k.code: k for k in catalog.kits()},
        max_lines=MAX_LINES,
        parse_iso=date.fromisoformat,
    )
    return page, (422 if errors else 200)


@bp.post("/orders/batch/confirm")
@role_required("buyer", "admin")
def batch_confirm() -> Any:
    refuse_unverified()
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    sheet, problem = read_sheet(form.sheet.data or "")
    buyer_id = chosen_buyer(form.buyer_id.data)
    if sheet is None or (user().role == "admin" and buyer_id is None):
        abort(400, problem)
    key = (form.key.data or "")[:200] or None
    try:
        _status, body = batches.create(
            user(), buyer_id, sheet.orders, key, lambda b, placed: {"batch_id": b.id, "total": len(placed)}
        )
    except (Invalid, Forbidden):
        # changed since the preview (a date passed, a kit withdrawn, a buyer no longer verified):
        # show the preview again with what is wrong now
        upload = upload_form()
        return preview(upload, form.sheet.data or "", buyer_id)
    return redirect(url_for("web.batch_page", batch_id=body["batch_id"]))


@bp.get("/orders/batch/<int:batch_id>")
@role_required("buyer", "admin")
def batch_page(batch_id: int) -> Any:
    batch = batches.visible(user(), batch_id)
    progress = batches.progress(batch)
    orders = db.session.scalars(select(Order).where(Order.batch_id == batch.id).order_by(Order.id))
    return render_template(
        "batches/progress.html",
        batch=batch,
        progress=progress,
        orders=list(orders),
        buyer=db.session.get(User, batch.buyer_id),
        refresh=progress["pending"] > 0,
    )
