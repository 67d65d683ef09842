"""Reading goal values in each metric's unit, and splitting a team goal into exact parts."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scoring.errors import InputError
from scoring.goal_values import parse_goal_value, quantum, split


def read(metric: str, text: str) -> Decimal:
    return parse_goal_value(text, metric_name=metric, currency="USD", example="/goal @dana revenue 120k")


@pytest.mark.parametrize(
    ("metric", "text", "expected"),
    [
        ("revenue", "120k", "120000"),
        ("revenue", "$120,000", "120000"),
        ("revenue", "USD 12,500.50", "12500.50"),
        ("deals", "12", "12"),
        ("activities", "1,200", "1200"),
        ("repurchase_rate", "60%", "0.6"),
        ("repurchase_rate", "60 %", "0.6"),
        ("repurchase_rate", "0.6", "0.6"),
        ("premium_share", "12.5%", "0.125"),
        ("csat", "4.5", "4.5"),
        ("csat", "5", "5"),
        ("training", "100%", "1"),
    ],
)
def test_a_value_is_read_in_the_unit_of_its_metric(metric, text, expected):
    assert read(metric, text) == Decimal(expected)


@pytest.mark.parametrize(
    ("metric", "text", "says"),
    [
        ("revenue", "", "needs a target"),
        ("revenue", "-5k", ""),
        ("revenue", "0", ""),
        ("revenue", "lots", ""),
        ("deals", "2.5", "whole numbers"),
        ("deals", "0", "more than 0"),
        ("deals", "-3", "more than 0"),
        ("deals", "ten", "whole number"),
        ("deals", "1e3", "whole number"),
        ("repurchase_rate", "60", "write 60% or 0.6"),
        ("repurchase_rate", "150%", "at most 1"),
        ("repurchase_rate", "0%", "more than 0"),
        ("csat", "6", "at most 5"),
        ("csat", "0.5", "at least 1"),
        ("csat", "NaN", "score from 1 to 5"),
    ],
)
def test_a_bad_value_is_refused_with_the_example(metric, text, says):
    with pytest.raises(InputError) as caught:
        read(metric, text)
    assert says in caught.value.message
    assert caught.value.field == "value" and caught.value.example


@pytest.mark.parametrize(
    ("metric", "text", "expected"),
    [
        ("revenue", "120 000", "120000"),
        ("revenue", "120\u202f000", "120000"),
        ("revenue", "12 500,50", "12500.50"),
        ("deals", "1 200", "1200"),
        ("activities", "1\u00a0200", "1200"),
        ("deals", "１２", "12"),
    ],
)
def test_goal_values_read_digits_grouped_with_spaces_like_deal_amounts(metric, text, expected):
    assert read(metric, text) == Decimal(expected)


@pytest.mark.parametrize(
    ("metric", "text", "says"),
    [
        ("revenue", "120²", "superscript two"),
        ("revenue", "12 50", "has three digits"),
        ("deals", "²", "superscript two"),
        ("deals", "١٢", "arabic-indic digit one"),
        ("deals", "1 20", "whole number"),
        ("csat", "④", "circled digit four"),
        ("repurchase_rate", "½", "vulgar fraction one half"),
    ],
)
def test_goal_values_refuse_digit_look_alikes_and_bad_grouping(metric, text, says):
    with pytest.raises(InputError) as caught:
        read(metric, text)
    assert says in caught.value.message
    assert caught.value.field == "value" and caught.value.example == "/goal @dana revenue 120k"


def test_a_team_total_splits_to_the_cent_largest_remainder_first_ties_by_name():
    parts = split(Decimal(100000), names=["dana", "kim", "lee"], weights=None, step=quantum("money"))
    assert parts == [Decimal("33333.34"), Decimal("33333.33"), Decimal("33333.33")]


def test_a_count_splits_into_whole_numbers():
    assert split(Decimal(10), names=["b", "a", "c"], weights=None, step=quantum("count")) == [3, 4, 3]


def test_a_weighted_split_follows_the_weights_and_falls_back_to_equal_when_all_are_zero():
    weights = [Decimal(60000), Decimal(20000), Decimal(20000)]
    assert split(Decimal(100), names=["a", "b", "c"], weights=weights, step=Decimal(1)) == [60, 20, 20]
    zeros = [Decimal(0)] * 3
    assert split(Decimal(9), names=["a", "b", "c"], weights=zeros, step=Decimal(1)) == [3, 3, 3]


@given(
    cents=st.integers(min_value=1, max_value=10**12),
    weights=st.lists(st.integers(min_value=0, max_value=10**6), min_size=1, max_size=12),
)
def test_parts_always_add_up_exactly_and_differ_from_the_share_by_less_than_a_step(cents, weights):
    total = Decimal(cents) / 100
    names = [f"rep{i:02d}" for i in range(len(weights))]
    parts = split(total, names=names, weights=[Decimal(w) for w in weights], step=Decimal("0.01"))
    assert sum(parts) == total
    effective = weights if any(weights) else [1] * len(weights)
    for part, weight in zip(parts, effective, strict=True):
        share = total * weight / sum(effective)
        assert abs(part - share) < Decimal("0.01")
