from __future__ import annotations

from marshmallow import Schema, fields, validate

from ..models import DIGESTS, LOCALES
from .common import PageArgs, Phone, StrictSchema, Trimmed, strict_bool


class NotificationArgs(PageArgs):
    unread = fields.Boolean(load_default=False)


class NotificationOut(Schema):
    id = fields.Integer()
    kind = fields.String()
    text = fields.String()
    link = fields.String(allow_none=True)
    created_at = fields.DateTime()
    read_at = fields.DateTime(allow_none=True)


class NotificationList(Schema):
    items = fields.List(fields.Nested(NotificationOut))
    total = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()


class MarkedOut(Schema):
    marked = fields.Integer()


class ProfileIn(StrictSchema):
    locale = fields.String(validate=validate.OneOf(LOCALES))
    phone = Phone(allow_none=True)
    notify_email = strict_bool()
    notify_sms = strict_bool()
    digest = fields.String(validate=validate.OneOf(DIGESTS))


class MessageIn(StrictSchema):
    text = Trimmed(
        required=True, validate=validate.Length(min=1, max=2000, error="Write 1 to 2,000 characters.")
    )


class MessageOut(Schema):
    id = fields.Integer()
    author_id = fields.Integer()
    author_name = fields.String()
    author_role = fields.String()
    text = fields.String()
    created_at = fields.DateTime()


class MessageList(Schema):
    items = fields.List(fields.Nested(MessageOut))
    total = fields.Integer()
