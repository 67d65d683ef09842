"""Goal values as people type them, and splitting a team goal into exact per-rep parts.

`parse_goal_value` reads a target in the metric's unit (money, count, percent, score) and checks
it with `scorecard.check_target`; `parse_actual_value` reads a measured figure the same way, where 0
is a real answer (an appeal's requested or corrected value); `split` divides a team total so the parts add up exactly
(money to the cent, counts to whole numbers), remainders going largest first, ties by name.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from fractions import Fraction

from scoring.errors import InputError
from scoring.metrics import CSAT_MAX, CSAT_MIN, TARGET_EXAMPLES, Unit, metric
from scoring.money import parse_amount
from scoring.numerals import describe, first_lookalike
from scoring.scorecard import check_target

MAX_COUNT = 1_000_000_000
"""No count target is larger than this."""

_NUMBER = re.compile(r"[0-9]{1,3}(?:(?:,[0-9]{3})+|(?: [0-9]{3})+)(?:\.[0-9]+)?|[0-9]+(?:\.[0-9]+)?|\.[0-9]+")
_SHAPES: dict[Unit, str] = {
    "money": "an amount such as 120k or $120,000",
    "count": "a whole number such as 12",
    "percent": "a percentage such as 60% (or the fraction 0.6)",
    "score": f"a score from {CSAT_MIN} to {CSAT_MAX} such as 4.5",
}
_ZERO = re.compile(r"(?:[$€¥£]|[A-Z]{3})?\s*0+(?:\.0+)?\s*(?:%|[A-Z]{3})?", re.IGNORECASE)
"""Zero as people write it in any unit: `0`, `0.00`, `$0`, `0%`, `0 USD`."""
ADDITIVE_UNITS: tuple[Unit, ...] = ("money", "count")
"""Units whose team total is the sum of the reps' values, so a team goal can be split."""


def value_example(unit: Unit) -> str:
    return TARGET_EXAMPLES[unit]


def value_shape(unit: Unit) -> str:
    return _SHAPES[unit]


def parse_goal_value(text: str, *, metric_name: str, currency: str, example: str) -> Decimal:
    """The target `text` means for metric `metric_name`, or raise `InputError` (field `value`).

    money: anything `parse_amount` reads in the workspace currency (`120k`, `120 000`); count: a
    positive whole number (`1,200` and `1 200` allowed); percent: `60%`, `60 %` or the fraction `0.6`
    (returned as 0.6); score: a number from 1 to 5, decimals allowed. Characters that only look like
    digits (`²`, `٣`) are refused, as in amounts. Every value must pass `check_target`.
    """
    unit = metric(metric_name).unit

    def refuse(problem: str) -> InputError:
        return InputError(f"{metric_name} {problem}.", example=example, field="value")

    if unit != "money" and (lookalike := first_lookalike(text or "")) is not None:
        raise refuse(f"needs {value_shape(unit)} written with the digits 0-9; {describe(lookalike)} isn't one")
    cleaned = unicodedata.normalize("NFKC", text or "").strip()
    if not cleaned:
        raise refuse(f"needs a target: {value_shape(unit)}")
    shown = cleaned if len(cleaned) <= 30 else cleaned[:29] + "…"
    if unit == "money":
        try:
            value = parse_amount(text, currency=currency).amount
        except InputError as error:
            raise InputError(error.message, example=example, field="value") from None
    else:
        number_text, percent_sign = cleaned, False
        if unit == "percent" and cleaned.endswith("%"):
            number_text, percent_sign = cleaned[:-1].strip(), True
        if number_text.startswith("-"):
            raise refuse(f"must be more than 0 (got “{shown}”)")
        if not _NUMBER.fullmatch(number_text):
            raise refuse(f"needs {value_shape(unit)}, not “{shown}”")
        try:
            value = Decimal(number_text.replace(",", "").replace(" ", ""))
        except InvalidOperation:  # pragma: no cover - the pattern admits only plain numbers
            raise refuse(f"needs {value_shape(unit)}, not “{shown}”") from None
        if percent_sign:
            value = value / 100
        if unit == "count":
            if value != value.to_integral_value():
                raise refuse(f"is counted in whole numbers (got {shown})")
            if value > MAX_COUNT:
                raise refuse(f"can be at most {MAX_COUNT:,} (got {shown})")
            value = value.quantize(Decimal(1))
        if unit == "percent" and not percent_sign and value > 1:
            raise refuse(f"is a share: write {shown}% or {value / 100} (got {shown})")
        if unit == "score" and value != 0 and value < CSAT_MIN:
            raise refuse(f"is a {CSAT_MIN}-{CSAT_MAX} score, so at least {CSAT_MIN} (got {shown})")
    problem = check_target(metric_name, value)
    if problem is not None:
        raise refuse(problem)
    return value.normalize() if unit != "money" else value


def parse_actual_value(text: str, *, metric_name: str, currency: str) -> Decimal:
    """A measured figure for metric `metric_name` (an appeal's requested or corrected actual): read as
    `parse_goal_value` reads a target, except that 0 is allowed — none of it happened is a real figure
    (“that new customer was a returning one: 0 new customers”). Its errors carry no example: the
    forms that use it add one in the metric's unit."""
    cleaned = unicodedata.normalize("NFKC", text or "").strip()
    if cleaned and _ZERO.fullmatch(cleaned):
        return Decimal(0)
    try:
        return parse_goal_value(text, metric_name=metric_name, currency=currency, example="")
    except InputError as error:
        if "more than 0" not in error.message:
            raise
        raise InputError(f"{metric_name} can't be below 0 (0 means none).", field="value") from None


def quantum(unit: Unit) -> Decimal:
    """The smallest part a team goal of this unit is split into: a cent, or one."""
    return Decimal("0.01") if unit == "money" else Decimal(1)


def split(total: Decimal, *, names: Sequence[str], weights: Sequence[Decimal] | None, step: Decimal) -> list[Decimal]:
    """`total` split over `names` in proportion to `weights` (equal when None or all 0), in whole `step`s.

    Each part is first rounded down to a whole number of steps; the steps left over go one each to
    the largest remainders, ties to the name that sorts first. The parts always add up to `total`
    exactly (when `total` is a whole number of steps). Raises ValueError for no names, negative
    weights, or a mismatch of names and weights.
    """
    if not names:
        raise ValueError("nothing to split over")
    if weights is not None and len(weights) != len(names):
        raise ValueError("one weight per name")
    if weights is None or not any(weights):
        weights = [Decimal(1)] * len(names)
    if any(w < 0 for w in weights):
        raise ValueError("weights cannot be negative")
    steps_total = Fraction(total) / Fraction(step)
    if steps_total.denominator != 1:
        raise ValueError(f"{total} is not a whole number of {step}")
    weight_sum = sum(Fraction(w) for w in weights)
    shares = [steps_total * Fraction(w) / weight_sum for w in weights]
    floors = [share.numerator // share.denominator for share in shares]
    left = int(steps_total) - sum(floors)
    order = sorted(range(len(names)), key=lambda i: (-(shares[i] - floors[i]), names[i], i))
    for i in order[:left]:
        floors[i] += 1
    return [Decimal(n) * step for n in floors]
