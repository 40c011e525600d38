"""The instant quote's body and answer (``POST /api/v1/orders/quote``)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from .. import limits
from ..domain.deadlines import MAX_LEAD_DAYS, MIN_LEAD_DAYS
from .catalog import KIT_CODE
from .common import StrictInteger, StrictSchema, province_field


class QuoteIn(StrictSchema):
    kit = fields.String(required=True, validate=KIT_CODE)
    quantity = StrictInteger(required=True, validate=validate.Range(min=1, max=limits.QUANTITY_MAX))
    delivery_province = province_field(required=True)
    needed_by = fields.Date(
        allow_none=True,
        metadata={
            "description": f"Optional (null: none); at least {MIN_LEAD_DAYS} day and at most "
            f"{MAX_LEAD_DAYS} days "
            "ahead (422 otherwise)."
        },
    )


class SourceOut(Schema):
    province = fields.String()
    quantity = fields.Integer()
    distance_km = fields.Integer()


class QuoteOut(Schema):
    kit = fields.String()
    quantity = fields.Integer()
    delivery_province = fields.String()
    needed_by = fields.Date(allow_none=True)
    placeable_by_needed_by = fields.Integer(
        allow_none=True,
        metadata={
            "description": "Units that could be made and delivered by needed_by; null without needed_by."
        },
    )
    earliest_full_date = fields.Date(
        allow_none=True,
        metadata={
            "description": "The first date by which every unit could be made and delivered; "
            "null if none within 365 days."
        },
    )
    sources = fields.List(
        fields.Nested(SourceOut),
        metadata={
            "description": "Where the units for needed_by (or for earliest_full_date; without "
            "either, for the last date allowed) would be made, nearest first."
        },
    )
