"""The pieces behind every page's accessibility, without a browser: typed text isolated (and marked
Persian when it is), a refused form remembered by the request for the title and summarised in
front of its hidden fields."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask, flash, render_template, session
from markupsafe import Markup
from wtforms import StringField
from wtforms.validators import InputRequired

from market.app import create_app
from market.web.a11y import PageForm, page_has_errors, user_text
from market.web.forms import SigninForm

from ..conftest import base_config
from ..support import Clock


@pytest.fixture
def app(tmp_path: Path) -> Flask:
    """The site's app, for rendering only (no database is read)."""
    config = {
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'm.db'}",
        "JOBS_MODE": "inline",
        "REDIS_URL": None,
    }
    return create_app({**base_config(Clock()), **config})


class NameForm(PageForm):
    name = StringField("Name", [InputRequired()])


def test_typed_text_is_isolated_escaped_and_marked_persian_only_when_it_is():
    assert user_text("کارگاه مهر") == Markup('<bdi lang="fa">کارگاه مهر</bdi>')
    assert user_text("Mehr <b>workshop</b>") == Markup("<bdi>Mehr &lt;b&gt;workshop&lt;/b&gt;</bdi>")
    assert user_text("Shop ۱۲") == Markup('<bdi lang="fa">Shop ۱۲</bdi>')  # Persian digits are Persian
    assert user_text("") == "" and user_text(None) is None and user_text(12) == 12


def test_a_refused_form_sets_the_title_flag_and_renders_its_summary_first(app: Flask):
    assert issubclass(SigninForm, PageForm)  # every page form of the site is one
    with app.test_request_context("/", method="POST", data={"name": ""}):
        untouched = NameForm(formdata=None)
        assert not page_has_errors() and "error-summary" not in untouched.hidden_tag()
        form = NameForm()
        assert not form.validate()
        assert page_has_errors()
        tag = str(form.hidden_tag())
        assert tag.lstrip().startswith('<div class="error-summary"'), tag[:80]  # before the hidden fields
        assert 'role="alert"' in tag and "autofocus" in tag and 'href="#name"' in tag
    with app.test_request_context("/"):
        assert not page_has_errors()  # one request's forms are not the next one's


def test_a_flashed_error_is_an_alert_and_starts_the_title(app: Flask):
    with app.test_request_context("/"):
        session["lang"] = "en"
        flash("This order can no longer be cancelled.", "error")
        flash("Saved.", "success")
        page = render_template("index.html", kits=[])
    assert "<title>Error: Kits – Kit marketplace</title>" in page
    assert '<p class="flash error" role="alert">This order can no longer be cancelled.</p>' in page
    assert '<p class="flash success" role="status">Saved.</p>' in page
