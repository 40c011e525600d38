"""Pages: the unread count in every page's header, the notifications list, the account's channel
choices, and the thread on an order (embedded in the buyer's order page; its own page for the
workshops and admins)."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from wtforms import BooleanField, RadioField, SelectChoice, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from .. import limits
from ..errors import NotFound
from ..services import inbox, messages
from . import bp, i18n
from .a11y import PageForm as FlaskForm  # Flask-WTF's, announcing a refused submit
from .auth import safe_next
from .common import user
from .forms import PHONE, REQUIRED

PER_PAGE = 20


class AccountForm(FlaskForm):
    locale = RadioField(
        _l("Language"),
        choices=[SelectChoice("fa", "فارسی"), SelectChoice("en", "English")],
        validators=[InputRequired()],
    )
    phone = StringField(_l("Mobile phone (for SMS)"), [Optional(), PHONE, Length(max=32)])
    notify_email = BooleanField(_l("Tell me by email"))
    notify_sms = BooleanField(_l("Tell me by SMS"))
    digest = RadioField(
        _l("How often"),
        choices=[
            SelectChoice("instant", _l("At once, one message per event")),
            SelectChoice("daily", _l("Once a day, in one digest")),
        ],
        validators=[InputRequired()],
    )


class MessageForm(FlaskForm):
    text = TextAreaField(_l("Message"), [InputRequired(message=REQUIRED), Length(max=limits.MESSAGE_MAX)])


ROLE_LABELS = {"buyer": _l("buyer"), "business": _l("workshop"), "admin": _l("admin")}


def role_label(role: str) -> str:
    return str(ROLE_LABELS.get(role, role))


@bp.app_context_processor
def unread_notifications() -> dict[str, Any]:
    """Every page's header shows how many notifications wait unread."""
    count = 0
    if current_user and current_user.is_authenticated:
        count = inbox.header_count(user())
    return {"unread_notifications": count, "role_label": role_label}


@bp.get("/notifications")
@login_required
def notifications_page() -> Any:
    page = max(1, request.args.get("page", 1, type=int))
    unread = request.args.get("unread") == "1"
    items, total = inbox.listing(user(), unread, page, PER_PAGE)
    texts = {n.id: inbox.text_of(n, i18n.lang()) for n in items}
    return render_template(
        "notifications/list.html",
        items=items,
        texts=texts,
        total=total,
        page=page,
        per_page=PER_PAGE,
        unread=unread,
    )


@bp.get("/n/<int:notification_id>")
@login_required
def open_notification(notification_id: int) -> Any:
    """Follow a notification (from the list, an email or an SMS): it counts as read."""
    try:
        n = inbox.mark_read(user(), notification_id)
    except NotFound:
        abort(404)
    return redirect(safe_next(n.link) or url_for("web.notifications_page"))


@bp.post("/notifications/<int:notification_id>/read")
@login_required
def read_notification(notification_id: int) -> Any:
    if FlaskForm().validate_on_submit():
        try:
            inbox.mark_read(user(), notification_id)
        except NotFound:
            abort(404)
    return redirect(url_for("web.notifications_page"))


@bp.post("/notifications/read-all")
@login_required
def read_all_notifications() -> Any:
    if FlaskForm().validate_on_submit():
        n = inbox.mark_all_read(user())
        flash(_("%(n)s notifications marked as read.", n=i18n.number(n)), "success")
    return redirect(url_for("web.notifications_page"))


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account() -> Any:
    me = user()
    form = AccountForm(obj=me)
    if form.validate_on_submit():
        phone = (form.phone.data or "").strip() or None
        if form.notify_sms.data and not phone:
            form.phone.errors = [*form.phone.errors, _("Enter a mobile number to receive SMS.")]
        else:
            inbox.update_profile(
                me,
                {
                    "locale": form.locale.data,
                    "phone": phone,
                    "notify_email": bool(form.notify_email.data),
                    "notify_sms": bool(form.notify_sms.data),
                    "digest": form.digest.data,
                },
            )
            flash(_("Your choices are saved."), "success")
            return redirect(url_for("web.account"))
    return render_template("notifications/account.html", form=form), 422 if form.errors else 200


@bp.route("/threads/<int:order_id>", methods=["GET", "POST"])
@login_required
def thread_page(order_id: int) -> Any:
    """The order's thread for a workshop that holds or held a job on it, or an admin; the buyer's
    order page shows the same thread."""
    try:
        order = messages.thread_order(user(), order_id)
    except NotFound:
        abort(404)
    if user().role == "buyer":
        return redirect(url_for("web.order_page", order_id=order_id, _anchor="messages"))
    form = MessageForm()
    if posted(form, order_id):
        return redirect(url_for("web.thread_page", order_id=order_id, _anchor="messages"))
    own_jobs = messages.own_jobs(user(), order)
    status = 422 if form.errors else 200
    return render_template(
        "notifications/thread.html", order=order, own_jobs=own_jobs, thread=thread_of(order_id), form=form
    ), status


def thread_of(order_id: int) -> list[Any]:
    return messages.whole_thread(user(), order_id)


def posted(form: MessageForm, order_id: int) -> bool:
    """Post the form's message if it is valid; say whether it was posted."""
    if not form.validate_on_submit():
        return False
    text = (form.text.data or "").strip()
    if not text:
        form.text.errors = [*form.text.errors, str(REQUIRED)]
        return False
    messages.post(user(), order_id, text)
    flash(_("Your message is sent."), "success")
    return True


@bp.post("/orders/<int:order_id>/messages")
@login_required
def post_order_message(order_id: int) -> Any:
    """The buyer's (or an admin's) message from the order page."""
    try:
        messages.thread_order(user(), order_id)
    except NotFound:
        abort(404)
    form = MessageForm()
    if not posted(form, order_id):
        flash(_("Write a message of 1 to 2,000 characters."), "error")
    return redirect(url_for("web.order_page", order_id=order_id, _anchor="messages"))
