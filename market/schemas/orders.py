from __future__ import annotations

from marshmallow import Schema, fields, validate

from ..domain import states
from .catalog import KIT_CODE
from .common import MAX_ID, PageArgs, StrictInteger, StrictSchema, province_field, text


class OrderIn(StrictSchema):
    kit = fields.String(required=True, validate=KIT_CODE)
    quantity = StrictInteger(required=True, validate=validate.Range(min=1, max=1_000_000))
    delivery_province = province_field(required=True)
    delivery_address = text(500, required=True)
    needed_by = fields.Date(required=True)
    note = text(2000)


class CancelIn(StrictSchema):
    reason = text(500)


class OrderArgs(PageArgs):
    status = fields.String(validate=validate.OneOf(states.ORDER_STATUSES))
    province = province_field()
    kit = fields.String(validate=KIT_CODE)


class OrderJobOut(Schema):
    id = fields.Integer()
    business_id = fields.Integer()
    business_name = fields.String()
    province = fields.String()
    quantity = fields.Integer()
    status = fields.String()
    units_done = fields.Integer()
    due_date = fields.Date()
    expires_at = fields.DateTime()
    shipped_at = fields.DateTime(allow_none=True)
    carrier = fields.String(allow_none=True)
    tracking_code = fields.String(allow_none=True)
    received_quantity = fields.Integer(allow_none=True)


class OrderOut(Schema):
    id = fields.Integer()
    buyer_id = fields.Integer()
    kit = fields.String()
    quantity = fields.Integer()
    delivery_province = fields.String()
    delivery_address = fields.String()
    needed_by = fields.Date()
    note = fields.String(allow_none=True)
    status = fields.String()
    unit_price = fields.Integer()
    total_price = fields.Integer()
    allocated_quantity = fields.Integer()
    unallocated_quantity = fields.Integer()
    delivered_quantity = fields.Integer()
    shortfall = fields.Integer()
    created_at = fields.DateTime()
    cancelled_at = fields.DateTime(allow_none=True)
    cancel_reason = fields.String(allow_none=True)
    jobs = fields.List(fields.Nested(OrderJobOut))


class OrderList(Schema):
    items = fields.List(fields.Nested(OrderOut))
    total = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()


class BatchIn(StrictSchema):
    """The envelope of a bulk requisition; each line is then checked as ``OrderIn`` (see
    ``services.batches``) so that its errors are keyed ``orders.<index>.<field>``."""

    orders = fields.List(fields.Raw(), required=True)
    buyer_id = StrictInteger(validate=validate.Range(min=1, max=MAX_ID))


class BatchDoc(Schema):
    """What the OpenAPI document shows for a bulk requisition's body."""

    orders = fields.List(fields.Nested(OrderIn), required=True, validate=validate.Length(min=1, max=1000))
    buyer_id = fields.Integer(metadata={"description": "admins only: the verified buyer ordered for"})


class BatchOut(Schema):
    batch_id = fields.Integer()
    items = fields.List(fields.Nested(OrderOut))
    total = fields.Integer()
