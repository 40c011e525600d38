"""Admin pages: dashboard, workshops, orders, jobs, audit, exports. (Being written.)"""

from __future__ import annotations

from typing import Any

from flask import render_template

from . import bp
from .common import role_required


@bp.get("/admin")
@role_required("admin")
def dashboard() -> Any:
    return render_template("workshop/todo.html")


@bp.get("/admin/businesses")
@role_required("admin")
def admin_businesses() -> Any:
    return render_template("workshop/todo.html")


@bp.get("/admin/orders")
@role_required("admin")
def admin_orders() -> Any:
    return render_template("workshop/todo.html")


@bp.get("/admin/jobs")
@role_required("admin")
def admin_jobs() -> Any:
    return render_template("workshop/todo.html")


@bp.get("/admin/audit")
@role_required("admin")
def admin_audit() -> Any:
    return render_template("workshop/todo.html")
