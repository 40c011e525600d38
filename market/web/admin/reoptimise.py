"""Re-optimisation for admins: a preview of what placing every offer not yet accepted and every
waiting order again together would move, and a button that applies it (``services.reoptimise``)."""

from __future__ import annotations

from typing import Any

from flask import flash, render_template
from flask_babel import gettext as _

from ...services import reoptimise
from .. import bp, i18n
from ..common import role_required, user


def _render(done: reoptimise.Reoptimisation) -> Any:
    plan = done.plan
    businesses, orders = reoptimise.named(plan)
    return render_template(
        "admin/reoptimise.html",
        done=done,
        plan=plan,
        by_business=plan.by_business(),
        businesses=businesses,
        orders=orders,
    )


@bp.get("/admin/reoptimise")
@role_required("admin")
def reoptimise_preview() -> Any:
    return _render(reoptimise.preview())


@bp.post("/admin/reoptimise")
@role_required("admin")
def reoptimise_apply() -> Any:
    done = reoptimise.apply(user())
    n = i18n.local_digits
    if done.plan.moves:
        flash(
            _(
                "Applied. Offers withdrawn: %(withdrawn)s; offers made: %(made)s.",
                withdrawn=n(len(done.plan.withdrawn)),
                made=n(len(done.new_job_ids)),
            ),
            "success",
        )
    else:
        flash(_("Nothing to move: the offers are already placed as well as they can be."), "info")
    return _render(done)
