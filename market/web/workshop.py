"""Workshop pages: profile, offers inbox, jobs. (Being written: see the issue on web pages.)"""

from __future__ import annotations

from typing import Any

from flask import render_template

from . import bp
from .common import role_required


@bp.get("/workshop")
@role_required("business")
def workshop() -> Any:
    return render_template("workshop/todo.html")


@bp.get("/workshop/offers")
@role_required("business")
def offers() -> Any:
    return render_template("workshop/todo.html")


@bp.get("/workshop/jobs")
@role_required("business")
def my_jobs() -> Any:
    return render_template("workshop/todo.html")
