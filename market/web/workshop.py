"""Workshop pages: register, profile and calendar, offers inbox, jobs (progress and shipping).

Every write goes through ``services.businesses`` / ``services.jobs``; a refusal from a service
becomes a message in the visitor's language, beside the field it concerns when there is one.
"""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from persiantools import digits

from ..domain import states
from ..errors import Conflict, Invalid
from ..models import Business, Job
from ..services import businesses, jobs, workshop_figures
from ..services.common import now, today
from . import (
    bp,
    cities,  # noqa: F401  (registers the "city" filter every page uses)
    common,
    i18n,
)
from .a11y import PageForm as FlaskForm  # Flask-WTF's, announcing a refused submit
from .common import (
    business_status_label,
    kit_choices,
    owner_group_choices,
    province_choices,
    role_required,
    user,
)
from .forms import BusinessForm, PauseForm, ProfileForm, ProgressForm, ReasonForm, ShipForm
from .workshop_view import calendar_rows, month_name

IN_HAND = states.IN_HAND_JOB_STATUSES
#: the second list: work that left the workshop, and accepted work cancelled (with what was made)
SENT = states.SENT_JOB_STATUSES | {states.CANCELLED}
OFFERS_PER_PAGE = 50
SENT_PER_PAGE = 20
#: enough for every job a workshop has in hand at once: they are listed by deadline, not paged
IN_HAND_LIMIT = 100


def own_business() -> Business | None:
    return businesses.of_user(user())


def clean(text: str | None) -> str | None:
    """Trimmed text, None when empty."""
    value = (text or "").strip()
    return value or None


def latin_phone(text: str | None) -> str | None:
    """The API stores phones in Latin digits; the form also takes Persian or Arabic ones."""
    value = clean(text)
    return digits.fa_to_en(digits.ar_to_fa(value)) if value else None


def require_text(form: FlaskForm, *names: str) -> bool:
    """InputRequired accepts spaces alone; a name or a city of spaces is still missing."""
    ok = True
    for name in names:
        field = getattr(form, name)
        if not clean(field.data):
            field.errors = [*field.errors, _("This field is required.")]
            ok = False
    return ok


# --- register -------------------------------------------------------------------------------


@bp.route("/workshop/register", methods=["GET", "POST"])
@role_required("business")
def workshop_register() -> Any:
    if own_business() is not None:
        return redirect(url_for("web.workshop"))
    form = BusinessForm()
    form.province.choices = province_choices()
    form.owner_group.choices = owner_group_choices()
    form.kits.choices = kit_choices()
    if form.validate_on_submit() and require_text(form, "name", "city"):
        data = {
            "name": clean(form.name.data),
            "province": form.province.data,
            "city": clean(form.city.data),
            "owner_group": form.owner_group.data,
            "kits": list(form.kits.data or []),
            "weekly_capacity": form.weekly_capacity.data,
            "min_lot": form.min_lot.data,
            "phone": latin_phone(form.phone.data),
        }
        try:
            businesses.create(user(), data)
        except Conflict:  # registered meanwhile, from another tab or the API
            return redirect(url_for("web.workshop"))
        except Invalid:  # a kit withdrawn since the page was opened
            form.kits.errors = [*form.kits.errors, _("This value cannot be accepted.")]
        else:
            flash(
                _(
                    "Your workshop is registered. An admin must approve it before offers reach you; "
                    "this page shows when that happens."
                ),
                "success",
            )
            return redirect(url_for("web.workshop"))
    status = 422 if form.errors else 200
    return render_template("workshop/register.html", form=form), status


# --- profile --------------------------------------------------------------------------------


def profile_form_for(b: Business) -> ProfileForm:
    return ProfileForm(
        formdata=None,
        weekly_capacity=b.weekly_capacity,
        min_lot=b.min_lot,
        kits=businesses.kit_codes(b),
        city=b.city,
        phone=b.phone or "",
    )


