"""The one rule for text people type (names, addresses, notes, reasons) and for email addresses.

Text is NFKC-normalised (fullwidth letters, compatibility forms and odd spaces become their plain
forms), trimmed, and refused when it holds a control character (NUL, escape …; a line break only
where the field is multi-line), a format character (zero-width space, the right-to-left override …),
a lone surrogate or a non-character. The one format character kept is the zero-width non-joiner
U+200C *between two letters*: Persian spelling needs it (می‌خواهم, کارگاه‌ها).

An email address is compared and stored in one form: NFKC, format characters removed (so a
trailing zero-width space or a fullwidth twin is the same address as the plain one), lowercase,
the local part ASCII and the domain IDNA-encoded (``user@مثال.ایران`` -> ``user@xn--….xn--…``).

Pure: the API's schemas and the pages' forms both call these functions, each saying the refusal
in its own words.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from ..limits import EMAIL_MAX
from .errors import RuleBroken

ZWNJ = "\u200c"
#: letters that draw nothing: a name made of them (and spaces) is blank
INVISIBLE_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")
MULTILINE_CONTROLS = frozenset("\n\t")
_LOCAL = re.compile(r"^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*$")
_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


class TextRefused(RuleBroken):
    """Text that cannot be taken. ``reason`` is one of ``control``, ``format``, ``blank``,
    ``email``, ``email_ascii`` (the pages say each in their words); ``code`` and ``params`` are
    the refusal's (:mod:`market.domain.refusals`), ``str()`` its English sentence."""

    def __init__(self, reason: str, code: str, /, **params: Any) -> None:
        super().__init__(code, **params)
        self.reason = reason


def _is_letter(ch: str) -> bool:
    return unicodedata.category(ch)[0] in "LM"


def _problem(text: str, multiline: bool) -> TextRefused | None:
    for i, ch in enumerate(text):
        category = unicodedata.category(ch)
        if category == "Cc" and not (multiline and ch in MULTILINE_CONTROLS):
            return TextRefused("control", "text_control_char", char=f"{ord(ch):04X}")
        if category in ("Zl", "Zp") and not multiline:
            return TextRefused("control", "text_line_break")
        if category in ("Cs", "Cn") or (category == "Co"):
            return TextRefused("format", "text_char_not_allowed", char=f"{ord(ch):04X}")
        if category == "Cf":
            inside_word = (
                ch == ZWNJ and 0 < i < len(text) - 1 and _is_letter(text[i - 1]) and _is_letter(text[i + 1])
            )
            if not inside_word:
                return TextRefused("format", "text_format_char", char=f"{ord(ch):04X}")
    return None


def clean_text(value: str, *, multiline: bool = False) -> str:
    """``value`` normalised and trimmed; "" when nothing visible is left.

    :raises TextRefused: a control, format or unassigned character (see the module's rule).
    """
    text = unicodedata.normalize("NFKC", value)
    if multiline:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    problem = _problem(text, multiline)
    if problem is not None:
        raise problem
    text = text.strip()
    if all(ch.isspace() or ch in INVISIBLE_LETTERS for ch in text):
        return ""
    return text


def clean_name(value: str) -> str:
    """A name, a city, an organization: one line of visible text.

    :raises TextRefused: as :func:`clean_text`, and ``blank`` when nothing visible is left.
    """
    text = clean_text(value)
    if not text:
        raise TextRefused("blank", "name_blank")
    return text


def normalize_email(value: str) -> str:
    """The one stored and compared form of an email address.

    :raises TextRefused: ``control`` for control characters, ``email_ascii`` for a local part that
        is not ASCII, ``email`` for anything that is not an address.
    """
    text = unicodedata.normalize("NFKC", value)
    if any(unicodedata.category(ch) in ("Cc", "Cs") for ch in text):
        raise TextRefused("control", "email_control_char")
    # invisible characters would only make a lookalike of another address: they are dropped
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf").strip().lower()
    local, at, domain = text.rpartition("@")
    if not at or not local or not domain or any(ch.isspace() for ch in text):
        raise TextRefused("email", "email_invalid")
    if not local.isascii():
        raise TextRefused("email_ascii", "email_local_not_ascii")
    try:
        ascii_domain = domain.rstrip(".").encode("idna").decode("ascii").lower()
    except UnicodeError:
        raise TextRefused("email", "email_domain_invalid") from None
    labels = ascii_domain.split(".")
    if (
        not _LOCAL.match(local)
        or len(local) > 64
        or len(labels) < 2
        or not all(_LABEL.match(label) for label in labels)
        or labels[-1].isdigit()
    ):
        raise TextRefused("email", "email_invalid")
    address = f"{local}@{ascii_domain}"
    if len(address) > EMAIL_MAX:
        raise TextRefused("email", "email_too_long", max=EMAIL_MAX)
    return address
