"""Amounts as people type them, and as Pacer prints them."""

from __future__ import annotations

import string
from collections.abc import Callable
from decimal import Decimal
from functools import partial

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring.errors import InputError
from scoring.money import (
    MAX_AMOUNT,
    CurrencyMismatch,
    Money,
    format_amount,
    parse_amount,
    parse_amount_strict,
    read_amount,
    spoils_an_amount,
)

FAST = settings(max_examples=300, deadline=None, database=None)


def refused(text: str, currency: str = "USD") -> InputError:
    with pytest.raises(InputError) as caught:
        parse_amount(text, currency=currency)
    error = caught.value
    assert error.message
    assert isinstance(error.example, str) and error.example.startswith("/deal ")
    assert error.field == "amount"
    return error


@pytest.mark.parametrize(
    ("text", "currency", "expected"),
    [
        ("12500", "USD", "12500"),
        ("12,500", "USD", "12500"),
        ("1,234,567.89", "USD", "1234567.89"),
        ("12.5k", "USD", "12500"),
        ("12.5K", "USD", "12500"),
        ("1.2m", "USD", "1200000"),
        ("1.2M", "USD", "1200000"),
        ("2bn", "USD", "2000000000"),
        ("2B", "USD", "2000000000"),
        ("$12,500", "USD", "12500"),
        ("$12,500.50", "USD", "12500.50"),
        ("$ 12,500", "USD", "12500"),
        ("€900", "EUR", "900"),
        ("900€", "EUR", "900"),
        ("£5k", "GBP", "5000"),
        ("¥3000", "CNY", "3000"),
        ("￥3000", "CNY", "3000"),
        ("¥3000", "JPY", "3000"),
        ("￥3000", "JPY", "3000"),
        ("12500 USD", "USD", "12500"),
        ("USD12500", "USD", "12500"),
        ("usd 12.5k", "USD", "12500"),
        ("12.5kusd", "USD", "12500"),
        ("$12,500 USD", "USD", "12500"),
        ("US$500", "USD", "500"),
        ("1.2万", "CNY", "12000"),
        ("3亿", "CNY", "300000000"),
        ("1.2万元", "CNY", "12000"),
        ("RMB 5000", "CNY", "5000"),
        ("rmb5000", "CNY", "5000"),
        ("CNY 12,500", "CNY", "12500"),
        ("1.23456k", "USD", "1234.56"),
        ("0.07", "USD", "0.07"),
        ("12.", "USD", "12"),
        ("1000bn", "USD", "1000000000000"),
        ("1,000,000,000,000", "USD", "1000000000000"),
        ("  12500  ", "USD", "12500"),
    ],
)
def test_every_accepted_form_means_the_exact_amount(text: str, currency: str, expected: str) -> None:
    money = parse_amount(text, currency=currency)
    assert money == Money(Decimal(expected), currency)
    assert isinstance(money.amount, Decimal)


def test_the_workspace_currency_may_be_given_in_lower_case() -> None:
    assert parse_amount("12500", currency="usd") == Money(Decimal(12500), "USD")


def test_a_full_width_amount_means_the_same_number() -> None:
    assert parse_amount("１２，５００", currency="USD") == Money(Decimal(12500), "USD")
    assert parse_amount("＄１２．５ｋ", currency="USD") == Money(Decimal(12500), "USD")


def test_amounts_always_carry_exactly_two_decimal_places() -> None:
    assert parse_amount("12.5k", currency="USD").amount.as_tuple().exponent == -2
    assert parse_amount("0.1", currency="USD").amount + parse_amount("0.2", currency="USD").amount == Decimal("0.3")


def test_a_dollar_sign_means_the_workspace_dollar_in_a_dollar_workspace() -> None:
    assert parse_amount("$500", currency="AUD") == Money(Decimal(500), "AUD")
    assert parse_amount("A$500", currency="AUD") == Money(Decimal(500), "AUD")


def test_a_yen_sign_means_yuan_unless_the_workspace_counts_in_yen() -> None:
    with pytest.raises(CurrencyMismatch) as caught:
        parse_amount("¥3000", currency="USD")
    assert "CNY" in caught.value.message
    assert parse_amount("¥3000", currency="JPY").currency == "JPY"
    assert parse_amount("3000円", currency="JPY").currency == "JPY"


