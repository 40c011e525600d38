"""Refusing passwords that are common or easy to guess, offline.

zxcvbn (Dropbox's estimator, maintained as the ``zxcvbn`` package) knows the 30,000 most common
passwords of the breached-password lists, English words, names, keyboard walks, repeats, sequences
and dates, and estimates how many guesses a password needs. A password needing fewer than 10^8
guesses (zxcvbn's score below 3) is refused: ``aaaaaaaaaaaa``, ``password1234``, ``qwertyuiopas``.
Nothing is sent anywhere.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from zxcvbn import zxcvbn

from ..domain import refusals

#: zxcvbn's scores: 0 too guessable … 4 very unguessable; 3 = "safely unguessable" (≥ 10^8 guesses)
MIN_SCORE = 3
#: zxcvbn's work grows fast with length (seconds at 200 random characters); what a password adds past
#: its first 72 characters only makes it stronger, so only those are scored
SCORED_LENGTH = 72


def weakness(password: str, user_inputs: Iterable[str | None] = ()) -> str | None:
    """Why ``password`` is too easy to guess (an English sentence), or None when it is not."""
    detail = guessable(password, user_inputs)
    return None if detail is None else refusals.english("password_weak", {"detail": detail})


def guessable(password: str, user_inputs: Iterable[str | None] = ()) -> str | None:
    """None when ``password`` is hard to guess; else the ``detail`` param of the ``password_weak``
    refusal (zxcvbn's warning in brackets, or "").

    ``user_inputs`` (the email, the name) count as known words: ``zahra.karimi2026`` is weak for
    Zahra Karimi.
    """
    words: set[str] = set()
    for text in user_inputs:
        if text:  # each word, and the whole run together ("zahra.karimi" -> zahra, karimi, zahrakarimi)
            parts = [w for w in re.split(r"[\W_]+", text.lower().split("@")[0]) if len(w) > 2]
            words.update([*parts, "".join(parts)])
    result = zxcvbn(password[:SCORED_LENGTH], user_inputs=sorted(words))
    if result["score"] >= MIN_SCORE:
        return None
    warning = result["feedback"]["warning"]
    return f" ({warning.rstrip('.')})" if warning else ""
