from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from ..auth import require
from ..schemas.admin import AuditArgs, AuditList, StatsOut
from ..services import audit_log, reports
from . import presenters

blp = Blueprint("admin", __name__, url_prefix="/api/v1/admin", description="Oversight")


@blp.get("/stats")
@require("admin")
@blp.response(200, StatsOut)
def admin_stats() -> Any:
    return reports.admin_stats()


@blp.get("/audit")
@require("admin")
@blp.arguments(AuditArgs, location="query")
@blp.response(200, AuditList)
def audit(args: dict[str, Any]) -> Any:
    """Who did what and when, newest first."""
    return presenters.page(audit_log.audit_log(args, args["page"], args["per_page"]), args)
