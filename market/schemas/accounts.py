from __future__ import annotations

from marshmallow import Schema, fields, validate

from ..models import LOCALES
from .common import Phone, StrictSchema, text


class RegisterIn(StrictSchema):
    email = fields.Email(required=True, validate=validate.Length(max=254))
    password = fields.String(
        required=True,
        validate=validate.Length(min=12, max=200, error="Use 12 to 200 characters."),
        load_only=True,
    )
    name = text(120, required=True)
    role = fields.String(required=True, validate=validate.OneOf(["buyer", "business"]))
    organization = text(200)
    phone = Phone()
    locale = fields.String(validate=validate.OneOf(LOCALES))


class UserOut(Schema):
    id = fields.Integer()
    email = fields.String()
    name = fields.String()
    role = fields.String()
    locale = fields.String()
    organization = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)
    notify_email = fields.Boolean()
    notify_sms = fields.Boolean()
    digest = fields.String()


class MeOut(UserOut):
    business_id = fields.Integer(allow_none=True)


class TokenIn(StrictSchema):
    email = fields.String(required=True, validate=validate.Length(min=1, max=254))
    password = fields.String(required=True, validate=validate.Length(min=1, max=200), load_only=True)


class TokenOut(Schema):
    token = fields.String()
    token_type = fields.String()
    expires_in = fields.Integer()
