"""Server-rendered pages for buyers, workshops and admins, over the same services as the API.

Persian first (right-to-left, Jalali dates, Persian digits), English second; no JavaScript needed,
no request to any other host (the Vazirmatn font is bundled); every form carries a CSRF token.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, Response, make_response, render_template
from flask_babel import Babel
from flask_wtf.csrf import CSRFError, CSRFProtect
from sqlalchemy.exc import SQLAlchemyError

from ..domain import geo
from ..errors import ServiceError, database_unavailable, unavailable
from . import i18n
from .refusals import refusal_text

bp = Blueprint(
    "web", __name__, template_folder="templates", static_folder="static", static_url_path="/assets"
)
babel = Babel()
csrf = CSRFProtect()


def init_app(app: Flask, api_blueprints: tuple[Any, ...]) -> None:
    babel.init_app(app, locale_selector=i18n.select_locale, default_locale="fa")
    from .batches import allow_large_bodies

    app.before_request(allow_large_bodies)  # before the CSRF check reads the form
    csrf.init_app(app)
    for blueprint in api_blueprints:  # bearer tokens only: no cookie can act there
        csrf.exempt(blueprint)
    from . import admin, auth, batches, buyer, notifications, quote, shipping, suspension, workshop  # noqa: F401  (routes register on bp)

    app.register_blueprint(bp)
    app.extensions["page_errors"] = render_error
    app.register_error_handler(CSRFError, csrf_refused)
    app.jinja_env.filters.update(
        number=i18n.number,
        rials=i18n.rials,
        date=i18n.format_date,
        datetime=i18n.format_datetime,
        short_date=i18n.format_short_date,
        percent=i18n.percent,
        digits=i18n.local_digits,
        province=province_name,
    )
    from . import a11y

    a11y.init_app(app)
    from ..domain import states
    from ..domain.deadlines import is_late
    from .common import owner_group_label, status_label

    app.jinja_env.globals.update(
        lang=i18n.lang,
        direction=i18n.direction,
        status_label=status_label,
        owner_group_label=owner_group_label,
        is_late=is_late,
        states=states,
    )


def province_name(code: str) -> str:
    p = geo.BY_CODE.get(code)
    if p is None:
        return code
    return p.name_fa if i18n.is_fa() else p.name_en


def render_error(
    status: int, message: str | None, *, csrf: bool = False, refused: ServiceError | None = None
) -> Response:
    """The error page, in the visitor's language; a refused CSRF token says so (``csrf``), a
    ``refused`` use case by its code when it has a page text (``web/refusals.py``), and the
    ``message`` of a 403 or 400 (the page's own reason, already translated) is shown."""
    refusal = refusal_text(refused, "") if refused is not None else ""
    try:
        page = render_template("error.html", status=status, csrf=csrf, refusal=refusal, message=message)
    except SQLAlchemyError as err:
        # the page's header asks who is signed in; with the database gone that question fails too,
        # and the honest answer is the outage page (which asks nothing of the database)
        if status == 503 or not database_unavailable(err):
            raise
        return unavailable(err)
    return make_response(page, status)


def csrf_refused(err: CSRFError) -> Response:
    """A form sent without this site's token, or with a stale one: the page says so, in its words."""
    return render_error(400, None, csrf=True)
