"""Moving an open job to another business: which businesses may take it, and the one check that
both the admin's list of options and the move itself (``jobs.reassign``) ask."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..domain import deadlines, geo, matching, states
from ..domain.capacity import Schedule
from ..extensions import db
from ..models import Business, Job
from .common import today
from .matching import domain_business, open_commitments, order_to_match


def declined_by(order_ids: set[int]) -> dict[int, frozenset[int]]:
    """For each order, the businesses that declined it (P8: they never get its units again)."""
    out: dict[int, set[int]] = {o: set() for o in order_ids}
    if order_ids:
        rows = db.session.execute(
            select(Job.order_id, Job.business_id).where(
                Job.order_id.in_(order_ids), Job.status == states.DECLINED
            )
        )
        for order_id, business_id in rows:
            out[order_id].add(business_id)
    return {o: frozenset(ids) for o, ids in out.items()}


def target_refusal(job: Job, target: Business, declined: frozenset[int]) -> str | None:
    """Why ``target`` may not take ``job`` (a code of ``market.domain.refusals``), capacity apart;
    None if it may. Eligibility is the engine's own rule (``matching.ineligibility``)."""
    if target.id == job.business_id:
        return "reassign_same_business"
    wanted = order_to_match(job.order, job.quantity, declined)
    candidate = domain_business(target, frozenset(k.code for k in target.kits), [])
    reason = matching.ineligibility(candidate, wanted)
    return None if reason is None else f"reassign_{reason}"


@dataclass(frozen=True)
class ReassignOption:
    """A workshop a job could move to, with the room it has by the job's production deadline."""

    business_id: int
    name: str
    province: str
    distance_km: int
    free_units: int  # what the capacity rule lets it take by the deadline it would get


def reassign_options(jobs: list[Job]) -> dict[int, list[ReassignOption]]:
    """For each open job: the workshops :func:`target_refusal` lets take it, nearest first.
    ``jobs.reassign`` decides (capacity included); this only informs."""
    open_jobs = [j for j in jobs if j.status in states.CANCELLABLE_JOB_STATUSES]
    if not open_jobs:
        return {}
    candidates = list(
        db.session.scalars(
            select(Business)
            .where(Business.status == states.APPROVED, Business.paused.is_(False))
            .options(selectinload(Business.kits))
            .order_by(Business.id)
        )
    )
    work = open_commitments([b.id for b in candidates])
    schedules = {b.id: Schedule(b.weekly_capacity, work[b.id]) for b in candidates}
    declined = declined_by({j.order_id for j in open_jobs})
    day = today()
    out: dict[int, list[ReassignOption]] = {}
    for job in open_jobs:
        order = job.order
        options = []
        for b in candidates:
            if target_refusal(job, b, declined[order.id]) is not None:
                continue
            due = deadlines.production_deadline(order.needed_by, b.province, order.delivery_province)
            options.append(
                ReassignOption(
                    b.id,
                    b.name,
                    b.province,
                    geo.distance_km(b.province, order.delivery_province),
                    schedules[b.id].free_until(due, day),
                )
            )
        out[job.id] = sorted(options, key=lambda o: (o.distance_km, -o.free_units, o.business_id))
    return out
