"""The pieces behind every page's accessibility, without a browser: typed text isolated (and marked
Persian when it is), a refused form remembered by the request for the title and summarised in
front of its hidden fields."""

from __future__ import annotations

from pathlib import Path

from markupsafe import Markup
from wtforms import StringField
from wtforms.validators import InputRequired

from market.app import create_app
from market.web.a11y import PageForm, page_has_errors, user_text
from market.web.forms import SigninForm

from ..conftest import base_config
from ..support import Clock


class NameForm(PageForm):
    name = StringField("Name", [InputRequired()])


def test_typed_text_is_isolated_escaped_and_marked_persian_only_when_it_is():
    assert user_text("کارگاه مهر") == Markup('<bdi lang="fa">کارگاه مهر</bdi>')
    assert user_text("Mehr <b>workshop</b>") == Markup("<bdi>Mehr &lt;b&gt;workshop&lt;/b&gt;</bdi>")
    assert user_text("Shop ۱۲") == Markup('<bdi lang="fa">Shop ۱۲</bdi>')  # Persian digits are Persian
    assert user_text("") == "" and user_text(None) is None and user_text(12) == 12


def test_a_refused_form_sets_the_title_flag_and_renders_its_summary_first(tmp_path: Path):
    app = create_app(
        {
            **base_config(Clock()),
            "WTF_CSRF_ENABLED": False,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'm.db'}",
            "JOBS_MODE": "inline",
            "REDIS_URL": None,
        }
    )
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