@pytest.mark.parametrize(
    ("text", "currency", "written"),
    [
        ("€900", "USD", "EUR"),
        ("$12,500", "EUR", "USD"),
        ("£5k", "USD", "GBP"),
        ("12500 EUR", "USD", "EUR"),
        ("RMB 5000", "USD", "CNY"),
        ("¥3000", "USD", "CNY"),
        ("JPY 3000", "CNY", "JPY"),
        ("₹5000", "USD", "INR"),
    ],
)
def test_another_currency_is_refused_because_there_are_no_exchange_rates(
    text: str, currency: str, written: str
) -> None:
    error = refused(text, currency)
    assert isinstance(error, CurrencyMismatch)
    assert error.written == written
    assert f"counts revenue in {currency}" in error.message
    assert "exchange rate" in error.message
    assert error.example == f"/deal {format_amount(Money(Decimal(12500), currency))} Acme Corp"


def test_the_mismatch_example_is_written_in_the_workspace_currency() -> None:
    assert refused("€900", "USD").example == "/deal $12,500 Acme Corp"
    assert refused("€900", "CNY").example == "/deal CNY 12,500 Acme Corp"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("12..5", "decimal point"),
        ("1,2,3", "commas"),
        ("12,50", "commas"),
        ("12,5000", "commas"),
        (",500", "commas"),
        ("-5", "negative"),
        ("-0", "negative"),
        ("−5", "negative"),
        ("$-500", "negative"),
        ("0", "more than zero"),
        ("0.00", "more than zero"),
        ("$0k", "more than zero"),
        ("NaN", "number"),
        ("nan", "number"),
        ("Infinity", "number"),
        ("inf", "number"),
        ("1e309", "scientific"),
        ("1e3", "scientific"),
        ("1E+3", "scientific"),
        ("1.5e3", "scientific"),
        ("1000000000001", "limit"),
        ("1,000,000,000,000.01", "limit"),
        ("1001bn", "limit"),
        ("1.2kk", "one multiplier"),
        ("1k m", "one multiplier"),
        ("1万亿", "one multiplier"),
        ("1.5mk", "one multiplier"),
        ("abc", "abc"),
        ("12abc", "abc"),
        ("twelve", "twelve"),
        ("12.345", "2 decimal places"),
        ("1.234567k", "2 decimal places"),
        ("12  500", "more than one number"),
        (
            "(500)",
            "(",
        ),
        ("500-", "-"),
        ("$", "needs a number"),
        ("k", "needs a number"),
        ("5000 CNY ¥", "as an amount"),
        ("k500", "multiplier right after"),
        ("9" * 80, "too long"),
        ("123456789012345678901", "too many digits"),
        ("$500 EUR", "two currencies"),
    ],
)
def test_a_bad_amount_is_refused_with_a_message_that_names_the_problem(text: str, problem: str) -> None:
    assert problem.lower() in refused(text).message.lower()


def test_a_strict_amount_wants_its_multiplier_attached() -> None:
    assert parse_amount("12.5 k", currency="USD") == Money(Decimal(12500), "USD")
    assert parse_amount_strict("12.5k", currency="USD") == Money(Decimal(12500), "USD")
    with pytest.raises(InputError, match="no space"):
        parse_amount_strict("500 M", currency="USD")


@pytest.mark.parametrize(
    ("money", "text"),
    [
        (Money(Decimal("12500"), "USD"), "$12,500"),
        (Money(Decimal("12500.00"), "USD"), "$12,500"),
        (Money(Decimal("12500.5"), "USD"), "$12,500.50"),
        (Money(Decimal("0.07"), "USD"), "$0.07"),
        (Money(Decimal("900"), "EUR"), "€900"),
        (Money(Decimal("5000"), "GBP"), "£5,000"),
        (Money(Decimal("12500"), "CNY"), "CNY 12,500"),
        (Money(Decimal("3000"), "JPY"), "JPY 3,000"),
        (Money(Decimal("1000000000000"), "AUD"), "AUD 1,000,000,000,000"),
    ],
)
def test_amounts_are_formatted_with_a_sign_or_a_code(money: Money, text: str) -> None:
    assert format_amount(money) == text


