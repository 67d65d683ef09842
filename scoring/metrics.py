"""The metric vocabulary and the reference computation of a rep's actuals for one period.

Metric names are public: admins write them in pacer.yml and managers type them in
`/goal @rep <metric> <value>`. Every metric has a one-sentence description saying exactly
what counts, shown by `/scorecard`.

`compute_actuals` is the oracle: the SQL aggregation the app runs must produce the same
numbers for the same facts. It is written to be obviously correct, not fast. Ratios and
averages are computed with exact rational arithmetic and rounded once, half up, to 4
decimal places (`ratio`); sums of money are exact. Percent-type metrics are fractions
(Decimal("0.5") means 50 %).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence, Set
from dataclasses import dataclass
from datetime import date
from decimal import MAX_EMAX, MIN_EMIN, ROUND_DOWN, ROUND_HALF_UP, Context, Decimal
from fractions import Fraction
from typing import Literal

from scoring.errors import InputError
from scoring.money import Money, format_amount
from scoring.periods import Period

Unit = Literal["money", "count", "percent", "score"]

ACTIVITY_KINDS: tuple[str, ...] = ("call", "email", "meeting", "visit", "demo", "proposal", "lead", "followup")
"""Activity types `/activity` accepts; each has an `activities:<type>` metric."""

RATIO_PLACES = 4
"""Decimal places of every ratio and average metric (repurchase_rate, premium_share, csat, premium_csat,
training)."""

CSAT_MIN = 1
CSAT_MAX = 5

TARGET_EXAMPLES: dict[Unit, str] = {"money": "120k", "count": "12", "percent": "60%", "score": "4.5"}
"""A target as people type it, per unit: what `/goal` examples show."""

_ACTIVITY_PLURALS = {
    "call": "Calls",
    "email": "Emails",
    "meeting": "Meetings",
    "visit": "Visits",
    "demo": "Demos",
    "proposal": "Proposals",
    "lead": "Leads",
    "followup": "Follow-ups",
}


@dataclass(frozen=True)
class MetricSpec:
    """One metric as published: its name, a label, its unit and what exactly counts."""

    name: str
    label: str
    unit: Unit
    description: str


def _specs() -> dict[str, MetricSpec]:
    specs = [
        MetricSpec(
            "revenue",
            "Revenue",
            "money",
            "Sum of your live deals counting in the period (signed or paid, per the workspace rule).",
        ),
        MetricSpec(
            "deals",
            "Deals",
            "count",
            "Number of your live deals counting in the period (signed or paid, per the workspace rule).",
        ),
        MetricSpec(
            "new_customers",
            "New customers",
            "count",
            "Customers whose first-ever live deal is one of your deals counting in the period.",
        ),
        MetricSpec(
            "new_customer_revenue",
            "New-customer revenue",
            "money",
            "Revenue from customers' first-ever deals that count in the period.",
        ),
        MetricSpec(
            "repeat_revenue",
            "Repeat revenue",
            "money",
            "Revenue from deals counting in the period with customers who had bought before "
            "(every deal except a customer's first).",
        ),
        MetricSpec(
            "repurchase_rate",
            "Repurchase rate",
            "percent",
            "Of your customers who bought in the 12 months before the period, the share who bought again "
            "in the period.",
        ),
        MetricSpec(
            "premium_share",
            "Premium share",
            "percent",
            "Share of your revenue counting in the period that comes from premium product lines.",
        ),
        MetricSpec(
            "activities",
            "Activities",
            "count",
            "Every activity you logged in the period (calls, emails, meetings, visits, demos, proposals, "
            "leads and follow-ups), each entry counted by its count.",
        ),
    ]
    specs += [
        MetricSpec(
            f"activities:{kind}",
            _ACTIVITY_PLURALS[kind],
            "count",
            f"{_ACTIVITY_PLURALS[kind]} you logged in the period with /activity {kind}, "
            "each entry counted by its count.",
        )
        for kind in ACTIVITY_KINDS
    ]
    specs += [
        MetricSpec(
            "new_leads",
            "New leads",
            "count",
            "New leads you logged in the period (activities of type lead), each entry counted by its count.",
        ),
        MetricSpec(
            "csat",
            "CSAT",
            "score",
            "Average customer-satisfaction survey score (1 to 5) of the surveys in the period; 0 when there are none.",
        ),
        MetricSpec(
            "premium_csat",
            "Premium-customer CSAT",
            "score",
            "Average customer-satisfaction survey score (1 to 5) of the surveys in the period from premium "
            "customers: customers with a live deal on a premium product line (anyone's) counting in the period "
            "or the 12 months before it; 0 when there are none.",
        ),
        MetricSpec(
            "training",
            "Training",
            "percent",
            "Share of the required training courses you had completed by the last day of the period.",
        ),
    ]
    return {spec.name: spec for spec in specs}


METRICS: dict[str, MetricSpec] = _specs()
"""Every metric by name, in the order `/scorecard` and `compute_actuals` list them. Do not mutate."""


class UnknownMetric(InputError, ValueError):
    """A metric name that is not in the vocabulary. The message lists every valid name.

    `suggestion` is the closest valid name (e.g. `revenue` for `revnue`), or None.
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self.valid: tuple[str, ...] = tuple(METRICS)
        close = difflib.get_close_matches(name.strip().lower(), self.valid, n=1, cutoff=0.6)
        self.suggestion: str | None = close[0] if close else None
        shown = self.suggestion or "revenue"
        super().__init__(
            f"unknown metric {name!r}; valid: {', '.join(self.valid)}",
            example=f"/goal @dana {shown} {TARGET_EXAMPLES[METRICS[shown].unit]}",
            field="metric",
        )


