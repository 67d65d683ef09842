"""Incentive plans: commission, bonuses, profit share and accelerators, explained line by line.

A payout is a list of lines, each `amount = base × rate` rounded half up to the cent, and the
total is the exact sum of the line amounts, so the statement a rep sees always adds up.

Commission rate of a deal, first match wins (precedence):
    1. the deal's product line has its own rate in `product_rates` (names match case-insensitively);
    2. the deal is premium and `premium_rate` is set;
    3. the deal is a customer's first and `new_customer_rate` is set, or it is a repeat deal and
       `existing_customer_rate` is set;
    4. `base_rate`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import InitVar, dataclass, field
from decimal import Decimal
from fractions import Fraction
from types import MappingProxyType
from typing import Literal

from scoring.metrics import exact_sum, format_percent, plain_number, round_half_up
from scoring.money import Money, format_amount
from scoring.scorecard import ScorecardError

CENT_PLACES = 2
_ZERO = Decimal(0)

RateSource = Literal["product line", "premium", "new customer", "existing customer", "base"]
PayoutKind = Literal["commission", "accelerator", "bonus", "profit share"]


@dataclass(frozen=True)
class Accelerator:
    """Commission × `multiplier` on the revenue beyond `above` × the revenue target.

    `Accelerator(Decimal("1.0"), Decimal("1.5"))`: revenue beyond 100 % of target earns 1.5 times
    its normal commission. Several tiers work like tax brackets: each multiplier applies to the
    revenue between its threshold and the next one's.
    """

    above: Decimal
    multiplier: Decimal


@dataclass(frozen=True)
class IncentivePlan:
    """A profile's incentive plan. Rates and shares are fractions (0.05 = 5 %), amounts are in the
    workspace currency. Construction validates it and raises `ScorecardError` naming the key under
    `where` (default `plan`): rates and the profit share between 0 and 1, the bonus at least 0,
    accelerator thresholds at least 0 and strictly increasing, multipliers at least 1 and never
    decreasing from one tier to the next.

    - base_rate: commission on revenue.
    - product_rates: product line name → rate, overriding every other rate for that line.
    - premium_rate: rate for premium lines without their own rate.
    - new_customer_rate / existing_customer_rate: if set, replace base_rate for a customer's first
      deal / for repeat deals.
    - new_customer_bonus: flat amount per new customer (per deal flagged as a customer's first).
    - repeat_profit_share: share of repeat-deal revenue paid on top of commission.
    - accelerators: see `Accelerator`; they need a revenue target.
    """

    base_rate: Decimal
    product_rates: Mapping[str, Decimal] = field(default_factory=dict, hash=False)
    premium_rate: Decimal | None = None
    new_customer_rate: Decimal | None = None
    existing_customer_rate: Decimal | None = None
    new_customer_bonus: Decimal = _ZERO
    repeat_profit_share: Decimal = _ZERO
    accelerators: tuple[Accelerator, ...] = ()
    where: InitVar[str | None] = None

    def __post_init__(self, where: str | None) -> None:
        object.__setattr__(self, "product_rates", MappingProxyType(dict(self.product_rates)))
        _validate_plan(self, where=where if where is not None else "plan")

    def product_rate(self, product_line: str) -> tuple[str, Decimal] | None:
        """The configured (name, rate) for `product_line`, matched case-insensitively, or None."""
        wanted = product_line.casefold()
        return next(((name, rate) for name, rate in self.product_rates.items() if name.casefold() == wanted), None)


def _fraction_problem(value: object) -> str | None:
    if not isinstance(value, Decimal) or not value.is_finite():
        return f"must be a number (got {value!r})"
    if not 0 <= value <= 1:
        return f"must be between 0 and 1 (0.05 means 5 %) (got {plain_number(value)})"
    return None


def _validate_plan(plan: IncentivePlan, *, where: str) -> None:
    checks: list[tuple[str, object]] = [
        ("base_rate", plan.base_rate),
        ("premium_rate", plan.premium_rate),
        ("new_customer_rate", plan.new_customer_rate),
        ("existing_customer_rate", plan.existing_customer_rate),
        ("repeat_profit_share", plan.repeat_profit_share),
    ]
    for key, value in checks:
        if value is not None and (problem := _fraction_problem(value)) is not None:
            raise ScorecardError(f"{where}.{key}", problem)
    seen: dict[str, str] = {}
    for name, rate in plan.product_rates.items():
        at = f"{where}.product_rates.{name}"
        if not isinstance(name, str) or not name.strip():
            raise ScorecardError(f"{where}.product_rates", f"a product line name is empty ({name!r})")
        if name.casefold() in seen:
            raise ScorecardError(at, f"the same product line as {seen[name.casefold()]!r}")
        seen[name.casefold()] = name
        if (problem := _fraction_problem(rate)) is not None:
            raise ScorecardError(at, problem)
    bonus = plan.new_customer_bonus
    if not isinstance(bonus, Decimal) or not bonus.is_finite() or bonus < 0:
        raise ScorecardError(f"{where}.new_customer_bonus", f"must be a number of at least 0 (got {bonus!r})")
    previous: Accelerator | None = None
    for i, acc in enumerate(plan.accelerators):
        at = f"{where}.accelerators.{i}"
        if not isinstance(acc.above, Decimal) or not acc.above.is_finite() or acc.above < 0:
            raise ScorecardError(
                f"{at}.above", f"must be a share of target of at least 0 (1.0 means 100 %) (got {acc.above!r})"
            )
        if previous is not None and acc.above <= previous.above:
            raise ScorecardError(
                f"{at}.above",
                f"tiers go up: this must be above the previous tier's {format_percent(previous.above)} "
                f"(got {format_percent(acc.above)})",
            )
        if not isinstance(acc.multiplier, Decimal) or not acc.multiplier.is_finite() or acc.multiplier < 1:
            raise ScorecardError(f"{at}.multiplier", f"must be at least 1 (1.5 means ×1.5) (got {acc.multiplier!r})")
        if previous is not None and acc.multiplier < previous.multiplier:
            raise ScorecardError(
                f"{at}.multiplier",
                f"must be at least the previous tier's ×{plain_number(previous.multiplier)} "
                f"(got ×{plain_number(acc.multiplier)})",
            )
        previous = acc


@dataclass(frozen=True)
class PayDeal:
    """A deal that counts in the period, as the incentive plan sees it."""

    number: int
    amount: Decimal
    product_line: str | None
    premium: bool
    new_customer: bool

    def __post_init__(self) -> None:
        if not self.amount.is_finite() or self.amount < 0:
            raise ValueError(f"a deal amount must be a finite number of at least 0, not {self.amount}")


@dataclass(frozen=True)
class AppliedRate:
    """The commission rate a deal earns and which rule chose it (`product_line` for product rates)."""

    rate: Decimal
    source: RateSource
    product_line: str | None = None


def commission_rate(plan: IncentivePlan, deal: PayDeal) -> AppliedRate:
    """The deal's commission rate by precedence: product line > premium > new/existing customer > base."""
    if deal.product_line is not None and (named := plan.product_rate(deal.product_line)) is not None:
        return AppliedRate(named[1], "product line", named[0])
    if deal.premium and plan.premium_rate is not None:
        return AppliedRate(plan.premium_rate, "premium")
    if deal.new_customer and plan.new_customer_rate is not None:
        return AppliedRate(plan.new_customer_rate, "new customer")
    if not deal.new_customer and plan.existing_customer_rate is not None:
        return AppliedRate(plan.existing_customer_rate, "existing customer")
    return AppliedRate(plan.base_rate, "base")


@dataclass(frozen=True)
class PayoutLine:
    """One line of a payout statement: `amount` = `base` × `rate`, rounded half up to the cent.

    `base` is revenue for commission, accelerator and profit-share lines, and the number of new
    customers for the bonus line (whose `rate` is then the bonus per customer). `deals` are the
    numbers of the deals behind the line.
    """

    kind: PayoutKind
    label: str
    base: Decimal
    rate: Decimal
    amount: Decimal
    deals: tuple[int, ...]


@dataclass(frozen=True)
class Payout:
    """A payout estimate: `total` is exactly the sum of the line amounts. `notes` say what did not
    apply and why (e.g. accelerators without a revenue target)."""

    lines: tuple[PayoutLine, ...]
    total: Decimal
    notes: tuple[str, ...] = ()


_SOURCE_ORDER: dict[RateSource, int] = {
    "base": 0,
    "new customer": 1,
    "existing customer": 2,
    "premium": 3,
    "product line": 4,
}
_SOURCE_SUFFIX: dict[RateSource, str] = {
    "base": "",
    "new customer": " (new customers)",
    "existing customer": " (existing customers)",
    "premium": " (premium lines)",
    "product line": "",
}


def _line(kind: PayoutKind, label: str, base: Decimal, rate: Decimal, deals: list[int]) -> PayoutLine:
    amount = round_half_up(Fraction(base) * Fraction(rate), CENT_PLACES)
    return PayoutLine(kind=kind, label=label, base=base, rate=rate, amount=amount, deals=tuple(deals))


def payout(plan: IncentivePlan, *, deals: Sequence[PayDeal], revenue_target: Decimal | None, currency: str) -> Payout:
    """The payout for the deals counting in one period, in the workspace `currency`.

    Lines, in this order (lines whose base or rate is 0 are left out):
    - Commission: one line per applied rate and rule ("Commission 5 % on $60,000"), base = the
      revenue of the deals at that rate.
    - Accelerators (only with a revenue target > 0): `deals` must be in recognition order (the
      order they counted); revenue accumulates deal by deal, and the part of each deal lying
      beyond a tier's threshold (above × revenue_target) earns that tier's extra commission. A
      tier's line pays (its multiplier − the previous tier's, or − 1 for the first) × the deal's
      commission rate on all revenue beyond its threshold, which is the same as tax brackets
      and never decreases when a deal is added. One line per tier and commission rate:
      "Accelerator ×1.5 above 100 % of target", base = revenue beyond the threshold.
    - New-customer bonus: "New-customer bonus × 3", base = deals flagged new_customer.
    - Profit share: "Profit share 2 % on $40,000 of repeat revenue", base = revenue of deals
      that are not a customer's first.
    The total is the exact sum of the rounded line amounts.
    """
    if revenue_target is not None and (not revenue_target.is_finite() or revenue_target <= 0):
        raise ValueError(f"a revenue target must be more than 0, not {revenue_target}")

    def money(value: Decimal) -> str:
        return format_amount(Money(value, currency))

    applied = [(deal, commission_rate(plan, deal)) for deal in deals]
    lines: list[PayoutLine] = []
    notes: list[str] = []

    groups: dict[tuple[int, str, Decimal], list[PayDeal]] = {}
    for deal, rate in applied:
        key = (_SOURCE_ORDER[rate.source], rate.product_line or "", rate.rate)
        groups.setdefault(key, []).append(deal)
    for key in sorted(groups):
        members = groups[key]
        rate = commission_rate(plan, members[0])
        base = exact_sum(d.amount for d in members)
        if base == 0 or rate.rate == 0:
            continue
        suffix = f" (product line {rate.product_line})" if rate.product_line else _SOURCE_SUFFIX[rate.source]
        label = f"Commission {format_percent(rate.rate)} on {money(base)}{suffix}"
        lines.append(_line("commission", label, base, rate.rate, [d.number for d in members]))

    if plan.accelerators and revenue_target is None:
        notes.append("No revenue target is set, so the accelerators do not apply.")
    elif plan.accelerators and revenue_target is not None:
        previous_multiplier = Decimal(1)
        for tier in plan.accelerators:
            step = tier.multiplier - previous_multiplier
            previous_multiplier = tier.multiplier
            if step == 0:
                continue
            threshold = tier.above * revenue_target
            beyond: dict[Decimal, tuple[Decimal, list[int]]] = {}
            reached = _ZERO
            for deal, rate in applied:
                start, reached = reached, reached + deal.amount
                part = reached - max(start, threshold)
                if part > 0 and rate.rate > 0:
                    base, numbers = beyond.get(rate.rate, (_ZERO, []))
                    beyond[rate.rate] = (base + part, [*numbers, deal.number])
            label = f"Accelerator ×{plain_number(tier.multiplier)} above {format_percent(tier.above)} of target"
            if tier is not plan.accelerators[0]:
                label += f" (the extra ×{plain_number(step)} over the tier below)"
            for rate_value, (base, numbers) in beyond.items():
                shown = label if len(beyond) == 1 else f"{label}, on {format_percent(rate_value)} commission"
                lines.append(_line("accelerator", shown, base, rate_value * step, numbers))

    first_deals = [deal for deal in deals if deal.new_customer]
    if first_deals and plan.new_customer_bonus > 0:
        count = Decimal(len(first_deals))
        lines.append(
            _line(
                "bonus",
                f"New-customer bonus × {len(first_deals)}",
                count,
                plan.new_customer_bonus,
                [d.number for d in first_deals],
            )
        )

    repeat = [deal for deal in deals if not deal.new_customer]
    repeat_revenue = exact_sum(d.amount for d in repeat)
    if repeat_revenue > 0 and plan.repeat_profit_share > 0:
        label = f"Profit share {format_percent(plan.repeat_profit_share)} on {money(repeat_revenue)} of repeat revenue"
        lines.append(_line("profit share", label, repeat_revenue, plan.repeat_profit_share, [d.number for d in repeat]))

    total = round_half_up(exact_sum(line.amount for line in lines), CENT_PLACES)
    return Payout(lines=tuple(lines), total=total, notes=tuple(notes))
