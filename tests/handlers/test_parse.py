"""Slash-command text and modal fields become requests, or a friendly refusal with an example."""

from __future__ import annotations

import unicodedata
from datetime import date, datetime
from decimal import Decimal

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from handlers.parse import (
    ActivityHelp,
    DealHelp,
    ListActivities,
    ListDeals,
    LogActivity,
    LogDeal,
    MarkDealPaid,
    OpenActivityModal,
    OpenDealModal,
    VoidActivity,
    VoidDeal,
    deal_example,
    parse_activity_command,
    parse_deal_command,
)
from scoring.customers import name_key
from scoring.errors import FieldErrors, InputError
from scoring.money import ISO_CURRENCIES, MAX_AMOUNT, Money
from scoring.requests import ACTIVITY_KINDS, ActivityRequest, DealRequest, activity_from_fields, deal_from_fields

TODAY = date(2024, 6, 15)
PRODUCTS = ["Enterprise", "Starter Plan"]
FAST = settings(max_examples=300, deadline=None, database=None)
BIDI = ["\u200e", "\u200f", "\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069"]
BIDI += ["\u061c"]
MENTIONS = ["<!channel>", "<!here>", "<!everyone>", "<!subteam^S123|sales>", "<@U123>", "<@W123|bob>", "<#C123>"]


def deal(text: str, *, currency: str = "USD", products: list[str] | None = None) -> DealRequest:
    parsed = parse_deal_command(
        text, today=TODAY, currency=currency, product_lines=PRODUCTS if products is None else products
    )
    assert isinstance(parsed, LogDeal)
    return parsed.request


def deal_refused(text: str, *, currency: str = "USD", products: list[str] | None = None) -> InputError:
    with pytest.raises(InputError) as caught:
        parse_deal_command(
            text, today=TODAY, currency=currency, product_lines=PRODUCTS if products is None else products
        )
    error = caught.value
    assert not isinstance(error, FieldErrors)
    assert error.message
    assert isinstance(error.example, str) and error.example.startswith("/deal ")
    return error


def activity(text: str) -> ActivityRequest:
    parsed = parse_activity_command(text, today=TODAY)
    assert isinstance(parsed, LogActivity)
    return parsed.request


def activity_refused(text: str) -> InputError:
    with pytest.raises(InputError) as caught:
        parse_activity_command(text, today=TODAY)
    error = caught.value
    assert error.message
    assert isinstance(error.example, str) and error.example.startswith("/activity ")
    return error


def usd(amount: str) -> Money:
    return Money(Decimal(amount), "USD")


# --- /deal quick syntax ----------------------------------------------------------------------------


def test_an_amount_and_a_customer_log_a_signed_deal_today() -> None:
    assert deal("12500 Acme Corp") == DealRequest(amount=usd("12500"), customer="Acme Corp")


def test_the_request_exposes_its_money() -> None:
    assert deal("12.5k Acme").money == usd("12500")


@pytest.mark.parametrize(
    "text", ["$ 12,500 Acme Corp", "12500 USD Acme Corp", "usd 12.5k Acme Corp", "$12,500 USD Acme Corp"]
)
def test_an_amount_may_be_written_as_several_words(text: str) -> None:
    request = deal(text)
    assert request.amount == usd("12500")
    assert request.customer == "Acme Corp"


def test_every_option_can_be_given_in_any_order() -> None:
    request = deal("12500 Acme Corp date:2024-06-01 note:renewal stage:paid")
    assert request.note == "renewal stage:paid"
    request = deal("12500 Acme Corp stage:PAID product:enterprise date:2024-06-01 note:renewal")
    assert request == DealRequest(
        amount=usd("12500"),
        customer="Acme Corp",
        product="Enterprise",
        stage="paid",
        on=date(2024, 6, 1),
        note="renewal",
    )


def test_a_product_with_several_words_is_matched_case_insensitively() -> None:
    assert deal("12500 Acme product:starter   PLAN note:x").product == "Starter Plan"
    assert deal("12500 Acme product: Enterprise").product == "Enterprise"


def test_a_note_takes_the_rest_of_the_text_including_colons_and_lines() -> None:
    request = deal("12500 Acme note:re: pricing at 10:30, stage:paid later\nsecond line")
    assert request.note == "re: pricing at 10:30, stage:paid later\nsecond line"
    assert request.stage == "signed"


def test_an_empty_note_is_no_note() -> None:
    assert deal("12500 Acme note:   ").note is None


def test_option_keys_ignore_case() -> None:
    assert deal("12500 Acme STAGE:paid NOTE:x").stage == "paid"