def metric(name: str) -> MetricSpec:
    """The spec of metric `name` (exact, lower-case name), or raise `UnknownMetric`."""
    try:
        return METRICS[name]
    except (KeyError, TypeError):
        raise UnknownMetric(str(name)) from None


def is_metric(name: str) -> bool:
    return name in METRICS


# --- exact arithmetic shared by scoring and incentives ---------------------------------------------


def _integer_ratio(value: Decimal | Fraction | int) -> tuple[int, int]:
    if type(value) is Decimal or type(value) is int:  # the common cases, without ABC checks
        return value.as_integer_ratio()
    if isinstance(value, Fraction):
        return value.numerator, value.denominator
    return value.as_integer_ratio()


def _rounded_units(numerator: int, denominator: int, places: int) -> Decimal:
    """numerator / denominator to `places` decimals, halves away from zero, in integer arithmetic."""
    if denominator < 0:
        numerator, denominator = -numerator, -denominator
    scaled = abs(numerator) * 10**places
    units = (2 * scaled + denominator) // (2 * denominator)
    return Decimal(-units if numerator < 0 else units).scaleb(-places, _WIDE)


_DIGITS = 60
_EXACT = Context(prec=_DIGITS, rounding=ROUND_DOWN, Emax=MAX_EMAX, Emin=MIN_EMIN, traps=[])
"""Divides by truncating at 60 significant digits; `ratio` and `round_half_up` then round half up once.

Truncation keeps every digit up to the rounding place, and the halfway point between two results is
itself a 60-digit number, so truncating first never moves a value across it: the once-rounded result
equals rounding the exact quotient (shown by `tests/scoring/test_metrics.py` against the integer
arithmetic, which is used whenever a value is too large for the shortcut)."""
_QUANTUM = tuple(Decimal(1).scaleb(-places) for places in range(12))
_WIDE = Context(prec=200)


def _fast_round(value: Decimal, places: int) -> Decimal | None:
    """`value` rounded half up to `places` in decimal arithmetic, or None when the shortcut does not apply."""
    if places >= len(_QUANTUM) or not value.is_finite() or value.adjusted() >= _DIGITS - places - 2:
        return None
    rounded = value.quantize(_QUANTUM[places], rounding=ROUND_HALF_UP, context=_EXACT)
    return rounded if rounded else rounded.copy_abs()  # never a negative zero


def round_half_up(value: Decimal | Fraction | int, places: int) -> Decimal:
    """`value` rounded to `places` decimals, halves away from zero, exactly (no context rounding).

    This runs for every line of every score: Decimals take a decimal shortcut, anything else (and a
    Decimal too large for it) integer arithmetic on the value's exact ratio.
    """
    if type(value) is Decimal:
        fast = _fast_round(value, places)
        if fast is not None:
            return fast
    numerator, denominator = _integer_ratio(value)
    return _rounded_units(numerator, denominator, places)


def ratio(numerator: Decimal | int, denominator: Decimal | int, *, places: int = RATIO_PLACES) -> Decimal:
    """numerator / denominator, computed exactly and rounded once, half up, to `places` decimals.

    This is the only division behind the ratio metrics, and the one the SQL side must use: fetch
    integer counts and exact sums from the database, then divide here (never divide in SQL).
    Raises ZeroDivisionError when `denominator` is 0; callers decide what zero means.
    """
    if denominator == 0:
        raise ZeroDivisionError("ratio with a zero denominator")
    if type(numerator) is int and type(denominator) is int:  # counts and minor units: integers all the way
        return _rounded_units(numerator, denominator, places)
    if type(numerator) in _SIMPLE and type(denominator) in _SIMPLE:
        quotient = _EXACT.divide(Decimal(numerator), Decimal(denominator))
        if quotient.is_finite() and quotient.adjusted() < _DIGITS - places - 2:
            fast = _fast_round(quotient, places)
            if fast is not None:
                return fast
    a, b = _integer_ratio(numerator)
    c, d = _integer_ratio(denominator)
    return _rounded_units(a * d, b * c, places)


