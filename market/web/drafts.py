"""An order typed by a buyer whose session ended before it was sent (signed out elsewhere, a
password change, the session's hours run out): it is kept in the session cookie across the sign-in
and the form comes back with it, instead of being lost.

Kept: the order form's own fields, when together they stay small enough for a cookie (a long note
is dropped first); never placed without the buyer sending the form again. A form whose CSRF token
is gone too (the browser dropped the cookie) is refused before this runs, and is not kept.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from flask import request, session
from flask_login import current_user

F = TypeVar("F", bound=Callable[..., Any])

DRAFT = "order_draft"
FIELDS = ("kit", "quantity", "delivery_province", "delivery_address", "needed_by", "note", "key")
#: characters a draft may hold (a cookie holds about 4 KB, and Persian letters take more than one byte)
MAX_CHARS = 1200


def keep_when_signed_out(view: F) -> F:
    """Outside the sign-in check: a POST from a visitor who is not signed in keeps its fields."""

    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if request.method == "POST" and not current_user.is_authenticated:
            keep({name: request.form.get(name, "") for name in FIELDS})
        return view(*args, **kwargs)

    return wrapped  # type: ignore[return-value]


def keep(draft: dict[str, str]) -> None:
    if sum(map(len, draft.values())) > MAX_CHARS:
        draft = {**draft, "note": ""}
    if sum(map(len, draft.values())) <= MAX_CHARS:
        session[DRAFT] = draft


def carried() -> dict[str, str] | None:
    """The kept draft, read before the sign-in starts a new session (put it back with :func:`keep`)."""
    draft = session.get(DRAFT)
    return dict(draft) if isinstance(draft, dict) else None


def take(key: str) -> dict[str, str] | None:
    """The kept draft of the form with this one-time key, once."""
    draft = carried()
    if draft is None or draft.get("key") != key:
        return None
    session.pop(DRAFT, None)
    return draft
