"""A service's refusal as the pages say it: looked up by its stable code, never by its English text.

``PAGE_TEXTS`` holds, per code of ``market.domain.refusals``, the sentence a page shows (its
Persian is in ``translations/src/refusals.po``); the refusal's params fill it in, each written the
reader's way (numbers and dates in Persian, a status by its label). A code without a page text
reads as the fallback the view gives.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l

from ..errors import ServiceError
from . import i18n
from .common import status_label

PAGE_TEXTS: dict[str, Any] = {
    "reassign_short_capacity": _l(
        "That workshop can make only %(free)s of the %(quantity)s kits by %(due)s."
    ),
    "reassign_job_closed": _l("This job is %(status)s: only an open job can be moved."),
    "reassign_business_inactive": _l("That workshop is not approved, or it is paused."),
    "reassign_business_lacks_kit": _l("That workshop does not make this kit."),
    "reassign_business_declined": _l("That workshop declined this order."),
    "reassign_same_business": _l("The job is already with that workshop."),
}


def param_text(name: str, value: Any) -> str:
    """One param of a refusal in the reader's language."""
    if name == "status":
        return status_label(str(value))
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return i18n.number(value)
    if isinstance(value, date):
        return i18n.format_date(value)
    return str(value)


def refusal_text(err: ServiceError, fallback: str) -> str:
    """The page's sentence for the refusal's code, filled in; ``fallback`` for a code it lacks."""
    text = PAGE_TEXTS.get(err.code)
    if text is None:
        return fallback
    return str(text) % {name: param_text(name, value) for name, value in err.params.items()}
