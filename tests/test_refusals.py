"""Every refusal the code raises names a listed code, and every page text belongs to one."""

from __future__ import annotations

import ast
import inspect
import string
from pathlib import Path

from market.domain import refusals
from market.services import jobs
from market.web.refusals import PAGE_TEXTS

MARKET = Path(__file__).resolve().parent.parent / "market"
REFUSING = {"ServiceError", "Invalid", "NotFound", "Forbidden", "Unauthorized", "Conflict", "RuleBroken"}


def raised_codes(tree: ast.AST) -> list[tuple[str, int]]:
    """(first argument, line) of every ``raise X("...")`` / ``raise Invalid.field(name, "...")``."""
    found = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call)):
            continue
        call = node.exc
        func = call.func
        if isinstance(func, ast.Name) and func.id in REFUSING:
            args = call.args[:1]
        elif isinstance(func, ast.Attribute) and func.attr == "field":
            args = call.args[1:2]
        else:
            continue
        for arg in args:
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                found.append((arg.value, node.lineno))
    return found


def test_every_refusal_raised_names_a_listed_code():
    unlisted = []
    for path in MARKET.rglob("*.py"):
        for code, line in raised_codes(ast.parse(path.read_text(encoding="utf-8"))):
            if code not in refusals.MESSAGES:
                unlisted.append(f"{path.relative_to(MARKET.parent)}:{line}: {code!r}")
    assert not unlisted, "add these to market/domain/refusals.py:\n" + "\n".join(unlisted)


def test_every_listed_sentence_is_a_format_string_with_named_fields_only():
    for code, text in refusals.MESSAGES.items():
        fields = [f for _lit, f, _spec, _conv in string.Formatter().parse(text) if f is not None]
        assert all(f.isidentifier() for f in fields), (code, fields)


def test_the_pages_can_say_every_refusal_a_reassignment_can_meet():
    """The admin's jobs page says why a move was refused: each reason the service can give."""
    tree = ast.parse(inspect.getsource(jobs))
    codes = {code for code, _line in raised_codes(tree) if code.startswith("reassign_")}
    assert codes and codes <= set(PAGE_TEXTS), sorted(codes - set(PAGE_TEXTS))
    assert set(PAGE_TEXTS) <= set(refusals.MESSAGES)
