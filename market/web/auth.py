"""Sign up, sign in, sign out, language."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import ratelimits
from ..auth import end_session, start_session
from ..errors import Conflict, Invalid
from ..models import User
from ..services import accounts, catalog
from . import bp, drafts, i18n
from .common import user
from .forms import SigninForm, SignupForm


def home_for(role: str) -> str:
    return {
        "buyer": url_for("web.my_orders"),
        "business": url_for("web.workshop_home"),  # its offers when any wait, else its profile
        "admin": url_for("web.dashboard"),
    }.get(role, url_for("web.index"))


def safe_next(target: str | None) -> str | None:
    """Only a path on this site (no scheme, no host) may be a redirect target; one holding a
    control character (a CR/LF would split the Location header), a space or a backslash (which
    browsers read as a slash: ``/\\evil.example``) is refused too."""
    if not target or any(ch.isspace() or ch == "\\" or not ch.isprintable() for ch in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.get("/")
def index() -> Any:
    return render_template("index.html", kits=catalog.kits(active_only=True))


@bp.route("/signup", methods=["GET", "POST"])
@ratelimits.per_address
def signup() -> Any:
    form = SignupForm()
    if form.validate_on_submit():
        data = {
            "email": form.email.data,
            "password": form.password.data,
            "name": form.name.data,
            "role": form.role.data,
            "organization": form.organization.data or None,
            "phone": form.phone.data or None,
            "locale": i18n.lang(),
        }
        try:
            new = accounts.register(data)
        except Conflict:
            form.email.errors = [*form.email.errors, _("An account with this email already exists.")]
        except Invalid as err:  # the form checks the same rules first; this names the field
            field = getattr(form, next(iter(err.errors or {"password": []})), form.password)
            field.errors = [*field.errors, _("This value cannot be accepted.")]
        else:
            start_session(new)
            return redirect(home_for(new.role))
    return render_template("auth/signup.html", form=form), 200 if not form.errors else 422


@bp.route("/signin", methods=["GET", "POST"])
@ratelimits.per_address
@ratelimits.per_account
def signin() -> Any:
    form = SigninForm()
    if form.validate_on_submit():
        found = accounts.sign_in(form.email.data or "", form.password.data or "")
        if found is not None:
            sign_in_keeping(found)
            return redirect(safe_next(request.args.get("next")) or home_for(found.role))
        ratelimits.mark_failed_signin()
        form.password.errors = [_("Wrong email or password.")]
    return render_template("auth/signin.html", form=form), 200 if not form.errors else 422


def sign_in_keeping(found: User) -> None:
    """A new session for the account, keeping what the visitor did before it: the language they
    chose (stored on the account too, which it wins from now on) and an order typed when the
    session ended (:mod:`.drafts`)."""
    chosen, draft = session.get("lang"), drafts.carried()
    start_session(found)
    if chosen in i18n.LANGUAGES:
        session["lang"] = chosen
        if found.locale != chosen:
            accounts.set_locale(found, chosen)
    if draft is not None:
        drafts.keep(draft)


@bp.post("/signout")
def signout() -> Any:
    if current_user.is_authenticated:
        accounts.sign_out(user())
    end_session()
    return redirect(url_for("web.index"))


@bp.post("/language/<code>")
def set_language(code: str) -> Any:
    """The language switch: a form with a CSRF token, since it writes the account's language (a
    GET would let any other site change it)."""
    if code in i18n.LANGUAGES:
        session["lang"] = code
        if current_user.is_authenticated:
            accounts.set_locale(user(), code)
    return redirect(safe_next(request.args.get("next")) or url_for("web.index"))
