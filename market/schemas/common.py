"""Pieces every resource schema shares."""

from __future__ import annotations

from marshmallow import RAISE, Schema, ValidationError, fields, validate

from .. import limits
from ..domain import geo
from ..domain.text import TextRefused, clean_text, normalize_email

PROVINCE_CODES = tuple(p.code for p in geo.PROVINCES)
# The largest id a row can have (PostgreSQL's INTEGER). A bigger number names nothing, and SQLite's
# driver cannot even bind it (OverflowError): ids in paths, queries and bodies are bounded by it.
MAX_ID = 2**31 - 1


class ErrorOut(Schema):
    """The one error body (:func:`market.errors.error_body`), documented for every operation."""

    message = fields.String(required=True)
    code = fields.Integer(required=True)
    errors = fields.Dict(keys=fields.String(), values=fields.List(fields.String()))


class PageOut(Schema):
    """One page of a list: its ``items`` (``page_of`` declares them), how many there are in all,
    the page and its size."""

    total = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()


def page_of(item: type[Schema]) -> type[PageOut]:
    """The schema of one page of ``item`` rows, named after it: ``OrderOut`` gives ``OrderList``."""
    name = item.__name__.removesuffix("Out") + "List"
    return type(name, (PageOut,), {"items": fields.List(fields.Nested(item)), "__module__": item.__module__})


class StrictSchema(Schema):
    """Input schemas are allow-lists: an unknown field is an error, never silently dropped."""

    class Meta:
        unknown = RAISE


class PageArgs(StrictSchema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=MAX_ID))
    per_page = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))


def province_field(**kwargs: object) -> fields.String:
    return fields.String(
        validate=validate.OneOf(PROVINCE_CODES, error="Must be one of Iran's 31 province codes."), **kwargs
    )


def text(
    max_len: int, *, required: bool = False, min_len: int = 1, multiline: bool = False, **kwargs: object
) -> fields.String:
    """Text a person typed, cleaned by the one rule (:mod:`market.domain.text`), with a length limit."""
    return CleanText(
        required=required, multiline=multiline, validate=validate.Length(min=min_len, max=max_len), **kwargs
    )


class CleanText(fields.String):
    """NFKC-normalised and trimmed; control and format characters refused (the zero-width
    non-joiner kept between letters); nothing visible left is "blank"."""

    def __init__(self, *, multiline: bool = False, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.multiline = multiline

    def _deserialize(self, value, attr, data, **kwargs):  # type: ignore[no-untyped-def]
        result = super()._deserialize(value, attr, data, **kwargs)
        try:
            cleaned = clean_text(result, multiline=self.multiline)
        except TextRefused as err:
            raise ValidationError(str(err)) from None
        if not cleaned and result:
            raise ValidationError("Enter visible text, not only spaces or invisible characters.")
        return cleaned


Trimmed = CleanText


class EmailAddress(fields.Email):
    """An email address in its one stored form (:func:`market.domain.text.normalize_email`): a
    fullwidth or zero-width lookalike of an address is that address."""

    def _deserialize(self, value, attr, data, **kwargs):  # type: ignore[no-untyped-def]
        result = fields.String._deserialize(self, value, attr, data, **kwargs)
        try:
            return normalize_email(result)
        except TextRefused as err:
            raise ValidationError(str(err)) from None


class StrictInteger(fields.Integer):
    """Integers as JSON numbers only: "5" and 5.0 are refused."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(strict=True, **kwargs)

    def _validated(self, value):  # type: ignore[no-untyped-def]
        if isinstance(value, bool):
            raise self.make_error("invalid", input=value)
        return super()._validated(value)


class Phone(Trimmed):
    """A phone number: digits with optional +, spaces, dashes, parentheses."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(
            validate=validate.Regexp(limits.PHONE_PATTERN, error="Use digits, spaces, + ( ) - only."),
            **kwargs,
        )


class StrictBoolean(fields.Boolean):
    """JSON true/false only. Boolean's truthy/falsy sets cannot say this: ``1 in {True}`` holds."""

    def _deserialize(self, value, attr, data, **kwargs):  # type: ignore[no-untyped-def]
        if not isinstance(value, bool):
            raise self.make_error("invalid", input=value)
        return value


def strict_bool(**kwargs: object) -> fields.Boolean:
    """true/false only: not "yes", 1 or "on"."""
    return StrictBoolean(**kwargs)
