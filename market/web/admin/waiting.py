"""Why an order's units wait: a page for admins, and the answer to "re-run matching".

The reasons come from the domain (``market.domain.waiting``), counted over the workshops that
make the order's kit: nobody makes it, all declined, nobody has room before the deadline, the room
is in pieces below the minimum lots, the date has passed, or there is room and matching places it.
"""

from __future__ import annotations

from typing import Any

from flask import flash, render_template
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ...domain import waiting
from ...errors import NotFound
from ...extensions import db
from ...models import Order
from ...services.waiting import waiting_report
from .. import bp, i18n
from ..common import role_required

REASONS = {
    waiting.NOTHING_WAITING: _l("No unit of this order waits."),
    waiting.DEADLINE_PASSED: _l("Its date has passed: no workshop can make it in time any more."),
    waiting.NO_MAKER: _l("No approved, active workshop with capacity makes this kit."),
    waiting.ALL_DECLINED: _l("Every workshop that makes this kit has declined this order."),
    waiting.NO_ROOM: _l("No workshop that may take it has room before its production deadline."),
    waiting.BELOW_MIN_LOT: _l(
        "The workshops with room have less of it than their minimum lot, and less than what waits."
    ),
    waiting.PLACEABLE: _l("Workshops have room for all of it."),
}


def describe(report: waiting.WaitingReport) -> list[str]:
    """The report in sentences, in the admin's language."""
    n = i18n.local_digits
    lines = []
    if report.placeable:
        lines.append(
            _("%(n)s units can be placed now: matching offers them to workshops.", n=n(report.placeable))
        )
    if report.left_waiting:
        lines.append(_("%(n)s units wait.", n=n(report.left_waiting)) + " " + str(REASONS[report.reason]))
    elif not report.waiting:
        lines.append(str(REASONS[waiting.NOTHING_WAITING]))
    lines.append(
        _(
            "Workshops that make this kit: %(makers)s; declined this order: %(declined)s; with room before "
            "the deadline: %(room)s (%(units)s units).",
            makers=n(report.makers),
            declined=n(report.declined),
            room=n(report.with_room),
            units=n(report.room),
        )
    )
    return lines


def flash_waiting(order_id: int) -> None:
    """Say, after "re-run matching", what it places and why the rest waits."""
    for line in describe(waiting_report(order_id)):
        flash(line, "info")


@bp.get("/admin/orders/<int:order_id>/waiting")
@role_required("admin")
def order_waiting(order_id: int) -> Any:
    order = db.session.get(Order, order_id)
    if order is None:
        raise NotFound("order_not_found", order_id=order_id)
    report = waiting_report(order_id)
    return render_template("admin/order_waiting.html", order=order, report=report, lines=describe(report))