def test_a_full_width_command_means_the_same_thing() -> None:
    assert deal("１２５００　Ａｃｍｅ　Ｃｏｒｐ　ｎｏｔｅ：ｈｉ") == DealRequest(
        amount=usd("12500"), customer="Acme Corp", note="hi"
    )


def test_slack_html_escapes_are_undone_once() -> None:
    assert deal("12500 R&amp;D &lt;Labs&gt;").customer == "R&D <Labs>"
    assert deal("12500 Acme note:&amp;lt; stays escaped").note == "&lt; stays escaped"


def test_a_slack_link_becomes_its_label() -> None:
    assert deal("12500 <http://booking.com|Booking.com>").customer == "Booking.com"
    assert deal("12500 <https://acme.com>").customer == "https://acme.com"


@pytest.mark.parametrize(
    "link",
    [
        "<ftp://files.example|Acme>",
        "<slack://open?team=T1|Acme>",
        "<javascript:alert(1)|Acme>",
        "<www.acme.example|Acme>",
        "&lt;https://acme.example|Acme&gt;",  # typed, not pasted: the same as the modal
    ],
)
def test_link_markup_of_any_scheme_becomes_its_label_in_a_command(link: str) -> None:
    request = deal(f"12500 {link} note:see {link}")
    assert (request.customer, request.note) == ("Acme", "see Acme")
    assert activity(f"call 2 {link}").customer == "Acme"


def test_invisible_characters_in_a_command_are_dropped_but_an_emojis_joiner_stays() -> None:
    request = deal("1\u200b00 Ac\u200bme\u2060 Corp note:pairing 👩\u200d💻\u00ad")
    assert (request.amount, request.customer, request.note) == (usd("100"), "Acme Corp", "pairing 👩\u200d💻")
    assert deal("100 Acme product:Enter\u200bprise").product == "Enterprise"


def test_sql_looking_customer_names_are_kept_verbatim() -> None:
    assert deal("12500 Robert'); DROP TABLE deals;--").customer == "Robert'); DROP TABLE deals;--"


def test_a_customer_name_starting_with_a_number_is_not_part_of_the_amount() -> None:
    request = deal("12500 3M")
    assert (request.amount, request.customer) == (usd("12500"), "3M")


def test_a_detached_letter_after_the_amount_belongs_to_the_customer() -> None:
    request = deal("500 M Group")
    assert (request.amount, request.customer) == (usd("500"), "M Group")


def test_a_customer_that_looks_like_a_currency_code_works_when_the_amount_has_a_sign() -> None:
    request = deal("$500 ALL Saints")
    assert (request.amount, request.customer) == (usd("500"), "ALL Saints")


def test_a_word_that_is_another_currency_is_refused_with_a_way_out() -> None:
    error = deal_refused("500 ALL Saints")
    assert "counts revenue in USD" in error.message
    assert "$500" in error.message
    assert error.field == "amount"


@pytest.mark.parametrize("text", ["12500 EUR Acme", "€12,500 Acme", "EUR 12500 Acme", "RMB 5000 Acme"])
def test_an_amount_in_another_currency_is_refused_with_an_example_in_the_workspace_currency(text: str) -> None:
    error = deal_refused(text)
    assert "counts revenue in USD" in error.message
    assert "exchange rate" in error.message
    assert error.example == "/deal $12,500 Acme Corp product:Enterprise stage:signed note:renewal"


def test_yen_is_accepted_in_a_yen_workspace() -> None:
    assert deal("￥3000 Acme", currency="JPY").amount == Money(Decimal(3000), "JPY")
    assert deal("1.2万 Acme", currency="CNY").amount == Money(Decimal(12000), "CNY")


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("Acme", "start with the amount"),
        ("Acme 12500", "start with the amount"),
        ("12500", "customer's name"),
        ("12500 product:Enterprise", "customer's name"),
        ("12..5 Acme", "decimal point"),
        ("1,2,3 Acme", "commas"),
        ("12,50 Acme", "commas"),
        ("-5 Acme", "negative"),
        ("-0 Acme", "negative"),
        ("0 Acme", "more than zero"),
        ("NaN Acme", "number"),
        ("1e3 Acme", "scientific"),
        ("1e309 Acme", "scientific"),
        ("2000bn Acme", "limit"),
        ("12.345 Acme", "2 decimal places"),
        ("1.2kk Acme", "one multiplier"),
        ("12500 Acme foo:bar", "foo:"),
        ("12500 Acme prodcut:Enterprise", "product:, stage:, date: and note:"),
        ("12500 Acme stage:paid stage:signed", "twice"),
        ("12500 Acme stage:", "needs a value"),
        ("12500 Acme stage:won", "signed or paid"),
        ("12500 Acme product:Nope", "Enterprise, Starter Plan"),
        ("12500 Acme date:2024-06-16", "2024-06-15"),
        ("12500 Acme date:1999-12-31", "2000-01-01"),
        ("12500 Acme date:2024-02-30", "real date"),
        ("12500 Acme date:15/06/2024", "YYYY-MM-DD"),
        ("12500 !!!", "letter or number"),
        ("12500 " + "x" * 121, "121"),
        ("12500 Acme note:" + "x" * 1001, "1,001"),
    ],
)
def test_a_bad_deal_command_says_what_is_wrong(text: str, problem: str) -> None:
    assert problem.lower() in deal_refused(text).message.lower()


