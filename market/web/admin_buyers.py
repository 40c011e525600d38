"""Admin pages: buyers awaiting verification (and all buyers), with a verify button."""

from __future__ import annotations

from typing import Any

from flask import flash, render_template, request
from flask_babel import gettext as _

from ..errors import NotFound
from ..services import buyers
from . import bp
from .admin import back, page_number
from .common import role_required, user

PER_PAGE = 20
SHOWS = {"waiting": False, "verified": True, "all": None}


@bp.get("/admin/buyers")
@role_required("admin")
def admin_buyers() -> Any:
    show = request.args.get("show", "waiting")
    if show not in SHOWS:
        show = "waiting"
    page = page_number()
    rows, total = buyers.listing(SHOWS[show], page, PER_PAGE)
    return render_template(
        "admin/buyers.html",
        rows=rows,
        total=total,
        page=page,
        per_page=PER_PAGE,
        show=show,
        cap=buyers.cap(),
    )


@bp.post("/admin/buyers/<int:buyer_id>/verify")
@role_required("admin")
def verify_buyer(buyer_id: int) -> Any:
    try:
        buyer = buyers.verify(user(), buyer_id)
    except NotFound:
        flash(_("There is no such buyer."), "error")
    else:
        flash(
            _(
                "%(name)s is verified: its orders are no longer capped.",
                name=buyer.organization or buyer.name,
            ),
            "success",
        )
    return back("web.admin_buyers")
