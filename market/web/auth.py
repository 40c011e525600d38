"""Sign up, sign in, sign out, language."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import current_app, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from ..errors import Conflict
from ..extensions import limiter
from ..services import accounts, catalog
from . import bp, i18n
from .common import user
from .forms import SigninForm, SignupForm


def home_for(role: str) -> str:
    return {
        "buyer": url_for("web.my_orders"),
        "business": url_for("web.workshop"),
        "admin": url_for("web.dashboard"),
    }.get(role, url_for("web.index"))


def safe_next(target: str | None) -> str | None:
    """Only a path on this site (no scheme, no host) may be a redirect target."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.get("/")
def index() -> Any:
    return render_template("index.html", kits=catalog.kits(active_only=True))


@bp.route("/signup", methods=["GET", "POST"])
@limiter.limit(lambda: str(current_app.config["RATELIMIT_AUTH"]))
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
        else:
            login_user(new)
            return redirect(home_for(new.role))
    return render_template("auth/signup.html", form=form), 200 if not form.errors else 422


@bp.route("/signin", methods=["GET", "POST"])
@limiter.limit(lambda: str(current_app.config["RATELIMIT_AUTH"]))
def signin() -> Any:
    form = SigninForm()
    if form.validate_on_submit():
        found = accounts.sign_in(form.email.data or "", form.password.data or "")
        if found is not None:
            login_user(found)
            session.pop("lang", None)  # the account's language wins from now on
            return redirect(safe_next(request.args.get("next")) or home_for(found.role))
        form.password.errors = [_("Wrong email or password.")]
    return render_template("auth/signin.html", form=form), 200 if not form.errors else 422


@bp.post("/signout")
def signout() -> Any:
    logout_user()
    return redirect(url_for("web.index"))


@bp.get("/language/<code>")
def set_language(code: str) -> Any:
    if code in i18n.LANGUAGES:
        session["lang"] = code
        if current_user.is_authenticated:
            accounts.set_locale(user(), code)
    return redirect(safe_next(request.args.get("next")) or url_for("web.index"))
