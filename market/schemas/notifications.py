from __future__ import annotations

from marshmallow import Schema, fields, validate

from .. import limits
from ..models import DIGESTS, LOCALES
from .common import PageArgs, Phone, StrictSchema, Trimmed, page_of, strict_bool


class NotificationArgs(PageArgs):
    unread = fields.Boolean(load_default=False)


class NotificationOut(Schema):
    """A notification; its ``text`` is rendered in the reader's language (``presenters.notification``)."""

    id = fields.Integer()
    kind = fields.String()
    text = fields.String()
    link = fields.String(allow_none=True)
    created_at = fields.DateTime()
    read_at = fields.DateTime(allow_none=True)


NotificationList = page_of(NotificationOut)


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
        required=True,
        validate=validate.Length(
            min=1, max=limits.MESSAGE_MAX, error=f"Write 1 to {limits.MESSAGE_MAX:,} characters."
        ),
    )


class MessageOut(Schema):
    id = fields.Integer()
    author_id = fields.Integer()
    author_name = fields.String(attribute="author.name")
    author_role = fields.String(attribute="author.role")
    text = fields.String()
    created_at = fields.DateTime()


MessageList = page_of(MessageOut)
