"""Every malformed command gets an ephemeral message with a correct example, and stores nothing."""

import pytest

from handlers import ids
from tests.conftest import REP
from tests.support import reads
from tests.support.payloads import date_pick, number, radio, select, text_input

BAD_DEALS = [
    ("Acme Corp", "amount"),
    ("12..5 Acme Corp", "12..5"),
    ("-500 Acme Corp", "negative"),
    ("0 Acme Corp", "zero"),
    ("-0 Acme Corp", None),
    ("NaN Acme Corp", None),
    ("Infinity Acme Corp", None),
    ("1e309 Acme Corp", None),
    ("2000000000000 Acme Corp", "1,000,000,000,000"),
    ("12500", "customer"),
    ("12500 Acme Corp note:" + "x" * 10_000, "1,000"),
    ("12500 Acme Corp colour:blue", "colour"),
    ("12500 Acme Corp stage:lost", "stage"),
    ("12500 Acme Corp date:2026-13-45", "date"),
    ("12500 Acme\x07Corp", "control"),
    ("12500 Acme \u202eproC", None),
    ("12500 Acme Corp note:hey &lt;!channel&gt;", "mention"),
    ("12500 Acme Corp note:ask &lt;@U024BE7LH&gt;", "mention"),
    ("12500 €", None),
    ("500 EUR Acme Corp", "USD"),
]


@pytest.mark.parametrize(("text", "mentions"), BAD_DEALS)
def test_a_malformed_deal_gets_a_helpful_ephemeral_reply_and_stores_nothing(pacer, db, text, mentions):
    response = pacer.deal(REP, text)

    assert response.status == 200
    body = response.json()
    assert body["response_type"] == "ephemeral"
    assert ":warning:" in body["blocks"][0]["text"]["text"]
    assert "Example: `/deal " in response.text
    if mentions:
        assert mentions.lower() in response.text.lower()
    assert reads.deals(db) == [] and reads.customers(db) == []
    assert "<!channel>" not in response.body and "<@U024BE7LH>" not in response.body


@pytest.mark.parametrize(
    "text",
    [
        "lunch Acme",
        "call 0 Acme",
        "call 100000 Acme",
        "call Acme note:" + "y" * 5000,
        "void",
        "void A-1",
        "meeting Acme date:2099-01-01",
    ],
)
def test_a_malformed_activity_gets_a_helpful_reply_and_stores_nothing(pacer, db, text):
    response = pacer.activity(REP, text)

    assert ":warning:" in response.json()["blocks"][0]["text"]["text"]
    assert "Example: `/activity" in response.text
    assert reads.activities(db) == []


def test_full_width_digits_and_letters_mean_the_same_deal(pacer, db):
    pacer.deal(REP, "１２３ Ａｃｍｅ")
    [deal] = reads.deals(db)
    assert deal.amount_minor == 12_300
    assert reads.customer_name(db, deal.customer_id) == "Acme"


@pytest.mark.parametrize(
    ("text", "minor"),
    [
        ("12500 A", 1_250_000),
        ("12,500 A", 1_250_000),
        ("12.5k A", 1_250_000),
        ("1.2m A", 120_000_000),
        ("$12,500 A", 1_250_000),
        ("USD 12500 A", 1_250_000),
        ("1.2万 A", 1_200_000),
    ],
)
def test_every_documented_amount_form_is_accepted(pacer, db, text, minor):
    pacer.deal(REP, text)
    assert [d.amount_minor for d in reads.deals(db)] == [minor]


# --- digits grouped with spaces, digit look-alikes, count-like words (issue 9, classes 1 and 2) -------


