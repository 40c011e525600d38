"""What every response says to the browser, and who the client is behind a proxy.

Flask-Talisman sets the security headers: it is the maintained Flask extension for them (the
wntrblm fork of Google's original), it knows the header syntax of CSP, HSTS and the permissions
policy, and it sends HSTS only over HTTPS as RFC 6797 asks. We keep Flask's own session cookie
settings: Talisman is told exactly what the configuration says instead of its defaults.

Werkzeug's ProxyFix takes the client's address and scheme from ``X-Forwarded-For`` and
``X-Forwarded-Proto`` only when ``TRUSTED_PROXIES`` says how many proxies stand in front; with 0
(the default) those headers are ignored, so nobody can pick the address a rate limit counts.
"""

from __future__ import annotations

from flask import Flask, Response, request, session
from flask_talisman import Talisman
from werkzeug.middleware.proxy_fix import ProxyFix

# Nothing inline and nothing from another host: scripts, styles, fonts and images come from
# /assets only; no page may be framed (clickjacking), forms post only here.
CONTENT_SECURITY_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self'",
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'none'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
talisman = Talisman()


def init_app(app: Flask) -> None:
    proxies = app.config["TRUSTED_PROXIES"]
    if proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)  # type: ignore[method-assign]
    secure = bool(app.config["SESSION_COOKIE_SECURE"])
    talisman.init_app(
        app,
        # TLS ends at the proxy; redirecting here would loop behind a proxy that is not trusted
        force_https=False,
        strict_transport_security=secure,
        strict_transport_security_include_subdomains=False,
        content_security_policy=CONTENT_SECURITY_POLICY,
        frame_options="DENY",
        referrer_policy="same-origin",
        session_cookie_secure=secure,
        session_cookie_http_only=True,
        session_cookie_samesite=app.config["SESSION_COOKIE_SAMESITE"],
    )
    app.after_request(no_store_when_signed_in)


def no_store_when_signed_in(response: Response) -> Response:
    """A signed-in page or an authenticated API answer is nobody else's: no cache may keep it
    (a shared computer's back button, a proxy). Static files stay cacheable."""
    signed_in = "_user_id" in session or request.headers.get("Authorization")
    if signed_in and request.endpoint != "web.static":
        response.headers["Cache-Control"] = "no-store"
        response.headers["Pragma"] = "no-cache"
    return response
