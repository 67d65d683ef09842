"""Customer-name keys and near matches."""

from __future__ import annotations

import string
import time
from difflib import SequenceMatcher

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring.customers import (
    MATCH_CUTOFF,
    KeyIndex,
    best_matches,
    close_matches,
    fewest_matches,
    name_key,
    unicode_name_key,
)
from scoring.text import is_invisible

FAST = settings(max_examples=300, deadline=None, database=None)
QUICK = settings(max_examples=150, deadline=None, database=None)


@pytest.mark.parametrize(
    "spelling", ["Acme Corp.", "acme corp", "ACME-Corp", "  Acme\tCorp ", "Ａｃｍｅ　Ｃｏｒｐ", "acme_corp!"]
)
def test_spellings_of_one_customer_share_a_key(spelling: str) -> None:
    assert name_key(spelling) == "acmecorp"


def test_cjk_letters_are_kept_and_full_width_punctuation_dropped() -> None:
    assert name_key("北京 科技（有限）公司。") == "北京科技有限公司"
    assert name_key("株式会社・トヨタ") == "株式会社トヨタ"


def test_letters_with_accents_and_digits_are_kept() -> None:
    assert name_key("Société Générale 2") == "sociétégénérale2"
    assert name_key("Straße") == name_key("STRASSE")


def test_a_name_of_only_punctuation_symbols_and_spaces_has_an_empty_key() -> None:
    assert name_key("!!! --- $$$ 🙂") == ""
    assert name_key("") == ""


def test_invisible_format_characters_do_not_split_a_key() -> None:
    assert name_key("Ac\u200bme\u00adCorp") == "acmecorp"


INVISIBLE = [ch for ch in map(chr, [*range(0x20000), *range(0xE0000, 0xE1000)]) if is_invisible(ch)]


@pytest.mark.parametrize("filler", ["\u3164", "\u115f", "\u1160", "\uffa0", "\ufe0f", "\U000e0100", "\U000e0041"])
def test_fillers_variation_selectors_and_tags_do_not_split_a_key(filler: str) -> None:
    assert name_key(f"Ac{filler}me Corp{filler}") == "acmecorp"


@FAST
@given(st.text(max_size=30), st.sampled_from(INVISIBLE), st.data())
def test_inserting_an_invisible_character_anywhere_never_changes_a_key(
    name: str, invisible: str, data: st.DataObject
) -> None:
    at = data.draw(st.integers(min_value=0, max_value=len(name)), label="at")
    assert name_key(name[:at] + invisible + name[at:]) == name_key(name)


def test_sql_looking_names_get_an_ordinary_key() -> None:
    assert name_key("Robert'); DROP TABLE deals;--") == "robertdroptabledeals"


def test_a_dropped_separator_cannot_leave_the_key_unstable() -> None:
    key = name_key("e-\u0301")
    assert key == name_key(key) == "é"


@FAST
@given(st.text())
def test_a_key_is_its_own_key(text: str) -> None:
    key = name_key(text)
    assert name_key(key) == key


@FAST
@given(st.one_of(st.text(alphabet=st.characters(max_codepoint=0x7F)), st.text()))
def test_the_ascii_shortcut_gives_the_key_the_unicode_rules_give(text: str) -> None:
    assert name_key(text) == unicode_name_key(text)


def test_every_ascii_character_is_kept_or_dropped_as_the_unicode_rules_say() -> None:
    every = "".join(map(chr, range(0x80)))
    assert name_key(every) == unicode_name_key(every) == string.digits + 2 * string.ascii_lowercase


ascii_name = st.text(alphabet=string.ascii_letters + string.digits + " ", min_size=1, max_size=30)
noise = st.text(alphabet=string.punctuation + " \t\u3000\u00a0", max_size=3)


@QUICK
@given(ascii_name, st.lists(noise, min_size=1, max_size=40))
def test_case_spacing_and_punctuation_do_not_change_a_key(name: str, noises: list[str]) -> None:
    noisy = "".join(ch + noises[i % len(noises)] for i, ch in enumerate(name.swapcase()))
    assert name_key(noisy) == name_key(name)


def _candidates(*names: str) -> list[tuple[str, str]]:
    return [(name_key(n), n) for n in names]


def test_a_typo_finds_the_customer_it_was_meant_to_be() -> None:
    assert close_matches("Acme Crop", _candidates("Acme Corp", "Globex", "Initech")) == ["Acme Corp"]


def test_an_exact_key_match_is_not_a_near_match() -> None:
    assert close_matches("ACME corp.", _candidates("Acme Corp", "Acme Corps")) == ["Acme Corps"]


def test_near_matches_come_best_first_and_stop_at_the_limit() -> None:
    candidates = _candidates("Acme Corporation", "Acme Corp Ltd", "Acme Corps", "Acme Cor", "Globex")
    assert close_matches("Acme Corp", candidates) == ["Acme Corps", "Acme Cor", "Acme Corp Ltd"]
    assert close_matches("Acme Corp", candidates, limit=1) == ["Acme Corps"]
    assert close_matches("Acme Corp", candidates, limit=0) == []


