"""One JSON error shape for every failure: ``{"message": ..., "errors": {field: [...]}}``.

Services raise the exceptions below (or domain errors); views never build error responses.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, current_app, jsonify, request
from werkzeug.exceptions import HTTPException

from .domain import refusals
from .domain.errors import DomainError, IllegalTransition


class ServiceError(Exception):
    """A refused use case: a stable ``code`` from ``market.refusals`` with its ``params``, the
    English ``message`` the API sends, and ``status``, the HTTP status it maps to.

    ``Conflict("offer_expired", job_id=7)``; an English sentence in place of the code is kept as
    the message with the code ``unlisted`` (see ``market.domain.refusals``).
    """

    status = 400

    def __init__(self, code: str, errors: dict[str, list[str]] | None = None, /, **params: Any) -> None:
        if code in refusals.MESSAGES:
            self.code, self.message = code, refusals.english(code, params)
        else:
            self.code, self.message = refusals.UNLISTED, code
        super().__init__(self.message)
        self.params = params
        self.errors = errors


class Invalid(ServiceError):
    """Input that passed the schema but breaks a rule (422), with the field it concerns."""

    status = 422

    @classmethod
    def field(cls, name: str, code: str, /, **params: Any) -> Invalid:
        err = cls(code, **params)
        err.message, err.errors = f"{name}: {err.message}", {name: [err.message]}
        return err


class NotFound(ServiceError):
    """Missing, or someone else's (never reveal another tenant's data)."""

    status = 404


class Forbidden(ServiceError):
    status = 403


class Unauthorized(ServiceError):
    status = 401


class Conflict(ServiceError):
    """The state of things forbids it now (409)."""

    status = 409


DEFAULT_MESSAGES = {
    400: "The request is malformed.",
    401: "Sign in first: send a valid bearer token.",
    403: "Your role may not do this.",
    404: "Not found.",
    405: "This method is not allowed here.",
    409: "That conflicts with the current state.",
    413: "The request body is too large.",
    415: "Send JSON (Content-Type: application/json).",
    422: "Some fields are invalid.",
    429: "Too many requests: slow down and try again shortly.",
    500: "Something went wrong on our side.",
    503: "The service is unavailable.",
}


def error_body(
    status: int, message: str | None = None, errors: dict[str, Any] | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {"message": message or DEFAULT_MESSAGES.get(status, "Error."), "code": status}
    if errors:
        body["errors"] = errors
    return body


def _flatten_webargs(messages: dict[str, Any]) -> dict[str, Any]:
    """webargs nests messages by location ({"json": {"field": [...]}}); the contract wants fields."""
    out: dict[str, Any] = {}
    for location, fields in messages.items():
        if isinstance(fields, dict):
            for name, msgs in fields.items():
                key = "body" if name == "_schema" else name
                out.setdefault(key, [])
                out[key].extend(_sentences(msgs))
        else:  # the body as a whole (not JSON, not an object): named like a schema-level error
            key = "body" if location == "json" else location
            out.setdefault(key, []).extend(_sentences(fields))
    return out


def _sentences(msgs: Any, where: str = "") -> list[Any]:
    """marshmallow nests the messages of list items and nested objects ({0: {"quantity": [...]}});
    they stay under their field as sentences led by where they apply ("0.quantity: ..."), so every
    field maps to a list of strings as the contract says."""
    if isinstance(msgs, dict):
        lines: list[Any] = []
        for name, inner in msgs.items():
            inner_where = where if name == "_schema" else f"{where}.{name}" if where else str(name)
            lines.extend(_sentences(inner, inner_where))
        return lines
    return [f"{where}: {m}" if where else m for m in (msgs if isinstance(msgs, list) else [msgs])]


def json_error(status: int, message: str | None = None, errors: dict[str, Any] | None = None) -> Response:
    response = jsonify(error_body(status, message, errors))
    response.status_code = status
    return response


def page_error(status: int, message: str | None = None) -> Response | None:
    """The HTML error page for a request to the pages, if the pages are installed; else None.

    The API and /healthz always answer JSON; the web blueprint registers its renderer in
    ``app.extensions["page_errors"]``.
    """
    renderer = current_app.extensions.get("page_errors")
    if renderer is None or request.path.startswith("/api/") or request.path == "/healthz":
        return None
    response: Response = renderer(status, message)
    return response


def register(app: Flask) -> None:
    @app.errorhandler(ServiceError)
    def service_error(err: ServiceError) -> Response:
        # the pages get no English sentence: they say a refusal by its status (or by err.code)
        return page_error(err.status) or json_error(err.status, err.message, err.errors)

    @app.errorhandler(IllegalTransition)
    def illegal_transition(err: IllegalTransition) -> Response:
        return json_error(409, f"This {err.machine} is {err.current}: it cannot become {err.target}.")

    @app.errorhandler(DomainError)
    def domain_error(err: DomainError) -> Response:
        return json_error(422, str(err))

    @app.errorhandler(HTTPException)
    def http_error(err: HTTPException) -> Response:
        status = err.code or 500
        page = page_error(status, err.description if _is_custom(err) else None)
        if page is not None:
            return page
        data = getattr(err, "data", None) or {}
        errors = None
        message = None
        if "messages" in data:  # webargs/flask-smorest validation failure
            errors = _flatten_webargs(data["messages"])
            status = 422
            fields = ", ".join(sorted(errors))
            message = f"Invalid input: check {fields}." if fields else None
        elif status == 429:  # Flask-Limiter's description is the bare limit ("3 per 1 minute")
            message = f"Too many requests (at most {err.description}): slow down and try again shortly."
        elif status not in DEFAULT_MESSAGES or (err.description and _is_custom(err)):
            message = err.description
        response = json_error(status, message, errors)
        for name, value in err.get_headers() or []:
            if name.lower() in {"retry-after", "allow", "www-authenticate"}:
                response.headers[name] = value
        return response

    @app.errorhandler(Exception)
    def unexpected(err: Exception) -> Response:
        app.logger.exception("unhandled error")
        return page_error(500) or json_error(500)


def _is_custom(err: HTTPException) -> bool:
    """Whether the description was set by our code rather than Werkzeug's stock text."""
    return type(err).description != err.description
