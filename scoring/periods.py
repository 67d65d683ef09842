"""Reporting periods. A deal or activity counts in the period that contains its counting date."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

Cadence = Literal["month", "quarter"]


@dataclass(frozen=True, order=True)
class Period:
    """A closed range of calendar dates with a human label, e.g. November 2026."""

    start: date
    end: date
    label: str

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day <= self.end

    @property
    def key(self) -> str:
        """Stable machine id: `2026-11` for a month."""
        return self.start.strftime("%Y-%m")


def month_of(day: date) -> Period:
    start = day.replace(day=1)
    next_month = (start + timedelta(days=32)).replace(day=1)
    return Period(start=start, end=next_month - timedelta(days=1), label=start.strftime("%B %Y"))
