"""POST /api/v1/orders/quote: a dry run of matching that holds and writes nothing, and agrees with
what placing the order then allocates (API.md)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select, text

from market.extensions import db
from market.services import quote as quotes

from ..conftest import rate_limited_app
from ..support import ApiClient, Clock, local_today

QUOTE = "/api/v1/orders/quote"
KIT = "ELDERLY-COVID"
FIELDS = {
    "kit",
    "quantity",
    "delivery_province",
    "needed_by",
    "placeable_by_needed_by",
    "earliest_full_date",
    "sources",
}


def body(clock: Clock, days: int | None = 10, **fields: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"kit": KIT, "quantity": 150, "delivery_province": "khuzestan", **fields}
    if days is not None:
        out["needed_by"] = (local_today(clock) + timedelta(days=days)).isoformat()
    return out


def row_counts(app: Flask) -> dict[str, int]:
    with app.app_context():
        counts = {
            t.name: int(db.session.scalar(select(func.count()).select_from(t)) or 0)
            for t in db.metadata.sorted_tables
        }
        db.session.remove()
        return counts


def workshops(api: ApiClient, clock: Clock) -> None:
    """Lorestan makes 10 a day; Kermanshah 10 a day with 40 already offered; none in Khuzestan."""
    admin = api.admin()
    api.business(admin, province="lorestan", city="Khorramabad", weekly_capacity=70)
    api.business(admin, province="kermanshah", weekly_capacity=70)
    other = api.buyer()
    api.order(other, clock, quantity=40, delivery_province="kermanshah", days=5)


@pytest.mark.parametrize("days", [3, 10, 30, None])
def test_the_quote_agrees_with_what_placing_the_order_allocates(api, app, clock, days):
    workshops(api, clock)
    buyer = api.buyer()
    api.settle()  # the workers' own writes (deliveries of the set-up's notifications) are done first
    before = row_counts(app)
    r = buyer.post(QUOTE, json=body(clock, days))
    assert r.status_code == 200, r.get_json()
    got = r.get_json()
    assert set(got) == FIELDS
    assert row_counts(app) == before  # nothing written
    assert got["kit"] == KIT and got["quantity"] == 150 and got["delivery_province"] == "khuzestan"
    first = got["earliest_full_date"]
    assert first is not None and first > local_today(clock).isoformat()
    assert [s["province"] for s in got["sources"]] == sorted(
        (s["province"] for s in got["sources"]), key=lambda p: {"lorestan": 0, "kermanshah": 1}[p]
    )
    placed_day = days if days is not None else None
    if placed_day is None:
        assert got["needed_by"] is None and got["placeable_by_needed_by"] is None
        assert sum(s["quantity"] for s in got["sources"]) == 150
        needed_by = first
    else:
        needed_by = body(clock, days)["needed_by"]
        assert got["needed_by"] == needed_by
    order = api.order(
        buyer,
        clock,
        quantity=150,
        delivery_province="khuzestan",
        days=(api_date(needed_by) - local_today(clock)).days,
    )
    allocated = order["allocated_quantity"]
    if got["placeable_by_needed_by"] is not None:
        assert allocated == got["placeable_by_needed_by"]
    by_province: dict[str, int] = {}
    for job in order["jobs"]:
        by_province[job["province"]] = by_province.get(job["province"], 0) + job["quantity"]
    assert by_province == {s["province"]: s["quantity"] for s in got["sources"]}
    assert (allocated == 150) == (first <= needed_by)


def api_date(iso: str) -> date:
    return date.fromisoformat(iso)


def test_no_workshop_for_the_kit_gives_no_date(api, clock):
    buyer = api.buyer()
    r = buyer.post(QUOTE, json=body(clock, 20, kit="PREGNANT-HYGIENE", quantity=5))
    assert r.status_code == 200, r.get_json()
    got = r.get_json()
    assert (got["placeable_by_needed_by"], got["earliest_full_date"], got["sources"]) == (0, None, [])


def test_an_admin_and_an_unverified_buyer_may_ask(api, clock):
    workshops(api, clock)
    for actor in (api.admin(), api.buyer(verified=False)):
        r = actor.post(QUOTE, json=body(clock, None, quantity=5))
        assert r.status_code == 200, r.get_json()
        assert r.get_json()["earliest_full_date"] is not None


def test_the_quote_takes_no_lock_and_flushes_nothing(api, app, clock, backend):
    workshops(api, clock)
    with app.app_context():
        q = quotes.quote(
            {
                "kit": KIT,
                "quantity": 500,
                "delivery_province": "khuzestan",
                "needed_by": local_today(clock) + timedelta(days=20),
            }
        )
        assert q.placeable_by_needed_by is not None and q.placeable_by_needed_by > 0
        assert not db.session.new and not db.session.dirty
        if backend == "postgresql":
            held = db.session.execute(
                text(
                    "SELECT locktype, mode FROM pg_locks WHERE pid = pg_backend_pid() "
                    "AND mode <> 'AccessShareLock' AND locktype <> 'virtualxid'"
                )
            ).all()
            assert held == []  # a FOR UPDATE would show RowShareLock on the tables, tuple locks
            assert db.session.scalar(text("SELECT txid_current_if_assigned()")) is None  # wrote nothing
        db.session.remove()


def test_anonymous_and_workshops_are_refused(api, app, clock):
    before = row_counts(app)
    assert api.client.post(QUOTE, json=body(clock)).status_code == 401
    r = api.business(approve=False).post(QUOTE, json=body(clock))
    assert r.status_code == 403 and "errors" not in r.get_json()
    assert row_counts(app)["orders"] == before["orders"] == 0


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("kit", "NO-SUCH-KIT"),
        ("kit", "elderly covid"),
        ("quantity", 0),
        ("quantity", 1_000_001),
        ("quantity", "5"),
        ("delivery_province", "atlantis"),
        ("needed_by", "today"),
        ("needed_by", "yesterday"),
        ("needed_by", "far"),
        ("needed_by", "next friday"),
        ("colour", "blue"),
    ],
)
def test_bad_input_is_a_clear_422_and_changes_nothing(api, app, clock, field, value):
    buyer = api.buyer()
    today = local_today(clock)
    dates = {"today": today, "yesterday": today - timedelta(days=1), "far": today + timedelta(days=366)}
    sent = body(clock) | {field: dates[value].isoformat() if value in dates else value}
    api.settle()  # the workers' own writes are done before the count
    before = row_counts(app)
    r = buyer.post(QUOTE, json=sent)
    assert r.status_code == 422, r.get_json()
    assert r.get_json()["message"] and field in r.get_json()["errors"], r.get_json()
    assert row_counts(app) == before


@pytest.fixture
def limited_app(app: Flask, clock: Clock) -> Iterator[Flask]:
    yield from rate_limited_app(app, clock, RATELIMIT_QUOTES="2 per minute")


def test_quotes_are_limited_per_account_the_api_and_the_form_together(limited_app: Flask, clock: Clock):
    from ..conftest import settle_app
    from ..web.test_workshop_pages import signed_in

    api = ApiClient(limited_app, limited_app.test_client(), lambda: settle_app(limited_app))
    buyer, other = api.buyer(), api.buyer()
    assert buyer.post(QUOTE, json=body(clock)).status_code == 200
    pages = signed_in(limited_app, buyer)
    args = {"kit": KIT, "quantity": "5", "delivery_province": "tehran"}
    assert pages.get("/orders/quote", query_string=args).status_code == 200
    assert buyer.post(QUOTE, json=body(clock)).status_code == 429
    assert pages.get("/orders/quote", query_string=args).status_code == 429
    assert other.post(QUOTE, json=body(clock)).status_code == 200  # per account
