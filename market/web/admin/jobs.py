"""Every job, with its filters; moving an open job to another workshop (the service decides; a
refusal is said by its code, see ``web/refusals.py``)."""

from __future__ import annotations

import functools
from typing import Any

from flask import flash, request
from flask_babel import gettext as _
from wtforms import SelectChoice

from ...domain import states
from ...errors import Conflict
from ...models import Job
from ...services import businesses, jobs, reassignment
from ...services.common import today
from .. import bp, i18n, province_name
from ..a11y import persian_option
from ..common import role_required, status_label, user
from ..forms import JobFilterForm, ReassignForm
from ..refusals import refusal_text
from .filters import back, job_filters, render_list, with_all

#: a list of workshops for the jobs filter; the programme has tens, not thousands
WORKSHOP_CHOICES_LIMIT = 1000


def reassign_choice(option: reassignment.ReassignOption) -> SelectChoice:
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
        SelectChoice(str(b.id), f"{b.name} (#{i18n.local_digits(b.id)})", persian_option(b.name))
        for b in sorted(workshops, key=lambda b: b.name)
    )
    filters = job_filters(form)
    return render_list(
        "admin/jobs.html",
        form,
        functools.partial(jobs.listing, user(), filters),
        {
            "status": filters["status"],
            "business": filters["business_id"],
            "late": "y" if filters["late"] else None,
        },
        "jobs",
        lambda items: {"reassign_forms": reassign_forms(items)},
        today=today(),
    )


def reassign_forms(items: list[Job]) -> dict[int, ReassignForm]:
    """A form to move each open job that some other workshop could take."""
    out = {}
    for job_id, choices in reassignment.reassign_options(items).items():
        if choices:
            form = ReassignForm(prefix=f"job{job_id}")
            form.business_id.choices = [reassign_choice(o) for o in choices]
            out[job_id] = form
    return out


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
                reason=refusal_text(err, _("This job cannot be moved to that workshop.")),
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
