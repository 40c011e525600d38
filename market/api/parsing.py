"""Reading a JSON body so that no body, however malformed, can become a 500.

Python's ``json`` raises RecursionError for deep nesting (``[[[[…`` ten thousand deep) and a plain
ValueError for an integer of more than 4,300 digits; webargs catches neither. Lone surrogates
(``"\\ud800"``) decode fine but no database driver can store them. Each is answered like any other
invalid body: 422 with ``errors.body`` saying what is wrong, before any field is looked at.
"""

from __future__ import annotations

import json
from typing import Any

import flask
from flask.json.provider import DefaultJSONProvider
from flask_smorest import abort
from webargs import core
from webargs.flaskparser import FlaskParser, is_json_request

#: no request of the contract nests deeper than a few levels; 32 leaves room and bounds the work
MAX_DEPTH = 32


class MalformedBody(ValueError):
    """A body that is JSON in form but cannot be taken; the message says why."""


def loads(raw: bytes) -> Any:
    """The parsed body.

    :raises json.JSONDecodeError: not JSON at all (webargs answers it). :raises MalformedBody: JSON
        nested too deeply, a number with too many digits, text that is not valid Unicode.
    """
    try:
        value = core.parse_json(raw)
    except json.JSONDecodeError:
        raise
    except RecursionError:
        raise MalformedBody(f"The JSON body is nested too deeply (at most {MAX_DEPTH} levels).") from None
    except ValueError:  # int() refuses more than sys.get_int_max_str_digits() digits
        raise MalformedBody("A number in the JSON body has too many digits.") from None
    check(value)
    return value


def check(value: Any) -> None:
    """Walk the parsed body without recursion: its depth and every string in it.

    :raises MalformedBody: deeper than MAX_DEPTH, or a string holding a lone surrogate.
    """
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            if depth > MAX_DEPTH:
                raise MalformedBody(f"The JSON body is nested too deeply (at most {MAX_DEPTH} levels).")
            children = [*item.keys(), *item.values()] if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)
        elif isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                raise MalformedBody("The JSON body holds text that is not valid Unicode.") from None


class SafeParser(FlaskParser):
    """webargs' Flask parser, reading JSON bodies through :func:`loads`."""

    def _raw_load_json(self, req: flask.Request) -> Any:
        if not is_json_request(req):
            return core.missing
        try:
            return loads(req.get_data(cache=True))
        except MalformedBody as err:
            abort(400, messages={"json": [str(err)]})


class SafeJSONProvider(DefaultJSONProvider):
    """Flask's own JSON reading (``request.get_json()``, which Flask-WTF uses for a JSON post to a
    page) through :func:`loads`: a malformed body is a ValueError, which Flask answers with 400."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        return loads(s.encode() if isinstance(s, str) else s)