def test_several_bad_options_are_reported_together() -> None:
    error = deal_refused("12500 Acme stage:won date:tomorrow")
    assert "signed or paid" in error.message
    assert "YYYY-MM-DD" in error.message


def test_a_product_is_refused_when_none_are_configured() -> None:
    error = deal_refused("12500 Acme product:Enterprise", products=[])
    assert "no product lines are configured" in error.message.lower()
    assert error.example == "/deal 12500 Acme Corp stage:signed note:renewal"


def test_the_example_uses_a_configured_product() -> None:
    assert deal_refused("Acme").example == "/deal 12500 Acme Corp product:Enterprise stage:signed note:renewal"
    assert deal_example(["Support: Gold", "Pro"]) == "/deal 12500 Acme Corp product:Pro stage:signed note:renewal"


def test_the_example_command_is_itself_accepted() -> None:
    for products in (PRODUCTS, [], ["Starter Plan"]):
        assert deal(deal_example(products).removeprefix("/deal "), products=products).customer == "Acme Corp"


@pytest.mark.parametrize("mention", MENTIONS)
def test_mentions_and_channel_alerts_are_refused_in_customer_names_and_notes(mention: str) -> None:
    error = deal_refused(f"12500 Acme {mention}")
    assert "mentions or channel alerts" in error.message
    assert error.field == "customer"
    error = deal_refused(f"12500 Acme note:call {mention} tomorrow")
    assert "mentions or channel alerts" in error.message
    assert "write the name instead" in error.message.lower()
    assert error.field == "note"


def test_an_escaped_mention_is_refused_too() -> None:
    assert "mentions" in deal_refused("12500 Acme note:&lt;!channel&gt;").message


@pytest.mark.parametrize("char", BIDI)
def test_bidi_controls_are_refused_anywhere(char: str) -> None:
    error = deal_refused(f"12500 Acme{char} Corp")
    assert "text-direction" in error.message
    assert f"U+{ord(char):04X}" in error.message


@pytest.mark.parametrize("char", ["\x00", "\x07", "\x1b", "\x7f", "\x85"])
def test_control_characters_are_refused(char: str) -> None:
    assert "control character" in deal_refused(f"12500 Acme{char}Corp").message


def test_messages_never_echo_slack_markup() -> None:
    assert "<" not in deal_refused("12500 Acme product:<!channel>").message


# --- /deal subcommands -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "command"),
    [
        ("", OpenDealModal()),
        ("   ", OpenDealModal()),
        ("help", DealHelp()),
        ("HELP me", DealHelp()),
        ("?", DealHelp()),
        ("list", ListDeals()),
        ("void D-12 entered twice", VoidDeal(number=12, reason="entered twice")),
        ("void d12   wrong   customer", VoidDeal(number=12, reason="wrong customer")),
        ("void #12 dup", VoidDeal(number=12, reason="dup")),
        ("void 12 dup", VoidDeal(number=12, reason="dup")),
        ("paid D-12", MarkDealPaid(number=12)),
        ("paid 12 2024-06-01", MarkDealPaid(number=12, on=date(2024, 6, 1))),
        ("paid #12 date:2024-06-01", MarkDealPaid(number=12, on=date(2024, 6, 1))),
    ],
)
def test_deal_subcommands_are_recognised(text: str, command: object) -> None:
    assert parse_deal_command(text, today=TODAY, currency="USD", product_lines=PRODUCTS) == command


