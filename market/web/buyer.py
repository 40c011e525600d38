"""Buyer pages: order, follow, confirm delivery, cancel."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import uuid4

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_limiter.util import get_remote_address
from flask_login import current_user
from werkzeug.datastructures import MultiDict
from wtforms import SelectChoice

from ..domain import states
from ..domain.deadlines import earliest_needed_by, latest_needed_by
from ..errors import Conflict, Invalid
from ..extensions import limiter
from ..models import Order
from ..services import jobs, messages, orders
from ..services.common import progress_of, tally, today
from . import bp, drafts, i18n, timeline
from .common import kit_choices, page_number, province_choices, role_required, user
from .forms import ONE_TIME_KEY, CancelOrderForm, DeliverForm, OrderForm
from .notifications import MessageForm
from .refusals import refusal_text

PER_PAGE = 20
DRAFT_BACK = _l(
    "You were signed out before your order was sent: here it is as you typed it. Check it and send it."
)


@bp.get("/orders")
@role_required("buyer")
def my_orders() -> Any:
    page = page_number()
    items, total = orders.listing(user(), {}, page, PER_PAGE)
    return render_template(
        "buyer/orders.html", orders=items, total=total, page=page, per_page=PER_PAGE, tally=tally
    )


def date_suggestions() -> list[str]:
    """Dates offered by the needed-by field's list: the next 90 days, as the field takes them."""
    start = earliest_needed_by(today())
    return [i18n.format_short_date(start + timedelta(days=n)) for n in range(0, 90)]


def orders_limit() -> str:
    return str(current_app.config["RATELIMIT_ORDERS"])


def per_user() -> str:
    """Counted per account, like the API's (the limit may be checked before the sign-in check)."""
    return f"user:{current_user.id}" if current_user.is_authenticated else get_remote_address()


@bp.route("/orders/new", methods=["GET", "POST"])
@drafts.keep_when_signed_out
@role_required("buyer")
@limiter.shared_limit(orders_limit, scope="post-orders", key_func=per_user, methods=["POST"])
def new_order() -> Any:
    form = OrderForm()
    form.kit.choices = kit_choices()
    # no silent default (the first province of the alphabet): the buyer's latest, else a choice
    form.delivery_province.choices = [SelectChoice("", _("Choose a province")), *province_choices()]
    placed_before = None
    if request.method == "GET":
        key = request.args.get("key", "")
        if not ONE_TIME_KEY.fullmatch(key):  # the key goes in the address, so Back brings it back
            kit = {"kit": request.args["kit"]} if request.args.get("kit") else {}
            return redirect(url_for("web.new_order", key=uuid4().hex, **kit))
        placed_before = prefill(form, key)
    if form.validate_on_submit():
        data = order_data(form)
        if data is not None:
            try:
                placed = place(form, data)
            except Invalid as err:
                placed_before = refuse(form, err)
            else:
                if placed is not None:
                    return placed
    status = 422 if form.errors or (placed_before and request.method == "POST") else 200
    page = render_template(
        "buyer/new_order.html", form=form, suggestions=date_suggestions(), placed_before=placed_before
    )
    return page, status


def prefill(form: OrderForm, key: str) -> Order | None:
    """The empty form with its one-time key, or, when Back brings back a form already sent, that
    form as it was sent (sending it again shows its order); returns that order."""
    form.key.data = key
    placed = orders.placed_with_key(user(), key)
    draft = drafts.take(key)
    if placed is None and draft is not None:  # typed before a sign-in: back as it was typed
        form.process(formdata=MultiDict(draft))
        flash(str(DRAFT_BACK), "info")
        return None
    if placed is None:
        form.delivery_province.data = orders.last_delivery_province(user()) or ""
        if request.args.get("kit"):
            form.kit.data = request.args["kit"]
        return None
    form.kit.data = placed.kit.code
    form.quantity.data = placed.quantity
    form.delivery_province.data = placed.delivery_province
    form.delivery_address.data = placed.delivery_address
    form.needed_by.data = i18n.format_short_date(placed.needed_by)
    form.note.data = placed.note or ""
    return placed


def order_data(form: OrderForm) -> dict[str, Any] | None:
    """The order's fields as the service takes them; None (with the error beside the date) for a
    date too soon or too far."""
    needed_by = i18n.parse_date(form.needed_by.data or "")
    earliest = earliest_needed_by(today())
    latest = latest_needed_by(today())
    if needed_by is not None and needed_by < earliest:
        form.needed_by.errors = [_("Choose %(date)s or later.", date=i18n.format_date(earliest))]
        return None
    if needed_by is not None and needed_by > latest:
        form.needed_by.errors = [
            _("Choose %(date)s or earlier: at most a year ahead.", date=i18n.format_date(latest))
        ]
        return None
    return {
        "kit": form.kit.data,
        "quantity": form.quantity.data,
        "delivery_province": form.delivery_province.data,
        "delivery_address": (form.delivery_address.data or "").strip(),
        "needed_by": needed_by,
        "note": (form.note.data or "").strip() or None,
    }


