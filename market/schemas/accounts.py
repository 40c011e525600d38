from __future__ import annotations

from marshmallow import Schema, fields, validate

from .. import limits
from ..models import LOCALES
from .common import EmailAddress, Phone, StrictSchema, text


class RegisterIn(StrictSchema):
    email = EmailAddress(required=True, validate=validate.Length(max=limits.EMAIL_MAX))
    password = fields.String(
        required=True,
        validate=validate.Length(
            min=limits.PASSWORD_MIN,
            max=limits.PASSWORD_MAX,
            error=f"Use {limits.PASSWORD_MIN} to {limits.PASSWORD_MAX} characters.",
        ),
        load_only=True,
    )
    name = text(limits.NAME_MAX, required=True)
    role = fields.String(required=True, validate=validate.OneOf(["buyer", "business"]))
    organization = text(limits.ORGANIZATION_MAX)
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
    verified = fields.Boolean(metadata={"description": "buyers only: verified by an admin"})


class TokenIn(StrictSchema):
    email = fields.String(required=True, validate=validate.Length(min=1, max=limits.EMAIL_MAX))
    password = fields.String(
        required=True, validate=validate.Length(min=1, max=limits.PASSWORD_MAX), load_only=True
    )


class TokenOut(Schema):
    token = fields.String()
    token_type = fields.String()
    expires_in = fields.Integer()
