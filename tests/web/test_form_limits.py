"""The page forms and the API's schemas take the same input: each limit and pattern is read from
``market/limits.py`` by both, and this checks that each pair of fields really agrees."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from marshmallow import validate
from wtforms.validators import Length, Regexp

from market.schemas.accounts import RegisterIn
from market.schemas.businesses import BusinessIn, BusinessPatch, SuspendIn
from market.schemas.jobs import DeliverIn, ProgressIn, ShipIn
from market.schemas.orders import CancelIn, OrderIn
from market.web import forms

PAIRS = [
    (forms.SignupForm, "name", RegisterIn, "name"),
    (forms.SignupForm, "email", RegisterIn, "email"),
    (forms.SignupForm, "password", RegisterIn, "password"),
    (forms.SignupForm, "organization", RegisterIn, "organization"),
    (forms.SignupForm, "phone", RegisterIn, "phone"),
    (forms.OrderForm, "quantity", OrderIn, "quantity"),
    (forms.OrderForm, "delivery_address", OrderIn, "delivery_address"),
    (forms.OrderForm, "note", OrderIn, "note"),
    (forms.BusinessForm, "name", BusinessIn, "name"),
    (forms.BusinessForm, "city", BusinessIn, "city"),
    (forms.BusinessForm, "weekly_capacity", BusinessIn, "weekly_capacity"),
    (forms.BusinessForm, "min_lot", BusinessIn, "min_lot"),
    (forms.BusinessForm, "phone", BusinessIn, "phone"),
    (forms.ProfileForm, "weekly_capacity", BusinessPatch, "weekly_capacity"),
    (forms.ProfileForm, "min_lot", BusinessPatch, "min_lot"),
    (forms.ProfileForm, "city", BusinessPatch, "city"),
    (forms.ReasonForm, "reason", CancelIn, "reason"),
    (forms.ProgressForm, "units_done", ProgressIn, "units_done"),
    (forms.ShipForm, "shipped_quantity", ShipIn, "shipped_quantity"),
    (forms.ShipForm, "carrier", ShipIn, "carrier"),
    (forms.ShipForm, "tracking_code", ShipIn, "tracking_code"),
    (forms.DeliverForm, "received_quantity", DeliverIn, "received_quantity"),
    (forms.DeliverForm, "note", DeliverIn, "note"),
]


def form_rules(form_class: Any, name: str) -> dict[str, Any]:
    validators = getattr(form_class, name).kwargs.get("validators") or getattr(form_class, name).args[1]
    rules: dict[str, Any] = {}
    for v in validators:
        if isinstance(v, Length):
            rules["length"] = (max(v.min, 0) or None, v.max)
        elif isinstance(v, forms.InRange):
            rules["range"] = (v.low, v.high)
        elif isinstance(v, Regexp) and v.regex.pattern != forms.EMAIL.regex.pattern:
            rules["pattern"] = v.regex.pattern
    return rules


def schema_rules(schema_class: Any, name: str) -> dict[str, Any]:
    field = schema_class().fields[name]
    validators = field.validators
    rules: dict[str, Any] = {}
    for v in validators:
        if isinstance(v, validate.Length):
            rules["length"] = (v.min if v.min and v.min > 1 else None, v.max)
        elif isinstance(v, validate.Range):
            rules["range"] = (v.min, v.max)
        elif isinstance(v, validate.Regexp):
            rules["pattern"] = v.regex.pattern
    return rules


@pytest.mark.parametrize(("form", "form_field", "schema", "schema_field"), PAIRS)
def test_form_and_schema_take_the_same_input(
    app: Flask, form: Any, form_field: str, schema: Any, schema_field: str
):
    assert form_rules(form, form_field) == schema_rules(schema, schema_field)


def test_the_suspend_form_offers_the_schemas_choices(app: Flask):
    choices = [c.value for c in forms.SuspendForm.jobs.kwargs["choices"]]
    assert tuple(choices) == tuple(SuspendIn().fields["jobs"].validators[0].choices)
