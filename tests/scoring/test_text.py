"""Invisible characters, name comparison and Slack markup: the text rules every entry point shares."""

from __future__ import annotations

import sys
import unicodedata
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring.errors import FieldErrors
from scoring.numerals import first_lookalike, is_lookalike
from scoring.requests import Problem, activity_from_fields, clean_text, deal_from_fields
from scoring.text import describe, escape, fold, invisible_problem, is_invisible, strip_invisible, unlink

FAST = settings(max_examples=300, deadline=None, database=None)
TODAY = date(2026, 11, 24)

# Every character the rules treat as invisible (planes 0, 1 and 14 hold them all).
INVISIBLE = [ch for ch in map(chr, [*range(0x20000), *range(0xE0000, 0xE1000)]) if is_invisible(ch)]

EXTRA = ["\U000e0100", "\U0001f3fd"]  # an ideographic variation selector, a skin-tone modifier
NAMED_IN_THE_ISSUE = [
    "\u200b",  # zero width space
    "\u200c",  # zero width non-joiner
    "\u200d",  # zero width joiner
    "\u2060",  # word joiner
    "\ufeff",  # byte order mark
    "\u00ad",  # soft hyphen
    "\u180e",  # Mongolian vowel separator
    "\u2061",
    "\u2062",
    "\u2063",
    "\u2064",  # invisible operators
    "\ufe0f",
    "\ufe00",
    "\U000e0100",  # variation selectors
    "\u3164",
    "\u115f",
    "\u1160",
    "\uffa0",  # Hangul fillers
    "\U000e0001",
    "\U000e0041",
    "\U000e007f",  # tag characters
    "\u034f",  # combining grapheme joiner
]


@pytest.mark.parametrize("ch", NAMED_IN_THE_ISSUE, ids=lambda ch: f"U+{ord(ch):04X}")
def test_the_invisible_characters_named_in_the_issue_are_invisible(ch: str) -> None:
    assert is_invisible(ch)
    assert strip_invisible(f"Ac{ch}me") == "Acme"
    assert fold(f"Ac{ch}me") == "acme"


@pytest.mark.parametrize("ch", ["a", " ", "\u0600", "\u06dd", "\u0301", "\u3000", "\u00a0", "😀"])
def test_visible_characters_and_format_characters_that_draw_are_not_invisible(ch: str) -> None:
    assert not is_invisible(ch)


@pytest.mark.parametrize(
    "text",
    [
        "👩\u200d💻 pairing",  # a zero-width joiner inside an emoji
        "👩🏽\u200d💻",  # after a skin-tone modifier
        "👁\ufe0f\u200d🗨\ufe0f",  # after a variation selector
        "☎\ufe0f and ☎\ufe0e",  # emoji and text presentation of a symbol
        "1\ufe0f\u20e3",  # a keycap
        "葛\U000e0100飾",  # an ideographic variation
        "می\u200cخواهم",  # Persian writes a non-joiner between letters
        "क्\u200dष",  # a joiner after a virama picks a conjunct form
    ],
)
def test_an_invisible_character_that_changes_how_text_looks_is_kept(text: str) -> None:
    assert strip_invisible(text) == text
    assert invisible_problem(text, what="team name") is None


@pytest.mark.parametrize(
    ("text", "stripped"),
    [
        ("A\u200d\u200dcme", "Acme"),
        ("Acme\ufe0f", "Acme"),  # a letter has no variants
        ("☎\ufe0f\ufe0f", "☎\ufe0f"),  # one selector is all a symbol takes
        ("🏴\U000e0067\U000e0062\U000e007f", "🏴"),  # tags are dropped, even in a flag
        ("\ufeffAcme\u2060", "Acme"),
        ("😀\u200b\u200d😀", "😀😀"),
    ],
)
def test_an_invisible_character_that_changes_nothing_is_dropped(text: str, stripped: str) -> None:
    assert strip_invisible(text) == stripped


@FAST
@given(
    st.text(
        alphabet=st.sampled_from([*"ab1 😀☎क्مخ葛ᠠ\u20e3\u200d\u200c\ufe0f\ufe0e\u200b\u180e\u180b\u3164\u034f", *EXTRA])
    )
)
def test_dropping_invisible_characters_twice_changes_nothing_more(text: str) -> None:
    once = strip_invisible(text)
    assert strip_invisible(once) == once


@FAST
@given(st.text(max_size=20), st.sampled_from(INVISIBLE), st.data())
def test_an_invisible_character_never_makes_a_different_folded_name(text: str, ch: str, data: st.DataObject) -> None:
    at = data.draw(st.integers(min_value=0, max_value=len(text)))
    assert fold(text[:at] + ch + text[at:]) == fold(text)


def test_no_ascii_character_is_invisible_or_a_look_alike_so_ascii_text_is_passed_through() -> None:
    ascii_text = "".join(map(chr, range(0x80)))
    assert not any(is_invisible(ch) or is_lookalike(ch) for ch in ascii_text)
    assert strip_invisible(ascii_text) is ascii_text
    assert first_lookalike(ascii_text) is None


def test_a_refusal_names_the_invisible_character() -> None:
    problem = invisible_problem("Or\u200bbit", what="product line name")
    assert problem is not None
    assert "U+200B ZERO WIDTH SPACE" in problem and "product line name" in problem
    assert describe("\u00ad") == "U+00AD SOFT HYPHEN"