def render_profile(b: Business, form: ProfileForm, status: int = 200) -> Any:
    form.kits.choices = kit_choices()
    weeks, later, later_short = calendar_rows(b)
    pause_form = PauseForm(prefix="pause", formdata=None)
    return (
        render_template(
            "workshop/profile.html",
            b=b,
            form=form,
            pause_form=pause_form,
            figures=businesses.figures(b),
            needed=businesses.capacity_needed(b),
            weeks=weeks,
            later_units=later,
            later_short=later_short,
            month=workshop_figures.this_month(b),
            month_name=month_name,
            status_text=business_status_label(b.status),
        ),
        status,
    )


@bp.route("/workshop", methods=["GET", "POST"])
@role_required("business")
def workshop() -> Any:
    b = own_business()
    if b is None:
        return redirect(url_for("web.workshop_register"))
    if request.method == "GET":
        return render_profile(b, profile_form_for(b))
    form = ProfileForm()
    form.kits.choices = kit_choices()
    if not (form.validate_on_submit() and require_text(form, "city")):
        return render_profile(b, form, 422)
    data: dict[str, Any] = {
        "weekly_capacity": form.weekly_capacity.data,
        "min_lot": form.min_lot.data,
        "city": clean(form.city.data),
        "phone": latin_phone(form.phone.data),
    }
    chosen = set(form.kits.data or [])
    # only kits still on offer are choices: a kit withdrawn from the catalogue stays listed until
    # the workshop changes its kits (the service refuses withdrawn kits in a new list)
    if chosen != {k.code for k in b.kits if k.active}:
        data["kits"] = sorted(chosen)
    try:
        b = businesses.update(user(), b.id, data)
    except Conflict:
        needed = businesses.capacity_needed(b)
        if needed is None:
            message = _("Some of your open jobs are already due: the capacity cannot be cut now.")
        else:
            message = _(
                "Your open jobs need at least %(n)s kits a week: enter %(n)s or more.",
                n=i18n.number(needed),
            )
        form.weekly_capacity.errors = [*form.weekly_capacity.errors, message]
        return render_profile(b, form, 422)
    except Invalid:  # a kit withdrawn from the catalogue since the page was opened
        form.kits.errors = [*form.kits.errors, _("This value cannot be accepted.")]
        return render_profile(b, form, 422)
    flash(_("Your workshop's details are saved."), "success")
    return redirect(url_for("web.workshop"))


@bp.post("/workshop/pause")
@role_required("business")
def workshop_pause() -> Any:
    b = own_business()
    if b is None:
        return redirect(url_for("web.workshop_register"))
    form = PauseForm(prefix="pause")
    if form.validate_on_submit():
        paused = bool(form.paused.data)
        businesses.update(user(), b.id, {"paused": paused})
        if paused:
            flash(_("Paused: no new offers will reach you until you resume."), "success")
        else:
            flash(_("Resumed: new offers can reach you again."), "success")
    return redirect(url_for("web.workshop"))


# --- offers ---------------------------------------------------------------------------------


def render_offers(decline_forms: dict[int, ReasonForm] | None = None, status: int = 200) -> Any:
    page = common.page_number()
    items, total = jobs.listing(user(), {"status": states.OFFERED}, page, OFFERS_PER_PAGE)
    # the most urgent first: a workshop answers the offer that expires soonest
    items.sort(key=lambda j: j.expires_at)
    moment = now()
    forms = {j.id: ReasonForm(prefix=f"decline{j.id}", formdata=None) for j in items}
    forms.update(decline_forms or {})
    return (
        render_template(
            "workshop/offers.html",
            offers=items,
            total=total,
            page=page,
            per_page=OFFERS_PER_PAGE,
            decline_forms=forms,
            time_left={j.id: i18n.format_duration(j.expires_at - moment) for j in items},
            expired={j.id for j in items if j.expires_at <= moment},
            earnings=workshop_figures.job_earnings,
        ),
        status,
    )


@bp.get("/workshop/offers")
@role_required("business")
def offers() -> Any:
    if own_business() is None:
        return redirect(url_for("web.workshop_register"))
    return render_offers()


def offer_refusal(job_id: int) -> str:
    """Why an offer could not be answered, from what it is now."""
    job = jobs.visible(user(), job_id)
    if job.status == states.OFFERED:
        return _("This offer has expired: it can no longer be accepted.")
    return _("This offer is no longer open: it was already answered, withdrawn or expired.")


