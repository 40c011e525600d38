"""The text rule (market/domain/text.py) as properties: what it returns holds no control or format
character but the zero-width non-joiner between letters, is NFKC and trimmed, and cleaning twice
changes nothing; an email's stored form is ASCII and stable."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from market.domain.text import ZWNJ, TextRefused, clean_name, clean_text, normalize_email


def allowed(text: str, multiline: bool) -> bool:
    for i, ch in enumerate(text):
        category = unicodedata.category(ch)
        if category == "Cc" and not (multiline and ch in "\n\t"):
            return False
        if category == "Cf" and not (ch == ZWNJ and 0 < i < len(text) - 1):
            return False
    return True


@given(st.text(max_size=60), st.booleans())
def test_cleaned_text_is_normal_trimmed_and_stable(value: str, multiline: bool) -> None:
    try:
        cleaned = clean_text(value, multiline=multiline)
    except TextRefused:
        return
    assert allowed(cleaned, multiline)
    assert cleaned == cleaned.strip()
    assert unicodedata.is_normalized("NFKC", cleaned)
    assert clean_text(cleaned, multiline=multiline) == cleaned


@given(st.emails())
def test_an_ascii_email_keeps_its_form_lowercased(email: str) -> None:
    try:
        stored = normalize_email(email)
    except TextRefused:
        return  # hypothesis' addresses include forms the rule refuses (a numeric top-level domain)
    assert stored == email.lower().rstrip(".")
    assert normalize_email(stored) == stored


@given(st.text(alphabet=st.characters(categories=["Cf"]), min_size=1, max_size=3))
def test_invisible_characters_anywhere_in_an_email_are_the_same_address(junk: str) -> None:
    assert normalize_email(f"zah{junk}ra@example.org{junk}") == "zahra@example.org"


@pytest.mark.parametrize("name", ["می‌خواهم", "کارگاه‌ها", "خرم‌آباد"])
def test_persian_words_keep_their_zero_width_non_joiner(name: str) -> None:
    assert clean_name(name) == name
