"""Page forms (Flask-WTF: every POST carries a CSRF token). Labels and messages are translated;
the limits and patterns are the API schemas' own (``market/limits.py``), and the services check
again whatever depends on the data."""

from __future__ import annotations

import re
from typing import Any, ClassVar

from flask_babel import LazyString
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from persiantools import digits
from wtforms import (
    BooleanField,
    EmailField,
    Form,
    HiddenField,
    IntegerField,
    PasswordField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, Optional, Regexp, StopValidation, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget, TextInput

from .. import limits
from ..domain import text as text_rule
from ..models import OWNER_GROUPS
from ..services.passwords import weakness
from .a11y import PageForm as FlaskForm  # Flask-WTF's, announcing a refused submit
from .i18n import DateRefused, local_digits, number, read_date

REQUIRED = _l("This field is required.")
ONE_TIME_KEY = re.compile(r"[0-9a-f]{32}")
WEAK_PASSWORD = _l(
    "This password is too common or too easy to guess: choose a longer phrase of unrelated words "
    "that you do not use elsewhere."
)
EMAIL = Regexp(limits.EMAIL_PATTERN, message=_l("Enter a valid email address."))
PHONE = Regexp(limits.PHONE_PATTERN, message=_l("Use digits, spaces, + ( ) - only."))


def latin_digits(text: str) -> str:
    """Persian and Arabic digits as Latin ones."""
    return str(digits.fa_to_en(digits.ar_to_fa(text)))


class CleanText:
    """The API's text rule (:mod:`market.domain.text`) for a page's field: the field's data becomes
    the cleaned text, or the field says what is wrong in the visitor's language. ``name``: nothing
    visible left is an error (a name, a city); else it is an empty field."""

    MESSAGES: ClassVar[dict[str, Any]] = {
        "control": _l("Remove the control characters (a line break, a NUL …) from this field."),
        "format": _l(
            "Remove the invisible formatting characters from this field "
            "(a zero-width non-joiner is fine between two letters)."
        ),
        "blank": _l("Enter visible letters, not only spaces or invisible characters."),
        "email": _l("Enter a valid email address."),
        "email_ascii": _l("Write the part before @ in Latin letters, digits and . _ + -."),
    }

    def __init__(self, *, name: bool = False, multiline: bool = False, email: bool = False) -> None:
        self.name, self.multiline, self.email = name, multiline, email

    def __call__(self, form: FlaskForm, field: StringField) -> None:
        if not isinstance(field.data, str) or not field.data:
            return
        try:
            if self.email:
                field.data = text_rule.normalize_email(field.data)
                return
            cleaned = text_rule.clean_text(field.data, multiline=self.multiline)
        except text_rule.TextRefused as err:
            # an address refused here says so once (the pattern after it would say it again)
            refusal = StopValidation if self.email else ValidationError
            raise refusal(self.MESSAGES[err.reason]) from None
        if self.name and not cleaned:
            raise ValidationError(self.MESSAGES["blank"])
        field.data = cleaned


NAME = CleanText(name=True)
LINE = CleanText()
LINES = CleanText(multiline=True)
ADDRESS = CleanText(name=True, multiline=True)


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

    def _value(self) -> str:
        """What the box shows: what was typed, else the value in the reader's digits."""
        if self.raw_data:
            return str(self.raw_data[0])
        return local_digits(self.data) if self.data is not None else ""


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
    name = StringField(_l("Your name"), [InputRequired(REQUIRED), NAME, Length(max=limits.NAME_MAX)])
    email = EmailField(
        _l("Email"), [InputRequired(REQUIRED), CleanText(email=True), EMAIL, Length(max=limits.EMAIL_MAX)]
    )
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
    organization = StringField(_l("Organization"), [Optional(), LINE, Length(max=limits.ORGANIZATION_MAX)])
    phone = PhoneField(_l("Phone (optional)"), [Optional(), PHONE])

    def validate_password(self, field: PasswordField) -> None:
        """The service's rule (common or easy to guess), said in the visitor's language."""
        if field.data and weakness(field.data, [self.email.data, self.name.data]) is not None:
            raise ValidationError(WEAK_PASSWORD)


class SigninForm(FlaskForm):
    email = EmailField(_l("Email"), [InputRequired(REQUIRED)])
    password = PasswordField(_l("Password"), [InputRequired(REQUIRED)])


class OrderForm(FlaskForm):
    kit = SelectField(_l("Kit"), validators=[InputRequired(REQUIRED)])
    quantity = PersianIntegerField(_l("Quantity"), whole_number(1, limits.QUANTITY_MAX))
    delivery_province = SelectField(_l("Delivery province"), validators=[InputRequired(REQUIRED)])
    delivery_address = TextAreaField(
        _l("Delivery address"), [InputRequired(REQUIRED), ADDRESS, Length(max=limits.ADDRESS_MAX)]
    )
    needed_by = StringField(_l("Needed by"), [InputRequired(REQUIRED)])
    note = TextAreaField(_l("Note (optional)"), [Optional(), LINES, Length(max=limits.NOTE_MAX)])
    #: the form's one-time key (the API's Idempotency-Key): the same form sent twice (Back, then
    #: send again) places one order; a key that is not one of ours is ignored
    key = HiddenField(filters=[lambda v: v if isinstance(v, str) and ONE_TIME_KEY.fullmatch(v) else None])

    def validate_needed_by(self, field: StringField) -> None:
        try:
            read_date(field.data or "")
        except DateRefused as err:  # says what is wrong: "Azar has 30 days"
            raise ValidationError(str(err)) from None


class BusinessForm(FlaskForm):
    name = StringField(
        _l("Workshop name"), [InputRequired(REQUIRED), NAME, Length(max=limits.BUSINESS_NAME_MAX)]
    )
    province = SelectField(_l("Province"), validators=[InputRequired(REQUIRED)])
    city = StringField(_l("City"), [InputRequired(REQUIRED), NAME, Length(max=limits.CITY_MAX)])
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
    city = StringField(_l("City"), [InputRequired(REQUIRED), NAME, Length(max=limits.CITY_MAX)])
    phone = PhoneField(_l("Phone (optional)"), [Optional(), PHONE])


class PauseForm(FlaskForm):
    paused = BooleanField(_l("Paused"))


class ReasonForm(FlaskForm):
    """Decline, cancel, suspend: an optional reason."""

    reason = StringField(_l("Reason (optional)"), [Optional(), LINE, Length(max=limits.REASON_MAX)])


class CancelOrderForm(ReasonForm):
    """Cancel an order: a reason, and, once workshops are making it, a tick that says the buyer
    knows how many kits are already made (the view asks for it then)."""

    confirm = BooleanField(_l("Yes, cancel it although kits are already being made"))


#: what each choice of a suspension does with the workshop's accepted work (limits.SUSPEND_JOBS)
SUSPEND_JOB_LABELS = {
    "keep": _l("Keep them with the workshop (it cannot work on them while suspended)"),
    "cancel": _l("Cancel them and match their kits to other workshops"),
}


class SuspendForm(ReasonForm):
    """Suspend a workshop: a reason, and what becomes of the work it has accepted."""

    jobs = RadioField(
        _l("Its accepted and in-production jobs"),
        choices=[SelectChoice(choice, SUSPEND_JOB_LABELS[choice]) for choice in limits.SUSPEND_JOBS],
        default="keep",  # a form without the choice (an older page) keeps them, as before
    )


class ProgressForm(FlaskForm):
    units_done = PersianIntegerField(_l("Kits made so far"), whole_number(0, limits.UNITS_MAX))


class ShipForm(FlaskForm):
    shipped_quantity = PersianIntegerField(_l("Kits shipped"), whole_number(1, limits.UNITS_MAX))
    carrier = StringField(_l("Carrier (optional)"), [Optional(), LINE, Length(max=limits.CARRIER_MAX)])
    tracking_code = StringField(
        _l("Tracking code (optional)"), [Optional(), LINE, Length(max=limits.TRACKING_CODE_MAX)]
    )


class DeliverForm(FlaskForm):
    received_quantity = PersianIntegerField(_l("Kits received"), whole_number(0, limits.UNITS_MAX))
    note = StringField(_l("Note (optional)"), [Optional(), LINES, Length(max=limits.NOTE_MAX)])


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
