from __future__ import annotations

from typing import Any

from flask import current_app, request
from flask_smorest import Blueprint

from .. import ratelimits
from ..auth import me, require
from ..extensions import limiter
from ..schemas.accounts import MeOut, RegisterIn, TokenIn, TokenOut, UserOut
from ..schemas.notifications import ProfileIn
from ..services import accounts, inbox

blp = Blueprint("accounts", __name__, url_prefix="/api/v1", description="Accounts and tokens")


def auth_limit() -> str:
    return str(current_app.config["RATELIMIT_AUTH"])


@blp.post("/auth/register")
@limiter.limit(auth_limit)
@blp.arguments(RegisterIn)
@blp.response(201, UserOut)
def register(data: dict[str, Any]) -> Any:
    """Create a buyer or business account (admins come only from `flask create-admin`)."""
    return accounts.register(data)


@blp.post("/auth/token")
@ratelimits.per_address
@ratelimits.per_account
@blp.arguments(TokenIn)
@blp.response(200, TokenOut)
def token(data: dict[str, Any]) -> Any:
    """Exchange email and password for a bearer token."""
    value, ttl = accounts.issue_token(data["email"], data["password"])
    # a credential: no cache (browser, proxy) may keep it
    body = {"token": value, "token_type": "Bearer", "expires_in": ttl}
    return body, 200, {"Cache-Control": "no-store", "Pragma": "no-cache"}


@blp.post("/auth/revoke")
@require()
@blp.response(204)
def revoke() -> None:
    """Revoke the bearer token this request carries."""
    accounts.revoke_token(request.headers.get("Authorization", "").partition(" ")[2].strip())


def _me_body(user: Any) -> dict[str, Any]:
    business_id = accounts.business_id_of(user) if user.role == "business" else None
    out = {**UserOut().dump(user), "business_id": business_id}
    if user.role == "buyer":
        out["verified"] = user.verified
    return out


@blp.get("/me")
@require()
@blp.response(200, MeOut)
def whoami() -> Any:
    return _me_body(me())


@blp.patch("/me")
@require()
@blp.arguments(ProfileIn)
@blp.response(200, MeOut)
def update_me(data: dict[str, Any]) -> Any:
    """Your language, phone and notification channels (`notify_email`, `notify_sms`, `digest`)."""
    return _me_body(inbox.update_profile(me(), data))
