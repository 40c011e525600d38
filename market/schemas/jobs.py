from __future__ import annotations

from marshmallow import Schema, fields, validate

from ..domain import states
from .common import MAX_ID, PageArgs, StrictInteger, StrictSchema, text


class JobArgs(PageArgs):
    status = fields.String(validate=validate.OneOf(states.JOB_STATUSES))
    order_id = fields.Integer(validate=validate.Range(min=1, max=MAX_ID))


class DeclineIn(StrictSchema):
    reason = text(500)


class ProgressIn(StrictSchema):
    units_done = StrictInteger(required=True, validate=validate.Range(min=0, max=1_000_000))


class ShipIn(StrictSchema):
    carrier = text(120)
    tracking_code = text(120)


class DeliverIn(StrictSchema):
    received_quantity = StrictInteger(required=True, validate=validate.Range(min=0, max=1_000_000))
    note = text(2000, multiline=True)


class ReassignIn(StrictSchema):
    business_id = StrictInteger(required=True, validate=validate.Range(min=1, max=MAX_ID))


class EventOut(Schema):
    at = fields.DateTime()
    actor_id = fields.Integer(allow_none=True, metadata={"description": "Absent for the order's buyer."})
    from_status = fields.String(allow_none=True)
    to_status = fields.String()
    detail = fields.Dict(metadata={"description": "Absent for the order's buyer."})


class JobOut(Schema):
    id = fields.Integer()
    order_id = fields.Integer()
    business_id = fields.Integer()
    business_name = fields.String()
    province = fields.String()
    kit = fields.String()
    delivery_province = fields.String()
    needed_by = fields.Date()
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


class JobList(Schema):
    items = fields.List(fields.Nested(JobOut))
    total = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()