@pytest.mark.parametrize(
    ("text", "problem", "example"),
    [
        ("void", "which deal", "/deal void"),
        ("void D-12", "reason", "/deal void"),
        ("void D-12 ok", "3 to 300", "/deal void"),
        ("void D-12 " + "x" * 301, "301", "/deal void"),
        ("void D-12 <!here> did it", "mentions", "/deal void"),
        ("void A-12 dup", "deal id", "/deal void"),
        ("void D-0 dup", "deal id", "/deal void"),
        ("void twelve dup", "deal id", "/deal void"),
        ("paid", "deal id", "/deal paid D-12 2024-06-15"),
        ("paid 12 2030-01-01", "future", "/deal paid"),
        ("paid 12 2024-06-01 extra", "deal id", "/deal paid"),
        ("list mine", "list", "/deal list"),
    ],
)
def test_a_bad_subcommand_gets_its_own_example(text: str, problem: str, example: str) -> None:
    error = deal_refused(text)
    assert problem.lower() in error.message.lower()
    assert error.example is not None and error.example.startswith(example)


# --- deal modal ------------------------------------------------------------------------------------


def deal_fields(**changes: object) -> dict[str, object]:
    fields: dict[str, object] = {
        "amount": "12,500",
        "customer": "Acme Corp",
        "product": None,
        "stage": None,
        "on": None,
        "note": None,
        "today": TODAY,
        "currency": "USD",
        "product_lines": PRODUCTS,
    }
    fields.update(changes)
    return fields


def test_the_deal_modal_builds_a_request() -> None:
    request = deal_from_fields(
        **deal_fields(product="starter plan", stage="Paid", on="2024-06-01", note=" line one\r\nline two ")
    )
    assert request == DealRequest(
        amount=usd("12500"),
        customer="Acme Corp",
        product="Starter Plan",
        stage="paid",
        on=date(2024, 6, 1),
        note="line one\nline two",
    )


def test_the_deal_modal_accepts_a_date_object_and_blank_optionals() -> None:
    request = deal_from_fields(**deal_fields(on=date(2024, 6, 15), product="", stage="", note=""))
    assert (request.on, request.product, request.stage, request.note) == (date(2024, 6, 15), None, "signed", None)
    request = deal_from_fields(**deal_fields(on=datetime(2024, 6, 1, 9, 30)))
    assert request.on == date(2024, 6, 1)


def test_every_bad_deal_field_is_reported_at_once() -> None:
    with pytest.raises(FieldErrors) as caught:
        deal_from_fields(
            **deal_fields(amount="12..5", customer="  ", product="Nope", stage="won", on="2024-13-01", note="<!here>")
        )
    errors = caught.value.errors
    assert set(errors) == {"amount", "customer", "product", "stage", "date", "note"}
    assert "decimal point" in errors["amount"]
    assert "customer's name" in errors["customer"]
    assert "Enterprise, Starter Plan" in errors["product"]
    assert "signed or paid" in errors["stage"]
    assert "real date" in errors["date"]
    assert "mentions" in errors["note"]


def test_only_the_bad_deal_fields_are_reported() -> None:
    with pytest.raises(FieldErrors) as caught:
        deal_from_fields(**deal_fields(on="2024-06-16"))
    assert caught.value.errors == {"date": "The date can't be in the future; today is 2024-06-15."}


def test_modal_text_gets_the_same_text_rules() -> None:
    request = deal_from_fields(**deal_fields(amount="＄１２，５００", customer="R&amp;D　Ｌａｂｓ"))
    assert (request.amount, request.customer) == (usd("12500"), "R&D Labs")
    with pytest.raises(FieldErrors) as caught:
        deal_from_fields(**deal_fields(customer="Acme\u202eCorp", note="ok\x00"))
    assert set(caught.value.errors) == {"customer", "note"}
    with pytest.raises(FieldErrors) as caught:
        deal_from_fields(**deal_fields(customer="Acme\nCorp"))
    assert "one line" in caught.value.errors["customer"]


def test_a_note_may_have_line_breaks_and_tabs_but_a_customer_may_not() -> None:
    assert deal_from_fields(**deal_fields(note="a\n\tb")).note == "a\n\tb"
    with pytest.raises(FieldErrors):
        deal_from_fields(**deal_fields(customer="Acme\tCorp"))


def test_the_customer_name_limit_is_120_characters() -> None:
    assert deal_from_fields(**deal_fields(customer="x" * 120)).customer == "x" * 120
    with pytest.raises(FieldErrors) as caught:
        deal_from_fields(**deal_fields(customer="x" * 121))
    assert "120" in caught.value.errors["customer"]
    assert "121" in caught.value.errors["customer"]


def test_the_note_limit_is_1000_characters() -> None:
    assert deal_from_fields(**deal_fields(note="x" * 1000)).note == "x" * 1000
    with pytest.raises(FieldErrors) as caught:
        deal_from_fields(**deal_fields(note="x" * 1500))
    assert "1,000" in caught.value.errors["note"]
    assert "1,500" in caught.value.errors["note"]


