"""Shipping a job from the workshop's jobs page: what is made is what ships.

The form is prefilled with the kits reported made (Persian digits accepted); fewer than the job's
kits return the rest to the order, which is matched again; more count as made (the shipment is the
last progress report).
"""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, url_for
from flask_babel import gettext as _

from ..errors import Conflict, Invalid
from ..services import jobs
from . import bp, i18n
from .common import role_required, user
from .forms import ShipForm
from .workshop import IN_HAND, clean, render_jobs


@bp.post("/workshop/jobs/<int:job_id>/ship")
@role_required("business")
def job_ship(job_id: int) -> Any:
    job = jobs.visible(user(), job_id)  # 404 for another workshop's job
    if job.status not in IN_HAND:  # shipped already, or withdrawn: the form is no longer on the page
        flash(_("This job cannot be shipped now."), "error")
        return redirect(url_for("web.my_jobs"))
    form = ShipForm(prefix=f"ship{job_id}")
    if not form.validate_on_submit():
        return render_jobs({("ship", job_id): form}, 422)
    shipped, ordered = (
        form.shipped_quantity.data or 0,
        job.quantity,
    )  # the job's quantity becomes what shipped
    try:
        jobs.ship(user(), job_id, clean(form.carrier.data), clean(form.tracking_code.data), shipped)
    except Invalid:  # more than the job's kits
        form.shipped_quantity.errors = [
            *form.shipped_quantity.errors,
            _("Enter at most %(n)s, the number of kits in this job.", n=i18n.number(ordered)),
        ]
        return render_jobs({("ship", job_id): form}, 422)
    except Conflict:
        flash(_("This job cannot be shipped now."), "error")
    else:
        flash(shipped_message(ordered, shipped), "success")
    return redirect(url_for("web.my_jobs"))


def shipped_message(quantity: int, shipped: int) -> str:
    if shipped < quantity:
        return _(
            "Marked as shipped: %(n)s kits. The other %(rest)s go back to the order and will be "
            "offered again. The buyer will confirm what arrives.",
            n=i18n.number(shipped),
            rest=i18n.number(quantity - shipped),
        )
    return _("Marked as shipped. The buyer will confirm what arrives.")
