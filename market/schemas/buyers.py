from __future__ import annotations

from marshmallow import Schema, fields

from .common import PageArgs, page_of


class BuyerArgs(PageArgs):
    verified = fields.Boolean()  # ?verified=true|false (query strings are text)


class BuyerOut(Schema):
    id = fields.Integer()
    email = fields.String()
    name = fields.String()
    organization = fields.String(allow_none=True)
    verified = fields.Boolean()
    open_units = fields.Integer()
    created_at = fields.DateTime()


BuyerList = page_of(BuyerOut)