def test_another_currency_in_the_modal_is_an_amount_error() -> None:
    with pytest.raises(FieldErrors) as caught:
        deal_from_fields(**deal_fields(amount="€900"))
    assert "counts revenue in USD" in caught.value.errors["amount"]


# --- /activity -------------------------------------------------------------------------------------


def test_a_type_alone_logs_one_activity_today() -> None:
    assert activity("call") == ActivityRequest(kind="call")


def test_type_count_customer_and_note_are_read_in_order() -> None:
    assert activity("calls 3 Acme Corp note:pricing follow-up") == ActivityRequest(
        kind="call", count=3, customer="Acme Corp", note="pricing follow-up"
    )


def test_an_activity_can_be_backdated() -> None:
    assert activity("visit Acme date:2024-06-01").on == date(2024, 6, 1)
    assert activity("visit Acme date:yesterday").on == date(2024, 6, 14)


@pytest.mark.parametrize(
    ("word", "kind"),
    [
        ("call", "call"),
        ("Calls", "call"),
        ("email", "email"),
        ("emails", "email"),
        ("e-mail", "email"),
        ("E-mails", "email"),
        ("meetings", "meeting"),
        ("visits", "visit"),
        ("demos", "demo"),
        ("proposals", "proposal"),
        ("leads", "lead"),
        ("followup", "followup"),
        ("follow-up", "followup"),
        ("follow-ups", "followup"),
        ("followups", "followup"),
    ],
)
def test_activity_types_accept_plurals_and_spellings(word: str, kind: str) -> None:
    assert activity(f"{word} 2").kind == kind


def test_a_full_width_count_means_the_same_number() -> None:
    assert activity("demo ３ Ａｃｍｅ") == ActivityRequest(kind="demo", count=3, customer="Acme")


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("sing 3", "call, email, meeting, visit, demo, proposal, lead, followup"),
        ("note:hello", "isn't an activity type"),
        ("call 0 Acme", "1 to 500"),
        ("call 501 Acme", "1 to 500"),
        ("call 99999999999999 Acme", "1 to 500"),
        ("call Acme when:later", "date: and note:"),
        ("call Acme date:2024-06-16", "future"),
        ("call <!channel>", "mentions"),
        ("call Acme note:<@U1>", "mentions"),
        ("call Acme\u2066", "text-direction"),
        ("call Acme note:" + "x" * 1001, "1,000"),
        ("void", "which activity"),
        ("void A-7", "reason"),
        ("void D-7 dup", "activity id"),
        ("list all", "list"),
    ],
)
def test_a_bad_activity_command_says_what_is_wrong(text: str, problem: str) -> None:
    assert problem.lower() in activity_refused(text).message.lower()


def test_an_unknown_activity_type_shows_the_standard_example() -> None:
    assert activity_refused("sing").example == "/activity call 3 Acme Corp note:pricing follow-up"


@pytest.mark.parametrize(
    ("text", "command"),
    [
        ("", OpenActivityModal()),
        ("help", ActivityHelp()),
        ("list", ListActivities()),
        ("void A-7 logged twice", VoidActivity(number=7, reason="logged twice")),
        ("void a7 oops", VoidActivity(number=7, reason="oops")),
        ("void #7 oops", VoidActivity(number=7, reason="oops")),
        ("void 7 oops", VoidActivity(number=7, reason="oops")),
    ],
)
def test_activity_subcommands_are_recognised(text: str, command: object) -> None:
    assert parse_activity_command(text, today=TODAY) == command


def test_the_activity_modal_builds_a_request() -> None:
    request = activity_from_fields(kind="Meetings", count="2", customer=" Acme ", note="", on="2024-06-01", today=TODAY)
    assert request == ActivityRequest(kind="meeting", count=2, customer="Acme", on=date(2024, 6, 1))
    request = activity_from_fields(kind="call", count=None, customer=None, note=None, on=None, today=TODAY)
    assert request == ActivityRequest(kind="call")
    assert activity_from_fields(kind="call", count=5, customer="", note=None, on=None, today=TODAY).count == 5


def test_every_bad_activity_field_is_reported_at_once() -> None:
    with pytest.raises(FieldErrors) as caught:
        activity_from_fields(kind="sing", count="0", customer="<!here>", note="x" * 1001, on="2030-01-01", today=TODAY)
    assert set(caught.value.errors) == {"kind", "count", "customer", "note", "date"}


