"""The instant quote on the pages: on the order form as the buyer types (``quote.js`` asks
``/orders/quote`` for a fragment), and on an order's page while units wait.

The fragment is a GET that changes nothing (no CSRF token needed, no inline script: the page's
CSP allows scripts from /assets only), answered in the reader's language with Jalali dates and
Persian digits. A date that does not parse yet, or lies outside the allowed range, is left out:
the quote then says the earliest date only (the form checks the date itself when it is sent).
"""

from __future__ import annotations

from typing import Any

from flask import current_app, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import InputRequired

from .. import limits
from ..domain import deadlines, geo, states
from ..domain.quote import Quote
from ..errors import Invalid
from ..extensions import limiter
from ..models import Order
from ..services import quote as quotes
from ..services.common import tally, today
from . import bp, i18n
from .buyer import per_user
from .common import kit_choices, province_choices, role_required
from .forms import REQUIRED, PersianIntegerField, whole_number


class QuoteForm(FlaskForm):
    """The order form's fields a quote needs, read from the query string."""

    class Meta:
        csrf = False  # a GET that changes nothing

    kit = SelectField(_l("Kit"), validators=[InputRequired(REQUIRED)])
    quantity = PersianIntegerField(_l("Quantity"), whole_number(1, limits.QUANTITY_MAX))
    delivery_province = SelectField(_l("Delivery province"), validators=[InputRequired(REQUIRED)])
    needed_by = StringField(_l("Needed by"))


def provinces(q: Quote) -> str:
    """The provinces the units would be made in, by name, nearest first."""
    names = [
        (p.name_fa if i18n.is_fa() else p.name_en) for s in q.sources if (p := geo.BY_CODE.get(s.province))
    ]
    return ("، " if i18n.is_fa() else ", ").join(names)


def quotes_limit() -> str:
    return str(current_app.config["RATELIMIT_QUOTES"])


@bp.get("/orders/quote")
@role_required("buyer", "admin")
@limiter.shared_limit(quotes_limit, scope="quotes", key_func=per_user)
def quote_fragment() -> Any:
    """The quote for what the order form holds, as a fragment of the form (422 with the first
    problem, in the reader's language, when the fields cannot be quoted)."""
    form = QuoteForm(formdata=request.args)
    form.kit.choices = kit_choices()
    form.delivery_province.choices = province_choices()
    if not form.validate():
        problems = [str(e) for errors in form.errors.values() for e in errors]
        return render_template("buyer/_quote.html", quote=None, problems=problems), 422
    day = today()
    needed_by = i18n.parse_date(form.needed_by.data or "")
    if needed_by is not None and not (
        deadlines.earliest_needed_by(day) <= needed_by <= deadlines.latest_needed_by(day)
    ):
        needed_by = None
    data = {
        "kit": form.kit.data,
        "quantity": form.quantity.data,
        "delivery_province": form.delivery_province.data,
        "needed_by": needed_by,
    }
    try:
        q = quotes.quote(data)
    except Invalid:  # a kit withdrawn since the page was drawn
        return render_template(
            "buyer/_quote.html", quote=None, problems=[str(_l("This value cannot be accepted."))]
        ), 422
    return render_template("buyer/_quote.html", quote=q, problems=[], provinces=provinces(q))


@bp.app_template_global()
def waiting_quote(order: Order) -> dict[str, Any] | None:
    """For an order's page: the quote for its units that wait (none held by a job): by when all of
    them could come, and from where; None when nothing waits. (By the order's own date nothing
    more fits, or matching would have placed it.)"""
    if order.cancelled_at is not None or order.status in states.CLOSED_ORDER_STATUSES:
        return None
    waiting = tally(order).unallocated
    q = quotes.for_waiting_units(order, waiting, by_needed_by=False) if waiting > 0 else None
    if q is None:
        return None
    return {"quote": q, "waiting": waiting, "provinces": provinces(q)}
