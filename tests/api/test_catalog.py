"""Catalog: the 31 provinces and the kit types (admins add and edit kits)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from market.extensions import db
from market.models import Kit, Order

from ..support import ApiClient, Clock, local_today

KITS = "/api/v1/kits"
PROVINCE_FIELDS = {"code", "name_en", "name_fa", "capital_en", "capital_fa", "lat", "lon"}
KIT_FIELDS = {"code", "name_en", "name_fa", "target_group", "unit_price", "contents", "active"}
PERSIAN = re.compile(r"[\u0600-\u06FF]")
MISSING = object()
NEW_KIT: dict[str, Any] = {
    "code": "GENERAL-2",
    "name_en": "General hygiene kit",
    "name_fa": "بسته بهداشت عمومی\u200cخانواده",
    "target_group": "general",
    "unit_price": 9_000_000,
    "contents": [
        {"item_en": "Bar of soap", "item_fa": "صابون", "quantity": 2},
        {"item_en": "Hand towel", "item_fa": "حوله\u200cی دست", "quantity": 1},
    ],
}


def rows(app: Flask, model: Any) -> int:
    with app.app_context():
        return int(db.session.scalar(select(func.count()).select_from(model)) or 0)


def kit_with(**changes: Any) -> dict[str, Any]:
    body = {**NEW_KIT, **changes}
    return {k: v for k, v in body.items() if v is not MISSING}


def assert_invalid(r: Any, field: str) -> None:
    assert r.status_code == 422, r.get_json()
    body = r.get_json()
    assert body["message"]
    assert field in body["errors"], body


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


# --- provinces ----------------------------------------------------------------------------------


def test_provinces_lists_all_31_with_exact_fields(client):
    r = client.get("/api/v1/provinces")
    assert r.status_code == 200
    body = r.get_json()
    assert body["total"] == 31 and len(body["items"]) == 31
    codes = [p["code"] for p in body["items"]]
    assert len(set(codes)) == 31
    assert {"tehran", "fars", "kermanshah", "lorestan", "isfahan", "khorasan-razavi"} <= set(codes)
    for p in body["items"]:
        assert set(p) == PROVINCE_FIELDS, p
        assert re.fullmatch(r"[a-z]+(-[a-z]+)*", p["code"]), p["code"]
        assert is_number(p["lat"]) and is_number(p["lon"]), p
        assert 25 <= p["lat"] <= 40 and 44 <= p["lon"] <= 64, p  # inside Iran
        assert PERSIAN.search(p["name_fa"]) and PERSIAN.search(p["capital_fa"]), p


def test_province_names_round_trip_in_persian_unchanged(client):
    r = client.get("/api/v1/provinces")
    assert r.content_type.startswith("application/json")
    by_code = {p["code"]: p for p in r.get_json()["items"]}
    assert by_code["tehran"]["name_fa"] == "تهران"
    assert by_code["kermanshah"]["capital_fa"] == "کرمانشاه"
    lorestan = by_code["lorestan"]
    assert (lorestan["name_en"], lorestan["capital_en"]) == ("Lorestan", "Khorramabad")
    assert lorestan["capital_fa"] == "خرم\u200cآباد"  # the zero-width non-joiner survives


# --- kits: read ---------------------------------------------------------------------------------


def test_kits_lists_the_two_standard_kits(client):
    r = client.get(KITS)
    assert r.status_code == 200
    body = r.get_json()
    assert body["total"] == 2
    by_code = {k["code"]: k for k in body["items"]}
    assert set(by_code) == {"ELDERLY-COVID", "PREGNANT-HYGIENE"}
    assert by_code["ELDERLY-COVID"]["target_group"] == "elderly"
    assert by_code["PREGNANT-HYGIENE"]["target_group"] == "pregnant"
    assert by_code["ELDERLY-COVID"]["unit_price"] == 12_500_000
    assert by_code["PREGNANT-HYGIENE"]["unit_price"] == 14_800_000
    for kit in body["items"]:
        assert set(kit) >= KIT_FIELDS, kit
        assert type(kit["unit_price"]) is int
        assert kit["active"] is True
        assert PERSIAN.search(kit["name_fa"]) and not PERSIAN.search(kit["name_en"])
        assert len(kit["contents"]) >= 5
        for item in kit["contents"]:
            assert set(item) == {"item_en", "item_fa", "quantity"}
            assert PERSIAN.search(item["item_fa"]) and item["item_en"].isascii()
            assert type(item["quantity"]) is int and item["quantity"] >= 1
    masks = by_code["ELDERLY-COVID"]["contents"][0]
    assert masks == {
        "item_en": "Three-ply surgical face mask",
        "item_fa": "ماسک سه\u200cلایه جراحی",
        "quantity": 30,
    }


# --- kits: create -------------------------------------------------------------------------------


def test_admin_creates_a_kit(api: ApiClient):
    admin = api.admin()
    r = admin.post(KITS, json=NEW_KIT)
    assert r.status_code == 201, r.get_json()
    assert r.get_json() == {**NEW_KIT, "active": True}
    listed = api.client.get(KITS).get_json()
    assert listed["total"] == 3
    assert {**NEW_KIT, "active": True} in listed["items"]  # Persian text came back byte for byte


def test_a_duplicate_kit_code_is_409(api: ApiClient):
    admin = api.admin()
    assert admin.post(KITS, json=NEW_KIT).status_code == 201
    for code in ("GENERAL-2", "ELDERLY-COVID"):
        r = admin.post(KITS, json=kit_with(code=code, name_en="Another kit"))
        assert r.status_code == 409 and r.get_json()["message"], code
    assert rows(api.app, Kit) == 3


@pytest.mark.parametrize(("role", "status"), [(None, 401), ("buyer", 403), ("business", 403)])
def test_only_admins_create_kits_and_others_are_refused_before_validation(api: ApiClient, role, status):
    for body in (NEW_KIT, {"code": "bad code"}):
        r = api.client.post(KITS, json=body) if role is None else api.user(role).post(KITS, json=body)
        assert r.status_code == status, r.get_json()
        assert r.get_json()["message"] and "errors" not in r.get_json()
    assert rows(api.app, Kit) == 2


@pytest.mark.parametrize(
    ("field", "changes"),
    [
        ("code", {"code": "general-2"}),
        ("code", {"code": "K" * 33}),
        ("name_fa", {"name_fa": MISSING}),
        ("target_group", {"target_group": "children"}),
        ("unit_price", {"unit_price": -1}),
        ("unit_price", {"unit_price": 1.5}),
        ("unit_price", {"unit_price": "9000000"}),
        ("contents", {"contents": []}),
        ("contents", {"contents": [{"item_en": "Soap", "quantity": 1}]}),
        ("contents", {"contents": [{"item_en": "Soap", "item_fa": "صابون", "quantity": 0}]}),
        ("active", {"active": True}),
    ],
)
def test_create_kit_refuses_each_bad_field_and_stores_nothing(api: ApiClient, field, changes):
    admin = api.admin()
    assert_invalid(admin.post(KITS, json=kit_with(**changes)), field)
    assert rows(api.app, Kit) == 2


# --- kits: update -------------------------------------------------------------------------------


def test_admin_updates_a_kit(api: ApiClient):
    admin = api.admin()
    change = {"unit_price": 13_000_000, "name_fa": "بسته بهداشتی سالمندان ۲"}
    r = admin.patch(f"{KITS}/ELDERLY-COVID", json=change)
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["unit_price"] == 13_000_000 and r.get_json()["name_fa"] == change["name_fa"]
    listed = {k["code"]: k for k in api.client.get(KITS).get_json()["items"]}
    assert listed["ELDERLY-COVID"]["unit_price"] == 13_000_000
    assert listed["ELDERLY-COVID"]["name_fa"] == change["name_fa"]
    assert listed["PREGNANT-HYGIENE"]["unit_price"] == 14_800_000


def test_updating_an_unknown_kit_is_404(api: ApiClient):
    r = api.admin().patch(f"{KITS}/NO-SUCH-KIT", json={"unit_price": 1})
    assert r.status_code == 404 and r.get_json()["message"]


@pytest.mark.parametrize(("role", "status"), [(None, 401), ("buyer", 403), ("business", 403)])
def test_only_admins_update_kits_before_validation(api: ApiClient, role, status):
    body = {"unit_price": "free"}
    path = f"{KITS}/ELDERLY-COVID"
    r = api.client.patch(path, json=body) if role is None else api.user(role).patch(path, json=body)
    assert r.status_code == status


@pytest.mark.parametrize(
    ("field", "body"),
    [
        ("unit_price", {"unit_price": 1.5}),
        ("active", {"active": "no"}),
        ("active", {"active": 0}),
        ("stock", {"stock": 5}),
    ],
)
def test_update_kit_refuses_bad_fields_and_changes_nothing(api: ApiClient, field, body):
    admin = api.admin()
    assert_invalid(admin.patch(f"{KITS}/ELDERLY-COVID", json={"name_en": "Renamed", **body}), field)
    kit = {k["code"]: k for k in api.client.get(KITS).get_json()["items"]}["ELDERLY-COVID"]
    assert kit["name_en"] == "COVID-19 hygiene kit for the elderly" and kit["active"] is True


def test_renaming_a_kit_onto_another_code_is_409(api: ApiClient):
    r = api.admin().patch(f"{KITS}/ELDERLY-COVID", json={"code": "PREGNANT-HYGIENE"})
    assert r.status_code == 409
    codes = {k["code"] for k in api.client.get(KITS).get_json()["items"]}
    assert codes == {"ELDERLY-COVID", "PREGNANT-HYGIENE"}


def test_a_deactivated_kit_can_no_longer_be_ordered(api: ApiClient, clock: Clock):
    admin = api.admin()
    api.business(admin)
    r = admin.patch(f"{KITS}/ELDERLY-COVID", json={"active": False})
    assert r.status_code == 200 and r.get_json()["active"] is False
    listed = {k["code"]: k for k in api.client.get(KITS).get_json()["items"]}
    assert listed["ELDERLY-COVID"]["active"] is False  # still listed, marked inactive
    buyer = api.buyer()
    body = {
        "kit": "ELDERLY-COVID",
        "quantity": 10,
        "delivery_province": "kermanshah",
        "delivery_address": "Health center 4",
        "needed_by": (local_today(clock) + timedelta(days=30)).isoformat(),
    }
    r = buyer.post("/api/v1/orders", json=body)
    assert_invalid(r, "kit")
    assert rows(api.app, Order) == 0
    r = admin.patch(f"{KITS}/ELDERLY-COVID", json={"active": True})
    assert r.status_code == 200
    assert buyer.post("/api/v1/orders", json=body).status_code == 201
