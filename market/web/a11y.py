"""What every page does for people who use a screen reader, a phone or another language.

- A form that failed to go through says so once for every form: Flask-WTF's ``hidden_tag()``, which
  each page form renders at its top, is preceded by an error summary (``macros.html``
  ``error_summary``: ``role="alert"``, focused on load, one link per field in error), and the
  page's ``<title>`` starts with "Error:" (``page_has_errors()``, read by ``base.html``).
- Text that people typed (names, addresses, notes) is isolated in ``<bdi>`` so it cannot reorder
  the sentence around it, and Persian text carries ``lang="fa"`` on English pages
  (the ``user_text`` filter).
"""

from __future__ import annotations

import re
from typing import Any

import flask_wtf
from flask import Flask, g, get_template_attribute
from markupsafe import Markup, escape

# Arabic-script letters (Persian uses the Arabic block and its presentation forms)
_PERSIAN = re.compile("[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff]")


def persian_option(text: str) -> dict[str, str]:
    """An ``<option>``'s attributes for typed text (a name): ``lang="fa"`` when it is written in
    Persian letters (an option cannot hold a ``<bdi>``)."""
    return {"lang": "fa"} if _PERSIAN.search(text) else {}


def user_text(value: object) -> Markup | object:
    """``value`` in a ``<bdi>``, with ``lang="fa"`` when it is written in Persian letters; any
    non-text value (a number, None) is returned as it is."""
    if not isinstance(value, str) or value == "":
        return value
    lang = ' lang="fa"' if _PERSIAN.search(value) else ""
    return Markup(f"<bdi{lang}>{escape(value)}</bdi>")


class PageForm(flask_wtf.FlaskForm):
    """Flask-WTF's form, remembered by the request (for the page's title) and rendering its error
    summary in front of its hidden fields."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        g.setdefault("page_forms", []).append(self)

    def hidden_tag(self, *fields: Any) -> Markup:
        summary = get_template_attribute("macros.html", "error_summary")(self) if has_errors(self) else ""
        return Markup(summary) + super().hidden_tag(*fields)


def field_errors(form: Any) -> list[tuple[Any, list[str]]]:
    """(field, its messages) for each field of ``form`` in error, in the form's order."""
    return [(f, [str(m) for m in f.errors]) for f in form if f.errors and f.type != "CSRFTokenField"]


def has_errors(form: Any) -> bool:
    return bool(field_errors(form) or getattr(form, "form_errors", None))


def page_has_errors() -> bool:
    """Whether a form of this request was sent and refused (its fields or the form itself)."""
    return any(has_errors(form) for form in g.get("page_forms", ()))


def init_app(app: Flask) -> None:
    app.jinja_env.filters["user_text"] = user_text
    app.jinja_env.globals.update(page_has_errors=page_has_errors, field_errors=field_errors)
