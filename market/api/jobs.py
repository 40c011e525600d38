from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from ..auth import me, require
from ..schemas.jobs import DeclineIn, DeliverIn, JobArgs, JobList, JobOut, ProgressIn, ReassignIn, ShipIn
from ..services import jobs
from . import presenters

blp = Blueprint("jobs", __name__, url_prefix="/api/v1/jobs", description="One business's share of an order")


@blp.get("")
@require("business", "admin")
@blp.arguments(JobArgs, location="query")
@blp.response(200, JobList)
def listing(args: dict[str, Any]) -> Any:
    return presenters.page(jobs.listing(me(), args, args["page"], args["per_page"]), args, presenters.job)


@blp.get("/<int:job_id>")
@require()
@blp.response(200, JobOut)
def get(job_id: int) -> Any:
    """The order's buyer gets the job without ``match`` and with ``events`` as status and time only."""
    return presenters.job_for(me(), jobs.visible(me(), job_id))


@blp.post("/<int:job_id>/accept")
@require("business")
@blp.response(200, JobOut)
def accept(job_id: int) -> Any:
    return presenters.job(jobs.accept(me(), job_id))


@blp.post("/<int:job_id>/decline")
@require("business")
@blp.arguments(DeclineIn)
@blp.response(200, JobOut)
def decline(data: dict[str, Any], job_id: int) -> Any:
    """Decline; the units are re-matched, never to this business again for this order."""
    return presenters.job(jobs.decline(me(), job_id, data.get("reason")))


@blp.post("/<int:job_id>/progress")
@require("business")
@blp.arguments(ProgressIn)
@blp.response(200, JobOut)
def progress(data: dict[str, Any], job_id: int) -> Any:
    return presenters.job(jobs.progress(me(), job_id, data["units_done"]))


@blp.post("/<int:job_id>/ship")
@require("business")
@blp.arguments(ShipIn)
@blp.response(200, JobOut)
def ship(data: dict[str, Any], job_id: int) -> Any:
    """Ship ``shipped_quantity`` units (default all): the rest returns to the order, matched again."""
    ship_ = jobs.ship(
        me(), job_id, data.get("carrier"), data.get("tracking_code"), data.get("shipped_quantity")
    )
    return presenters.job(ship_)


@blp.post("/<int:job_id>/deliver")
@require("buyer", "admin")
@blp.arguments(DeliverIn)
@blp.response(200, JobOut)
def deliver(data: dict[str, Any], job_id: int) -> Any:
    """Confirm delivery and the quantity received; a shortfall is recorded."""
    return presenters.job_for(me(), jobs.deliver(me(), job_id, data["received_quantity"], data.get("note")))


@blp.post("/<int:job_id>/reassign")
@require("admin")
@blp.arguments(ReassignIn)
@blp.response(200, JobOut)
def reassign(data: dict[str, Any], job_id: int) -> Any:
    """Move the job to another business as a new offer; the old job is cancelled."""
    return presenters.job(jobs.reassign(me(), job_id, data["business_id"]))
