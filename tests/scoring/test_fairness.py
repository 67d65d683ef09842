"""The fairness report's figures: quartiles, uphold rates, time to decision, overdue counts, score spread."""

from __future__ import annotations

import statistics
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scoring.fairness import (
    STATUSES,
    AppealFacts,
    AppealStats,
    distribution,
    grouped,
    median,
    percent,
    quartiles,
    working_days_to_decide,
)
from scoring.fairness import appeal_stats as stats_of
from scoring.periods import Calendar

UTC_ZONE = ZoneInfo("UTC")
WEEKDAYS = Calendar()
MONDAY = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
D = Decimal

scores = st.decimals(min_value=0, max_value=200, places=2, allow_nan=False, allow_infinity=False)


def appeal(status: str, *, filed: datetime = MONDAY, due_days: int = 7, decided_days: int | None = None) -> AppealFacts:
    decided = None if decided_days is None else filed + timedelta(days=decided_days)
    return AppealFacts(status=status, created_at=filed, due_at=filed + timedelta(days=due_days), decided_at=decided)


def stats(appeals: list[AppealFacts], *, now: datetime = MONDAY + timedelta(days=30)) -> AppealStats:
    return stats_of(appeals, now=now, tz=UTC_ZONE, calendar=WEEKDAYS)


# --- quartiles ----------------------------------------------------------------------------------------------


def test_quartiles_interpolate_between_neighbours_like_the_inclusive_method():
    spread = quartiles([D(1), D(2), D(3), D(4)])

    assert spread is not None
    assert (spread.minimum, spread.q1, spread.median, spread.q3, spread.maximum) == (
        D(1),
        D("1.75"),
        D("2.5"),
        D("3.25"),
        D(4),
    )


def test_one_value_is_its_own_median_and_quartiles_and_no_values_have_none():
    spread = quartiles([D("84.50")])

    assert spread is not None and {spread.minimum, spread.q1, spread.median, spread.q3, spread.maximum} == {D("84.50")}
    assert quartiles([]) is None and median([]) is None


@given(st.lists(scores, min_size=1, max_size=40))
def test_the_median_is_the_statistics_modules_median_exactly(values):
    assert median(values) == statistics.median(values)


@given(st.lists(scores, min_size=2, max_size=40))
def test_the_quartiles_are_the_statistics_modules_inclusive_quartiles_exactly(values):
    spread = quartiles(values)

    assert spread is not None
    assert [spread.q1, spread.median, spread.q3] == statistics.quantiles(values, n=4, method="inclusive")


@given(st.lists(scores, min_size=1, max_size=40), st.randoms())
def test_quartiles_are_ordered_exact_and_do_not_depend_on_the_order_of_the_values(values, random):
    spread = quartiles(values)
    shuffled = list(values)
    random.shuffle(shuffled)

    assert spread is not None and quartiles(shuffled) == spread
    assert min(values) == spread.minimum <= spread.q1 <= spread.median <= spread.q3 <= spread.maximum == max(values)
    assert all(-value.as_tuple().exponent <= 4 for value in (spread.q1, spread.median, spread.q3))  # type: ignore[operator]


# --- time to decision ---------------------------------------------------------------------------------------


def test_time_to_decision_counts_the_working_days_after_the_filing_day_through_the_decision_day():
    friday = datetime(2026, 12, 4, 16, 0, tzinfo=UTC)

    assert working_days_to_decide(friday, friday + timedelta(hours=1), UTC_ZONE, WEEKDAYS) == 0
    assert working_days_to_decide(friday, friday + timedelta(days=1), UTC_ZONE, WEEKDAYS) == 0  # Saturday
    assert working_days_to_decide(friday, friday + timedelta(days=3), UTC_ZONE, WEEKDAYS) == 1  # Monday
    assert working_days_to_decide(friday, friday + timedelta(days=7), UTC_ZONE, WEEKDAYS) == 5  # next Friday
    with_holiday = Calendar(holidays=frozenset({date(2026, 12, 7)}))
    assert working_days_to_decide(friday, friday + timedelta(days=3), UTC_ZONE, with_holiday) == 0


def test_time_to_decision_is_counted_on_the_workspace_clock():
    # 23:00 UTC on Friday is already Saturday in Shanghai; 02:00 UTC on Monday is still Sunday in New York
    friday_night = datetime(2026, 12, 4, 23, 0, tzinfo=UTC)
    monday_early = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)

    assert working_days_to_decide(friday_night, monday_early, UTC_ZONE, WEEKDAYS) == 1
    assert working_days_to_decide(friday_night, monday_early, ZoneInfo("Asia/Shanghai"), WEEKDAYS) == 1
    assert working_days_to_decide(friday_night, monday_early, ZoneInfo("America/New_York"), WEEKDAYS) == 0


# --- appeal counts ------------------------------------------------------------------------------------------