@pytest.mark.parametrize("count", [0, 501, -1, True, "2.5", "three", "1e2"])
def test_a_bad_count_is_refused(count: object) -> None:
    with pytest.raises(FieldErrors) as caught:
        activity_from_fields(kind="call", count=count, customer=None, note=None, on=None, today=TODAY)
    assert set(caught.value.errors) == {"count"}


def test_activity_kinds_are_the_eight_known_types() -> None:
    assert ACTIVITY_KINDS == ("call", "email", "meeting", "visit", "demo", "proposal", "lead", "followup")


# --- properties ------------------------------------------------------------------------------------

FRAGMENTS = [
    "１２５００",
    "１２，５００",
    "Ａｃｍｅ",
    "　",
    "＄",
    "￥",
    "¥",
    "€",
    "$",
    "k",
    "万",
    "亿",
    "USD",
    "eur",
    "RMB",
    "12,500",
    "12.5",
    "1e3",
    "-",
    "0",
    "NaN",
    "12500 ",
    "Acme Corp",
    " ",
    "\n",
    "\t",
    "\r",
    "\x00",
    "&amp;",
    "&lt;",
    "&gt;",
    "<",
    ">",
    "note:",
    "product:",
    "stage:",
    "date:",
    "foo:",
    "paid",
    "signed",
    "Enterprise",
    "2024-06-01",
    "2099-01-01",
    "void ",
    "paid ",
    "list",
    "help",
    "D-12",
    "A-7",
    "#7",
    "call ",
    "emails",
    "follow-up",
    "3 ",
    "501",
    "<http://x.com|x>",
    *BIDI,
    *MENTIONS,
]
command_text = st.lists(st.one_of(st.text(max_size=10), st.sampled_from(FRAGMENTS)), max_size=8).map("".join)


def _clean_free_text(text: str) -> None:
    assert not any(ch in "".join(BIDI) for ch in text)
    assert not any(unicodedata.category(ch) == "Cc" and ch not in "\n\t" for ch in text)
    assert "<!" not in text and "<@" not in text and "<#" not in text


@FAST
@given(command_text)
def test_deal_text_is_either_a_command_or_a_friendly_input_error(text: str) -> None:
    try:
        parsed = parse_deal_command(text, today=TODAY, currency="USD", product_lines=PRODUCTS)
    except InputError as error:
        assert error.message.strip()
        assert isinstance(error.example, str) and error.example.startswith("/deal ")
        return
    assert isinstance(parsed, OpenDealModal | LogDeal | ListDeals | VoidDeal | MarkDealPaid | DealHelp)
    if isinstance(parsed, LogDeal):
        request = parsed.request
        assert Decimal(0) < request.amount.amount <= MAX_AMOUNT
        assert request.amount.currency == "USD"
        assert 1 <= len(request.customer) <= 120 and name_key(request.customer)
        assert request.product in (None, *PRODUCTS)
        assert request.on is None or date(2000, 1, 1) <= request.on <= TODAY
        _clean_free_text(request.customer)
        _clean_free_text(request.note or "")


@FAST
@given(command_text)
def test_activity_text_is_either_a_command_or_a_friendly_input_error(text: str) -> None:
    try:
        parsed = parse_activity_command(text, today=TODAY)
    except InputError as error:
        assert error.message.strip()
        assert isinstance(error.example, str) and error.example.startswith("/activity ")
        return
    assert isinstance(parsed, OpenActivityModal | LogActivity | ListActivities | VoidActivity | ActivityHelp)
    if isinstance(parsed, LogActivity):
        request = parsed.request
        assert request.kind in ACTIVITY_KINDS
        assert 1 <= request.count <= 500
        _clean_free_text(request.customer or "")
        _clean_free_text(request.note or "")


field_text = st.lists(st.one_of(st.text(max_size=8), st.sampled_from(FRAGMENTS)), max_size=4).map("".join)
optional_text = st.one_of(st.none(), field_text)
FIELDS = settings(max_examples=100, deadline=None, database=None)


@FIELDS
@given(field_text, field_text, optional_text, optional_text, optional_text, optional_text)
def test_deal_fields_are_either_a_request_or_field_errors(
    amount: str, customer: str, product: str | None, stage: str | None, on: str | None, note: str | None
) -> None:
    try:
        request = deal_from_fields(
            amount=amount,
            customer=customer,
            product=product,
            stage=stage,
            on=on,
            note=note,
            today=TODAY,
            currency="USD",
            product_lines=PRODUCTS,
        )
    except FieldErrors as errors:
        assert errors.errors
        assert set(errors.errors) <= {"amount", "customer", "product", "stage", "date", "note"}
        assert all(message.strip() for message in errors.errors.values())
        return
    assert Decimal(0) < request.amount.amount <= MAX_AMOUNT


