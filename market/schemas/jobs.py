from __future__ import annotations

from marshmallow import Schema, fields, validate

from .. import limits
from ..domain import states
from .common import MAX_ID, PageArgs, StrictInteger, StrictSchema, page_of, text


class JobArgs(PageArgs):
    status = fields.String(validate=validate.OneOf(states.JOB_STATUSES))
    order_id = fields.Integer(validate=validate.Range(min=1, max=MAX_ID))


class DeclineIn(StrictSchema):
    reason = text(limits.REASON_MAX)


class ProgressIn(StrictSchema):
    units_done = StrictInteger(required=True, validate=validate.Range(min=0, max=limits.UNITS_MAX))


class ShipIn(StrictSchema):
    carrier = text(limits.CARRIER_MAX)
    tracking_code = text(limits.TRACKING_CODE_MAX)
    shipped_quantity = StrictInteger(
        validate=validate.Range(min=1, max=limits.UNITS_MAX),
        metadata={
            "description": "Units shipped, 1 … the job's quantity (default: all). Fewer return the "
            "rest to the order, matched again; more than reported made count as made."
        },
    )


class DeliverIn(StrictSchema):
    received_quantity = StrictInteger(required=True, validate=validate.Range(min=0, max=limits.UNITS_MAX))
    note = text(limits.NOTE_MAX, multiline=True)


class ReassignIn(StrictSchema):
    business_id = StrictInteger(required=True, validate=validate.Range(min=1, max=MAX_ID))


class EventOut(Schema):
    at = fields.DateTime()
    actor_id = fields.Integer(allow_none=True, metadata={"description": "Absent for the order's buyer."})
    from_status = fields.String(allow_none=True)
    to_status = fields.String()
    detail = fields.Dict(metadata={"description": "Absent for the order's buyer."})


class JobOut(Schema):
    """A job; its ``shortfall`` comes from ``api.presenters.job``."""

    id = fields.Integer()
    order_id = fields.Integer()
    business_id = fields.Integer()
    business_name = fields.String(attribute="business.name")
    province = fields.String(attribute="business.province")
    kit = fields.String(attribute="order.kit.code")
    delivery_province = fields.String(attribute="order.delivery_province")
    needed_by = fields.Date(attribute="order.needed_by")
    quantity = fields.Integer()
    status = fields.String()
    offered_at = fields.DateTime()
    expires_at = fields.DateTime()
    due_date = fields.Date()
    units_done = fields.Integer()
    accepted_at = fields.DateTime(allow_none=True)
    shipped_at = fields.DateTime(allow_none=True)
    carrier = fields.String(allow_none=True)
    tracking_code = fields.String(allow_none=True)
    delivered_at = fields.DateTime(allow_none=True)
    received_quantity = fields.Integer(allow_none=True)
    shortfall = fields.Integer(allow_none=True)
    closed_reason = fields.String(allow_none=True, metadata={"description": "Absent for the order's buyer."})
    match = fields.Dict(
        metadata={"description": "Why this business was chosen; absent for the order's buyer."}
    )
    events = fields.List(fields.Nested(EventOut))


JobList = page_of(JobOut)
