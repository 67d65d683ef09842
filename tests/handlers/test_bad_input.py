"""Every malformed command gets an ephemeral message with a correct example, and stores nothing."""

import pytest

from tests.conftest import REP
from tests.support import reads

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
