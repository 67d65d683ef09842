"""Improvement-plan items: due soon within 3 working days, overdue after the date, progress over the item's
window, and the outcome at the next check-in — exactly, in Decimals."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from scoring.coaching import RULES_BY_ID, firing
from scoring.periods import Calendar, working_days
from scoring.plans import DUE_SOON_WORKING_DAYS, Progress, outcome, progress, state, track, window
from tests.scoring.test_coaching import TUESDAY, signals

PROPERTY = settings(max_examples=200, deadline=None, database=None)
MON_FRI = Calendar()
WEDNESDAY = date(2026, 12, 9)
FRIDAY = date(2026, 12, 11)


def test_an_item_due_within_three_working_days_is_due_soon_and_after_its_date_overdue() -> None:
    assert state(FRIDAY, WEDNESDAY, MON_FRI) == "due soon"  # Thursday, Friday
    assert state(FRIDAY, FRIDAY, MON_FRI) == "due soon"  # due today
    assert state(date(2026, 12, 14), WEDNESDAY, MON_FRI) == "due soon"  # Thu, Fri, Mon
    assert state(date(2026, 12, 15), WEDNESDAY, MON_FRI) == "open"  # Thu, Fri, Mon, Tue
    assert state(FRIDAY, FRIDAY + timedelta(days=1), MON_FRI) == "overdue"


def test_a_holiday_does_not_count_towards_due_soon() -> None:
    holiday = Calendar(holidays=frozenset({date(2026, 12, 14)}))
    assert state(date(2026, 12, 15), WEDNESDAY, holiday) == "due soon"  # Thu, Fri, (Mon off), Tue


@PROPERTY
@given(
    st.dates(date(2026, 1, 1), date(2027, 12, 31)),
    st.integers(-30, 30),
    st.frozensets(st.dates(date(2026, 1, 1), date(2027, 12, 31)), max_size=5),
)
def test_the_state_follows_the_working_days_left(today: date, offset: int, holidays: frozenset[date]) -> None:
    calendar = Calendar(holidays=holidays)
    due = today + timedelta(days=offset)
    found = state(due, today, calendar)
    if due < today:
        assert found == "overdue"
    else:
        left = working_days(today + timedelta(days=1), due, calendar)
        assert found == ("due soon" if left <= DUE_SOON_WORKING_DAYS else "open")


def test_progress_is_measured_from_the_day_the_item_was_set_to_its_due_date_cut_at_today() -> None:
    set_on = date(2026, 12, 2)
    assert window(set_on, FRIDAY, WEDNESDAY) is not None
    shown = window(set_on, FRIDAY, WEDNESDAY)
    assert shown is not None and (shown.start, shown.end) == (set_on, WEDNESDAY)
    later = window(set_on, FRIDAY, date(2026, 12, 20))
    assert later is not None and later.end == FRIDAY
    assert window(set_on, FRIDAY, date(2026, 12, 1)) is None


def test_progress_is_the_actual_against_the_target_and_reached_at_the_target() -> None:
    assert progress("activities:demo", Decimal(10), Decimal(4)) == Progress(actual=Decimal(4), target=Decimal(10))
    assert Progress(Decimal(4), Decimal(10)).fraction == Decimal("0.4")
    assert not Progress(Decimal("9.99"), Decimal(10)).reached
    assert Progress(Decimal(10), Decimal(10)).reached
    assert progress(None, None, Decimal(3)) is None
    assert progress("revenue", None, Decimal(3)) is None


def test_an_item_naming_a_metric_is_met_at_its_target_and_missed_below_it() -> None:
    assert outcome("revenue", Decimal("10000.00"), Decimal("10000.00")) == ("met", Decimal("10000.00"))
    assert outcome("revenue", Decimal("10000.00"), Decimal("9999.99")) == ("missed", Decimal("9999.99"))


def test_an_item_without_a_metric_or_target_is_reported() -> None:
    assert outcome(None, None, None) == ("reported", None)
    assert outcome("csat", None, Decimal("4.2")) == ("reported", Decimal("4.2"))
    assert outcome("csat", Decimal("4.5"), None) == ("reported", None)


@PROPERTY
@given(
    st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False),
    st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False),
)
def test_the_outcome_is_exact_met_iff_the_actual_reaches_the_target(target: Decimal, actual: Decimal) -> None:
    found, kept = outcome("revenue", target, actual)
    assert kept == actual
    assert (found == "met") == (actual >= target)
    assert (found == "met") == progress("revenue", target, actual).reached  # type: ignore[union-attr]


# --- the coaching rules -----------------------------------------------------------------------------


def _item(
    action: str,
    due: date,
    *,
    metric: str | None = "activities:demo",
    target: str | None = "10",
    actual: str | None = "4",
):
    return track(
        action=action,
        metric=metric,
        target=Decimal(target) if target is not None else None,
        due=due,
        today=TUESDAY,
        calendar=MON_FRI,
        actual=Decimal(actual) if actual is not None else None,
    )


def test_a_plan_item_due_soon_prompts_with_its_progress_as_evidence() -> None:
    friday = TUESDAY + timedelta(days=3)
    s = dataclasses.replace(signals(), plan=(_item("Book 10 demos", friday),))
    prompt = next(p for p in firing(s) if p.rule_id == "plan-item-due-soon")
    assert prompt.evidence == "Plan item 'Book 10 demos' is due Friday 27 November: 4 of 10 demos so far"
    assert "Dana" in prompt.manager_suggestion


def test_an_overdue_plan_item_outranks_a_due_soon_one_and_says_how_late_it_is() -> None:
    friday_before = TUESDAY - timedelta(days=4)
    s = dataclasses.replace(
        signals(),
        plan=(
            _item("Book 10 demos", TUESDAY),
            _item("Call *every* lapsed <!channel> account", friday_before, metric=None, target=None, actual=None),
        ),
    )
    fired = [p.rule_id for p in firing(s)]
    assert fired.index("plan-item-overdue") < fired.index("plan-item-due-soon")
    overdue = next(p for p in firing(s) if p.rule_id == "plan-item-overdue")
    assert overdue.evidence == (
        "Plan item 'Call every lapsed !channel account' was due Friday 20 November, 1 working day ago: "
        "nothing to measure, so bring how it went to your manager"
    )
    assert RULES_BY_ID["plan-item-overdue"].priority > RULES_BY_ID["plan-item-due-soon"].priority


def test_a_plan_item_already_at_its_target_or_far_from_its_date_does_not_prompt() -> None:
    reached = _item("Book 10 demos", TUESDAY, actual="10")
    far = _item("Book 10 demos", TUESDAY + timedelta(days=14))
    s = dataclasses.replace(signals(), plan=(reached, far))
    assert not {"plan-item-overdue", "plan-item-due-soon"} & {p.rule_id for p in firing(s)}


@PROPERTY
@given(st.text(max_size=300), st.integers(-10, 10))
def test_plan_prompts_are_plain_text_whatever_the_manager_typed(action: str, offset: int) -> None:
    s = dataclasses.replace(signals(), plan=(_item(action, TUESDAY + timedelta(days=offset)),))
    for p in firing(s):
        for text in (p.headline, p.evidence, p.suggestion, p.manager_suggestion):
            assert text.strip()
            assert not any(mark in text for mark in ("<", ">", "&", "*", "`", "~", "_")), text
