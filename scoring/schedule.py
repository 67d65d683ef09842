"""When the next daily nudge and weekly digest are due: local wall-clock times turned into UTC instants.

A member picks a local time (09:00 by default); nudges go out at that time on each *local* working day
of the workspace calendar (its weekend and holidays), digests on the first working day of each
Monday-started week. Daylight-saving changes are handled the way a person would expect:

- a local time that does not exist that day (spring forward: 02:15 when clocks jump from 02:00 to
  03:00, or 00:30 in America/Havana, whose clocks jump at midnight) → the first instant after the gap;
- a local time that happens twice (fall back) → its first occurrence only.

Every function takes and returns aware UTC datetimes; nothing here reads a clock.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from scoring.periods import Calendar

DEFAULT_TIME = time(9, 0)
SEARCH_DAYS = 3700  # ten years: a calendar always has working days, but holidays could be listed densely


def at_local(day: date, at: time, tz: ZoneInfo) -> datetime:
    """The UTC instant when the clocks of `tz` show `at` on `day`.

    Ambiguous (fall back): the first occurrence. Non-existent (spring forward): the first instant
    after the gap.
    """
    naive = datetime.combine(day, at)
    first = naive.replace(tzinfo=tz, fold=0).astimezone(UTC)
    if first.astimezone(tz).replace(tzinfo=None) == naive:
        return first
    # In a gap. fold=0 applies the offset before the jump, which lands after the gap; fold=1 the offset
    # after the jump, which lands before it. The transition lies between: find it to the second.
    low = naive.replace(tzinfo=tz, fold=1).astimezone(UTC)
    high = first
    if low >= high:  # cannot happen for a forward jump; guard against odd zone data
        return high
    while high - low > timedelta(seconds=1):
        middle = low + (high - low) / 2
        if middle.astimezone(tz).replace(tzinfo=None) >= naive:
            high = middle
        else:
            low = middle
    return high.replace(microsecond=0)  # transitions fall on whole seconds: low < T <= high < T + 1 s


def _require_utc(after: datetime) -> datetime:
    if after.tzinfo is None:
        raise ValueError("`after` must be an aware datetime")
    return after.astimezone(UTC)


def next_nudge(after: datetime, tz: ZoneInfo, at: time, calendar: Calendar) -> datetime:
    """The first instant strictly after `after` that is local time `at` on a local working day."""
    after = _require_utc(after)
    day = after.astimezone(tz).date() - timedelta(days=1)  # a gap can move yesterday's time past midnight
    for _ in range(SEARCH_DAYS):
        if calendar.is_working_day(day):
            instant = at_local(day, at, tz)
            if instant > after:
                return instant
        day += timedelta(days=1)
    raise ValueError(f"no working day within {SEARCH_DAYS} days after {after.isoformat()}")


def after_working_days(start: datetime, days: int, tz: ZoneInfo, at: time, calendar: Calendar) -> datetime:
    """Local time `at` on the `days`-th working day after the local date of `start` (weekends and
    holidays of `calendar` skipped): a reminder "3 working days after" something that happened then."""
    day = _require_utc(start).astimezone(tz).date()
    counted = 0
    for _ in range(SEARCH_DAYS):
        if counted == days:
            return at_local(day, at, tz)
        day += timedelta(days=1)
        if calendar.is_working_day(day):
            counted += 1
    raise ValueError(f"no {days} working days within {SEARCH_DAYS} days after {start.isoformat()}")


def first_working_day_of_week(day: date, calendar: Calendar) -> date | None:
    """The first working day of the Monday-started week holding `day`; None if the week has none."""
    monday = day - timedelta(days=day.weekday())
    for offset in range(7):
        candidate = monday + timedelta(days=offset)
        if calendar.is_working_day(candidate):
            return candidate
    return None


def next_digest(after: datetime, tz: ZoneInfo, at: time, calendar: Calendar) -> datetime:
    """The first instant strictly after `after` that is local time `at` on the first working day of a
    week (Monday, unless Monday is a holiday or a weekend day)."""
    after = _require_utc(after)
    day = after.astimezone(tz).date() - timedelta(days=1)
    for _ in range(SEARCH_DAYS):
        if first_working_day_of_week(day, calendar) == day:
            instant = at_local(day, at, tz)
            if instant > after:
                return instant
        day += timedelta(days=1)
    raise ValueError(f"no working week within {SEARCH_DAYS} days after {after.isoformat()}")


def latest_due(next_at: datetime, now: datetime, step: Callable[[datetime], datetime]) -> datetime:
    """The most recent scheduled instant at or before `now`, starting from a due `next_at`; `step`
    gives the occurrence after an instant (`next_nudge` or `next_digest` with the member's settings).

    After downtime several occurrences may have passed: a job sends one message, for the latest of
    them (catching up once, not once per missed day). Looks back at most eight days.
    """
    if next_at > now:
        return next_at
    current = next_at
    if now - current > timedelta(days=8):
        current = step(now - timedelta(days=8))
    following = step(current)
    while following <= now:
        current, following = following, step(following)
    return current


def parse_local_time(text: str) -> time | None:
    """`8:30`, `08:30`, `8:30am`, `8.30 pm`, `9am`, `17h`, `1730`; None when it is not a time of day."""
    raw = text.strip().lower().replace(" ", "").replace(".", ":")
    suffix = ""
    for ending in ("am", "pm", "a", "p", "h"):
        if raw.endswith(ending):
            raw, suffix = raw[: -len(ending)], ending
            break
    if not raw or not all(ch.isdigit() or ch == ":" for ch in raw) or raw.count(":") > 1:
        return None
    if ":" in raw:
        hours_text, minutes_text = raw.split(":")
        if not hours_text or len(minutes_text) != 2 or len(hours_text) > 2:
            return None
    elif len(raw) in (3, 4) and suffix in ("", "h"):
        hours_text, minutes_text = raw[:-2], raw[-2:]
    elif len(raw) <= 2:
        hours_text, minutes_text = raw, "00"
    else:
        return None
    hours, minutes = int(hours_text), int(minutes_text)
    if minutes > 59:
        return None
    if suffix in ("am", "a", "pm", "p"):
        if not 1 <= hours <= 12:
            return None
        hours = hours % 12 + (12 if suffix in ("pm", "p") else 0)
    elif hours > 23:
        return None
    return time(hours, minutes)
