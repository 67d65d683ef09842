"""Pace against the straight line of working days, the forecast, and what is needed per day."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring.pace import AHEAD_FROM, BEHIND_FROM, ON_TRACK_FROM, Pace, needed_per_working_day, pace, status_for
from scoring.periods import Calendar, Period, month_of, quarter_of

FAST = settings(max_examples=50, deadline=None, database=None)

MON_FRI = Calendar()
NOVEMBER = month_of(date(2026, 11, 1))
TUESDAY = date(2026, 11, 24)
TARGET = Decimal(100000)


def november_pace(actual: Decimal | int, *, today: date = TUESDAY, target: Decimal | None = TARGET) -> Pace:
    return pace(actual=Decimal(actual), target=target, period=NOVEMBER, today=today, calendar=MON_FRI)


def test_sixty_percent_on_the_seventeenth_of_twenty_one_working_days_is_at_risk() -> None:
    result = november_pace(60000)
    assert (result.working_days_elapsed, result.working_days_total, result.working_days_left) == (17, 21, 4)
    assert result.expected_share == Decimal("0.8095")  # 17 / 21 = 0.809523…
    assert result.actual_share == Decimal("0.6000")
    assert result.pace_index == Decimal("0.7412")  # 0.6 × 21 / 17 = 0.741176…
    assert result.forecast == Decimal("74117.65")  # 60,000 / 17 × 21 = 74,117.647…
    assert result.status == "at risk"


@pytest.mark.parametrize(
    ("actual", "status"),
    [
        (90000, "ahead"),
        (89100, "ahead"),  # the index reaches 1.10 at 89,047.62
        (89000, "on track"),
        (77000, "on track"),  # 0.95 at 76,904.76
        (76800, "behind"),
        (64800, "behind"),  # 0.80 at 64,761.90
        (64700, "at risk"),
    ],
)
def test_status_bands_follow_the_pace_index(actual: int, status: str) -> None:
    assert november_pace(actual).status == status


def test_band_thresholds_are_inclusive_lower_bounds() -> None:
    assert status_for(AHEAD_FROM) == "ahead"
    assert status_for(AHEAD_FROM - Decimal("0.0001")) == "on track"
    assert status_for(ON_TRACK_FROM) == "on track"
    assert status_for(ON_TRACK_FROM - Decimal("0.0001")) == "behind"
    assert status_for(BEHIND_FROM) == "behind"
    assert status_for(BEHIND_FROM - Decimal("0.0001")) == "at risk"


def test_before_the_period_starts_nothing_has_started() -> None:
    result = november_pace(5000, today=date(2026, 10, 20))
    assert result.status == "not started"
    assert result.expected_share == 0
    assert result.pace_index is None
    assert result.actual_share == Decimal("0.0500")
    assert result.forecast == Decimal(5000)
    assert result.working_days_left == 21


def test_a_weekend_before_the_first_working_day_has_not_started_either() -> None:
    result = november_pace(0, today=date(2026, 11, 1))  # Sunday 1 November
    assert (result.status, result.working_days_elapsed, result.pace_index) == ("not started", 0, None)


def test_after_the_period_ends_the_forecast_is_the_actual() -> None:
    result = november_pace(Decimal("98765.43"), today=date(2027, 2, 1))
    assert result.forecast == Decimal("98765.43")
    assert result.expected_share == Decimal("1.0000")
    assert result.pace_index == Decimal("0.9877")
    assert result.status == "on track"
    assert result.working_days_left == 0


@pytest.mark.parametrize("target", [None, Decimal(0)])
def test_without_a_target_there_is_no_share_index_or_band(target: Decimal | None) -> None:
    result = november_pace(60000, target=target)
    assert (result.status, result.actual_share, result.pace_index) == ("no target", None, None)
    assert result.forecast == Decimal("74117.65")
    assert result.expected_share == Decimal("0.8095")


def test_a_negative_target_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="target"):
        november_pace(1, target=Decimal(-1))


def test_holidays_and_weekends_of_the_workspace_shape_the_pace() -> None:
    calendar = Calendar(weekend=frozenset({4, 5}), holidays=frozenset({date(2026, 11, 2)}))
    result = pace(actual=Decimal(50000), target=TARGET, period=NOVEMBER, today=TUESDAY, calendar=calendar)
    # Sun–Thu weekend of Friday–Saturday: 22 working days, one a holiday; 17 worked through Tue 24th.
    assert (result.working_days_total, result.working_days_elapsed) == (21, 17)


def test_a_quarter_uses_its_own_working_days() -> None:
    q4 = quarter_of(TUESDAY, MON_FRI)
    result = pace(actual=Decimal(200000), target=Decimal(330000), period=q4, today=TUESDAY, calendar=MON_FRI)
    # October 22 + November 21 + December 23 working days; 22 + 17 of them through Tuesday 24 November.
    assert (result.working_days_total, result.working_days_elapsed, result.working_days_left) == (66, 39, 27)
    assert result.expected_share == Decimal("0.5909")
    assert result.actual_share == Decimal("0.6061")
    assert result.pace_index == Decimal("1.0256")
    assert result.forecast == Decimal("338461.54")
    assert result.status == "on track"


def test_needed_per_working_day_spreads_what_is_left_over_the_days_left() -> None:
    result = november_pace(60000)
    assert needed_per_working_day(Decimal(60000), TARGET, result) == Decimal("10000.00")


def test_needed_per_working_day_rounds_up_to_the_cent() -> None:
    wednesday = november_pace(0, today=date(2026, 11, 25))
    assert wednesday.working_days_left == 3
    assert needed_per_working_day(Decimal(0), Decimal(100), wednesday) == Decimal("33.34")


def test_nothing_is_needed_once_the_target_is_met() -> None:
    assert needed_per_working_day(TARGET, TARGET, november_pace(TARGET)) == 0
    over = november_pace(120000, today=date(2027, 1, 4))
    assert needed_per_working_day(Decimal(120000), TARGET, over) == 0


def test_nothing_can_be_asked_per_day_without_a_target_or_days_left() -> None:
    assert needed_per_working_day(Decimal(1), None, november_pace(1, target=None)) is None
    assert needed_per_working_day(Decimal(1), Decimal(0), november_pace(1, target=Decimal(0))) is None
    ended = november_pace(1, today=date(2026, 12, 1))
    assert needed_per_working_day(Decimal(1), TARGET, ended) is None


# --- properties -------------------------------------------------------------------------------------

STATUS_ORDER = {"at risk": 0, "behind": 1, "on track": 2, "ahead": 3}
CENT = Decimal("0.01")
amounts = st.integers(min_value=0, max_value=10**11).map(lambda cents: cents * CENT)
targets = st.integers(min_value=1, max_value=10**11).map(lambda cents: cents * CENT)
days = st.dates(min_value=date(2025, 6, 1), max_value=date(2028, 6, 30))
calendars = st.builds(
    Calendar,
    fiscal_year_start_month=st.integers(min_value=1, max_value=12),
    weekend=st.frozensets(st.integers(min_value=0, max_value=6), max_size=6),
    holidays=st.frozensets(st.dates(min_value=date(2026, 1, 1), max_value=date(2027, 12, 31)), max_size=8),
)


@st.composite
def periods(draw: st.DrawFn, calendar: Calendar) -> Period:
    day = draw(st.dates(min_value=date(2026, 1, 1), max_value=date(2027, 12, 31)))
    return month_of(day) if draw(st.booleans()) else quarter_of(day, calendar)


@FAST
@given(data=st.data(), calendar=calendars, actual=amounts, target=st.none() | targets, today=days)
def test_the_forecast_is_never_below_a_non_negative_actual_once_work_has_started(
    data: st.DataObject, calendar: Calendar, actual: Decimal, target: Decimal | None, today: date
) -> None:
    period = data.draw(periods(calendar))
    result = pace(actual=actual, target=target, period=period, today=today, calendar=calendar)
    assert 0 <= result.expected_share <= 1
    assert result.working_days_elapsed + result.working_days_left == result.working_days_total
    if result.working_days_elapsed > 0:
        assert result.forecast >= actual
    else:
        assert result.forecast == actual


@FAST
@given(
    data=st.data(), calendar=calendars, actuals=st.lists(amounts, min_size=2, max_size=4), target=targets, today=days
)
def test_more_actual_never_gives_a_worse_status(
    data: st.DataObject, calendar: Calendar, actuals: list[Decimal], target: Decimal, today: date
) -> None:
    period = data.draw(periods(calendar))
    results = [pace(actual=a, target=target, period=period, today=today, calendar=calendar) for a in sorted(actuals)]
    statuses = {r.status for r in results}
    if statuses & {"not started", "no target"}:
        assert len(statuses) == 1
        return
    ranks = [STATUS_ORDER[r.status] for r in results]
    assert ranks == sorted(ranks)


@FAST
@given(data=st.data(), calendar=calendars, today=days, step=st.integers(min_value=1, max_value=120))
def test_expected_share_never_falls_as_today_advances(
    data: st.DataObject, calendar: Calendar, today: date, step: int
) -> None:
    period = data.draw(periods(calendar))
    earlier = pace(actual=Decimal(1), target=Decimal(2), period=period, today=today, calendar=calendar)
    later = pace(
        actual=Decimal(1), target=Decimal(2), period=period, today=today + timedelta(days=step), calendar=calendar
    )
    assert earlier.expected_share <= later.expected_share
    assert earlier.working_days_elapsed <= later.working_days_elapsed