def test_the_uphold_rate_counts_partly_upheld_as_upheld_over_the_decided_and_leaves_out_withdrawn_and_open():
    found = stats(
        [
            appeal("upheld", decided_days=1),
            appeal("partly_upheld", decided_days=2),
            appeal("rejected", decided_days=3),
            appeal("withdrawn"),
            appeal("open", due_days=60),
        ]
    )

    assert (found.filed, found.open, found.withdrawn, found.decided) == (5, 1, 1, 3)
    assert (found.upheld, found.partly_upheld, found.rejected) == (1, 1, 1)
    assert found.uphold_rate == D("66.7")  # 2 of 3, rounded half up
    assert found.median_days_to_decision == D(2)  # 1, 2 and 3 working days (Tue, Wed, Thu)


def test_with_nothing_decided_there_is_no_uphold_rate_nor_median_rather_than_zero():
    found = stats([appeal("open", due_days=60), appeal("withdrawn")])

    assert found.uphold_rate is None and found.median_days_to_decision is None and found.decided == 0


def test_overdue_now_counts_open_appeals_past_due_and_decided_late_counts_decisions_after_the_due_time():
    now = MONDAY + timedelta(days=10)
    found = stats(
        [
            appeal("open", due_days=7),  # overdue now
            appeal("open", due_days=10),  # due exactly now: not yet overdue
            appeal("rejected", due_days=7, decided_days=8),  # late
            appeal("upheld", due_days=7, decided_days=7),  # on the dot: in time
            appeal("withdrawn", due_days=1),  # withdrawn: neither
        ],
        now=now,
    )

    assert (found.overdue_now, found.decided_late) == (1, 1)


statuses = st.sampled_from(STATUSES)


@given(st.lists(st.tuples(statuses, st.integers(0, 20), st.integers(0, 20)), max_size=30), st.integers(0, 40))
def test_counts_add_up_and_the_rate_stays_between_0_and_100(rows, now_days):
    appeals = [
        appeal(status, due_days=due, decided_days=taken if status in ("upheld", "partly_upheld", "rejected") else None)
        for status, due, taken in rows
    ]
    found = stats(appeals, now=MONDAY + timedelta(days=now_days))

    assert found.filed == len(rows) == found.open + found.withdrawn + found.decided
    assert found.overdue_now <= found.open and found.decided_late <= found.decided
    if found.decided:
        assert found.uphold_rate is not None and D(0) <= found.uphold_rate <= D(100)
        assert found.uphold_rate == percent(found.upheld + found.partly_upheld, found.decided)
        assert found.median_days_to_decision is not None and found.median_days_to_decision >= 0
    else:
        assert found.uphold_rate is None and found.median_days_to_decision is None


@given(st.lists(st.tuples(st.sampled_from(["East", "West", None]), statuses), max_size=30))
def test_groups_split_the_appeals_without_losing_any_and_the_group_without_a_name_comes_last(rows):
    groups = grouped(
        [
            (name, appeal(status, decided_days=1 if status in ("upheld", "partly_upheld", "rejected") else None))
            for name, status in rows
        ],
        now=MONDAY,
        tz=UTC_ZONE,
        calendar=WEEKDAYS,
    )

    assert sum(group.stats.filed for group in groups) == len(rows)
    assert [group.name for group in groups] == [n for n in ("East", "West", None) if n in {name for name, _ in rows}]


def test_an_unknown_status_or_a_decision_without_a_time_is_refused():
    with pytest.raises(ValueError, match="unknown appeal status"):
        stats([appeal("lost")])
    with pytest.raises(ValueError, match="decision time"):
        stats([appeal("upheld")])


# --- scores -------------------------------------------------------------------------------------------------

BANDS = ["Exceeds", "Meets", "Partially meets", "Below"]


def test_a_profiles_distribution_lists_every_band_in_band_order_with_its_share():
    found = distribution(
        "hunter",
        [(D("120.00"), "Exceeds"), (D("84.50"), "Partially meets"), (D("80.00"), "Partially meets")],
        bands=BANDS,
    )

    assert found is not None and found.count == 3
    assert (found.spread.minimum, found.spread.q1, found.spread.median, found.spread.q3, found.spread.maximum) == (
        D("80.00"),
        D("82.25"),
        D("84.50"),
        D("102.25"),
        D("120.00"),
    )
    assert [(b.band, b.count, b.percent) for b in found.bands] == [
        ("Exceeds", 1, D("33.3")),
        ("Meets", 0, D("0.0")),
        ("Partially meets", 2, D("66.7")),
        ("Below", 0, D("0.0")),
    ]


def test_a_rating_outside_the_bands_is_listed_after_them_and_no_scores_have_no_distribution():
    found = distribution("hunter", [(D(50), "Old band")], bands=BANDS)

    assert found is not None and [b.band for b in found.bands] == [*BANDS, "Old band"]
    assert distribution("hunter", [], bands=BANDS) is None


@given(st.lists(st.tuples(scores, st.sampled_from(BANDS)), min_size=1, max_size=40))
def test_band_counts_add_up_to_the_count_and_each_share_is_its_count_over_the_count(rows):
    found = distribution("hunter", rows, bands=BANDS)

    assert found is not None and found.count == len(rows)
    assert [b.band for b in found.bands] == BANDS
    assert sum(b.count for b in found.bands) == len(rows)
    assert all(b.percent == percent(b.count, len(rows)) for b in found.bands)
    assert abs(sum(b.percent for b in found.bands) - 100) <= D("0.2")
