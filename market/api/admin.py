from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from ..auth import me, require
from ..schemas.admin import AuditArgs, AuditList, ReoptimiseIn, ReoptimiseOut, StatsOut
from ..services import audit_log, reoptimise, reports
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


@blp.post("/reoptimise")
@require("admin")
@blp.arguments(ReoptimiseIn)
@blp.response(200, ReoptimiseOut)
def reoptimise_all(args: dict[str, Any]) -> Any:
    """Re-solve every offer not yet accepted together with every waiting order (docs/allocation.md).
    Accepted work is never moved. With `apply` false (the default) nothing changes: the moves are
    a preview; with `apply` true they are made in one transaction under the matching rounds' locks,
    each withdrawn offer's workshop told."""
    done = reoptimise.apply(me()) if args["apply"] else reoptimise.preview()
    return presenters.reoptimisation(done)
