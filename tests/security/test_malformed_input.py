"""Malformed input is a 4xx, never a 500 (finding 8): JSON nested 10,000 deep, a 5,000-digit
number, text that is not Unicode; a redirect target carrying CR/LF; a page number past any row;
an id filter written with digits ``int()`` refuses ("²" is a digit to ``str.isdigit()``)."""

from __future__ import annotations

import pytest
from flask import Flask

from ..support import PASSWORD, ApiClient, Clock
from ..web.test_workshop_pages import signed_in

DEEP_ARRAY = "[" * 10_000 + "]" * 10_000
DEEP_OBJECT = '{"a":' * 10_000 + "1" + "}" * 10_000
#: bodies that passed every check before and then broke the JSON decoder or the database driver
MALFORMED = {
    "deep array": DEEP_ARRAY,
    "deep object": DEEP_OBJECT,
    "deep inside a field": '{"email": ' + "[" * 10_000 + "]" * 10_000 + ', "password": "x"}',
    "5,000-digit number": '{"email": "a@example.org", "password": ' + "9" * 5000 + "}",
    "5,000-digit number alone": "9" * 5000,
    "lone surrogate": '{"email": "a\\ud800@example.org", "password": "x"}',
    "nested 40 deep": '{"email": "a@example.org", "password": ' + "[" * 40 + "]" * 40 + "}",
}


@pytest.mark.parametrize("body", MALFORMED.values(), ids=MALFORMED.keys())
def test_a_malformed_body_to_the_token_endpoint_is_invalid_input(api: ApiClient, body: str) -> None:
    r = api.client.post("/api/v1/auth/token", data=body, content_type="application/json")
    assert r.status_code in (400, 422), r.status_code
    assert r.get_json()["errors"]


@pytest.mark.parametrize("body", MALFORMED.values(), ids=MALFORMED.keys())
def test_a_malformed_body_stores_nothing(api: ApiClient, body: str) -> None:
    buyer = api.buyer()
    r = buyer.post("/api/v1/orders", data=body, headers={"Content-Type": "application/json"})
    assert r.status_code in (400, 422), r.status_code
    r = api.client.post("/api/v1/auth/register", data=body, content_type="application/json")
    assert r.status_code in (400, 422), r.status_code
    assert buyer.get("/api/v1/orders").get_json()["total"] == 0


def test_a_body_is_still_refused_for_a_role_that_may_not_act_first(api: ApiClient) -> None:
    r = api.client.post("/api/v1/orders", data=DEEP_ARRAY, content_type="application/json")
    assert r.status_code == 401


@pytest.mark.parametrize(
    "target",
    [
        "/%0d%0aSet-Cookie:%20stolen=1",
        "/orders%0d%0aLocation:%20https://evil.example",
        "/%0aX:1",
        "/%5C%5Cevil.example",
        "/%09/evil.example",
        "https://evil.example/",
        "//evil.example/",
    ],
)
def test_the_language_switch_never_redirects_off_site_or_splits_headers(app: Flask, target: str) -> None:
    from ..web.test_workshop_pages import Pages

    pages = Pages(app)
    r = pages.client.post(f"/language/en?next={target}", data={"csrf_token": pages.token("/")})
    assert r.status_code == 302
    assert r.headers["Location"] == "/"
    assert "stolen" not in r.headers.get("Set-Cookie", "")


def test_sign_in_ignores_a_next_with_a_line_break(app: Flask, api: ApiClient) -> None:
    from ..web.test_workshop_pages import Pages

    buyer = api.buyer()
    pages = Pages(app)
    token = pages.token("/signin")
    r = pages.client.post(
        "/signin?next=/orders%0d%0aSet-Cookie:%20x=1",
        data={"email": buyer.email, "password": PASSWORD, "csrf_token": token},
    )
    assert r.status_code == 302 and r.headers["Location"] == "/orders"


HUGE_PAGE = "99999999999999999999"


def test_a_page_number_past_any_row_is_a_400_on_pages(app: Flask, api: ApiClient, clock: Clock) -> None:
    admin = api.admin()
    workshop = api.business(admin)
    buyer = api.buyer()
    api.order(buyer, clock)
    for actor, paths in (
        (buyer, ["/orders"]),
        (workshop, ["/workshop/offers", "/workshop/jobs"]),
        (admin, ["/admin/businesses", "/admin/orders", "/admin/jobs", "/admin/audit"]),
    ):
        pages = signed_in(app, actor)
        for path in paths:
            for page in (HUGE_PAGE, "²", "-1", "0", "abc"):
                r = pages.get(f"{path}?page={page}")
                assert r.status_code == 400, (path, page, r.status_code)
                assert "شمارهٔ صفحه" in r.get_data(as_text=True)  # says what is wrong, in Persian
            assert pages.get(f"{path}?page=1").status_code == 200
            assert pages.get(path).status_code == 200


def test_a_page_number_past_any_row_is_a_422_on_api_lists(api: ApiClient, clock: Clock) -> None:
    admin = api.admin()
    workshop = api.business(admin)
    buyer = api.buyer()
    for actor, path in (
        (buyer, "/api/v1/orders"),
        (admin, "/api/v1/orders"),
        (admin, "/api/v1/businesses"),
        (workshop, "/api/v1/jobs"),
        (admin, "/api/v1/admin/audit"),
    ):
        for page in (HUGE_PAGE, "²", "1e3"):
            r = actor.get(f"{path}?page={page}")
            assert r.status_code == 422, (path, page, r.status_code)
            assert "page" in r.get_json()["errors"]


def test_an_id_filter_in_digits_int_refuses_is_a_400(app: Flask, api: ApiClient, clock: Clock) -> None:
    admin = api.admin()
    workshop = api.business(admin)
    api.order(api.buyer(), clock)
    pages = signed_in(app, admin)
    for value in ("%C2%B2", "%D9%A1", "1%C2%B2", HUGE_PAGE, "-3", "x"):
        for path in ("/admin/jobs", "/admin/export/jobs.csv"):
            r = pages.get(f"{path}?business={value}")
            assert r.status_code == 400, (path, value, r.status_code)
    r = pages.get(f"/admin/jobs?business={workshop.business_id}")
    assert r.status_code == 200
    assert pages.get("/admin/jobs?business=").status_code == 200


def test_a_malformed_json_post_to_a_page_is_a_400(app: Flask) -> None:
    """Flask-WTF reads a JSON post through Flask's own JSON reading: it refuses the same bodies."""
    from ..web.test_workshop_pages import Pages

    pages = Pages(app)
    token = pages.token("/signin")
    for body in (DEEP_ARRAY, DEEP_OBJECT, '{"email": ' + "9" * 5000 + "}"):
        r = pages.client.post(
            "/signin", data=body, content_type="application/json", headers={"X-CSRFToken": token}
        )
        assert r.status_code == 400, r.status_code