@FIELDS
@given(field_text, st.one_of(st.none(), st.integers(), field_text), optional_text, optional_text, optional_text)
def test_activity_fields_are_either_a_request_or_field_errors(
    kind: str, count: int | str | None, customer: str | None, note: str | None, on: str | None
) -> None:
    try:
        request = activity_from_fields(kind=kind, count=count, customer=customer, note=note, on=on, today=TODAY)
    except FieldErrors as errors:
        assert set(errors.errors) <= {"kind", "count", "customer", "note", "date"}
        assert all(message.strip() for message in errors.errors.values())
        return
    assert 1 <= request.count <= 500


@FIELDS
@given(
    st.sampled_from(["USD", "EUR", "CNY", "JPY"]),
    st.decimals(min_value=Decimal("0.01"), max_value=MAX_AMOUNT, places=2),
)
def test_a_logged_deal_echoes_any_valid_amount_written_plainly(currency: str, amount: Decimal) -> None:
    request = deal(f"{amount} Acme Corp", currency=currency)
    assert request.amount == Money(amount, currency)


# --- digits grouped with spaces, digit look-alikes and count-like words --------------------------------


@pytest.mark.parametrize(
    ("text", "amount", "customer"),
    [
        ("25 000 Acme", "25000", "Acme"),
        ("3 500 Acme", "3500", "Acme"),
        ("1 000 000 Acme Corp", "1000000", "Acme Corp"),
        ("25\u202f000 Acme", "25000", "Acme"),
        ("25\u00a0000 Acme", "25000", "Acme"),
        ("25\u2009000 Acme", "25000", "Acme"),
        ("12 500,50 Acme", "12500.50", "Acme"),
        ("12 500.50 Acme", "12500.50", "Acme"),
        ("$ 1 000 000 000 000 USD Acme", "1000000000000", "Acme"),
        ("25 000 Acme date:2024-06-01", "25000", "Acme"),
        ("500 100 Acme", "500100", "Acme"),
    ],
)
def test_digits_grouped_with_spaces_are_one_amount_and_never_the_customers_name(
    text: str, amount: str, customer: str
) -> None:
    request = deal(text)
    assert (request.amount, request.customer) == (usd(amount), customer)


@pytest.mark.parametrize(
    ("text", "customer"),
    [
        ("5000 3M", "3M"),
        ("5000 7-Eleven", "7-Eleven"),
        ("5 000 3M", "3M"),
        ("5000 USD 7 Eleven", "7 Eleven"),
        ("$5000 USD 7 Eleven", "7 Eleven"),
        ("5k 7 Eleven", "7 Eleven"),
        ("5000 24/7 Fitness", "24/7 Fitness"),
    ],
)
def test_a_customer_whose_name_starts_with_digits_keeps_them(text: str, customer: str) -> None:
    assert deal(text).customer == customer


@pytest.mark.parametrize("text", ["25 0001 Acme", "12 50 Acme", "5000 7 Eleven", "1,000 000 Acme", "12500 -1 Acme"])
def test_a_number_after_the_amount_that_does_not_group_is_refused_as_unclear(text: str) -> None:
    error = deal_refused(text)
    assert "I can't tell where the amount ends" in error.message
    assert "groups of three (25 000" in error.message
    assert "/deal 5000 USD 7 Eleven" in error.message
    assert error.field == "amount"
    assert error.example == deal_example(PRODUCTS)


@pytest.mark.parametrize(
    ("text", "char"),
    [
        ("10² Acme", "superscript two"),
        ("½ Acme", "vulgar fraction one half"),
        ("25 000² Acme", "superscript two"),
        ("25 000 ²⁵ Acme", "superscript two"),
        ("٣٠٠ Acme", "arabic-indic digit three"),
        ("① Acme", "circled digit one"),
        ("$5⁰⁰ Acme", "superscript zero"),
    ],
)
def test_a_digit_look_alike_in_the_amount_is_refused_not_read_as_other_digits(text: str, char: str) -> None:
    error = deal_refused(text)
    assert char in error.message and "digits 0-9" in error.message
    assert error.field == "amount"


def test_full_width_digits_in_a_grouped_amount_are_still_plain_digits() -> None:
    assert deal("２５　０００ Ａｃｍｅ").amount == usd("25000")


