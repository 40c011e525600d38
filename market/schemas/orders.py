from __future__ import annotations

from marshmallow import Schema, fields, validate

from .. import limits
from ..domain import states
from ..domain.deadlines import MAX_LEAD_DAYS, MIN_LEAD_DAYS
from .catalog import KIT_CODE
from .common import MAX_ID, PageArgs, StrictInteger, StrictSchema, page_of, province_field, text


class OrderIn(StrictSchema):
    kit = fields.String(required=True, validate=KIT_CODE)
    quantity = StrictInteger(required=True, validate=validate.Range(min=1, max=limits.QUANTITY_MAX))
    delivery_province = province_field(required=True)
    delivery_address = text(limits.ADDRESS_MAX, required=True, multiline=True)
    needed_by = fields.Date(
        required=True,
        metadata={
            "description": f"At least {MIN_LEAD_DAYS} day and at most {MAX_LEAD_DAYS} days ahead "
            "(422 otherwise)."
        },
    )
    note = text(limits.NOTE_MAX, multiline=True)


class CancelIn(StrictSchema):
    reason = text(limits.REASON_MAX)


class OrderArgs(PageArgs):
    status = fields.String(validate=validate.OneOf(states.ORDER_STATUSES))
    province = province_field()
    kit = fields.String(validate=KIT_CODE)


class OrderJobOut(Schema):
    id = fields.Integer()
    business_id = fields.Integer()
    business_name = fields.String(attribute="business.name")
    province = fields.String(attribute="business.province")
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
    """An order; the figures derived from its jobs come from ``api.presenters.order``."""

    id = fields.Integer()
    buyer_id = fields.Integer()
    kit = fields.String(attribute="kit.code")
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
    made_quantity = fields.Integer(
        metadata={"description": "Units its workshops report made (a shipped job's in full)."}
    )
    shipped_quantity = fields.Integer(metadata={"description": "Units that have left the workshops."})
    shortfall = fields.Integer()
    created_at = fields.DateTime()
    cancelled_at = fields.DateTime(allow_none=True)
    cancel_reason = fields.String(allow_none=True)
    jobs = fields.List(fields.Nested(OrderJobOut))


OrderList = page_of(OrderOut)


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