@bp.post("/workshop/offers/<int:job_id>/accept")
@role_required("business")
def accept_offer(job_id: int) -> Any:
    try:
        jobs.accept(user(), job_id)
    except Conflict:
        flash(offer_refusal(job_id), "error")
    else:
        flash(_("Offer accepted. You will find it under My jobs."), "success")
    return redirect(url_for("web.offers"))


@bp.post("/workshop/offers/<int:job_id>/decline")
@role_required("business")
def decline_offer(job_id: int) -> Any:
    jobs.visible(user(), job_id)  # 404 for another workshop's job, before the form says anything
    form = ReasonForm(prefix=f"decline{job_id}")
    if not form.validate_on_submit():
        return render_offers({job_id: form}, 422)
    try:
        jobs.decline(user(), job_id, clean(form.reason.data))
    except Conflict:
        flash(offer_refusal(job_id), "error")
    else:
        flash(_("Offer declined. The order will go to another workshop."), "success")
    return redirect(url_for("web.offers"))


# --- jobs -----------------------------------------------------------------------------------


def render_jobs(overrides: dict[tuple[str, int], FlaskForm] | None = None, status: int = 200) -> Any:
    page = common.page_number()
    in_hand, _count = jobs.listing(user(), {"statuses": IN_HAND}, 1, IN_HAND_LIMIT)
    in_hand.sort(key=lambda j: (j.due_date, j.id))  # the nearest deadline first
    sent, sent_total = jobs.listing(user(), {"statuses": SENT, "was_accepted": True}, page, SENT_PER_PAGE)
    forms: dict[tuple[str, int], FlaskForm] = {}
    for j in in_hand:
        forms["progress", j.id] = ProgressForm(
            prefix=f"progress{j.id}", formdata=None, units_done=j.units_done
        )
        # what is made is what ships: prefilled with the units reported made (blank before any)
        forms["ship", j.id] = ShipForm(
            prefix=f"ship{j.id}", formdata=None, shipped_quantity=j.units_done or None
        )
    forms.update(overrides or {})
    return (
        render_template(
            "workshop/jobs.html",
            in_hand=in_hand,
            sent=sent,
            sent_total=sent_total,
            page=page,
            per_page=SENT_PER_PAGE,
            forms=forms,
            today=today(),
            earnings=workshop_figures.job_earnings,
        ),
        status,
    )


@bp.get("/workshop/jobs")
@role_required("business")
def my_jobs() -> Any:
    if own_business() is None:
        return redirect(url_for("web.workshop_register"))
    return render_jobs()


def progress_error(job: Job, err: Invalid) -> str:
    """The reason a count of kits made is refused (by the refusal's code), in the visitor's language."""
    if err.code == "units_done_out_of_range":
        return _("Enter at most %(n)s, the number of kits in this job.", n=i18n.number(job.quantity))
    if err.code == "units_done_goes_down":
        return _("You already reported %(n)s made: the count cannot go down.", n=i18n.number(job.units_done))
    return _("This value cannot be accepted.")


@bp.post("/workshop/jobs/<int:job_id>/progress")
@role_required("business")
def job_progress(job_id: int) -> Any:
    job = jobs.visible(user(), job_id)  # 404 for another workshop's job
    if job.status not in IN_HAND:  # shipped meanwhile: the form is no longer on the page
        flash(_("This job no longer takes progress reports."), "error")
        return redirect(url_for("web.my_jobs"))
    form = ProgressForm(prefix=f"progress{job_id}")
    if not form.validate_on_submit():
        return render_jobs({("progress", job_id): form}, 422)
    typed = form.units_done.data or 0
    try:
        jobs.progress(user(), job_id, typed)
    except Invalid as err:
        form.units_done.errors = [*form.units_done.errors, progress_error(job, err)]
        return render_jobs({("progress", job_id): form}, 422)
    except Conflict:
        flash(_("This job no longer takes progress reports."), "error")
    else:
        flash(_("Progress saved: %(n)s made so far.", n=i18n.number(typed)), "success")
    return redirect(url_for("web.my_jobs"))
