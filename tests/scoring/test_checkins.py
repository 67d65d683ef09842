"""The check-in forms' field rules: what a self-review and a feedback with its plan must hold."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scoring.checkins import (
    ITEMS_MAX,
    NO_METRIC,
    TEXT_MAX,
    Feedback,
    PlanEntry,
    check_feedback,
    check_self_review,
    target_text,
)
from scoring.errors import FieldErrors
from scoring.goal_values import parse_goal_value
from scoring.metrics import Unit

BANDS = ("Exceeds", "Meets", "Partially meets", "Below")
METRICS: dict[str, Unit] = {"revenue": "money", "new_customers": "count", "repurchase_rate": "percent", "csat": "score"}
TODAY = date(2026, 11, 24)


def review(**changes: str | None) -> dict[str, str | None]:
    return {"wins": "Won Globex", "challenges": "Slow month", "support": None, "rating": "Meets", **changes}


def feedback(**changes: str | None) -> dict[str, str | None]:
    return {
        "strengths": "Discovery",
        "improve": "Qualifying",
        "item1_action": "Close two new customers",
        "item1_metric": "new_customers",
        "item1_target": "2",
        "item1_due": "2026-12-31",
        **changes,
    }


def check(fields: dict[str, str | None], items: int = 1) -> Feedback:
    return check_feedback(fields, items=items, metrics=METRICS, currency="USD", today=TODAY)


def test_a_complete_self_review_is_read_with_its_optional_support_empty():
    assert check_self_review(review(), bands=BANDS).content() == {
        "wins": "Won Globex",
        "challenges": "Slow month",
        "support": "",
        "rating": "Meets",
    }


def test_every_wrong_self_review_field_is_named_at_once():
    with pytest.raises(FieldErrors) as raised:
        check_self_review(review(wins="", challenges="x" * (TEXT_MAX + 1), rating="Great"), bands=BANDS)
    assert set(raised.value.errors) == {"wins", "challenges", "rating"}
    assert all("e.g." in message for message in raised.value.errors.values())


def test_a_plan_item_without_a_metric_needs_no_target_and_empty_rows_are_no_items():
    fields = feedback(item1_metric=NO_METRIC, item1_target=None)
    fields |= {"item2_action": "", "item2_metric": NO_METRIC, "item2_target": "", "item2_due": None}
    assert check(fields, items=2).plan == (PlanEntry("Close two new customers", None, None, date(2026, 12, 31)),)


def test_a_plan_item_due_today_is_accepted_and_yesterday_refused():
    assert check(feedback(item1_due=TODAY.isoformat())).plan[0].due == TODAY
    with pytest.raises(FieldErrors) as raised:
        check(feedback(item1_due="2026-11-23"))
    assert raised.value.errors == {"item1_due": "2026-11-23 is in the past: pick today (2026-11-24) or later."}


@pytest.mark.parametrize(
    ("metric", "typed", "stored"),
    [
        ("revenue", "12.5k", Decimal("12500.00")),
        ("revenue", "$12,500", Decimal("12500.00")),
        ("new_customers", "3", Decimal(3)),
        ("repurchase_rate", "60%", Decimal("0.6")),
        ("csat", "4.5", Decimal("4.5")),
    ],
)
def test_a_target_is_read_in_its_metrics_unit(metric: str, typed: str, stored: Decimal):
    assert check(feedback(item1_metric=metric, item1_target=typed)).plan[0].target == stored


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"item1_target": "two"}, "item1_target"),
        ({"item1_target": "2.5"}, "item1_target"),
        ({"item1_metric": "repurchase_rate", "item1_target": "160%"}, "item1_target"),
        ({"item1_metric": "training"}, "item1_metric"),
        ({"item1_metric": NO_METRIC, "item1_target": "2"}, "item1_target"),
        ({"item1_due": "31/12/2026"}, "item1_due"),
        ({"item1_action": "a" * 301}, "item1_action"),
    ],
)
def test_a_wrong_plan_field_is_named(changes: dict[str, str | None], field: str):
    with pytest.raises(FieldErrors) as raised:
        check(feedback(**changes))
    assert list(raised.value.errors) == [field]


def test_a_feedback_needs_at_least_one_plan_item():
    empty = {"item1_action": None, "item1_metric": None, "item1_target": None, "item1_due": None}
    with pytest.raises(FieldErrors) as raised:
        check(feedback(**empty))
    assert "at least one item" in raised.value.errors["item1_action"]


def test_rows_past_the_limit_are_not_read():
    fields = feedback(**{f"item{ITEMS_MAX + 1}_action": "sneaky", f"item{ITEMS_MAX + 1}_due": "2026-12-01"})
    assert len(check(fields, items=ITEMS_MAX + 1).plan) == 1


@given(
    unit_metric=st.sampled_from(sorted(METRICS.items())),
    value=st.decimals(min_value=Decimal("0.01"), max_value=Decimal("100000"), places=2),
)
def test_a_stored_target_shown_again_in_the_form_reads_back_the_same(unit_metric: tuple[str, Unit], value: Decimal):
    metric, unit = unit_metric
    if unit == "count":
        value = value.to_integral_value() or Decimal(1)
    if unit == "percent":
        value = min(value / 100000, Decimal(1)) or Decimal("0.01")
    if unit == "score":
        value = Decimal(1) + (value % 4)
    stored = parse_goal_value(target_text(value, unit), metric_name=metric, currency="USD", example="")
    assert stored == value
