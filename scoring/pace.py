"""Pace: how far through a period we are in working days, and whether a rep's actual keeps up with it.

Time is measured in working days of the workspace `Calendar`, and today counts as elapsed (pace is
judged as of the end of today). The straight-line forecast assumes the rest of the period goes the
way it has gone so far.

Ratios are `Decimal` rounded half-up to 4 places; the forecast and the amount needed per day are
money, rounded to cents (or to the actual's own precision when that is finer).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, ROUND_UP, Context, Decimal
from typing import Literal

from scoring.periods import Calendar, Period, working_days, working_days_elapsed

Status = Literal["ahead", "on track", "behind", "at risk", "no target", "not started"]

AHEAD_FROM = Decimal("1.10")
"""A pace index of at least 1.10 (10% ahead of the straight line) is "ahead"."""
ON_TRACK_FROM = Decimal("0.95")
"""A pace index from 0.95 up to (not including) 1.10 is "on track": within 5% below the line counts as on it."""
BEHIND_FROM = Decimal("0.80")
"""A pace index from 0.80 up to (not including) 0.95 is "behind"; below 0.80 it is "at risk"."""

_RATIO_PLACES = Decimal("0.0001")
_CENT = Decimal("0.01")
_ZERO = Decimal(0)
_ONE = Decimal(1)
# Wide enough that no product or quotient of realistic amounts is ever rounded before quantize().
_CONTEXT = Context(prec=60, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Pace:
    """Where a rep stands in a period.

    - `expected_share`: working days elapsed / working days in the period (0–1, 4 dp); 0 for a period
      without working days.
    - `actual_share`: actual / target (4 dp), None without a target.
    - `pace_index`: actual_share / expected_share (4 dp); None without a target or before the first
      working day (expected_share 0). 1 means exactly on the straight line.
    - `forecast`: actual / elapsed working days × working days in the period; the actual itself when no
      working day has elapsed or the period is over.
    - `status`: "no target" (no or zero target) first, then "not started" (no working day elapsed),
      otherwise the band of `pace_index` (see `AHEAD_FROM`, `ON_TRACK_FROM`, `BEHIND_FROM`).
    """

    expected_share: Decimal
    actual_share: Decimal | None
    pace_index: Decimal | None
    forecast: Decimal
    status: Status
    working_days_elapsed: int
    working_days_total: int
    working_days_left: int


def pace(*, actual: Decimal, target: Decimal | None, period: Period, today: date, calendar: Calendar) -> Pace:
    """The pace of `actual` against `target` in `period`, as of the end of `today`.

    A negative target is a programming error (ValueError); a negative actual (net of clawbacks) is fine.
    """
    if target is not None and target < 0:
        raise ValueError(f"target must not be negative, got {target}")
    total = working_days(period.start, period.end, calendar)
    elapsed = working_days_elapsed(period, today, calendar)
    has_target = target is not None and target != 0

    expected_share = _ratio(Decimal(elapsed), Decimal(total)) if total else _ZERO
    actual_share: Decimal | None = None
    pace_index: Decimal | None = None
    if target is not None and has_target:
        actual_share = _ratio(actual, target)
        if elapsed:
            # Exact: (actual / target) / (elapsed / total), rounded once.
            pace_index = _ratio(_CONTEXT.multiply(actual, Decimal(total)), _CONTEXT.multiply(target, Decimal(elapsed)))

    if elapsed == 0 or elapsed == total:
        forecast = actual
    else:
        raw = _CONTEXT.divide(_CONTEXT.multiply(actual, Decimal(total)), Decimal(elapsed))
        forecast = _CONTEXT.quantize(raw, _money_places(actual))

    status: Status
    if not has_target:
        status = "no target"
    elif pace_index is None:
        status = "not started"
    else:
        status = status_for(pace_index)

    return Pace(
        expected_share=expected_share,
        actual_share=actual_share,
        pace_index=pace_index,
        forecast=forecast,
        status=status,
        working_days_elapsed=elapsed,
        working_days_total=total,
        working_days_left=total - elapsed,
    )


def status_for(pace_index: Decimal) -> Literal["ahead", "on track", "behind", "at risk"]:
    """The band of a pace index: ≥ 1.10 ahead, ≥ 0.95 on track, ≥ 0.80 behind, else at risk."""
    if pace_index >= AHEAD_FROM:
        return "ahead"
    if pace_index >= ON_TRACK_FROM:
        return "on track"
    if pace_index >= BEHIND_FROM:
        return "behind"
    return "at risk"


def needed_per_working_day(actual: Decimal, target: Decimal | None, pace: Pace) -> Decimal | None:
    """What is left of `target` per remaining working day, rounded up to the cent.

    0 once the target is met (even on the last day); None without a target or with no working day left.
    """
    if target is None or target == 0:
        return None
    if actual >= target:
        return _ZERO
    if pace.working_days_left <= 0:
        return None
    left = _CONTEXT.divide(_CONTEXT.subtract(target, actual), Decimal(pace.working_days_left))
    return left.quantize(_CENT, rounding=ROUND_UP, context=_CONTEXT)


def _ratio(numerator: Decimal, denominator: Decimal) -> Decimal:
    return _CONTEXT.quantize(_CONTEXT.divide(numerator, denominator), _RATIO_PLACES)


def _money_places(actual: Decimal) -> Decimal:
    """Cents, or the actual's own precision when finer, so rounding never takes the forecast below it."""
    exponent = actual.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2:
        return _ONE.scaleb(exponent)
    return _CENT