@pytest.mark.parametrize(
    ("text", "minor", "customer"),
    [
        ("25 000 Acme", 2_500_000, "Acme"),
        ("3 500 Acme", 350_000, "Acme"),
        ("1 000 000 Acme Corp", 100_000_000, "Acme Corp"),
        ("25\u202f000 Acme", 2_500_000, "Acme"),
        ("25\u00a0000 Acme", 2_500_000, "Acme"),
        ("12 500,50 Acme", 1_250_050, "Acme"),
        ("5000 3M", 500_000, "3M"),
        ("5000 7-Eleven", 500_000, "7-Eleven"),
        ("5000 USD 7 Eleven", 500_000, "7 Eleven"),
    ],
)
def test_a_space_grouped_amount_is_stored_as_one_amount_with_the_customer_after_it(pacer, db, text, minor, customer):
    response = pacer.deal(REP, text)

    assert "D-1" in response.text
    [deal] = reads.deals(db)
    assert deal.amount_minor == minor
    assert reads.customer_name(db, deal.customer_id) == customer


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("25 0001 Acme", "can't tell where the amount ends"),
        ("12 50 Acme", "can't tell where the amount ends"),
        ("5000 7 Eleven", "/deal 5000 USD 7 Eleven"),
        ("10² Acme", "superscript two"),
        ("½ Acme", "vulgar fraction one half"),
        ("٣٠٠ Acme", "arabic-indic digit three"),
    ],
)
def test_an_unclear_grouping_or_a_digit_look_alike_is_refused_and_stores_nothing(pacer, db, text, says):
    response = pacer.deal(REP, text)

    body = response.json()
    assert body["response_type"] == "ephemeral" and ":warning:" in body["blocks"][0]["text"]["text"]
    assert says in response.text
    assert "Example: `/deal 12500 Acme Corp" in response.text
    assert reads.deals(db) == [] and reads.customers(db) == []


@pytest.mark.parametrize("count", ["-1", "1.5", "3,5", "NaN", "1e3", "0x10", "+2", "٣", "²"])
def test_a_count_like_word_after_the_activity_type_is_refused_and_stores_nothing(pacer, db, count):
    response = pacer.activity(REP, f"call {count}")

    body = response.json()
    assert body["response_type"] == "ephemeral" and ":warning:" in body["blocks"][0]["text"]["text"]
    assert f"“{count}” isn't a count. The count must be a whole number from 1 to 500." in response.text
    assert "Example: `/activity call 3 Acme Corp`" in response.text
    assert reads.activities(db) == [] and reads.customers(db) == []


@pytest.mark.parametrize(
    ("text", "count", "customer"),
    [
        ("call 3 Acme", 3, "Acme"),
        ("call Acme Corp", 1, "Acme Corp"),
        ("call 3M", 1, "3M"),
        ("call Nan Fang", 1, "Nan Fang"),
    ],
)
def test_an_activity_for_a_customer_that_is_clearly_a_name_is_stored(pacer, db, text, count, customer):
    pacer.activity(REP, text)

    [activity] = reads.activities(db)
    assert activity.count == count
    assert reads.customer_name(db, activity.customer_id) == customer


def _deal_form(amount):
    return {
        "amount": text_input(amount),
        "customer": text_input("Acme"),
        "product": select(None),
        "stage": radio("signed"),
        "date": date_pick("2026-11-20"),
        "note": text_input(None),
    }


def test_the_deal_form_reads_a_space_grouped_amount_like_the_command(pacer, db):
    pacer.submit(REP, ids.DEAL_MODAL, _deal_form("25 000"))

    [deal] = reads.deals(db)
    assert (deal.amount_minor, deal.source) == (2_500_000, "modal")


@pytest.mark.parametrize(("amount", "says"), [("10²", "superscript two"), ("12 50", "three digits")])
def test_the_deal_form_refuses_look_alikes_and_bad_grouping_inline(pacer, db, amount, says):
    body = pacer.submit(REP, ids.DEAL_MODAL, _deal_form(amount)).json()

    assert body["response_action"] == "errors" and says in body["errors"]["amount"]
    assert reads.deals(db) == []


def test_the_activity_form_refuses_a_look_alike_count(pacer, db):
    form = {
        "kind": select("call"),
        "count": number("²"),
        "customer": text_input("Acme"),
        "date": date_pick("2026-11-23"),
        "note": text_input(None),
    }
    body = pacer.submit(REP, ids.ACTIVITY_MODAL, form).json()

    assert body["response_action"] == "errors"
    assert body["errors"]["count"].startswith("The count must be a whole number from 1 to 500.")
    assert reads.activities(db) == []


@pytest.mark.parametrize(
    ("command", "text"),
    [("/deal", "500 payload"), ("/deal", "500 Acme note:the payload arrived"), ("/activity", "call payload")],
)
def test_a_command_that_mentions_the_word_payload_is_read_as_the_command_it_is(pacer, db, command, text):
    response = pacer.command(REP, command, text)

    assert response.status == 200
    assert "Logged" in response.text
    stored = reads.deals(db) if command == "/deal" else reads.activities(db)
    assert len(stored) == 1
