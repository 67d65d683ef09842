"""The answer to every logged deal is built as plain dicts (the hot path of `/deal`); it must be
exactly what the slack_sdk models render, and refuse what they refuse."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from slack_sdk.errors import SlackObjectFormationError

from bot.services.deals import DealLogged, PeriodTally
from handlers.blocks import deals as blocks
from handlers.blocks.common import as_dicts, context, context_dict, section, section_dict
from scoring.money import Money
from scoring.recognition import counting_receipt
from scoring.records import DealRecord, Source

TEXT = st.text(alphabet=st.sampled_from("ab &<>*_~`:é漢😀\n"), max_size=60)


@st.composite
def logged_deals(draw: st.DrawFn) -> DealLogged:
    signed_on = draw(st.dates(min_value=date(2024, 1, 1), max_value=date(2027, 12, 31)))
    paid_on = draw(st.none() | st.just(signed_on + timedelta(days=draw(st.integers(0, 90)))))
    record = DealRecord(
        number=draw(st.integers(1, 10**9)),
        owner_user_id="U0REP1",
        customer=draw(TEXT.filter(str.strip)),
        money=Money(amount=Decimal(draw(st.integers(1, 10**11))) / 100, currency=draw(st.sampled_from(["USD", "JPY"]))),
        product_line=draw(st.none() | TEXT),
        signed_on=signed_on,
        paid_on=paid_on,
        note=draw(st.none() | TEXT),
        source=draw(st.sampled_from(list(Source))),
        created_at=datetime(2026, 11, 24, 15, tzinfo=UTC),
        void_reason=draw(st.none() | TEXT),
    )
    deals = draw(st.integers(0, 500))
    tally = PeriodTally(
        label="November 2026",
        deals=deals,
        revenue=Money(amount=Decimal(draw(st.integers(0, 10**12))) / 100, currency="USD"),
        awaiting_payment=draw(st.integers(0, deals)),
        awaiting_amount=Money(amount=Decimal(draw(st.integers(0, 10**9))) / 100, currency="USD"),
    )
    rule = draw(st.sampled_from(["signed", "paid"]))
    return DealLogged(
        record=record,
        new_customer=draw(st.booleans()),
        receipt=counting_receipt(rule, signed_on=signed_on, paid_on=paid_on),
        tally=tally,
        celebrate=None,
        replayed=draw(st.booleans()),
    )


@settings(max_examples=300, deadline=None)
@given(logged_deals())
def test_the_dict_receipt_is_exactly_what_the_slack_sdk_models_render(result):
    assert blocks.logged_dicts(result) == as_dicts(blocks.logged(result))


def test_the_dict_pieces_render_like_their_models():
    assert section_dict("*Hi* &amp; bye") == section("*Hi* &amp; bye").to_dict()
    assert context_dict("one", "two") == context("one", "two").to_dict()


@pytest.mark.parametrize("length", [3001, 5000])
def test_a_dict_section_over_slacks_limit_is_refused_as_the_model_refuses_it(length):
    with pytest.raises(SlackObjectFormationError):
        section("x" * length).to_dict()
    with pytest.raises(SlackObjectFormationError, match="3000"):
        section_dict("x" * length)


def test_a_dict_context_of_more_than_ten_elements_is_refused_as_the_model_refuses_it():
    texts = [str(n) for n in range(11)]
    with pytest.raises(SlackObjectFormationError):
        context(*texts).to_dict()
    with pytest.raises(SlackObjectFormationError, match="10"):
        context_dict(*texts)
