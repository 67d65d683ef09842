"""Time is injected: everything that needs "now" takes a Clock, so tests can fix it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC)


@lru_cache(maxsize=1024)
def zone(name: str | None, fallback: str) -> ZoneInfo:
    """The member's IANA zone, or the workspace fallback when Slack gave none or an unknown one.

    Remembered: `ZoneInfo` keeps only a few zones strongly, and every request asks for its caller's."""
    for candidate in (name, fallback, "UTC"):
        if candidate:
            try:
                return ZoneInfo(candidate)
            except (ZoneInfoNotFoundError, ValueError):
                continue
    return ZoneInfo("UTC")


def local_today(now: datetime, tz: ZoneInfo) -> date:
    return now.astimezone(tz).date()
