"""The re-optimisation page: only admins open it or press Apply; Apply needs the form's token;
a refused press changes nothing. (Preview then apply in a browser: test_browser_reoptimise.py.)"""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from ..support import ApiClient, Clock
from .test_admin_pages import Pages

PAGE = "/admin/reoptimise"


def far_offer(api: ApiClient, clock: Clock) -> int:
    """An offer from Tehran for Kermanshah, then a Kermanshah workshop: re-optimising would move it."""
    admin = api.admin()
    api.business(admin, province="tehran", city="Tehran", weekly_capacity=70)
    order = api.order(api.buyer(), clock, quantity=30, delivery_province="kermanshah")
    api.business(admin, province="kermanshah", weekly_capacity=70)
    return int(order["jobs"][0]["id"])


def status(api: ApiClient, job_id: int) -> str:
    return str(api.admin().get(f"/api/v1/jobs/{job_id}").get_json()["status"])


def test_anonymous_visitors_are_sent_to_sign_in(client: FlaskClient) -> None:
    for r in (client.get(PAGE), client.post(PAGE)):
        assert r.status_code in (302, 400)
    assert client.get(PAGE).headers["Location"].startswith("/signin")


@pytest.mark.parametrize("role", ["buyer", "business"])
def test_buyers_and_workshops_may_not_open_or_apply(
    app: Flask, api: ApiClient, clock: Clock, role: str
) -> None:
    job_id = far_offer(api, clock)
    actor = api.buyer() if role == "buyer" else api.business(approve=False)
    pages = Pages(app, actor.email)
    pages.get(PAGE, status=403)
    assert pages.post(PAGE).status_code == 403
    assert status(api, job_id) == "offered"


def test_the_preview_shows_the_move_and_apply_without_the_token_is_refused(
    app: Flask, api: ApiClient, clock: Clock
) -> None:
    job_id = far_offer(api, clock)
    pages = Pages(app, api.admin().email).english()
    page = pages.get(PAGE)
    assert "Preview: nothing has changed yet." in page and f"Job #{job_id}" in page
    for data in ({}, {"csrf_token": "forged"}):
        assert pages.client.post(PAGE, data=data).status_code == 400
    assert status(api, job_id) == "offered"
    applied = pages.post(PAGE)
    assert applied.status_code == 200 and "Applied. Offers withdrawn: 1; offers made: 1." in applied.get_data(
        as_text=True
    )
    assert status(api, job_id) == "cancelled"