def test_unrelated_names_are_not_near_matches() -> None:
    assert close_matches("Globex", _candidates("Acme Corp", "Initech", "Umbrella")) == []


def test_a_name_without_letters_has_no_near_matches() -> None:
    assert close_matches("!!!", _candidates("Acme Corp")) == []


def test_the_same_display_name_is_suggested_once() -> None:
    assert close_matches("Acme Crop", [("acmecorp", "Acme Corp"), ("acmecorp", "Acme Corp")]) == ["Acme Corp"]


def test_near_matches_among_ten_thousand_customers_take_well_under_a_second() -> None:
    names = [f"Customer {i:05d} Holdings" for i in range(10_000)] + ["Acme Corp"]
    candidates = _candidates(*names)
    started = time.perf_counter()
    assert close_matches("Acme Crop", candidates) == ["Acme Corp"]
    close_matches("Customer 00042 Holding", candidates)
    assert time.perf_counter() - started < 1.0


def _reference(name: str, candidates: list[tuple[str, str]], limit: int) -> list[str]:
    key = name_key(name)
    best: dict[str, float] = {}
    for candidate_key, display in candidates:
        if candidate_key and candidate_key != key:
            ratio = SequenceMatcher(None, candidate_key, key, autojunk=False).ratio()
            if ratio >= MATCH_CUTOFF:
                best[display] = max(ratio, best.get(display, 0.0))
    ranked = sorted(best.items(), key=lambda item: (-item[1], item[0]))
    return [display for display, _ in ranked[:limit]] if key else []


short_name = st.text(alphabet="abcd ", min_size=1, max_size=8)


@QUICK
@given(short_name, st.lists(short_name, max_size=30), st.integers(min_value=0, max_value=4))
def test_near_matches_are_exactly_the_best_difflib_ratios(name: str, names: list[str], limit: int) -> None:
    candidates = _candidates(*names)
    assert close_matches(name, candidates, limit=limit) == _reference(name, candidates, limit)


@pytest.mark.parametrize("cutoff", [MATCH_CUTOFF, 0.6, 0.75, 0.85, 0.9, 0.999, 1.0])
def test_the_fewest_matches_decide_exactly_as_difflibs_float_ratio_does(cutoff: float) -> None:
    for total in range(1, 801):
        need = fewest_matches(total, cutoff)
        assert [m >= need for m in range(total + 1)] == [2.0 * m / total >= cutoff for m in range(total + 1)]


def _passes_difflibs_cheap_bounds(key: str, candidate_key: str) -> bool:
    matcher = SequenceMatcher(None, candidate_key, key, autojunk=False)
    return matcher.real_quick_ratio() >= MATCH_CUTOFF and matcher.quick_ratio() >= MATCH_CUTOFF


# keys as stored (name_key outputs) over small alphabets, so that lengths and characters repeat a lot
key_text = st.text(alphabet="abcde", max_size=12) | st.text(alphabet="aé北京ßss0", max_size=9) | st.text(max_size=6)


@QUICK
@given(st.lists(st.lists(key_text, max_size=25), min_size=1, max_size=3), key_text)
def test_the_index_finds_exactly_the_keys_that_pass_difflibs_cheap_bounds(batches: list[list[str]], key: str) -> None:
    index = KeyIndex()
    pairs: list[tuple[str, str]] = []
    for batch in batches:  # added in several goes, as the refresh does
        new = [(k, f"Customer {len(pairs) + i}") for i, k in enumerate(batch)]
        index.extend(new)
        pairs += new

    expected = [pair for pair in pairs if key and _passes_difflibs_cheap_bounds(key, pair[0])]
    assert index.plausible(key) == expected
    assert len(index) == len(pairs)


def test_among_ten_thousand_numbered_customers_the_index_keeps_what_difflibs_bounds_keep() -> None:
    candidates = _candidates(*[f"Customer {i:05d} Holdings" for i in range(10_000)], "Acme Corp", "Acme Corporation")
    index = KeyIndex()
    index.extend(candidates)

    assert index.plausible("acmecrop") == [("acmecorp", "Acme Corp")]
    kept = index.plausible("customer00042holding")
    assert kept == [pair for pair in candidates if _passes_difflibs_cheap_bounds("customer00042holding", pair[0])]
    assert 1_000 < len(kept) < 10_000  # every one shares "customer…holding", the digits decide


@QUICK
@given(short_name, st.lists(short_name, max_size=30), st.integers(min_value=0, max_value=4))
def test_ranking_the_plausible_keys_by_their_length_bound_answers_as_close_matches(
    name: str, names: list[str], limit: int
) -> None:
    candidates = _candidates(*names)
    index = KeyIndex()
    index.extend(candidates)
    key = name_key(name)
    bounded = [(len(candidate), candidate, display) for candidate, display in index.plausible(key)]
    assert best_matches(key, bounded, limit=limit) == close_matches(name, candidates, limit=limit)
