"""What every page module shares: role checks, choices for selects, status names."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from flask import abort
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from wtforms import SelectChoice

from ..domain import geo, states
from ..models import User
from ..services import catalog
from . import i18n

F = TypeVar("F", bound=Callable[..., Any])

STATUS_LABELS = {
    "pending": _l("waiting to be matched"),
    "awaiting_capacity": _l("waiting for capacity"),
    "allocated": _l("allocated"),
    "in_production": _l("in production"),
    "shipped": _l("shipped"),
    "delivered": _l("delivered"),
    "cancelled": _l("cancelled"),
    "offered": _l("offered"),
    "accepted": _l("accepted"),
    "declined": _l("declined"),
    "expired": _l("expired"),
    "approved": _l("approved"),
    "suspended": _l("suspended"),
}
OWNER_GROUP_LABELS = {
    "female_head_of_household": _l("female head of household"),
    "deaf": _l("deaf"),
    "disabled": _l("people with disabilities"),
    "elderly": _l("elderly"),
    "pregnant_women": _l("pregnant women"),
    "youth": _l("youth"),
    "other": _l("other"),
}


def status_label(value: str) -> str:
    return str(STATUS_LABELS.get(value, value))


def business_status_label(value: str) -> str:
    """A workshop's status: "pending" reads "waiting to be matched" for an order, but a workshop
    waits for an admin's approval."""
    if value == states.BUSINESS_PENDING:
        return _("waiting for approval")
    return status_label(value)


def owner_group_label(value: str) -> str:
    return str(OWNER_GROUP_LABELS.get(value, value))


def role_required(*roles: str) -> Callable[[F], F]:
    """Signed in (else to the sign-in page) with one of these roles (else 403)."""

    def decorator(view: F) -> F:
        @functools.wraps(view)
        @login_required
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator


def user() -> User:
    return current_user._get_current_object()  # type: ignore[no-any-return]


def province_choices() -> list[SelectChoice]:
    """The 31 provinces, in the alphabetical order of the user's language."""
    fa = i18n.is_fa()
    named = sorted(((p.code, p.name_fa if fa else p.name_en) for p in geo.PROVINCES), key=lambda c: c[1])
    return [SelectChoice(code, name) for code, name in named]


def kit_choices(active_only: bool = True) -> list[SelectChoice]:
    fa = i18n.is_fa()
    return [
        SelectChoice(k.code, k.name_fa if fa else k.name_en) for k in catalog.kits(active_only=active_only)
    ]


def owner_group_choices() -> list[SelectChoice]:
    return [SelectChoice(k, str(v)) for k, v in OWNER_GROUP_LABELS.items()]