_SIMPLE = (Decimal, int)


def exact_sum(values: Iterable[Decimal]) -> Decimal:
    """The exact sum of `values` (wide context, so no digits are ever rounded away)."""
    total = Decimal(0)
    add = _WIDE.add
    for value in values:
        total = add(total, value)
    return total


def plain_number(value: Decimal) -> str:
    """`100,000`, `4.5`, `0.25`: thousands separators, no trailing zeros, never an exponent."""
    if value == value.to_integral_value():
        return f"{int(value):,}"
    text = format(value, ",f")
    return text.rstrip("0").rstrip(".")


def format_percent(fraction: Decimal, *, places: int | None = None) -> str:
    """A fraction as a percent: `50 %`, `2.5 %`; with `places`, exactly that many decimals (`60.0 %`)."""
    hundred = fraction * 100
    if places is None:
        return f"{plain_number(hundred)} %"
    return f"{round_half_up(hundred, places):,f} %"


def format_value(unit: Unit, value: Decimal, *, currency: str) -> str:
    """A metric value as a rep reads it: `$60,000`, `12`, `42.5 %`, `4.25`."""
    if unit == "money":
        return format_amount(Money(value, currency))
    if unit == "percent":
        return format_percent(value)
    return plain_number(value)


# --- facts and the reference computation -----------------------------------------------------------


@dataclass(frozen=True)
class DealFact:
    """One of the rep's live (not voided) deals.

    `counts_on` already reflects the recognition rule (signed_on under "signed", paid_on under
    "paid"); None means it does not count yet. `new_customer` is True when this is the first
    live deal ever with that customer (the caller decides "first" once, the same way as SQL).
    """

    customer_id: int
    amount: Decimal
    counts_on: date | None
    signed_on: date
    premium: bool
    new_customer: bool

    def __post_init__(self) -> None:
        if not self.amount.is_finite() or self.amount < 0:
            raise ValueError(f"a deal amount must be a finite number of at least 0, not {self.amount}")


@dataclass(frozen=True)
class ActivityFact:
    """A logged activity entry: `count` activities of type `kind` on `on`."""

    kind: str
    count: int
    on: date

    def __post_init__(self) -> None:
        if self.count < 0:
            raise ValueError(f"an activity count must be at least 0, not {self.count}")


@dataclass(frozen=True)
class CsatFact:
    """One customer-satisfaction survey answer, scored 1 to 5, from customer `customer_id` (None: unknown)."""

    score: int
    on: date
    customer_id: int | None = None

    def __post_init__(self) -> None:
        if not CSAT_MIN <= self.score <= CSAT_MAX:
            raise ValueError(f"a CSAT score must be between {CSAT_MIN} and {CSAT_MAX}, not {self.score}")


@dataclass(frozen=True)
class TrainingFact:
    """A course the rep took; `completed_on` is None while it is not finished."""

    course: str
    completed_on: date | None


def one_year_before(day: date) -> date:
    """The same calendar date one year earlier; 29 February becomes 28 February."""
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return day.replace(year=day.year - 1, day=28)


def counting_in(deals: Iterable[DealFact], period: Period) -> list[DealFact]:
    """The deals whose counting date falls in the period (start and end inclusive)."""
    return [d for d in deals if d.counts_on is not None and period.start <= d.counts_on <= period.end]


def premium_customers(deals: Iterable[DealFact], *, period: Period) -> set[int]:
    """The period's premium customers: those with a live deal on a premium product line whose counting
    date falls in the period or in the 12 months before it (one_year_before(period.start) <= counts_on
    <= period.end). `deals` are the workspace's live deals, whoever owns them."""
    window_start = one_year_before(period.start)
    return {
        d.customer_id
        for d in deals
        if d.premium and d.counts_on is not None and window_start <= d.counts_on <= period.end
    }


def csat_average(csat: Sequence[CsatFact], *, period: Period, customers: Set[int] | None = None) -> Decimal | None:
    """Average score of the surveys dated in the period (4 dp, half up), or None when there are none.

    With `customers`, only the surveys from those customers count (premium_csat passes the
    period's `premium_customers`).

    `compute_actuals` reports 0 for "no surveys"; use this to tell "no surveys" from a real 0
    (which cannot happen, scores are 1-5), e.g. to leave `csat` out of the actuals given to
    `scorecard.score`, which then explains the line as "no data in the period".
    """
    scores = [
        s.score
        for s in csat
        if period.start <= s.on <= period.end and (customers is None or s.customer_id in customers)
    ]
    if not scores:
        return None
    return ratio(sum(scores), len(scores))


