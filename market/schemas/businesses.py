from __future__ import annotations

from marshmallow import Schema, fields, validate

from .. import limits
from ..models import BUSINESS_STATUSES, OWNER_GROUPS
from .catalog import KIT_CODE
from .common import PageArgs, Phone, StrictInteger, StrictSchema, page_of, province_field, strict_bool, text

KITS = fields.List(
    fields.String(validate=KIT_CODE), validate=validate.Length(min=1, max=limits.KITS_PER_BUSINESS_MAX)
)


class BusinessIn(StrictSchema):
    name = text(limits.BUSINESS_NAME_MAX, required=True)
    province = province_field(required=True)
    city = text(limits.CITY_MAX, required=True)
    owner_group = fields.String(required=True, validate=validate.OneOf(OWNER_GROUPS))
    kits = fields.List(
        fields.String(validate=KIT_CODE),
        required=True,
        validate=validate.Length(min=1, max=limits.KITS_PER_BUSINESS_MAX),
    )
    weekly_capacity = StrictInteger(
        required=True, validate=validate.Range(min=1, max=limits.WEEKLY_CAPACITY_MAX)
    )
    min_lot = StrictInteger(load_default=1, validate=validate.Range(min=1, max=limits.MIN_LOT_MAX))
    phone = Phone()


class BusinessPatch(StrictSchema):
    weekly_capacity = StrictInteger(validate=validate.Range(min=1, max=limits.WEEKLY_CAPACITY_MAX))
    kits = fields.List(
        fields.String(validate=KIT_CODE), validate=validate.Length(min=1, max=limits.KITS_PER_BUSINESS_MAX)
    )
    min_lot = StrictInteger(validate=validate.Range(min=1, max=limits.MIN_LOT_MAX))
    phone = Phone(allow_none=True)
    city = text(limits.CITY_MAX)
    paused = strict_bool()


class SuspendIn(StrictSchema):
    reason = text(limits.REASON_MAX)
    jobs = fields.String(
        load_default="keep",
        validate=validate.OneOf(limits.SUSPEND_JOBS),
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


class KitCode(Schema):
    code = fields.String()


class BusinessOut(Schema):
    id = fields.Integer()
    owner_id = fields.Integer()
    name = fields.String()
    province = fields.String()
    city = fields.String()
    owner_group = fields.String()
    kits = fields.Pluck(KitCode, "code", many=True)
    weekly_capacity = fields.Integer()
    min_lot = fields.Integer()
    phone = fields.String(allow_none=True)
    status = fields.String()
    paused = fields.Boolean()
    suspend_reason = fields.String(allow_none=True)
    created_at = fields.DateTime()
    approved_at = fields.DateTime(allow_none=True)


class BusinessDetailOut(BusinessOut):
    """A business with its figures (``services.businesses.BusinessFigures``)."""

    committed_units = fields.Integer()
    utilization = fields.Float()
    on_time_rate = fields.Float(allow_none=True)


BusinessList = page_of(BusinessOut)