def place(form: OrderForm, data: dict[str, Any]) -> Any:
    """Place the order (once per form: its one-time key) and go to it; None when the buyer's cap
    refuses it (said beside the quantity).

    :raises Invalid: a refusal the form shows (:func:`refuse`).
    """
    made: list[int] = []

    def render(o: Order) -> dict[str, Any]:
        made.append(o.id)
        return {"id": o.id}

    try:
        _status, body = orders.create(user(), data, form.key.data or None, render)
    except Conflict as err:  # the cap on an unverified buyer's open units
        form.quantity.errors = [*form.quantity.errors, refusal_text(err, _("This value cannot be accepted."))]
        return None
    if body["id"] in made:
        flash(_("Your order is placed. Workshops are being matched to it."), "success")
    else:  # Back, then the same form sent again: the first order, nothing new
        flash(_("This form was already sent: here is the order it placed. Nothing new was ordered."), "info")
    return redirect(url_for("web.order_page", order_id=body["id"]))


def refuse(form: OrderForm, err: Invalid) -> Order | None:
    """Say the refusal beside its field; the order this form placed already when its one-time key
    came back with other values (the page offers it, and a new form)."""
    if err.code == "idempotency_key_reused" and form.key.data:
        return orders.placed_with_key(user(), form.key.data)
    field = next(iter(err.errors or {"kit": []}))
    target = getattr(form, field, form.kit)
    target.errors = [*target.errors, _("This value cannot be accepted.")]
    return None


@bp.get("/orders/<int:order_id>")
@role_required("buyer", "admin")
def order_page(order_id: int) -> Any:
    return render_order(orders.visible(user(), order_id))


def render_order(order: Order, cancel_form: CancelOrderForm | None = None, status: int = 200) -> Any:
    deliver_forms = {
        j.id: DeliverForm(prefix=f"job{j.id}", received_quantity=j.quantity)
        for j in order.jobs
        if j.status == states.SHIPPED
    }
    t = tally(order)
    in_hand = [j for j in order.jobs if j.status in states.IN_HAND_JOB_STATUSES]
    page = render_template(
        "buyer/order.html",
        order=order,
        t=t,
        counts=progress_of(order),
        history=timeline.lines(order),
        arrival=timeline.order_arrival(order, t.unallocated),
        job_arrival={j.id: timeline.arrival(j) for j in order.jobs},
        answering=order.status == states.ALLOCATED and any(j.status == states.OFFERED for j in order.jobs),
        deliver_forms=deliver_forms,
        cancel_form=cancel_form or CancelOrderForm(formdata=None),
        cancellable=cancellable(order),
        in_hand=sum(j.quantity for j in in_hand),
        made_so_far=sum(j.units_done for j in in_hand),
        thread=messages.whole_thread(user(), order.id),
        message_form=MessageForm(),
    )
    return page, status


def cancellable(order: Order) -> bool:
    return order.cancelled_at is None and not any(j.status in states.SENT_JOB_STATUSES for j in order.jobs)


@bp.post("/orders/<int:order_id>/cancel")
@role_required("buyer", "admin")
def cancel_order(order_id: int) -> Any:
    order = orders.visible(user(), order_id)
    form = CancelOrderForm()
    if not form.validate_on_submit():
        return render_order(order, form, 422)
    taken = any(j.status in states.IN_HAND_JOB_STATUSES for j in order.jobs)
    if taken and not form.confirm.data:  # workshops are making it: the buyer confirms knowing so
        form.confirm.errors = [_("Tick this box to cancel an order that workshops are already making.")]
        return render_order(order, form, 422)
    try:
        orders.cancel(user(), order_id, form.reason.data or None)
    except Conflict:
        flash(_("This order can no longer be cancelled."), "error")
    else:
        flash(_("The order is cancelled."), "success")
    return redirect(url_for("web.order_page", order_id=order_id))


@bp.post("/jobs/<int:job_id>/deliver")
@role_required("buyer", "admin")
def deliver(job_id: int) -> Any:
    job = jobs.visible(user(), job_id)
    form = DeliverForm(prefix=f"job{job_id}")
    wrong_count = _("Enter the number of kits received, from 0 to %(n)s.", n=i18n.number(job.quantity))
    if not form.validate_on_submit():
        flash(wrong_count, "error")
    else:
        try:
            jobs.deliver(user(), job_id, form.received_quantity.data or 0, form.note.data or None)
        except Invalid:  # more than the job's quantity (the domain's bound)
            flash(wrong_count, "error")
        except Conflict:
            flash(_("This shipment cannot be confirmed now."), "error")
        else:
            flash(_("Delivery confirmed. Thank you."), "success")
    return redirect(url_for("web.order_page", order_id=job.order_id))
