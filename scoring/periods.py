"""Reporting periods and working days. A deal or activity counts in the period that contains its counting date.

Periods are calendar months or quarters. Quarters follow the workspace's fiscal year (`Calendar`):

- With `fiscal_year_start_month=1` quarters are calendar quarters: key `2026-Q4`, label `Q4 2026 (Oct–Dec)`.
- Otherwise a fiscal year is named by the calendar year in which it STARTS: with a fiscal year starting
  in April, FY2026 runs from April 2026 to March 2027, so January 2027 lies in FY2026 Q4.
  Key `FY2026-Q1`, label `FY2026 Q1 (Apr–Jun 2026)`; a quarter crossing New Year reads
  `FY2026 Q1 (Nov 2026–Jan 2027)`.
- Months are the same whatever the fiscal year: key `2026-11`, label `November 2026`.

Working days are the days that are neither on the calendar's weekend nor holidays. Counting them is
arithmetic (whole weeks, then at most six extra days, then a binary search over sorted holidays), so
it costs the same for a week as for a decade.

Nothing here reads the clock: "today" is always an argument.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left, bisect_right
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Literal

from scoring.errors import InputError

Cadence = Literal["month", "quarter"]

MIN_YEAR = 2000
"""The earliest year `parse_period` accepts (a fiscal year, for fiscal quarters)."""
MAX_YEAR = 2100
"""The latest year `parse_period` accepts (a fiscal year, for fiscal quarters)."""

_MONTH_NAMES = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_MONTH_ABBREVIATIONS = tuple(name[:3] for name in _MONTH_NAMES)
_DAYS_IN_MONTH = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
_ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class Calendar:
    """A workspace's working calendar: when its fiscal year starts, its weekend, and its holidays.

    `fiscal_year_start_month` is 1–12 (1 = fiscal year is the calendar year). A fiscal year starting in
    another month is named by the calendar year in which it starts: with 4 (April), FY2026 is
    April 2026 – March 2027 and its Q1 is April–June 2026.

    `weekend` holds `date.weekday()` numbers (Monday = 0 … Sunday = 6): `{5, 6}` is Saturday and Sunday,
    `{4, 5}` is the Friday–Saturday weekend common in the Middle East. `holidays` are non-working dates;
    a holiday that falls on the weekend changes nothing.
    """

    fiscal_year_start_month: int = 1
    weekend: frozenset[int] = frozenset({5, 6})
    holidays: frozenset[date] = frozenset()

    # Derived in __post_init__ so counting working days is O(1) in the length of the range.
    _week_prefix: tuple[tuple[int, ...], ...] = field(init=False, repr=False, compare=False)
    _working_holidays: tuple[date, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        month = self.fiscal_year_start_month
        if isinstance(month, bool) or not isinstance(month, int) or not 1 <= month <= 12:
            raise ValueError(f"fiscal_year_start_month must be a month number from 1 to 12, not {month!r}")
        weekend = frozenset(self.weekend)
        bad_days = sorted(repr(d) for d in weekend if isinstance(d, bool) or not isinstance(d, int) or not 0 <= d <= 6)
        if bad_days:
            raise ValueError(
                f"weekend holds date.weekday() numbers from 0 (Monday) to 6 (Sunday), not {', '.join(bad_days)}"
            )
        if len(weekend) == 7:
            raise ValueError("weekend cannot contain all 7 days of the week: there would be no working days")
        holidays = frozenset(self.holidays)
        bad_holidays = sorted(repr(h) for h in holidays if isinstance(h, datetime) or not isinstance(h, date))
        if bad_holidays:
            raise ValueError(f"holidays must be dates, not {', '.join(bad_holidays)}")
        object.__setattr__(self, "weekend", weekend)
        object.__setattr__(self, "holidays", holidays)
        # _week_prefix[w][n]: working weekdays among n consecutive days starting on weekday w (0 <= n <= 7).
        prefix = []
        for first in range(7):
            counts = [0]
            for offset in range(7):
                counts.append(counts[-1] + ((first + offset) % 7 not in weekend))
            prefix.append(tuple(counts))
        object.__setattr__(self, "_week_prefix", tuple(prefix))
        object.__setattr__(self, "_working_holidays", tuple(sorted(h for h in holidays if h.weekday() not in weekend)))

    @property
    def working_days_per_week(self) -> int:
        return self._week_prefix[0][7]

    def is_working_day(self, day: date) -> bool:
        return day.weekday() not in self.weekend and day not in self.holidays


@dataclass(frozen=True, order=True)
class Period:
    """A closed range of calendar dates with a human label, e.g. November 2026.

    `cadence` and `fiscal_year_start_month` say what kind of period it is, so `key` can name it;
    months always carry `fiscal_year_start_month=1` (a month is the same in every fiscal calendar).
    """

    start: date
    end: date
    label: str
    cadence: Cadence = "month"
    fiscal_year_start_month: int = 1

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day <= self.end

    @property
    def key(self) -> str:
        """Stable machine id: `2026-11` for a month, `2026-Q4` for a calendar quarter, `FY2026-Q1` for a fiscal one.

        `parse_period(period.key, ...)` gives the period back (with the same calendar).
        """
        if self.cadence == "month":
            return f"{self.start.year:04d}-{self.start.month:02d}"
        fiscal_year, quarter = _fiscal_quarter(self.start, self.fiscal_year_start_month)
        prefix = "" if self.fiscal_year_start_month == 1 else "FY"
        return f"{prefix}{fiscal_year:04d}-Q{quarter}"


def month_of(day: date) -> Period:
    """The calendar month containing `day`."""
    return _month(day.year, day.month)


def quarter_of(day: date, calendar: Calendar) -> Period:
    """The (fiscal) quarter containing `day`."""
    fiscal_year, quarter = _fiscal_quarter(day, calendar.fiscal_year_start_month)
    return _quarter(fiscal_year, quarter, calendar.fiscal_year_start_month)


def period_of(day: date, cadence: Cadence, calendar: Calendar = Calendar()) -> Period:
    """The period of `cadence` containing `day`."""
    if cadence == "month":
        return _month(day.year, day.month)
    if cadence == "quarter":
        return quarter_of(day, calendar)
    raise ValueError(f"unknown cadence {cadence!r}: use 'month' or 'quarter'")


def previous(period: Period, cadence: Cadence, calendar: Calendar) -> Period:
    """The period of `cadence` before the one containing `period.start` (for a quarter: the quarter before)."""
    return period_of(period_of(period.start, cadence, calendar).start - _ONE_DAY, cadence, calendar)


def following(period: Period, cadence: Cadence, calendar: Calendar) -> Period:
    """The period of `cadence` after the one containing `period.start` (for a quarter: the quarter after)."""
    return period_of(period_of(period.start, cadence, calendar).end + _ONE_DAY, cadence, calendar)


# --- working days -----------------------------------------------------------------------------------


def working_days(start: date, end: date, calendar: Calendar) -> int:
    """Working days from `start` through `end`, both included; 0 when `start` is after `end`."""
    if start > end:
        return 0
    weeks, extra = divmod((end - start).days + 1, 7)
    count = weeks * calendar.working_days_per_week + calendar._week_prefix[start.weekday()][extra]
    holidays = calendar._working_holidays
    if holidays:
        count -= bisect_right(holidays, end) - bisect_left(holidays, start)
    return count


def working_days_elapsed(period: Period, today: date, calendar: Calendar) -> int:
    """Working days of `period` from its start through `today` (today included).

    0 before the period starts; every working day of the period once it has ended.
    """
    if today < period.start:
        return 0
    return working_days(period.start, min(today, period.end), calendar)


# --- parsing ----------------------------------------------------------------------------------------

_MAX_TEXT = 40
_DASHES = re.compile(r"[\u2010-\u2015\u2212\ufe58\ufe63]")
_SEPARATORS = re.compile(r"[\s_]+")
_MONTH_FORM = re.compile(r"(\d{4})-(\d{1,2})")
_QUARTER_FORM = re.compile(r"(?:fy-?)?(\d{4})-?q(\d+)")
_QUARTER_FIRST_FORM = re.compile(r"q(\d+)-?(?:fy-?)?(\d{4})")
_RELATIVE_FORM = re.compile(r"(this|last|next)-?(month|quarter|period)")
_STEPS = {"this": 0, "last": -1, "next": 1}


def period_forms(*, today: date, calendar: Calendar = Calendar()) -> str:
    """The accepted period forms, with this month's and this quarter's keys.

    `2026-11, 2026-Q4, this-month or last-quarter` (`FY2026-Q3` with a fiscal year).
    """
    return f"{month_of(today).key}, {quarter_of(today, calendar).key}, this-month or last-quarter"


def period_example(
    *, today: date, calendar: Calendar = Calendar(), command: str = "/progress", cadence: Cadence = "month"
) -> str:
    """One complete command: `command` and the key of the current period of `cadence`.

    `/progress 2026-11`, or `/progress 2026-Q4` for a quarterly cadence (`FY2026-Q3` with a fiscal year).
    """
    return f"{command} {period_of(today, cadence, calendar).key}"


def parse_period(
    text: str, *, today: date, cadence: Cadence, calendar: Calendar = Calendar(), command: str = "/progress"
) -> Period:
    """Read a period the way people type it, or raise `InputError` saying what is wrong.

    Accepted (case-insensitive, surrounding spaces ignored, full-width characters allowed):

    - a month: `2026-11`;
    - a quarter: `2026-Q4` (a calendar quarter when the fiscal year starts in January; otherwise
      fiscal: `2026-Q1` is FY2026 Q1), `FY2026-Q1`, and `Q4 2026`;
    - relative to `today`: `this-month`, `last-month`, `next-month`, `this-quarter`, `last-quarter`,
      `next-quarter`, and `this-period` / `last-period` / `next-period` for the workspace `cadence`.
      A space or underscore may stand for the hyphen (`last month`).

    Years (fiscal years, for fiscal quarters) must be from 2000 to 2100. `command` only shapes the
    example in the error: the command that takes the period, followed by the current period's key.
    """

    def refuse(message: str) -> InputError:
        return InputError(
            message,
            example=period_example(today=today, calendar=calendar, command=command, cadence=cadence),
            field="period",
        )

    s = unicodedata.normalize("NFKC", text).strip()
    if not s:
        raise refuse("Which period? Give a month, a quarter, or a word like this-month.")
    if len(s) > _MAX_TEXT:
        raise refuse(f"That period is too long to read ({len(s)} characters).")
    s = _SEPARATORS.sub("-", _DASHES.sub("-", s.casefold()))

    if match := _RELATIVE_FORM.fullmatch(s):
        step = _STEPS[match[1]]
        unit = match[2]
        target_cadence: Cadence = cadence if unit == "period" else ("month" if unit == "month" else "quarter")
        period = period_of(today, target_cadence, calendar)
        if step < 0:
            period = previous(period, target_cadence, calendar)
        elif step > 0:
            period = following(period, target_cadence, calendar)
        return period

    if match := _MONTH_FORM.fullmatch(s):
        year, month = int(match[1]), int(match[2])
        _check_year(year, text, refuse)
        if not 1 <= month <= 12:
            raise refuse(f"There is no month {match[2]}: months run from 01 to 12, as in {year}-11.")
        return _month(year, month)

    quarter_match = _QUARTER_FORM.fullmatch(s)
    if quarter_match:
        year_text, quarter_text = quarter_match[1], quarter_match[2]
    elif quarter_first := _QUARTER_FIRST_FORM.fullmatch(s):
        year_text, quarter_text = quarter_first[2], quarter_first[1]
    else:
        raise refuse(
            f"“{_show(text)}” isn't a period Pacer knows. Give a month ({month_of(today).key}), "
            f"a quarter ({quarter_of(today, calendar).key}), or this-, last- or next- with month, quarter or period."
        )
    year, quarter = int(year_text), int(quarter_text)
    _check_year(year, text, refuse)
    if not 1 <= quarter <= 4:
        raise refuse(f"There is no quarter Q{quarter_text}: quarters run from Q1 to Q4.")
    return _quarter(year, quarter, calendar.fiscal_year_start_month)


# --- internals --------------------------------------------------------------------------------------


def _show(text: str) -> str:
    text = text.strip()
    return text if len(text) <= 30 else text[:29] + "…"


def _check_year(year: int, text: str, refuse: Callable[[str], InputError]) -> None:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise refuse(f"“{_show(text)}”: Pacer keeps periods from {MIN_YEAR} to {MAX_YEAR}, and {year} is outside them.")


def _days_in_month(year: int, month: int) -> int:
    if month == 2 and year % 4 == 0 and (year % 100 != 0 or year % 400 == 0):
        return 29
    return _DAYS_IN_MONTH[month - 1]


def _month(year: int, month: int) -> Period:
    return Period(
        start=date(year, month, 1),
        end=date(year, month, _days_in_month(year, month)),
        label=f"{_MONTH_NAMES[month - 1]} {year}",
    )


def _fiscal_quarter(day: date, start_month: int) -> tuple[int, int]:
    """(fiscal year, quarter 1–4) of `day` when the fiscal year starts in `start_month`."""
    fiscal_year = day.year if day.month >= start_month else day.year - 1
    return fiscal_year, (day.month - start_month) % 12 // 3 + 1


def _quarter(fiscal_year: int, quarter: int, start_month: int) -> Period:
    first = fiscal_year * 12 + (start_month - 1) + (quarter - 1) * 3  # months since year 0, January = 0
    last = first + 2
    start = date(first // 12, first % 12 + 1, 1)
    end_year, end_month = last // 12, last % 12 + 1
    end = date(end_year, end_month, _days_in_month(end_year, end_month))
    months = f"{_MONTH_ABBREVIATIONS[start.month - 1]}–{_MONTH_ABBREVIATIONS[end_month - 1]}"
    if start_month == 1:
        label = f"Q{quarter} {fiscal_year} ({months})"
    elif start.year == end_year:
        label = f"FY{fiscal_year} Q{quarter} ({months} {end_year})"
    else:
        first_name, last_name = _MONTH_ABBREVIATIONS[start.month - 1], _MONTH_ABBREVIATIONS[end_month - 1]
        label = f"FY{fiscal_year} Q{quarter} ({first_name} {start.year}–{last_name} {end_year})"
    return Period(start=start, end=end, label=label, cadence="quarter", fiscal_year_start_month=start_month)