valid_money = st.builds(
    Money,
    amount=st.decimals(min_value=Decimal("0.01"), max_value=MAX_AMOUNT, places=2, allow_nan=False),
    currency=st.sampled_from(["USD", "EUR", "GBP", "CNY", "JPY", "AUD", "CAD", "INR", "CHF"]),
)


@FAST
@given(valid_money)
def test_a_formatted_amount_parses_back_to_the_same_money(money: Money) -> None:
    assert parse_amount(format_amount(money), currency=money.currency) == money


amountish = st.lists(
    st.one_of(
        st.text(max_size=6),
        st.sampled_from(
            ["1", "0", "9", "12", ",", ".", "500", ",000", "k", "m", "bn", "万", "亿", "$", "€", "¥", "￥"]
            + ["USD", "eur", "RMB", " ", "-", "e", "１", "NaN", "inf"]
        ),
    ),
    max_size=8,
).map("".join)


@settings(max_examples=200, deadline=None, database=None)
@given(amountish, st.sampled_from(["USD", "EUR", "CNY", "JPY"]))
def test_an_accepted_amount_is_always_positive_and_within_the_limit(text: str, currency: str) -> None:
    try:
        money = parse_amount(text, currency=currency)
    except InputError as error:
        assert error.message
        assert error.example and error.example.startswith("/deal ")
        return
    assert Decimal(0) < money.amount <= MAX_AMOUNT
    assert money.amount == money.amount.quantize(Decimal("0.01"))
    assert money.currency == currency


def _outcome(read: Callable[[], Money]) -> tuple[str, str]:
    """An amount with its exponent (`12500.00`, not just its value), or the refusal's class and message."""
    try:
        money = read()
    except InputError as error:
        return type(error).__name__, error.message
    return str(money.amount), money.currency


@FAST
@given(
    st.one_of(
        st.integers(min_value=0, max_value=10 * int(MAX_AMOUNT)).map(str),
        st.text(alphabet="0123456789 ,.k$-", max_size=16),
        amountish,
    ),
    st.sampled_from(["USD", "usd", "EUR", "JPY"]),
)
def test_the_shortcut_for_whole_numbers_reads_what_the_full_reader_reads(text: str, currency: str) -> None:
    for spaced, parse in ((True, parse_amount), (False, parse_amount_strict)):
        expected = _outcome(partial(read_amount, text, currency=currency, spaced_multiplier=spaced))
        assert _outcome(partial(parse, text, currency=currency)) == expected


@pytest.mark.parametrize("text", ["1", "12500", "999999999999", "1000000000000", "1000000000001", "0", "012"])
def test_whole_numbers_around_the_shortcuts_edges_read_as_the_full_reader_reads(text: str) -> None:
    expected = _outcome(partial(read_amount, text, currency="USD", spaced_multiplier=False))
    assert _outcome(partial(parse_amount_strict, text, currency="USD")) == expected


@pytest.mark.parametrize(
    ("word", "spoils"),
    [("Acme", True), ("NaN", True), ("kk", True), ("usd", False), ("k", False), ("kusd", False), ("Ltd", True)]
    + [("EUR", False), ("RMB", False), ("万", False), ("Acmé", False), ("12", False), ("7-Eleven", False)],
)
def test_a_word_spoils_an_amount_when_it_is_ascii_letters_and_no_currency_or_multiplier(
    word: str, spoils: bool
) -> None:
    assert spoils_an_amount(word, currency="USD") is spoils


WHITESPACE = [" ", "  ", "\t", "\u00a0", "\u3000", "\u2028", "\x1c", "\x85", "\u1680"]


@FAST
@given(
    amountish,
    st.sampled_from(WHITESPACE),
    st.one_of(st.text(alphabet=string.ascii_letters, min_size=1, max_size=6), st.sampled_from(["NaN", "kk", "bnk"])),
    st.one_of(st.none(), st.tuples(st.sampled_from(WHITESPACE), amountish).map("".join)),
    st.sampled_from(["USD", "EUR", "CNY", "JPY", "usd"]),
)
def test_a_word_that_spoils_an_amount_spoils_every_text_it_stands_in(
    before: str, space: str, word: str, after: str | None, currency: str
) -> None:
    """What lets the /deal parser stop reading at a customer's name: no text around such a word
    makes an amount, or even a currency mismatch."""
    if not spoils_an_amount(word, currency=currency):
        return
    text = f"{before}{space}{word}{after or ''}"
    for parse in (parse_amount, parse_amount_strict):
        with pytest.raises(InputError) as caught:
            parse(text, currency=currency)
        assert not isinstance(caught.value, CurrencyMismatch)


