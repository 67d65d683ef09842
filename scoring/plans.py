"""Improvement plans, tracked: each item's state on a day, its progress, and its outcome at the next check-in.

An item of an improvement plan (set by the manager's feedback in a check-in) is an action, optionally a
scorecard metric with a target in that metric's unit, and a due date.

- **State** on the rep's local `today` (`state`): `overdue` once the due date has passed; `due soon`
  when it falls within the next `DUE_SOON_WORKING_DAYS` working days of the rep's calendar (today
  itself included, so an item due today is due soon; an item due on a Saturday after Wednesday is due
  soon too — two working days lie between); otherwise `open`.
- **Progress** (`progress`): for an item naming a metric and a target, the metric's actual over the
  item's *window* — from the day the feedback set it through its due date, cut at today
  (`window`) — computed exactly as `/progress` computes the metric for a period, only over the
  window instead of the period (a count or an amount accumulates in it; a rate or an average is the
  rate or average of the window). `reached` when that actual is at least the target. Items without
  a metric (or without a target) have no progress: they are talked through.
- **Outcome** at the rep's next check-in (`outcome`): for an item naming a metric and a target, `met`
  when the actual is at least the target, `missed` otherwise, the actual kept with it. The actual is
  the next evaluation's frozen line for that metric; when the metric is not on the new scorecard the
  caller measures it from the records over the new evaluation's period (with the rules that
  evaluation froze), so every measured item is judged on the period that followed the plan. An item
  without a metric or without a target is `reported`: the rep and the manager say how it went in the
  thread.

Exact Decimal arithmetic throughout; no clock reads (today is an argument).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Literal

from scoring.periods import Calendar, Period, working_days

DUE_SOON_WORKING_DAYS = 3
"""An item is due soon from 3 working days before its due date: enough time to still act on it."""

State = Literal["open", "due soon", "overdue"]
Outcome = Literal["met", "missed", "reported"]
STATES: tuple[State, ...] = ("overdue", "due soon", "open")  # most urgent first
OUTCOMES: tuple[Outcome, ...] = ("met", "missed", "reported")


def state(due: date, today: date, calendar: Calendar) -> State:
    """`overdue` after `due`; `due soon` when at most 3 working days lie from tomorrow through `due`
    (an item due today included); `open` otherwise."""
    if today > due:
        return "overdue"
    if working_days(today + timedelta(days=1), due, calendar) <= DUE_SOON_WORKING_DAYS:
        return "due soon"
    return "open"


def window(set_on: date, due: date, today: date) -> Period | None:
    """The days an item's progress is measured over: from the day it was set through its due date, cut
    at `today`; None before it was set. A `Period` so the metric computation of `/progress` runs on it."""
    end = min(due, today)
    if end < set_on:
        return None
    return Period(start=set_on, end=end, label=f"{set_on.isoformat()} to {end.isoformat()}")


def measured(metric: str | None, target: Decimal | None) -> bool:
    """Whether an item is judged by the data: it names a metric and a target."""
    return metric is not None and target is not None


@dataclass(frozen=True)
class Progress:
    """How far an item has come: the metric's `actual` over the item's window against its `target`."""

    actual: Decimal
    target: Decimal

    @property
    def reached(self) -> bool:
        return self.actual >= self.target

    @property
    def fraction(self) -> Decimal | None:
        """actual ÷ target, exactly (None for a zero target)."""
        if self.target == 0:
            return None
        return self.actual / self.target


def progress(metric: str | None, target: Decimal | None, actual: Decimal | None) -> Progress | None:
    """The progress of an item from the metric's actual over its window; None when the item is not
    measured (no metric or no target) or there is no actual (not started: before it was set)."""
    if not measured(metric, target) or actual is None:
        return None
    assert target is not None
    return Progress(actual=actual, target=target)


def outcome(metric: str | None, target: Decimal | None, actual: Decimal | None) -> tuple[Outcome, Decimal | None]:
    """The item's outcome at the next check-in and the actual it was judged on.

    `met` when `actual` ≥ `target`, `missed` otherwise; `reported` (with the actual, if any, kept for
    the record) when the item names no metric or no target, or no actual could be measured.
    """
    if not measured(metric, target) or actual is None:
        return "reported", actual if metric is not None else None
    assert target is not None
    return ("met" if actual >= target else "missed"), actual


@dataclass(frozen=True)
class TrackedItem:
    """An open plan item as the coaching rules and the surfaces see it on `today`."""

    action: str
    metric: str | None
    target: Decimal | None
    due: date
    state: State
    progress: Progress | None

    @property
    def reached(self) -> bool:
        return self.progress is not None and self.progress.reached

    @property
    def needs_attention(self) -> bool:
        """Due soon or overdue, and not already at its target."""
        return self.state != "open" and not self.reached


def track(
    *,
    action: str,
    metric: str | None,
    target: Decimal | None,
    due: date,
    today: date,
    calendar: Calendar,
    actual: Decimal | None,
) -> TrackedItem:
    return TrackedItem(
        action=action,
        metric=metric,
        target=target,
        due=due,
        state=state(due, today, calendar),
        progress=progress(metric, target, actual),
    )


def most_urgent_first(items: tuple[TrackedItem, ...] | list[TrackedItem]) -> list[TrackedItem]:
    """Overdue first, then due soon, then open; earliest due first within each."""
    return sorted(items, key=lambda item: (STATES.index(item.state), item.due, item.action))
