"""What the admin's lists share: the page number, filters read from their forms (anything unknown
is no filter), the links that keep them, and the way back after a button."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from flask import redirect, render_template, request, url_for
from flask_babel import gettext as _
from wtforms import Form, SelectChoice

from ...domain import geo, states
from ..auth import safe_next
from ..forms import JobFilterForm, OrderFilterForm

PER_PAGE = 20
Rows = tuple[list[Any], int]


def render_list(
    template: str,
    form: Form,
    fetch: Callable[[int, int], Rows],
    filters: dict[str, Any],
    rows: str,
    more: Callable[[list[Any]], dict[str, Any]] | None = None,
    **context: Any,
) -> str:
    """An admin list page: the page asked for, fetched ``fetch(page, PER_PAGE)``, its rows under the
    name ``rows``, what ``more`` adds about them, the form, the count and the filters that are set
    (its links keep them)."""
    page = page_number()
    items, total = fetch(page, PER_PAGE)
    context.update(more(items) if more else {})
    context[rows] = items
    links = active_filters(filters)
    return render_template(
        template, form=form, total=total, page=page, per_page=PER_PAGE, filters=links, **context
    )


def page_number() -> int:
    return max(1, request.args.get("page", 1, type=int) or 1)


def pick(value: str | None, allowed: Iterable[str]) -> str | None:
    """The filter value if it is one of the allowed ones; anything else is no filter."""
    return value if value and value in set(allowed) else None


def with_all(choices: Iterable[SelectChoice]) -> list[SelectChoice]:
    return [SelectChoice("", _("All")), *choices]


def back(default_endpoint: str) -> Any:
    """Back to the list the button was pressed on, with its filters and page (same site only)."""
    return redirect(safe_next(request.form.get("next")) or url_for(default_endpoint))


def active_filters(filters: dict[str, Any]) -> dict[str, Any]:
    """The filters to carry into page links and export links (only those set)."""
    return {k: v for k, v in filters.items() if v not in (None, "", False)}


def order_filters(form: OrderFilterForm) -> dict[str, Any]:
    return {
        "status": pick(form.status.data, states.ORDER_STATUSES),
        "province": pick(form.province.data, geo.BY_CODE),
        "kit": form.kit.data or None,
    }


def job_filters(form: JobFilterForm) -> dict[str, Any]:
    business = form.business.data or ""
    return {
        "status": pick(form.status.data, states.JOB_STATUSES),
        "business_id": int(business) if business.isdigit() else None,
        "late": bool(form.late.data),
    }
