"""Rate limits on signing in, shared by the API and the pages.

Two limits guard a password: per address (``RATELIMIT_AUTH``, on every POST) and per account
(``RATELIMIT_SIGNIN_ACCOUNT``, counting only failed sign-ins, whatever address they come from and
whether they went through ``POST /api/v1/auth/token`` or the sign-in page). Both are kept in
Redis when ``REDIS_URL`` is set, so every web process counts the same attempts. Loading the
sign-in page (GET) counts nowhere. Once the account limit is reached, even the right password
is refused until the window has passed: that is what stops guessing.
"""

from __future__ import annotations

import hashlib
from typing import Any

from flask import Response, current_app, g, request

from .extensions import limiter


def address_limit() -> str:
    return str(current_app.config["RATELIMIT_AUTH"])


def account_limit() -> str:
    return str(current_app.config["RATELIMIT_SIGNIN_ACCOUNT"])


def account_key() -> str:
    """The account a sign-in names, as a digest (the email stays out of Redis)."""
    email: Any = None
    try:
        if request.is_json:
            body = request.get_json(silent=True)
            email = body.get("email") if isinstance(body, dict) else None
        else:
            email = request.form.get("email")
    except Exception:  # a body too deep or too odd to read: the view refuses it on its own
        email = None
    text = email.strip().lower() if isinstance(email, str) else ""
    return "account:" + hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def mark_failed_signin() -> None:
    """Tell the account limit that this request was a wrong password."""
    g.signin_failed = True


def failed_signin(response: Response) -> bool:
    return response.status_code == 401 or bool(g.get("signin_failed"))


# apply both to a sign-in view (API token or page); GET is never counted
per_address = limiter.limit(address_limit, methods=["POST"])
per_account = limiter.shared_limit(
    account_limit, scope="signin-account", key_func=account_key, deduct_when=failed_signin, methods=["POST"]
)
