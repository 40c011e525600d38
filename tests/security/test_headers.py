"""Finding 5: every response carries the security headers (Flask-Talisman): a CSP with nothing
inline, no framing, nosniff, a referrer policy, HSTS when the cookie is Secure (over HTTPS), and
signed-in pages and the token answer are never cached. The templates hold no inline script or
style for the CSP to block."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from flask import Flask

from ..support import PASSWORD, ApiClient
from .conftest import Browser

TEMPLATES = __import__("pathlib").Path(__file__).resolve().parents[2] / "market" / "web" / "templates"


def csp(response: object) -> dict[str, str]:
    header = response.headers["Content-Security-Policy"]  # type: ignore[attr-defined]
    parts = [p.strip().split(" ", 1) for p in header.split(";") if p.strip()]
    return {name: value for name, value in parts}


@pytest.mark.parametrize("path", ["/", "/signin", "/api/v1/kits", "/assets/css/site.css", "/healthz"])
def test_every_response_carries_the_security_headers(app: Flask, path: str):
    r = app.test_client().get(path)
    r.close()  # a static file is streamed
    assert r.status_code == 200
    policy = csp(r)
    assert policy["default-src"] == "'self'"
    for directive in ("script-src", "style-src"):
        assert policy[directive] == "'self'"  # no 'unsafe-inline'
    assert policy["frame-ancestors"] == "'none'"
    assert r.headers["X-Frame-Options"] == "DENY"
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["Referrer-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in r.headers  # plain HTTP: HSTS means nothing there


def test_hsts_over_https_when_the_cookie_is_secure(make_app: Callable[..., Flask]):
    secure = make_app(SESSION_COOKIE_SECURE=True)
    r = secure.test_client().get("/", base_url="https://market.example")
    assert r.headers["Strict-Transport-Security"].startswith("max-age=")
    r = secure.test_client().get("/signin", base_url="https://market.example")
    assert "Secure" in r.headers["Set-Cookie"]


def test_no_hsts_when_the_cookie_is_not_secure(make_app: Callable[..., Flask]):
    plain = make_app(SESSION_COOKIE_SECURE=False)
    r = plain.test_client().get("/", base_url="https://market.example")
    assert "Strict-Transport-Security" not in r.headers
    assert "Secure" not in plain.test_client().get("/signin").headers["Set-Cookie"]


def test_signed_in_pages_and_tokens_are_never_cached(app: Flask, api: ApiClient):
    buyer = api.buyer()
    r = app.test_client().post("/api/v1/auth/token", json={"email": buyer.email, "password": PASSWORD})
    assert r.status_code == 200
    assert r.headers["Cache-Control"] == "no-store"
    assert buyer.get("/api/v1/me").headers["Cache-Control"] == "no-store"
    browser = Browser(app)
    browser.sign_in(buyer.email)
    for path in ("/orders", "/"):
        assert browser.client.get(path).headers["Cache-Control"] == "no-store", path
    assert "no-store" not in app.test_client().get("/").headers.get("Cache-Control", "")
    static = browser.client.get("/assets/css/site.css")
    static.close()
    assert "no-store" not in static.headers.get("Cache-Control", "")


INLINE = [
    re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I),  # a script with a body
    re.compile(r"<style\b", re.I),
    re.compile(r"\sstyle\s*=", re.I),
    re.compile(r"\son[a-z]+\s*=", re.I),  # onclick=, onload=, ...
    re.compile(r"javascript:", re.I),
]


@pytest.mark.parametrize(
    "template", sorted(p.relative_to(TEMPLATES).as_posix() for p in TEMPLATES.rglob("*.html"))
)
def test_no_template_holds_inline_script_or_style(template: str):
    source = (TEMPLATES / template).read_text(encoding="utf-8")
    found = [m.group(0) for pattern in INLINE for m in pattern.finditer(source)]
    assert not found, f"{template}: {found}"


def test_the_workshop_calendar_draws_its_bars_without_inline_style(app: Flask, api: ApiClient, clock: object):
    workshop = api.business()
    api.order(api.buyer(), clock, quantity=40)  # type: ignore[arg-type]
    browser = Browser(app)
    browser.sign_in(workshop.email)
    page = browser.client.get("/workshop").get_data(as_text=True)
    assert "style=" not in page
    widths = re.findall(r'class="meter-(?:cap|due) w-(\d+)"', page)
    assert widths and all(0 <= int(w) <= 100 for w in widths)
    assert any(int(w) > 0 for w in widths)
    r = browser.client.get("/assets/css/site.css")
    css = r.get_data(as_text=True)
    r.close()
    assert all(f".w-{w} {{ inline-size: {w}%; }}" in css for w in widths)