def compute_actuals(
    *,
    period: Period,
    deals: Sequence[DealFact],
    activities: Sequence[ActivityFact],
    csat: Sequence[CsatFact],
    trainings: Sequence[TrainingFact],
    required_courses: Set[str],
    history_deals: Sequence[DealFact],
    workspace_deals: Sequence[DealFact],
) -> dict[str, Decimal]:
    """Every metric in `METRICS` for one rep and one period, keyed by metric name.

    Inputs are the rep's own facts; anything outside the dates a metric looks at is ignored,
    so passing more than needed is harmless. `deals` feed the in-period deal metrics;
    `history_deals` (the rep's deals that counted before the period; the same list as `deals`
    is fine) feed only the 12-month look-back of repurchase_rate; `workspace_deals` (every live
    deal in the workspace, whoever owns it) feed only premium_csat. "In the period" means
    period.start <= date <= period.end, using `counts_on` for deals, `on` for activities and
    surveys. Definitions:

    - revenue = Σ amount of deals counting in the period.
    - deals = number of deals counting in the period.
    - new_customers = distinct customers whose first-ever deal counts in the period
      (deals counting in the period with `new_customer`, distinct by customer_id).
    - new_customer_revenue = Σ amount of those first deals.
    - repeat_revenue = Σ amount of deals counting in the period that are not a customer's first
      deal (so new_customer_revenue + repeat_revenue = revenue).
    - repurchase_rate = of the rep's customers who bought in the 12 months before period.start
      (distinct customer_id of `history_deals` with one_year_before(period.start) <= counts_on
      < period.start), the share (0-1) with a deal counting in the period; 0 when none bought
      before. 4 dp, half up.
    - premium_share = Σ amount of premium deals counting in the period / revenue; 0 when
      revenue is 0. 4 dp, half up.
    - activities = Σ count of all activities in the period; activities:<type> the same for one
      type; new_leads = activities:lead.
    - csat = average score of the surveys in the period, 4 dp, half up; 0 when there are no
      surveys (see `csat_average` to tell them apart).
    - premium_csat = the same average over the surveys in the period whose customer is one of the
      period's premium customers: a customer with a live deal (any owner's, from
      `workspace_deals`) on a premium product line counting from one_year_before(period.start)
      to period.end (`premium_customers`); 0 when there are no such surveys.
    - training = distinct required courses completed on or before period.end (whenever
      started) / number of required courses; 1 when none are required. 4 dp, half up.
    """
    counting = counting_in(deals, period)
    first_deals = [d for d in counting if d.new_customer]
    revenue = exact_sum(d.amount for d in counting)
    premium_revenue = exact_sum(d.amount for d in counting if d.premium)

    window_start = one_year_before(period.start)
    bought_before = {
        d.customer_id for d in history_deals if d.counts_on is not None and window_start <= d.counts_on < period.start
    }
    bought_now = {d.customer_id for d in counting}
    repurchase_rate = ratio(len(bought_before & bought_now), len(bought_before)) if bought_before else Decimal(0)

    in_period = [a for a in activities if period.start <= a.on <= period.end]
    by_kind = {kind: sum(a.count for a in in_period if a.kind == kind) for kind in ACTIVITY_KINDS}

    completed = {
        t.course
        for t in trainings
        if t.completed_on is not None and t.completed_on <= period.end and t.course in required_courses
    }
    training = ratio(len(completed), len(required_courses)) if required_courses else Decimal(1)

    actuals: dict[str, Decimal] = {
        "revenue": revenue,
        "deals": Decimal(len(counting)),
        "new_customers": Decimal(len({d.customer_id for d in first_deals})),
        "new_customer_revenue": exact_sum(d.amount for d in first_deals),
        "repeat_revenue": exact_sum(d.amount for d in counting if not d.new_customer),
        "repurchase_rate": repurchase_rate,
        "premium_share": ratio(premium_revenue, revenue) if revenue else Decimal(0),
        "activities": Decimal(sum(a.count for a in in_period)),
    }
    actuals.update({f"activities:{kind}": Decimal(by_kind[kind]) for kind in ACTIVITY_KINDS})
    actuals["new_leads"] = Decimal(by_kind["lead"])
    actuals["csat"] = csat_average(csat, period=period) or Decimal(0)
    premium = premium_customers(workspace_deals, period=period)
    actuals["premium_csat"] = csat_average(csat, period=period, customers=premium) or Decimal(0)
    actuals["training"] = training
    return actuals