def test_a_void_reason_is_still_normalised() -> None:
    assert parse_deal_command("void D-3 ｌｏｇｇｅｄ ２x", today=TODAY, currency="USD", product_lines=[]) == VoidDeal(
        number=3, reason="logged 2x"
    )


def test_the_deal_modal_reads_grouped_digits_and_refuses_look_alikes_like_the_command() -> None:
    def fields(amount: str) -> DealRequest:
        return deal_from_fields(
            amount=amount,
            customer="Acme",
            product=None,
            stage=None,
            on=None,
            note=None,
            today=TODAY,
            currency="EUR",
            product_lines=[],
        )

    assert fields("25 000").amount == Money(Decimal(25000), "EUR")
    assert fields("12\u202f500,50").amount == Money(Decimal("12500.50"), "EUR")
    for amount in ("10²", "12 50", "٣"):
        with pytest.raises(FieldErrors) as caught:
            fields(amount)
        assert set(caught.value.errors) == {"amount"}


_CURRENCY_WORDS = {*ISO_CURRENCIES, "RMB"}
letters_word = st.text(st.characters(categories=("Lu", "Ll")), min_size=1, max_size=12).filter(
    lambda w: unicodedata.normalize("NFKC", w) == w
)


@FAST
@given(
    st.decimals(min_value=Decimal("0.01"), max_value=MAX_AMOUNT, places=2, allow_nan=False),
    st.sampled_from([" ", "\u00a0", "\u202f", "\u2009"]),
    st.booleans(),
    st.lists(letters_word, min_size=1, max_size=4),
)
def test_any_amount_grouped_with_spaces_and_any_name_of_letters_parse_to_exactly_that(
    amount: Decimal, space: str, decimal_comma: bool, words: list[str]
) -> None:
    assume(words[0].upper() not in _CURRENCY_WORDS)
    whole, _, cents = f"{amount:.2f}".partition(".")
    groups = [whole[max(0, end - 3) : end] for end in range(len(whole), 0, -3)][::-1]
    written = space.join(groups)
    if cents != "00":
        written += ("," if decimal_comma and len(groups) > 1 else ".") + cents
    name = " ".join(words)

    request = deal(f"{written} {name}", currency="EUR", products=[])

    assert request.amount == Money(amount, "EUR")
    assert request.customer == name


@pytest.mark.parametrize(
    "word",
    [
        "-1",
        "+2",
        "−3",
        "1.5",
        "3,5",
        "1,000",
        "NaN",
        "inf",
        "-Infinity",
        "1e3",
        "2E-1",
        "0x10",
        "0b101",
        "٣",
        "²",
        "3²",
        "½",
        "①",
    ],
)
def test_a_count_like_word_after_the_type_is_a_count_error_not_a_customer(word: str) -> None:
    error = activity_refused(f"call {word} Acme" if word not in ("NaN", "inf") else f"call {word}")
    assert error.message.startswith(f"“{word}” isn't a count. The count must be a whole number from 1 to 500.")
    assert error.field == "count"
    assert error.example == "/activity call 3 Acme Corp"
    assert activity(error.example.removeprefix("/activity ")).count == 3


def test_a_look_alike_count_is_named_in_the_refusal() -> None:
    assert "“²” (superscript two) isn't one of the digits 0-9" in activity_refused("demo ² Acme").message
    assert activity_refused("demo ² Acme").example == "/activity demo 3 Acme Corp"


@pytest.mark.parametrize(
    ("text", "count", "customer"),
    [
        ("call Acme Corp", 1, "Acme Corp"),
        ("call 3 Acme", 3, "Acme"),
        ("call 3M", 1, "3M"),
        ("call 7-Eleven", 1, "7-Eleven"),
        ("call 24/7 Fitness", 1, "24/7 Fitness"),
        ("call Nan Fang Foods", 1, "Nan Fang Foods"),
        ("call 1 1.5 Degrees", 1, "1.5 Degrees"),
        ("call ３ Acme", 3, "Acme"),
    ],
)
def test_customers_that_are_clearly_names_still_follow_the_type(text: str, count: int, customer: str) -> None:
    request = activity(text)
    assert (request.count, request.customer) == (count, customer)


@pytest.mark.parametrize("count", ["²", "٣", "①", "½", "３²"])
def test_a_look_alike_count_in_the_form_is_refused(count: str) -> None:
    with pytest.raises(FieldErrors) as caught:
        activity_from_fields(kind="call", count=count, customer=None, note=None, on=None, today=TODAY)
    assert caught.value.errors["count"].startswith("The count must be a whole number from 1 to 500.")
    assert "isn't one of the digits 0-9" in caught.value.errors["count"]
