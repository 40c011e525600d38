"""Page forms (Flask-WTF: every POST carries a CSRF token). Labels and messages are translated;
the limits and patterns are the API schemas' own (``market/limits.py``), and the services check
again whatever depends on the data."""

from __future__ import annotations

from typing import Any

from flask_babel import LazyString
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from persiantools import digits
from wtforms import (
    BooleanField,
    EmailField,
    Form,
    IntegerField,
    PasswordField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, Optional, Regexp, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget, TextInput

from .. import limits
from ..models import OWNER_GROUPS
from .i18n import number, parse_date

REQUIRED = _l("This field is required.")
EMAIL = Regexp(limits.EMAIL_PATTERN, message=_l("Enter a valid email address."))
PHONE = Regexp(limits.PHONE_PATTERN, message=_l("Use digits, spaces, + ( ) - only."))


def latin_digits(text: str) -> str:
    """Persian and Arabic digits as Latin ones."""
    return str(digits.fa_to_en(digits.ar_to_fa(text)))


class InRange:
    """A whole number from ``low`` to ``high``; the message shows the bounds as the user writes
    numbers (Persian digits and separators in Persian)."""

    def __init__(self, low: int, high: int) -> None:
        self.low, self.high = low, high

    def __call__(self, form: FlaskForm, field: IntegerField) -> None:
        if field.data is None or not self.low <= field.data <= self.high:
            raise ValidationError(
                _(
                    "Enter a whole number from %(min)s to %(max)s.",
                    min=number(self.low),
                    max=number(self.high),
                )
            )


def whole_number(low: int, high: int) -> list[Any]:
    return [InputRequired(REQUIRED), InRange(low, high)]


class PersianIntegerField(IntegerField):
    """An integer that may be typed with Persian or Arabic digits (so a text box with a numeric
    keyboard, not ``type=number``, which refuses them)."""

    widget = TextInput()

    def process_formdata(self, valuelist: list[Any]) -> None:
        if valuelist:
            valuelist = [latin_digits(str(v)).replace(",", "").replace("٬", "").strip() for v in valuelist]
        try:
            super().process_formdata(valuelist)
        except ValueError:
            self.data = None
            raise ValueError(_l("Enter a whole number.")) from None


class PhoneField(StringField):
    """A phone number that may be typed with Persian or Arabic digits: they become Latin ones (as
    the API stores them) before :data:`PHONE` checks it."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        super().process_formdata(valuelist)
        if self.data:
            self.data = latin_digits(self.data).strip()


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


WEEKLY_CAPACITY = whole_number(1, limits.WEEKLY_CAPACITY_MAX)
MIN_LOT = whole_number(1, limits.MIN_LOT_MAX)


class SignupForm(FlaskForm):
    name = StringField(_l("Your name"), [InputRequired(REQUIRED), Length(max=limits.NAME_MAX)])
    email = EmailField(_l("Email"), [InputRequired(REQUIRED), EMAIL, Length(max=limits.EMAIL_MAX)])
    password = PasswordField(
        LazyString(lambda: _("Password (at least %(n)s characters)", n=number(limits.PASSWORD_MIN))),
        [
            InputRequired(REQUIRED),
            Length(
                limits.PASSWORD_MIN,
                limits.PASSWORD_MAX,
                LazyString(
                    lambda: _(
                        "Use %(min)s to %(max)s characters.",
                        min=number(limits.PASSWORD_MIN),
                        max=number(limits.PASSWORD_MAX),
                    )
                ),
            ),
        ],
    )
    role = RadioField(
        _l("I am"),
        choices=[
            SelectChoice("buyer", _l("a buyer (health center, NGO, pharmacy)")),
            SelectChoice("business", _l("a workshop that makes kits")),
        ],
        validators=[InputRequired(_l("Choose one."))],
    )
    organization = StringField(_l("Organization"), [Optional(), Length(max=limits.ORGANIZATION_MAX)])
    phone = PhoneField(_l("Phone (optional)"), [Optional(), PHONE])


class SigninForm(FlaskForm):
    email = EmailField(_l("Email"), [InputRequired(REQUIRED)])
    password = PasswordField(_l("Password"), [InputRequired(REQUIRED)])


class OrderForm(FlaskForm):
    kit = SelectField(_l("Kit"), validators=[InputRequired(REQUIRED)])
    quantity = PersianIntegerField(_l("Quantity"), whole_number(1, limits.QUANTITY_MAX))
    delivery_province = SelectField(_l("Delivery province"), validators=[InputRequired(REQUIRED)])
    delivery_address = TextAreaField(
        _l("Delivery address"), [InputRequired(REQUIRED), Length(max=limits.ADDRESS_MAX)]
    )
    needed_by = StringField(_l("Needed by"), [InputRequired(REQUIRED)])
    note = TextAreaField(_l("Note (optional)"), [Optional(), Length(max=limits.NOTE_MAX)])

    def validate_needed_by(self, field: StringField) -> None:
        if parse_date(field.data or "") is None:
            raise ValidationError(_l("Enter a date like 1405/09/20 (Jalali) or 2026-12-11."))


class BusinessForm(FlaskForm):
    name = StringField(_l("Workshop name"), [InputRequired(REQUIRED), Length(max=limits.BUSINESS_NAME_MAX)])
    province = SelectField(_l("Province"), validators=[InputRequired(REQUIRED)])
    city = StringField(_l("City"), [InputRequired(REQUIRED), Length(max=limits.CITY_MAX)])
    owner_group = SelectField(
        _l("Who runs it"),
        choices=[SelectChoice(g) for g in OWNER_GROUPS],
        validators=[InputRequired(REQUIRED)],
    )
    kits = MultiCheckboxField(_l("Kits you make"), validators=[InputRequired(_l("Choose at least one kit."))])
    weekly_capacity = PersianIntegerField(_l("Kits per week (all kits together)"), WEEKLY_CAPACITY)
    min_lot = PersianIntegerField(_l("Smallest job you accept (kits)"), MIN_LOT, default=1)
    phone = PhoneField(_l("Phone (optional)"), [Optional(), PHONE])


class ProfileForm(FlaskForm):
    weekly_capacity = PersianIntegerField(_l("Kits per week (all kits together)"), WEEKLY_CAPACITY)
    min_lot = PersianIntegerField(_l("Smallest job you accept (kits)"), MIN_LOT)
    kits = MultiCheckboxField(_l("Kits you make"), validators=[InputRequired(_l("Choose at least one kit."))])
    city = StringField(_l("City"), [InputRequired(REQUIRED), Length(max=limits.CITY_MAX)])
    phone = PhoneField(_l("Phone (optional)"), [Optional(), PHONE])


class PauseForm(FlaskForm):
    paused = BooleanField(_l("Paused"))


class ReasonForm(FlaskForm):
    """Decline, cancel, suspend: an optional reason."""

    reason = StringField(_l("Reason (optional)"), [Optional(), Length(max=limits.REASON_MAX)])


class ProgressForm(FlaskForm):
    units_done = PersianIntegerField(_l("Kits made so far"), whole_number(0, limits.UNITS_MAX))


class ShipForm(FlaskForm):
    carrier = StringField(_l("Carrier (optional)"), [Optional(), Length(max=limits.CARRIER_MAX)])
    tracking_code = StringField(
        _l("Tracking code (optional)"), [Optional(), Length(max=limits.TRACKING_CODE_MAX)]
    )


class DeliverForm(FlaskForm):
    received_quantity = PersianIntegerField(_l("Kits received"), whole_number(0, limits.UNITS_MAX))
    note = StringField(_l("Note (optional)"), [Optional(), Length(max=limits.NOTE_MAX)])


class ReassignForm(FlaskForm):
    business_id = SelectField(_l("Move to workshop"), coerce=int, validators=[InputRequired(REQUIRED)])


class EmptyForm(FlaskForm):
    """A button: nothing but the CSRF token."""


# --- admin pages: list filters ---------------------------------------------------------------------
# Filters travel in the query string of a GET (bookmarkable, nothing changes), so they are plain
# WTForms forms without a CSRF token. Unknown values are ignored by the views, not reported.


class BusinessFilterForm(Form):
    status = SelectField(_l("Status"), validate_choice=False)
    province = SelectField(_l("Province"), validate_choice=False)


class OrderFilterForm(Form):
    status = SelectField(_l("Status"), validate_choice=False)
    province = SelectField(_l("Delivery province"), validate_choice=False)
    kit = SelectField(_l("Kit"), validate_choice=False)


class JobFilterForm(Form):
    status = SelectField(_l("Status"), validate_choice=False)
    business = SelectField(_l("Workshop"), validate_choice=False)
    late = BooleanField(_l("Late only"))


class AuditFilterForm(Form):
    entity = SelectField(_l("Subject"), validate_choice=False)
    action = SelectField(_l("Action"), validate_choice=False)
