"""Digits, and characters that only look like digits."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring.numerals import describe, first_lookalike, is_lookalike, normalize

FAST = settings(max_examples=300, deadline=None, database=None)
LOOKALIKES = ["²", "₃", "①", "⑽", "⒈", "½", "Ⅻ", "٣", "۳", "३", "𝟓", "㎡", "㋀", "〇"]


@pytest.mark.parametrize("ch", [*"0123456789", *"０１２３４５６７８９", "a", " ", "万", "千", "亿", "一", "€", "$"])
def test_plain_and_full_width_digits_and_cjk_numeral_letters_are_not_look_alikes(ch: str) -> None:
    assert not is_lookalike(ch)


@pytest.mark.parametrize("ch", LOOKALIKES)
def test_superscripts_fractions_other_scripts_and_compatibility_digits_are_look_alikes(ch: str) -> None:
    assert is_lookalike(ch)
    assert first_lookalike(f"12{ch}5") == ch


def test_normalising_keeps_look_alikes_and_normalises_everything_else() -> None:
    assert normalize("１０² Ａｃｍｅ½") == "10² Acme½"
    assert normalize("ﬁne\u00a0١٢") == "fine ١٢"
    assert unicodedata.normalize("NFKC", "10²") == "102"  # what normalize avoids


def test_a_look_alike_is_described_by_its_unicode_name() -> None:
    assert describe("²") == "“²” (superscript two)"
    assert describe("٣") == "“٣” (arabic-indic digit three)"


@FAST
@given(st.text(max_size=40))
def test_normalising_text_without_look_alikes_is_plain_nfkc(text: str) -> None:
    kept = normalize(text)
    if first_lookalike(text) is None:
        assert kept == unicodedata.normalize("NFKC", text)
    else:
        assert [ch for ch in kept if is_lookalike(ch)] == [ch for ch in text if is_lookalike(ch)]
        assert unicodedata.normalize("NFKC", kept) == unicodedata.normalize("NFKC", text)
