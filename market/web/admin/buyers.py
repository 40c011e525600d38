"""Buyers awaiting verification (and all buyers), with a verify button."""

from __future__ import annotations

import functools
from typing import Any

from flask import flash, request
from flask_babel import gettext as _

from ...errors import NotFound
from ...services import buyers
from .. import bp
from ..common import role_required, user
from ..refusals import refusal_text
from .filters import back, pick, render_list

#: the tabs of the page and the ``verified`` filter each lists
SHOWS = {"waiting": False, "verified": True, "all": None}


@bp.get("/admin/buyers")
@role_required("admin")
def admin_buyers() -> Any:
    show = pick(request.args.get("show"), SHOWS) or "waiting"
    fetch = functools.partial(buyers.listing, SHOWS[show])
    return render_list("admin/buyers.html", None, fetch, {"show": show}, "rows", show=show, cap=buyers.cap())


@bp.post("/admin/buyers/<int:buyer_id>/verify")
@role_required("admin")
def verify_buyer(buyer_id: int) -> Any:
    try:
        buyer = buyers.verify(user(), buyer_id)
    except NotFound as err:
        flash(refusal_text(err, _("There is no such buyer.")), "error")
    else:
        flash(
            _(
                "%(name)s is verified: its orders are no longer capped.",
                name=buyer.organization or buyer.name,
            ),
            "success",
        )
    return back("web.admin_buyers")
