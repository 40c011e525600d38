from __future__ import annotations

from marshmallow import Schema, fields, validate

from ..models import BUSINESS_STATUSES, OWNER_GROUPS
from .catalog import KIT_CODE
from .common import PageArgs, Phone, StrictInteger, StrictSchema, province_field, strict_bool, text

KITS = fields.List(fields.String(validate=KIT_CODE), validate=validate.Length(min=1, max=20))


class BusinessIn(StrictSchema):
    name = text(200, required=True)
    province = province_field(required=True)
    city = text(120, required=True)
    owner_group = fields.String(required=True, validate=validate.OneOf(OWNER_GROUPS))
    kits = fields.List(
        fields.String(validate=KIT_CODE), required=True, validate=validate.Length(min=1, max=20)
    )
    weekly_capacity = StrictInteger(required=True, validate=validate.Range(min=1, max=100_000))
    min_lot = StrictInteger(load_default=1, validate=validate.Range(min=1, max=100_000))
    phone = Phone()


class BusinessPatch(StrictSchema):
    weekly_capacity = StrictInteger(validate=validate.Range(min=1, max=100_000))
    kits = fields.List(fields.String(validate=KIT_CODE), validate=validate.Length(min=1, max=20))
    min_lot = StrictInteger(validate=validate.Range(min=1, max=100_000))
    phone = Phone(allow_none=True)
    city = text(120)
    paused = strict_bool()


class SuspendIn(StrictSchema):
    reason = text(500)
    jobs = fields.String(
        load_default="keep",
        validate=validate.OneOf(["keep", "cancel"]),
        metadata={
            "description": "Its accepted and in-production jobs: `keep` them with it (default; it cannot "
            "progress or ship them while suspended) or `cancel` them and re-match their units. Open "
            "offers are withdrawn either way."
        },
    )


class BusinessArgs(PageArgs):
    province = province_field()
    status = fields.String(validate=validate.OneOf(BUSINESS_STATUSES))
    kit = fields.String(validate=KIT_CODE)


class BusinessOut(Schema):
    id = fields.Integer()
    owner_id = fields.Integer()
    name = fields.String()
    province = fields.String()
    city = fields.String()
    owner_group = fields.String()
    kits = fields.List(fields.String())
    weekly_capacity = fields.Integer()
    min_lot = fields.Integer()
    phone = fields.String(allow_none=True)
    status = fields.String()
    paused = fields.Boolean()
    suspend_reason = fields.String(allow_none=True)
    created_at = fields.DateTime()
    approved_at = fields.DateTime(allow_none=True)


class BusinessDetailOut(BusinessOut):
    committed_units = fields.Integer()
    utilization = fields.Float()
    on_time_rate = fields.Float(allow_none=True)


class BusinessList(Schema):
    items = fields.List(fields.Nested(BusinessOut))
    total = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()
