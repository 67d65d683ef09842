"""Nudge and digest times: local wall-clock times on local working days, across DST changes."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring.periods import Calendar
from scoring.schedule import at_local, latest_due, next_digest, next_nudge, parse_local_time

ZONES = [
    "Asia/Shanghai",
    "Asia/Kolkata",
    "Europe/London",
    "America/New_York",
    "America/Havana",
    "Australia/Lord_Howe",
    "Pacific/Auckland",
    "America/Sao_Paulo",
    "UTC",
]
WEEKDAYS = Calendar()
HOLIDAYS = Calendar(holidays=frozenset({date(2026, 12, 25), date(2026, 3, 9), date(2026, 11, 2)}))
GULF = Calendar(weekend=frozenset({4, 5}))

zones = st.sampled_from(ZONES).map(ZoneInfo)
times = st.builds(time, st.integers(0, 23), st.sampled_from([0, 15, 30, 45]))
calendars = st.sampled_from([WEEKDAYS, HOLIDAYS, GULF])
instants = st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2027, 12, 31)).map(
    lambda d: d.replace(tzinfo=UTC)
)


def in_gap(day: date, at: time, tz: ZoneInfo) -> bool:
    naive = datetime.combine(day, at)
    return naive.replace(tzinfo=tz).astimezone(UTC).astimezone(tz).replace(tzinfo=None) != naive


@settings(max_examples=300, deadline=None)
@given(after=instants, tz=zones, at=times, calendar=calendars)
def test_the_next_nudge_is_later_on_a_local_working_day_at_the_local_time(after, tz, at, calendar):
    found = next_nudge(after, tz, at, calendar)
    local = found.astimezone(tz)
    assert found > after
    assert found.tzinfo is not None and found.utcoffset() == timedelta(0)
    assert calendar.is_working_day(local.date())
    if in_gap(local.date(), at, tz):
        assert local.time() > at  # the first instant after the gap
    else:
        assert local.time() == at
        # an ambiguous time is taken at its first occurrence: an hour earlier it was not yet `at`
        assert (found - timedelta(hours=1)).astimezone(tz).replace(tzinfo=None) != local.replace(tzinfo=None)


@settings(max_examples=60, deadline=None)
@given(start=instants, tz=zones, at=times, calendar=calendars)
def test_iterating_gives_exactly_one_nudge_per_local_working_day(start, tz, at, calendar):
    found = []
    current = start
    end = start + timedelta(days=60)
    while True:
        current = next_nudge(current, tz, at, calendar)
        if current > end:
            break
        found.append(current.astimezone(tz).date())
    first, last = start.astimezone(tz).date() + timedelta(days=1), end.astimezone(tz).date() - timedelta(days=1)
    expected = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    expected = [day for day in expected if calendar.is_working_day(day)]
    assert len(found) == len(set(found))
    assert [day for day in found if first <= day <= last] == expected


def test_havanas_midnight_spring_forward_nudges_at_the_first_instant_after_the_gap():
    havana = ZoneInfo("America/Havana")  # 2026-03-08 00:00 CST → 01:00 CDT
    found = next_nudge(datetime(2026, 3, 7, 12, tzinfo=UTC), havana, time(0, 30), Calendar(weekend=frozenset()))
    assert found == datetime(2026, 3, 8, 5, 0, tzinfo=UTC)
    assert found.astimezone(havana).time() == time(1, 0)


def test_lord_howes_half_hour_fall_back_nudges_at_the_first_occurrence_only():
    lord_howe = ZoneInfo("Australia/Lord_Howe")  # 2026-04-05 02:00 +11 → 01:30 +10:30
    everyday = Calendar(weekend=frozenset())
    found = next_nudge(datetime(2026, 4, 4, 12, tzinfo=UTC), lord_howe, time(1, 45), everyday)
    assert found == datetime(2026, 4, 4, 14, 45, tzinfo=UTC)  # 01:45 +11:00
    following = next_nudge(found, lord_howe, time(1, 45), everyday)
    assert following.astimezone(lord_howe).date() == date(2026, 4, 6)


def test_new_yorks_spring_forward_skips_to_three_oclock():
    new_york = ZoneInfo("America/New_York")
    assert at_local(date(2026, 3, 8), time(2, 30), new_york) == datetime(2026, 3, 8, 7, 0, tzinfo=UTC)


def test_the_digest_is_on_monday_or_the_first_working_day_of_the_week():
    london = ZoneInfo("Europe/London")
    found = next_digest(datetime(2026, 11, 24, 12, tzinfo=UTC), london, time(9), WEEKDAYS)
    assert found == datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    holiday_monday = Calendar(holidays=frozenset({date(2026, 11, 30)}))
    found = next_digest(datetime(2026, 11, 24, 12, tzinfo=UTC), london, time(9), holiday_monday)
    assert found == datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


@settings(max_examples=100, deadline=None)
@given(after=instants, tz=zones, at=times, calendar=calendars)
def test_the_digest_comes_once_a_week_on_its_first_working_day(after, tz, at, calendar):
    first = next_digest(after, tz, at, calendar)
    second = next_digest(first, tz, at, calendar)
    day, following = first.astimezone(tz).date(), second.astimezone(tz).date()
    assert first > after and calendar.is_working_day(day)
    assert all(not calendar.is_working_day(day - timedelta(days=n)) for n in range(1, day.weekday() + 1))
    assert following.isocalendar()[:2] != day.isocalendar()[:2]


def test_after_downtime_only_the_latest_missed_nudge_is_due():
    new_york = ZoneInfo("America/New_York")

    def step(instant: datetime) -> datetime:
        return next_nudge(instant, new_york, time(9), WEEKDAYS)

    missed = datetime(2026, 11, 16, 14, tzinfo=UTC)  # Monday 09:00 EST
    now = datetime(2026, 11, 19, 18, tzinfo=UTC)  # Thursday 13:00 EST
    assert latest_due(missed, now, step) == datetime(2026, 11, 19, 14, tzinfo=UTC)
    assert latest_due(missed, datetime(2026, 11, 16, 14, tzinfo=UTC), step) == missed
    long_ago = datetime(2026, 1, 5, 14, tzinfo=UTC)
    assert latest_due(long_ago, now, step) == datetime(2026, 11, 19, 14, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("8:30", time(8, 30)),
        ("08:30", time(8, 30)),
        ("8:30am", time(8, 30)),
        ("8:30 AM", time(8, 30)),
        ("8.30pm", time(20, 30)),
        ("9am", time(9, 0)),
        ("12am", time(0, 0)),
        ("12pm", time(12, 0)),
        ("17h", time(17, 0)),
        ("1730", time(17, 30)),
        ("０８:３０", time(8, 30)),  # full-width digits
        ("24:00", None),
        ("8:60", None),
        ("13pm", None),
        ("8:5", None),
        ("soon", None),
        ("", None),
    ],
)
def test_local_times_are_read_in_the_usual_spellings(text, expected):
    assert parse_local_time(text) == expected
