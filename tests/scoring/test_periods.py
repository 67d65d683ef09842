"""Months, fiscal quarters, period text as people type it, and working days."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring.errors import InputError
from scoring.periods import (
    Cadence,
    Calendar,
    Period,
    following,
    month_of,
    parse_period,
    period_forms,
    period_of,
    previous,
    quarter_of,
    working_days,
    working_days_elapsed,
)

FAST = settings(max_examples=60, deadline=None, database=None)
THOROUGH = settings(max_examples=120, deadline=None, database=None)

MON_FRI = Calendar()
APRIL_FY = Calendar(fiscal_year_start_month=4)
OCTOBER_FY = Calendar(fiscal_year_start_month=10)
FRI_SAT = Calendar(weekend=frozenset({4, 5}))  # Friday–Saturday weekend, common in the Middle East
TODAY = date(2026, 11, 24)  # a Tuesday


def parse(text: str, *, today: date = TODAY, cadence: Cadence = "month", calendar: Calendar = MON_FRI) -> Period:
    return parse_period(text, today=today, cadence=cadence, calendar=calendar)


def refused(text: str, calendar: Calendar = MON_FRI, cadence: Cadence = "month") -> InputError:
    with pytest.raises(InputError) as caught:
        parse(text, cadence=cadence, calendar=calendar)
    error = caught.value
    assert error.message
    assert error.field == "period"
    assert error.example is not None
    assert error.example.startswith("/progress ")
    # the example is one complete command whose period is read back as the current one
    assert parse(error.example.removeprefix("/progress "), cadence=cadence, calendar=calendar) == period_of(
        TODAY, cadence, calendar
    )
    return error


def naive_working_days(start: date, end: date, calendar: Calendar) -> int:
    count, day = 0, start
    while day <= end:
        count += calendar.is_working_day(day)
        day += timedelta(days=1)
    return count


# --- months and quarters ----------------------------------------------------------------------------


def test_a_month_keeps_its_existing_key_label_and_bounds() -> None:
    november = month_of(date(2026, 11, 24))
    assert (november.start, november.end) == (date(2026, 11, 1), date(2026, 11, 30))
    assert november.key == "2026-11"
    assert november.label == "November 2026"
    assert date(2026, 11, 30) in november and date(2026, 12, 1) not in november
    assert "2026-11-15" not in november


def test_period_of_a_month_is_month_of_whatever_the_fiscal_year() -> None:
    assert period_of(date(2026, 11, 24), "month") == month_of(date(2026, 11, 24))
    assert period_of(date(2026, 11, 24), "month", APRIL_FY) == month_of(date(2026, 11, 24))


def test_february_has_29_days_in_leap_years_only() -> None:
    assert month_of(date(2028, 2, 10)).end == date(2028, 2, 29)
    assert month_of(date(2026, 2, 10)).end == date(2026, 2, 28)
    assert month_of(date(2000, 2, 1)).end == date(2000, 2, 29)
    assert month_of(date(2100, 2, 1)).end == date(2100, 2, 28)


def test_december_ends_on_new_years_eve_and_january_follows() -> None:
    december = month_of(date(2026, 12, 31))
    assert december.end == date(2026, 12, 31)
    assert following(december, "month", MON_FRI) == month_of(date(2027, 1, 1))
    assert previous(month_of(date(2027, 1, 1)), "month", MON_FRI) == december


def test_calendar_quarters_have_plain_keys_and_labels() -> None:
    q4 = quarter_of(date(2026, 11, 24), MON_FRI)
    assert (q4.start, q4.end) == (date(2026, 10, 1), date(2026, 12, 31))
    assert q4.key == "2026-Q4"
    assert q4.label == "Q4 2026 (Oct–Dec)"
    assert quarter_of(date(2028, 2, 29), MON_FRI).key == "2028-Q1"
    assert quarter_of(date(2026, 3, 31), MON_FRI).end == date(2026, 3, 31)
    assert quarter_of(date(2026, 4, 1), MON_FRI).key == "2026-Q2"


@pytest.mark.parametrize(
    ("day", "key", "label", "start", "end"),
    [
        (date(2027, 1, 15), "FY2026-Q4", "FY2026 Q4 (Jan–Mar 2027)", date(2027, 1, 1), date(2027, 3, 31)),
        (date(2027, 3, 31), "FY2026-Q4", "FY2026 Q4 (Jan–Mar 2027)", date(2027, 1, 1), date(2027, 3, 31)),
        (date(2026, 4, 1), "FY2026-Q1", "FY2026 Q1 (Apr–Jun 2026)", date(2026, 4, 1), date(2026, 6, 30)),
        (date(2026, 12, 31), "FY2026-Q3", "FY2026 Q3 (Oct–Dec 2026)", date(2026, 10, 1), date(2026, 12, 31)),
    ],
)
def test_a_fiscal_year_starting_in_april_is_named_by_the_year_it_starts(
    day: date, key: str, label: str, start: date, end: date
) -> None:
    quarter = quarter_of(day, APRIL_FY)
    assert (quarter.key, quarter.label, quarter.start, quarter.end) == (key, label, start, end)


@pytest.mark.parametrize(
    ("day", "key", "label"),
    [
        (date(2027, 1, 15), "FY2026-Q2", "FY2026 Q2 (Jan–Mar 2027)"),
        (date(2027, 3, 31), "FY2026-Q2", "FY2026 Q2 (Jan–Mar 2027)"),
        (date(2027, 4, 1), "FY2026-Q3", "FY2026 Q3 (Apr–Jun 2027)"),
        (date(2026, 12, 31), "FY2026-Q1", "FY2026 Q1 (Oct–Dec 2026)"),
        (date(2026, 9, 30), "FY2025-Q4", "FY2025 Q4 (Jul–Sep 2026)"),
    ],
)
def test_a_fiscal_year_starting_in_october_is_named_by_the_year_it_starts(day: date, key: str, label: str) -> None:
    quarter = quarter_of(day, OCTOBER_FY)
    assert (quarter.key, quarter.label) == (key, label)


def test_a_fiscal_quarter_across_new_year_names_both_years() -> None:
    quarter = quarter_of(date(2027, 1, 31), Calendar(fiscal_year_start_month=11))
    assert (quarter.start, quarter.end) == (date(2026, 11, 1), date(2027, 1, 31))
    assert quarter.key == "FY2026-Q1"
    assert quarter.label == "FY2026 Q1 (Nov 2026–Jan 2027)"


def test_previous_and_following_quarters_cross_fiscal_years() -> None:
    q4 = quarter_of(date(2027, 2, 1), APRIL_FY)
    assert following(q4, "quarter", APRIL_FY).key == "FY2027-Q1"
    assert previous(quarter_of(date(2026, 4, 1), APRIL_FY), "quarter", APRIL_FY).key == "FY2025-Q4"


def test_previous_quarter_of_a_month_is_the_quarter_before_the_one_containing_it() -> None:
    assert previous(month_of(date(2026, 11, 1)), "quarter", MON_FRI).key == "2026-Q3"
    assert following(month_of(date(2026, 11, 1)), "quarter", MON_FRI).key == "2027-Q1"


# --- calendar validation ----------------------------------------------------------------------------


@pytest.mark.parametrize("month", [0, 13, -1, True])
def test_a_fiscal_start_month_outside_1_to_12_is_refused(month: int) -> None:
    with pytest.raises(ValueError, match="fiscal_year_start_month"):
        Calendar(fiscal_year_start_month=month)


def test_a_weekend_of_all_seven_days_is_refused() -> None:
    with pytest.raises(ValueError, match="all 7 days"):
        Calendar(weekend=frozenset(range(7)))


@pytest.mark.parametrize("weekend", [frozenset({7}), frozenset({-1, 5})])
def test_weekend_numbers_outside_0_to_6_are_refused(weekend: frozenset[int]) -> None:
    with pytest.raises(ValueError, match="0 \\(Monday\\) to 6 \\(Sunday\\)"):
        Calendar(weekend=weekend)


def test_an_empty_weekend_is_allowed_and_every_day_works() -> None:
    assert working_days(date(2026, 11, 1), date(2026, 11, 30), Calendar(weekend=frozenset())) == 30


def test_calendars_compare_and_hash_by_their_settings() -> None:
    assert Calendar(weekend=frozenset({5, 6})) == MON_FRI
    assert hash(Calendar()) == hash(MON_FRI)
    assert dataclasses.replace(MON_FRI, fiscal_year_start_month=4) == APRIL_FY


# --- parsing ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("2026-11", "2026-11"),
        ("2026-1", "2026-01"),
        ("2028-02", "2028-02"),
        ("2026-Q4", "2026-Q4"),
        ("2026-q1", "2026-Q1"),
        ("  2026-Q4  ", "2026-Q4"),
        ("2026 Q4", "2026-Q4"),
        ("2026Q4", "2026-Q4"),
        ("Q4 2026", "2026-Q4"),
        ("FY2026-Q2", "2026-Q2"),
        ("２０２６－Ｑ４", "2026-Q4"),
        ("２０２６－１１", "2026-11"),
        ("2026–11", "2026-11"),
        ("2000-01", "2000-01"),
        ("2100-12", "2100-12"),
    ],
)
def test_months_and_calendar_quarters_are_read_in_every_accepted_spelling(text: str, key: str) -> None:
    assert parse(text).key == key


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("2026-Q1", "FY2026-Q1"),
        ("FY2026-Q1", "FY2026-Q1"),
        ("fy2026-q4", "FY2026-Q4"),
        ("FY 2026 Q3", "FY2026-Q3"),
        ("Q2 FY2026", "FY2026-Q2"),
        ("ＦＹ２０２６－Ｑ１", "FY2026-Q1"),
        ("2026-11", "2026-11"),
    ],
)
def test_with_a_fiscal_year_a_quarter_is_a_fiscal_quarter(text: str, key: str) -> None:
    assert parse(text, calendar=APRIL_FY).key == key


def test_fiscal_quarter_one_starts_in_the_fiscal_start_month() -> None:
    q1 = parse("2026-Q1", calendar=APRIL_FY)
    assert (q1.start, q1.end, q1.label) == (date(2026, 4, 1), date(2026, 6, 30), "FY2026 Q1 (Apr–Jun 2026)")


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("this-month", "2026-11"),
        ("last-month", "2026-10"),
        ("next-month", "2026-12"),
        ("this-quarter", "2026-Q4"),
        ("last-quarter", "2026-Q3"),
        ("next-quarter", "2027-Q1"),
        ("this-period", "2026-11"),
        ("last-period", "2026-10"),
        ("next-period", "2026-12"),
        ("This-Month", "2026-11"),
        ("  LAST-QUARTER ", "2026-Q3"),
        ("last month", "2026-10"),
        ("last_month", "2026-10"),
        ("ｌａｓｔ－ｍｏｎｔｈ", "2026-10"),
    ],
)
def test_relative_forms_are_read_against_today(text: str, key: str) -> None:
    assert parse(text).key == key


def test_this_and_last_period_follow_the_cadence() -> None:
    assert parse("this-period", cadence="quarter").key == "2026-Q4"
    assert parse("last-period", cadence="quarter").key == "2026-Q3"
    assert parse("last-period", cadence="quarter", calendar=APRIL_FY).key == "FY2026-Q2"


def test_relative_forms_cross_the_year_boundary_in_early_january() -> None:
    early_january = date(2026, 1, 5)
    last_month = parse("last-month", today=early_january)
    assert last_month.label == "December 2025"
    assert (last_month.start, last_month.end) == (date(2025, 12, 1), date(2025, 12, 31))
    last_quarter = parse("last-quarter", today=early_january)
    assert last_quarter.key == "2025-Q4"
    assert last_quarter.label == "Q4 2025 (Oct–Dec)"
    assert parse("next-month", today=date(2026, 12, 31)).label == "January 2027"


def test_last_quarter_in_a_fiscal_year_can_be_in_the_previous_fiscal_year() -> None:
    assert parse("last-quarter", today=date(2026, 4, 2), calendar=APRIL_FY).key == "FY2025-Q4"
    assert parse("this-quarter", today=date(2026, 1, 5), calendar=APRIL_FY).key == "FY2025-Q4"


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("2026-13", "no month 13"),
        ("2026-00", "no month 00"),
        ("2026-Q5", "no quarter Q5"),
        ("2026-Q0", "no quarter Q0"),
        ("1999-12", "1999"),
        ("2101-01", "2101"),
        ("1999-Q4", "1999"),
        ("FY2101-Q1", "2101"),
        ("", "Which period"),
        ("   ", "Which period"),
        ("November", "isn't a period"),
        ("26-11", "isn't a period"),
        ("2026-11-24", "isn't a period"),
        ("2026/11", "isn't a period"),
        ("-2026-Q4", "isn't a period"),
        ("yesterday", "isn't a period"),
        ("last-year", "isn't a period"),
        ("x" * 200, "too long"),
    ],
)
def test_bad_period_text_is_refused_with_a_reason_and_an_example(text: str, words: str) -> None:
    assert words in refused(text).message


def test_the_example_is_one_command_with_the_current_periods_key_in_the_cadence_asked_for() -> None:
    assert refused("soon").example == "/progress 2026-11"
    assert refused("soon", cadence="quarter").example == "/progress 2026-Q4"
    assert refused("soon", calendar=APRIL_FY, cadence="quarter").example == "/progress FY2026-Q3"
    assert refused("soon", calendar=APRIL_FY).example == "/progress 2026-11"


def test_the_accepted_forms_show_this_months_and_this_quarters_keys() -> None:
    assert period_forms(today=TODAY) == "2026-11, 2026-Q4, this-month or last-quarter"
    assert period_forms(today=TODAY, calendar=APRIL_FY) == "2026-11, FY2026-Q3, this-month or last-quarter"


# --- working days -----------------------------------------------------------------------------------


def test_november_2026_has_21_working_days_monday_to_friday() -> None:
    november = month_of(TODAY)
    assert working_days(november.start, november.end, MON_FRI) == 21
    assert working_days_elapsed(november, TODAY, MON_FRI) == 17


def test_a_friday_saturday_weekend_works_sundays_and_rests_fridays() -> None:
    november = month_of(TODAY)
    # November 2026 has 4 Fridays and 4 Saturdays.
    assert working_days(november.start, november.end, FRI_SAT) == 22
    assert FRI_SAT.is_working_day(date(2026, 11, 22))  # Sunday
    assert not FRI_SAT.is_working_day(date(2026, 11, 27))  # Friday
    assert working_days(date(2026, 11, 27), date(2026, 11, 28), FRI_SAT) == 0


def test_holidays_on_working_days_are_subtracted_once() -> None:
    thanksgiving = date(2026, 11, 26)
    calendar = Calendar(holidays=frozenset({thanksgiving, date(2026, 11, 27)}))
    november = month_of(TODAY)
    assert not calendar.is_working_day(thanksgiving)
    assert working_days(november.start, november.end, calendar) == 19


def test_a_holiday_on_a_saturday_is_not_subtracted_twice() -> None:
    saturday = date(2026, 11, 28)
    calendar = Calendar(holidays=frozenset({saturday}))
    assert working_days(date(2026, 11, 1), date(2026, 11, 30), calendar) == 21


def test_a_holiday_outside_the_range_changes_nothing() -> None:
    calendar = Calendar(holidays=frozenset({date(2026, 12, 25), date(2026, 10, 30)}))
    assert working_days(date(2026, 11, 1), date(2026, 11, 30), calendar) == 21


def test_working_days_span_years() -> None:
    new_year = Calendar(holidays=frozenset({date(2027, 1, 1)}))
    assert working_days(date(2026, 12, 28), date(2027, 1, 8), MON_FRI) == 10
    assert working_days(date(2026, 12, 28), date(2027, 1, 8), new_year) == 9
    assert working_days(date(2024, 1, 1), date(2024, 12, 31), MON_FRI) == 262
    assert working_days(date(2000, 1, 1), date(2029, 12, 31), MON_FRI) == 7826


def test_working_days_of_an_empty_or_reversed_range_is_zero() -> None:
    assert working_days(date(2026, 11, 25), date(2026, 11, 24), MON_FRI) == 0
    assert working_days(date(2026, 11, 24), date(2026, 11, 24), MON_FRI) == 1
    assert working_days(date(2026, 11, 28), date(2026, 11, 28), MON_FRI) == 0


def test_working_days_elapsed_is_clamped_to_the_period() -> None:
    november = month_of(TODAY)
    assert working_days_elapsed(november, date(2026, 10, 31), MON_FRI) == 0
    assert working_days_elapsed(november, date(2026, 11, 1), MON_FRI) == 0  # a Sunday
    assert working_days_elapsed(november, date(2026, 11, 2), MON_FRI) == 1
    assert working_days_elapsed(november, date(2026, 11, 30), MON_FRI) == 21
    assert working_days_elapsed(november, date(2027, 6, 1), MON_FRI) == 21


# --- properties -------------------------------------------------------------------------------------

days = st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31))
cadences = st.sampled_from(["month", "quarter"])
fiscal_starts = st.integers(min_value=1, max_value=12)


@st.composite
def calendars(draw: st.DrawFn) -> Calendar:
    weekend = draw(st.frozensets(st.integers(min_value=0, max_value=6), max_size=6))
    start = draw(st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31)))
    offsets = draw(st.frozensets(st.integers(min_value=0, max_value=900), max_size=12))
    holidays = frozenset(start + timedelta(days=n) for n in offsets)
    return Calendar(fiscal_year_start_month=draw(fiscal_starts), weekend=weekend, holidays=holidays)


@THOROUGH
@given(
    calendar=calendars(),
    start=st.dates(min_value=date(2020, 1, 1), max_value=date(2032, 12, 31)),
    length=st.integers(min_value=-5, max_value=800),
)
def test_working_days_equals_a_day_by_day_count(calendar: Calendar, start: date, length: int) -> None:
    end = start + timedelta(days=length)
    assert working_days(start, end, calendar) == naive_working_days(start, end, calendar)


@FAST
@given(day=days, cadence=cadences, fiscal_start=fiscal_starts)
def test_every_day_lies_in_exactly_one_period_and_periods_tile_the_calendar(
    day: date, cadence: Cadence, fiscal_start: int
) -> None:
    calendar = Calendar(fiscal_year_start_month=fiscal_start)
    period = period_of(day, cadence, calendar)
    before = previous(period, cadence, calendar)
    after = following(period, cadence, calendar)
    assert day in period
    assert day not in before and day not in after
    assert before.end + timedelta(days=1) == period.start
    assert period.end + timedelta(days=1) == after.start
    assert previous(after, cadence, calendar) == period
    assert following(before, cadence, calendar) == period
    assert period_of(period.start, cadence, calendar) == period == period_of(period.end, cadence, calendar)
    assert len({before.key, period.key, after.key}) == 3


@FAST
@given(day=days, cadence=cadences, fiscal_start=fiscal_starts)
def test_a_periods_key_parses_back_to_the_period(day: date, cadence: Cadence, fiscal_start: int) -> None:
    calendar = Calendar(fiscal_year_start_month=fiscal_start)
    period = period_of(day, cadence, calendar)
    if cadence == "quarter" and not 2000 <= int(period.key.removeprefix("FY")[:4]) <= 2100:
        return  # e.g. FY1999 Q4 starts in 2000 but its fiscal year is out of range
    assert parse_period(period.key, today=TODAY, cadence="month", calendar=calendar) == period
    assert parse_period(period.key.lower(), today=TODAY, cadence="quarter", calendar=calendar) == period