def test_folded_names_ignore_case_spacing_width_and_invisible_characters() -> None:
    assert fold("Cloud  Suite") == fold("cloud suite") == fold("Cloud\u200b Suite") == fold("Ｃｌｏｕｄ Suite")
    assert fold("Cloud-Suite") != fold("Cloud Suite")


@pytest.mark.parametrize(
    ("markup", "label"),
    [
        ("<https://x.example|x>", "x"),
        ("<http://x.example>", "http://x.example"),
        ("<ftp://files.example/a|the file>", "the file"),
        ("<slack://open?team=T1|open Slack>", "open Slack"),
        ("<javascript:alert(1)|click>", "click"),
        ("<www.evil.example|evil>", "evil"),
        ("<mailto:a@b.example>", "mailto:a@b.example"),
        ("<tel:+15550100|call us>", "call us"),
        ("<https://x.example| >", "https://x.example"),
    ],
)
def test_slack_link_markup_of_any_scheme_becomes_its_label(markup: str, label: str) -> None:
    assert unlink(f"Acme {markup} deal") == f"Acme {label} deal"


@pytest.mark.parametrize("text", ["<!channel>", "<@U123>", "<#C1|general>", "price <5k and >2k", "a < b > c"])
def test_mentions_and_angle_brackets_that_are_not_links_are_left_alone(text: str) -> None:
    assert unlink(text) == text


def test_escaping_makes_every_markup_character_inert_once() -> None:
    assert escape("<!channel> & <@U1> &lt;") == "&lt;!channel&gt; &amp; &lt;@U1&gt; &amp;lt;"


# --- the field rules every entry point shares ---------------------------------------------------------


def test_free_text_drops_invisible_characters_but_keeps_an_emojis_joiner() -> None:
    assert clean_text("Ac\u200bme \u2060Corp\ufeff", what="x", field=None) == "Acme Corp"
    assert clean_text("pairing 👩\u200d💻 done\u00ad", what="x", field=None) == "pairing 👩\u200d💻 done"


def test_a_text_direction_override_is_still_refused_not_dropped() -> None:
    with pytest.raises(Exception, match="U\\+202E"):
        clean_text("Acme \u202eproC", what="The customer name", field="customer")


TEXT_DIRECTION = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"


def test_the_control_characters_are_c0_del_and_c1() -> None:
    """What the free-text rules' one-regex control check relies on, over every code point."""
    controls = [ch for ch in map(chr, range(sys.maxunicode + 1)) if unicodedata.category(ch) == "Cc"]
    assert controls == [chr(code) for code in [*range(0x20), *range(0x7F, 0xA0)]]


def _refusal(ch: str, *, multiline: bool) -> str | None:
    try:
        clean_text(f"a{ch}b", what="The text", field=None, multiline=multiline)
    except Problem as problem:
        return problem.message
    return None


@pytest.mark.parametrize("multiline", [False, True])
def test_free_text_refuses_exactly_the_text_direction_and_control_characters(multiline: bool) -> None:
    for ch in map(chr, range(0x10000)):  # past the BMP there is neither
        refusal = _refusal(ch, multiline=multiline)
        if ch in TEXT_DIRECTION:
            assert refusal is not None and f"text-direction character (U+{ord(ch):04X})" in refusal
        elif unicodedata.category(ch) == "Cc" and not (multiline and ch in "\n\t\r"):
            single_line = ch in "\n\r" and not multiline
            expected = "must be on one line" if single_line else f"control character (U+{ord(ch):04X})"
            assert refusal is not None and expected in refusal, ch
        else:
            assert refusal is None, ch


def test_invisible_characters_can_not_hide_a_name_or_a_note_in_a_form() -> None:
    request = activity_from_fields(
        kind="ca\u200bll", count="2\u2060", customer="Ac\u200bme", note="\u200b", on=None, today=TODAY
    )
    assert (request.kind, request.count, request.customer, request.note) == ("call", 2, "Acme", None)
    with pytest.raises(FieldErrors) as caught:
        deal_from_fields(
            amount="100",
            customer="\u200b\u3164",
            product=None,
            stage=None,
            on=None,
            note=None,
            today=TODAY,
            currency="USD",
            product_lines=[],
        )
    assert caught.value.errors == {"customer": "Enter the customer's name."}


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("<https://x.example|x>", "x"),
        ("<ftp://files.example|Acme>", "Acme"),
        ("<javascript:alert(1)|Acme>", "Acme"),
        ("<www.acme.example|Acme>", "Acme"),
        ("&lt;slack://open|Acme&gt;", "Acme"),
    ],
)
def test_a_form_stores_a_links_label_never_its_markup(typed: str, stored: str) -> None:
    request = deal_from_fields(
        amount="100",
        customer=typed,
        product=None,
        stage=None,
        on=None,
        note=f"see {typed}",
        today=TODAY,
        currency="USD",
        product_lines=[],
    )
    assert (request.customer, request.note) == (stored, f"see {stored}")


def test_a_product_line_is_recognised_whatever_invisible_characters_it_carries() -> None:
    request = deal_from_fields(
        amount="100",
        customer="Acme",
        product="Or\u200bbit\u00ad",
        stage=None,
        on=None,
        note=None,
        today=TODAY,
        currency="USD",
        product_lines=["Orbit"],
    )
    assert request.product == "Orbit"


def test_full_width_angle_brackets_can_not_build_a_link_after_normalising() -> None:
    assert clean_text("＜https://x.example|Acme＞", what="x", field=None) == "Acme"
    assert unicodedata.normalize("NFKC", "＜") == "<"