# --- digits grouped with spaces, and digit look-alikes ----------------------------------------------

GROUPING_SPACES = [" ", "\u00a0", "\u202f", "\u2009"]  # space, no-break, narrow no-break, thin


@pytest.mark.parametrize(
    ("text", "currency", "expected"),
    [
        ("25 000", "USD", "25000"),
        ("3 500", "USD", "3500"),
        ("1 000 000", "USD", "1000000"),
        ("25\u00a0000", "USD", "25000"),
        ("25\u202f000", "EUR", "25000"),
        ("1\u2009250\u2009000", "USD", "1250000"),
        ("12 500,50", "EUR", "12500.50"),
        ("12 500,5", "EUR", "12500.50"),
        ("12 500.50", "USD", "12500.50"),
        ("€ 12 500", "EUR", "12500"),
        ("12 500 €", "EUR", "12500"),
        ("$25 000 USD", "USD", "25000"),
        ("1 000 000 000 000", "USD", "1000000000000"),
        ("１２ ５００", "USD", "12500"),
    ],
)
def test_digits_grouped_with_spaces_are_one_amount(text: str, currency: str, expected: str) -> None:
    assert parse_amount(text, currency=currency) == Money(Decimal(expected), currency)
    assert parse_amount_strict(text, currency=currency) == Money(Decimal(expected), currency)


@pytest.mark.parametrize(
    "text", ["12 50", "25 0001", "1234 567", "1 000,505", "1,000 000", "12.5 000", "12 500 1", "25 000,"]
)
def test_digits_grouped_badly_with_spaces_are_refused_rather_than_guessed(text: str) -> None:
    message = refused(text).message
    assert "every group after the first has three digits" in message
    assert "like 25 000 or 12 500,50" in message


@pytest.mark.parametrize(
    ("text", "char"),
    [
        ("10²", "superscript two"),
        ("²⁵⁰⁰", "superscript two"),
        ("5₀₀", "subscript zero"),
        ("①", "circled digit one"),
        ("⑽", "parenthesized number ten"),
        ("½", "vulgar fraction one half"),
        ("1½k", "vulgar fraction one half"),
        ("٣٠٠", "arabic-indic digit three"),
        ("३००", "devanagari digit three"),
        ("𝟓00", "mathematical bold digit five"),
        ("Ⅻ", "roman numeral twelve"),
        ("500㎡", "square m squared"),
        ("$1⁰⁰⁰", "superscript zero"),
    ],
)
def test_a_digit_look_alike_is_refused_not_read_as_other_digits(text: str, char: str) -> None:
    for reader in (parse_amount, parse_amount_strict):
        with pytest.raises(InputError) as caught:
            reader(text, currency="USD")
        assert char in caught.value.message
        assert "digits 0-9" in caught.value.message
        assert caught.value.example == "/deal $12,500 Acme Corp"


def _space_grouped(amount: Decimal, space: str, decimal_comma: bool) -> str:
    whole, _, cents = f"{amount:.2f}".partition(".")
    groups = []
    while whole:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    text = space.join(groups)
    if cents != "00":
        text += ("," if decimal_comma and len(groups) > 1 else ".") + cents
    return text


@FAST
@given(
    st.decimals(min_value=Decimal("0.01"), max_value=MAX_AMOUNT, places=2, allow_nan=False),
    st.sampled_from(GROUPING_SPACES),
    st.booleans(),
)
def test_any_valid_amount_grouped_with_spaces_parses_to_itself(amount: Decimal, space: str, comma: bool) -> None:
    text = _space_grouped(amount, space, comma)
    assert parse_amount(text, currency="EUR") == Money(amount, "EUR")
    assert parse_amount_strict(text, currency="EUR") == Money(amount, "EUR")
