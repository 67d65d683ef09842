"""Published rules, versioned: the rule governing each deal, the rule set in force, and changes."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scoring.errors import InputError, NotFound
from scoring.periods import month_of
from scoring.recognition import Counting
from scoring.rules import (
    ProductLine,
    RuleBook,
    RuleSet,
    book_of,
    differences,
    next_month_start,
    same_rules,
)
from scoring.text import fold

CORE = ProductLine("Core")
ENTERPRISE = ProductLine("Enterprise", premium=True)
BASE = RuleSet(version=0, effective_from=None, recognition="signed", product_lines=(CORE, ENTERPRISE))
TODAY = date(2026, 11, 24)


def version(number: int, start: date, recognition: str = "signed", *lines: ProductLine) -> RuleSet:
    return RuleSet(number, start, recognition, lines or (CORE, ENTERPRISE))  # type: ignore[arg-type]


def test_a_deal_is_counted_by_the_rule_in_force_on_the_day_it_was_signed():
    counting = Counting(base="signed", changes=((date(2026, 12, 1), "paid"), (date(2027, 3, 1), "signed")))
    assert counting.rule_for(date(2026, 11, 30)) == "signed"
    assert counting.rule_for(date(2026, 12, 1)) == "paid"
    assert counting.rule_for(date(2027, 2, 28)) == "paid"
    assert counting.rule_for(date(2027, 3, 1)) == "signed"
    assert counting.uniform is None


def test_counting_is_uniform_when_every_version_says_the_same():
    assert Counting(base="paid", changes=((date(2026, 12, 1), "paid"),)).uniform == "paid"
    assert Counting(base="signed").uniform == "signed"


def test_spans_merge_repeated_rules():
    counting = Counting(base="signed", changes=((date(2026, 12, 1), "signed"), (date(2027, 1, 1), "paid")))
    assert counting.spans() == [(None, "signed"), (date(2027, 1, 1), "paid")]


def test_the_rule_set_in_force_changes_on_its_first_day():
    book = book_of(BASE, [version(1, date(2026, 12, 1), "paid")])
    assert book.in_force(date(2026, 11, 30)) is BASE
    assert book.in_force(date(2026, 12, 1)).recognition == "paid"


def test_a_later_version_with_the_same_start_replaces_the_earlier_one():
    book = book_of(BASE, [version(2, date(2026, 12, 1), "signed", CORE), version(1, date(2026, 12, 1), "paid")])
    assert len(book.versions) == 2 and book.in_force(date(2026, 12, 5)).version == 2


def test_counting_for_a_period_ignores_versions_that_start_after_it():
    book = book_of(BASE, [version(1, date(2026, 12, 1), "paid")])
    assert book.counting(until=date(2026, 11, 30)).uniform == "signed"
    assert book.counting(until=date(2026, 12, 31)).uniform is None


def test_a_change_builds_on_the_rules_in_force_on_its_start_day():
    book = book_of(BASE, [version(1, date(2026, 12, 1), "paid")])
    after = book.changed(effective_from=date(2027, 1, 1), today=TODAY, lines={"Cloud": True})
    assert after.version == 2 and after.recognition == "paid"
    assert after.product_lines == (CORE, ENTERPRISE, ProductLine("Cloud", premium=True))


def test_premium_flags_change_in_place_matching_names_regardless_of_case():
    book = RuleBook(versions=(BASE,))
    after = book.changed(effective_from=date(2026, 12, 1), today=TODAY, lines={"Core": True})
    assert after.premium_lines == {"Core", "Enterprise"} and after.product_names == ["Core", "Enterprise"]


def test_a_change_cannot_reach_back_into_a_closed_month():
    with pytest.raises(InputError, match="October 2026 can't change any more"):
        RuleBook(versions=(BASE,)).changed(effective_from=date(2026, 10, 1), today=TODAY, recognition="paid")


def test_a_change_cannot_start_before_one_already_scheduled():
    book = book_of(BASE, [version(1, date(2027, 1, 1), "paid")])
    with pytest.raises(InputError, match="already scheduled from January 2027"):
        book.changed(effective_from=date(2026, 12, 1), today=TODAY, recognition="paid")


def test_removing_an_unknown_line_names_the_existing_ones():
    with pytest.raises(NotFound, match="Product lines: Core, Enterprise"):
        RuleBook(versions=(BASE,)).without_line("Legacy", effective_from=date(2026, 12, 1), today=TODAY)


DECEMBER = date(2026, 12, 1)
JANUARY = date(2027, 1, 1)


@pytest.mark.parametrize(("name", "premium"), [("Enterprise", False), ("enterprise", True), ("ＣＯＲＥ", False)])
def test_adding_a_line_that_is_already_there_is_refused_whatever_flag_is_asked(name, premium):
    with pytest.raises(InputError, match="is already a product line") as refused:
        RuleBook(versions=(BASE,)).adding(name, premium=premium, effective_from=DECEMBER, today=TODAY)
    assert "nothing was published" in refused.value.message


def test_already_there_names_the_lines_flag_and_the_command_that_changes_it():
    with pytest.raises(InputError) as premium:
        RuleBook(versions=(BASE,)).adding("enterprise", premium=False, effective_from=DECEMBER, today=TODAY)
    assert "Enterprise is already a product line (premium)" in premium.value.message
    assert premium.value.example == "/pacer products standard Enterprise"
    with pytest.raises(InputError) as standard:
        RuleBook(versions=(BASE,)).adding("Core", premium=True, effective_from=DECEMBER, today=TODAY)
    assert "(standard)" in standard.value.message and standard.value.example == "/pacer products premium Core"


def test_adding_a_line_already_scheduled_to_be_added_says_from_when():
    book = book_of(BASE, [version(1, JANUARY, "signed", CORE, ENTERPRISE, ProductLine("Cloud"))])
    with pytest.raises(InputError, match="Cloud is already scheduled to be added from January 2027"):
        book.adding("cloud", premium=False, effective_from=JANUARY, today=TODAY)
    with pytest.raises(InputError, match="Cloud is already scheduled to be added from January 2027"):
        book.adding("Cloud", premium=False, effective_from=DECEMBER, today=TODAY)


def test_adding_back_a_line_a_scheduled_change_retires_keeps_its_flag():
    book = book_of(BASE, [version(1, DECEMBER, "signed", CORE)])
    after = book.adding("enterprise", premium=False, effective_from=DECEMBER, today=TODAY)
    assert after.version == 2 and after.product_lines == (CORE, ENTERPRISE)


def test_a_flag_change_to_the_flag_a_line_has_is_refused_and_an_unknown_line_names_the_known_ones():
    book = RuleBook(versions=(BASE,))
    with pytest.raises(InputError, match="Enterprise is already a premium product line from December 2026"):
        book.flagged("ENTERPRISE", premium=True, effective_from=DECEMBER, today=TODAY)
    with pytest.raises(NotFound, match="Product lines: Core, Enterprise") as unknown:
        book.flagged("Legacy", premium=True, effective_from=DECEMBER, today=TODAY)
    assert unknown.value.example == "/pacer products premium Core"
    assert book.flagged("core", premium=True, effective_from=DECEMBER, today=TODAY).premium_lines == {
        "Core",
        "Enterprise",
    }


def test_a_line_a_scheduled_change_retires_can_be_neither_flagged_nor_removed_again():
    book = book_of(BASE, [version(1, DECEMBER, "signed", CORE)])
    with pytest.raises(NotFound, match="Enterprise is retired from December 2026") as flagged:
        book.flagged("Enterprise", premium=False, effective_from=DECEMBER, today=TODAY)
    assert flagged.value.example == "/pacer products add Enterprise"
    with pytest.raises(NotFound, match="Enterprise is already retired from December 2026"):
        book.without_line("Enterprise", effective_from=DECEMBER, today=TODAY)


def test_product_line_names_compare_by_their_normalised_form():
    assert fold("  Cloud   Suite ") == fold("cloud suite") == fold("ＣＬＯＵＤ ＳＵＩＴＥ")
    assert BASE.line("ｅｎｔｅｒｐｒｉｓｅ") == ENTERPRISE


def test_differences_say_what_changes_in_plain_sentences():
    after = RuleSet(1, date(2026, 12, 1), "paid", (ProductLine("Core", premium=True), ProductLine("Cloud")))
    assert differences(BASE, after) == [
        "Deals count when payment is received (until now: when signed), for deals signed from the start day on; "
        "earlier deals keep the rule they were signed under.",
        "Core is now a premium product line.",
        "New product line: Cloud.",
        "Product line Enterprise is retired: deals can no longer be logged on it.",
    ]
    assert differences(BASE, BASE) == [] and same_rules(BASE, version(3, date(2027, 1, 1)))


def test_next_month_start_rolls_over_the_year():
    assert next_month_start(date(2026, 12, 31)) == date(2027, 1, 1)
    assert next_month_start(date(2026, 11, 1)) == date(2026, 12, 1)


months = st.integers(min_value=0, max_value=23).map(lambda n: date(2026 + n // 12, n % 12 + 1, 1))


@given(
    base=st.sampled_from(["signed", "paid"]),
    changes=st.lists(st.tuples(months, st.sampled_from(["signed", "paid"])), max_size=5, unique_by=lambda c: c[0]),
    signed=st.dates(min_value=date(2025, 12, 1), max_value=date(2027, 12, 31)),
    paid_after=st.one_of(st.none(), st.integers(min_value=0, max_value=120)),
)
def test_every_deal_counts_in_at_most_one_month_whatever_the_changes(base, changes, signed, paid_after):
    book = book_of(
        RuleSet(0, None, base, ()),
        [RuleSet(i + 1, start, rule, ()) for i, (start, rule) in enumerate(sorted(changes))],
    )
    paid = None if paid_after is None else signed + timedelta(days=paid_after)
    counted_in = []
    for n in range(-1, 30):
        period = month_of(date(2026 + (n // 12), n % 12 + 1, 1)) if n >= 0 else month_of(date(2025, 12, 1))
        rule = book.counting(until=period.end).rule_for(signed) if signed <= period.end else None
        day = None if rule is None else (signed if rule == "signed" else paid)
        if day is not None and period.start <= day <= period.end:
            counted_in.append(period.key)
    assert len(counted_in) <= 1
    governing = book.counting(until=date(2100, 1, 1)).rule_for(signed)
    if governing == "signed" and date(2025, 12, 1) <= signed <= date(2028, 6, 30):
        assert counted_in or signed > date(2028, 5, 31)
