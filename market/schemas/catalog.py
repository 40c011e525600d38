from __future__ import annotations

from marshmallow import Schema, fields, validate

from ..models import TARGET_GROUPS
from .common import StrictInteger, StrictSchema, strict_bool, text

KIT_CODE = validate.Regexp(r"^[A-Z0-9-]{2,32}$", error="2 to 32 characters: uppercase A-Z, digits and -.")


class ProvinceOut(Schema):
    code = fields.String()
    name_en = fields.String()
    name_fa = fields.String()
    capital_en = fields.String()
    capital_fa = fields.String()
    lat = fields.Float()
    lon = fields.Float()


class KitItem(StrictSchema):
    item_en = text(200, required=True)
    item_fa = text(200, required=True)
    quantity = StrictInteger(required=True, validate=validate.Range(min=1, max=10_000))


class KitIn(StrictSchema):
    code = fields.String(required=True, validate=KIT_CODE)
    name_en = text(200, required=True)
    name_fa = text(200, required=True)
    target_group = fields.String(required=True, validate=validate.OneOf(TARGET_GROUPS))
    unit_price = StrictInteger(required=True, validate=validate.Range(min=0, max=10**13))
    contents = fields.List(fields.Nested(KitItem), required=True, validate=validate.Length(min=1, max=100))


class KitPatch(StrictSchema):
    code = fields.String(validate=KIT_CODE)
    name_en = text(200)
    name_fa = text(200)
    target_group = fields.String(validate=validate.OneOf(TARGET_GROUPS))
    unit_price = StrictInteger(validate=validate.Range(min=0, max=10**13))
    contents = fields.List(fields.Nested(KitItem), validate=validate.Length(min=1, max=100))
    active = strict_bool()


class KitItemOut(Schema):
    item_en = fields.String()
    item_fa = fields.String()
    quantity = fields.Integer()


class KitOut(Schema):
    code = fields.String()
    name_en = fields.String()
    name_fa = fields.String()
    target_group = fields.String()
    unit_price = fields.Integer()
    contents = fields.List(fields.Nested(KitItemOut))
    active = fields.Boolean()


class ListOf(Schema):
    total = fields.Integer()


class ProvinceList(ListOf):
    items = fields.List(fields.Nested(ProvinceOut))


class KitList(ListOf):
    items = fields.List(fields.Nested(KitOut))
