"""Incentive plans: which rate a deal earns, bonuses, profit share and accelerators."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring.incentives import Accelerator, IncentivePlan, PayDeal, Payout, commission_rate, payout
from scoring.scorecard import ScorecardError

PROPERTY = settings(max_examples=200, deadline=None, database=None)


def D(text: str | int) -> Decimal:
    return Decimal(text)


def paid(
    amount: str | int,
    *,
    number: int = 1,
    product: str | None = None,
    premium: bool = False,
    new: bool = False,
) -> PayDeal:
    return PayDeal(number=number, amount=D(amount), product_line=product, premium=premium, new_customer=new)


def pay(plan: IncentivePlan, *deals: PayDeal, target: str | int | None = None) -> Payout:
    return payout(plan, deals=deals, revenue_target=None if target is None else D(target), currency="USD")


def rejected(**settings_: object) -> ScorecardError:
    with pytest.raises(ScorecardError) as caught:
        IncentivePlan(**settings_, where="profiles.hunter.plan")  # type: ignore[arg-type]
    return caught.value


FULL = IncentivePlan(
    base_rate=D("0.04"),
    product_rates={"Cloud": D("0.10")},
    premium_rate=D("0.08"),
    new_customer_rate=D("0.06"),
    existing_customer_rate=D("0.03"),
)


# --- rates -------------------------------------------------------------------------------------------


def test_a_product_lines_own_rate_beats_every_other_rate() -> None:
    applied = commission_rate(FULL, paid(1, product="cloud", premium=True, new=True))
    assert (applied.rate, applied.source, applied.product_line) == (D("0.10"), "product line", "Cloud")


def test_the_premium_rate_beats_the_customer_rates() -> None:
    assert commission_rate(FULL, paid(1, product="Hardware", premium=True, new=True)).source == "premium"


def test_new_and_existing_customer_rates_replace_the_base_rate() -> None:
    assert commission_rate(FULL, paid(1, new=True)).rate == D("0.06")
    assert commission_rate(FULL, paid(1, new=False)).rate == D("0.03")


def test_the_base_rate_applies_when_nothing_else_does() -> None:
    plan = IncentivePlan(base_rate=D("0.04"), premium_rate=D("0.08"))
    assert commission_rate(plan, paid(1, new=True)).source == "base"


# --- payouts -----------------------------------------------------------------------------------------


def test_commission_is_one_line_per_rate_with_the_revenue_it_applies_to() -> None:
    result = pay(FULL, paid(20000, number=1), paid(40000, number=2), paid(10000, number=3, product="Cloud"))
    assert [(line.label, line.base, line.rate, line.amount, line.deals) for line in result.lines] == [
        ("Commission 3 % on $60,000 (existing customers)", D(60000), D("0.03"), D("1800.00"), (1, 2)),
        ("Commission 10 % on $10,000 (product line Cloud)", D(10000), D("0.10"), D("1000.00"), (3,)),
    ]
    assert result.total == D("2800.00")


def test_the_base_commission_label_has_no_qualifier() -> None:
    result = pay(IncentivePlan(base_rate=D("0.05")), paid(60000))
    assert result.lines[0].label == "Commission 5 % on $60,000"
    assert result.total == D("3000.00")


def test_each_line_rounds_half_up_to_the_cent_and_the_total_adds_the_lines() -> None:
    result = pay(IncentivePlan(base_rate=D("0.05"), repeat_profit_share=D("0.05")), paid("0.10"))
    assert [line.amount for line in result.lines] == [D("0.01"), D("0.01")]
    assert result.total == D("0.02")


def test_the_new_customer_bonus_is_paid_per_first_deal() -> None:
    plan = IncentivePlan(base_rate=D("0.05"), new_customer_bonus=D(500))
    result = pay(plan, paid(1000, number=1, new=True), paid(1000, number=2), paid(1000, number=3, new=True))
    bonus = result.lines[-1]
    assert (bonus.kind, bonus.label, bonus.base, bonus.rate, bonus.amount) == (
        "bonus",
        "New-customer bonus × 2",
        D(2),
        D(500),
        D("1000.00"),
    )
    assert bonus.deals == (1, 3)
    assert result.total == D("1150.00")


def test_the_profit_share_is_paid_on_repeat_revenue_only() -> None:
    plan = IncentivePlan(base_rate=D("0.03"), repeat_profit_share=D("0.02"))
    result = pay(plan, paid(30000, new=True), paid(40000, number=2))
    share = result.lines[-1]
    assert (share.label, share.base, share.amount) == (
        "Profit share 2 % on $40,000 of repeat revenue",
        D(40000),
        D(800),
    )
    assert result.total == D("2900.00")


def test_no_deals_pay_nothing() -> None:
    result = pay(FULL)
    assert result.lines == () and result.total == D("0.00")


def test_an_accelerator_pays_extra_commission_only_on_revenue_beyond_the_threshold() -> None:
    plan = IncentivePlan(base_rate=D("0.05"), accelerators=(Accelerator(D("1.0"), D("1.5")),))
    result = pay(plan, paid(60000, number=1), paid(50000, number=2), target=100000)
    accelerator = result.lines[1]
    assert (accelerator.label, accelerator.base, accelerator.rate, accelerator.amount, accelerator.deals) == (
        "Accelerator ×1.5 above 100 % of target",
        D(10000),
        D("0.025"),
        D("250.00"),
        (2,),
    )
    assert result.total == D("5750.00")


def test_accelerator_tiers_stack_like_tax_brackets() -> None:
    plan = IncentivePlan(
        base_rate=D("0.05"), accelerators=(Accelerator(D("1.0"), D("1.5")), Accelerator(D("1.2"), D("2")))
    )
    result = pay(plan, paid(150000), target=100000)
    assert [(line.label, line.base, line.amount) for line in result.lines] == [
        ("Commission 5 % on $150,000", D(150000), D("7500.00")),
        ("Accelerator ×1.5 above 100 % of target", D(50000), D("1250.00")),
        ("Accelerator ×2 above 120 % of target (the extra ×0.5 over the tier below)", D(30000), D("750.00")),
    ]
    # 100k at 5 % + 20k at 7.5 % + 30k at 10 %
    assert result.total == D(5000) + D(1500) + D(3000)


def test_deals_are_accelerated_in_recognition_order() -> None:
    plan = IncentivePlan(base_rate=D("0.04"), premium_rate=D("0.08"), accelerators=(Accelerator(D("1"), D("1.5")),))
    standard, premium = paid(100000, number=1), paid(50000, number=2, premium=True)
    premium_last = pay(plan, standard, premium, target=100000)
    premium_first = pay(plan, premium, standard, target=100000)
    assert premium_last.lines[-1].amount == D("2000.00")  # 50k beyond target at 8 % × 0.5
    assert premium_first.lines[-1].amount == D("1000.00")  # 50k beyond target at 4 % × 0.5


def test_an_accelerated_tier_with_mixed_rates_gets_one_line_per_rate() -> None:
    plan = IncentivePlan(base_rate=D("0.04"), premium_rate=D("0.08"), accelerators=(Accelerator(D("0.5"), D("2")),))
    result = pay(plan, paid(100, number=1), paid(100, number=2, premium=True), target=100)
    labels = [line.label for line in result.lines if line.kind == "accelerator"]
    assert labels == [
        "Accelerator ×2 above 50 % of target, on 4 % commission",
        "Accelerator ×2 above 50 % of target, on 8 % commission",
    ]
    assert result.total == D("12.00") + D("2.00") + D("8.00")


def test_accelerators_need_a_revenue_target_and_say_so() -> None:
    plan = IncentivePlan(base_rate=D("0.05"), accelerators=(Accelerator(D("1"), D("1.5")),))
    result = pay(plan, paid(500000))
    assert [line.kind for line in result.lines] == ["commission"]
    assert result.notes == ("No revenue target is set, so the accelerators do not apply.",)


def test_a_revenue_target_of_zero_is_refused() -> None:
    with pytest.raises(ValueError, match="more than 0"):
        pay(IncentivePlan(base_rate=D("0.05")), paid(1), target=0)


# --- validation --------------------------------------------------------------------------------------


def test_rates_must_be_fractions_between_zero_and_one() -> None:
    error = rejected(base_rate=D(5))
    assert str(error) == "profiles.hunter.plan.base_rate: must be between 0 and 1 (0.05 means 5 %) (got 5)"
    assert rejected(base_rate=D("0.05"), premium_rate=D("-0.01")).path == "profiles.hunter.plan.premium_rate"
    assert rejected(base_rate=D("0.05"), repeat_profit_share=D(2)).path == "profiles.hunter.plan.repeat_profit_share"


def test_a_product_rate_is_checked_under_its_product_line() -> None:
    error = rejected(base_rate=D("0.05"), product_rates={"Cloud": D("1.5")})
    assert error.path == "profiles.hunter.plan.product_rates.Cloud"


def test_a_product_line_may_have_only_one_rate_whatever_its_case() -> None:
    error = rejected(base_rate=D("0.05"), product_rates={"Cloud": D("0.1"), "CLOUD": D("0.2")})
    assert str(error) == "profiles.hunter.plan.product_rates.CLOUD: the same product line as 'Cloud'"


def test_the_new_customer_bonus_cannot_be_negative() -> None:
    assert rejected(base_rate=D("0.05"), new_customer_bonus=D(-1)).path == "profiles.hunter.plan.new_customer_bonus"


def test_accelerator_thresholds_must_rise() -> None:
    tiers = (Accelerator(D("1.2"), D("1.5")), Accelerator(D("1.0"), D("2")))
    error = rejected(base_rate=D("0.05"), accelerators=tiers)
    assert str(error) == (
        "profiles.hunter.plan.accelerators.1.above: tiers go up: this must be above the previous tier's 120 % "
        "(got 100 %)"
    )


def test_accelerator_multipliers_are_at_least_one_and_never_fall() -> None:
    below_one = (Accelerator(D("1"), D("0.8")),)
    assert (
        rejected(base_rate=D("0.05"), accelerators=below_one).path == "profiles.hunter.plan.accelerators.0.multiplier"
    )
    falling = (Accelerator(D("1"), D("2")), Accelerator(D("1.5"), D("1.5")))
    error = rejected(base_rate=D("0.05"), accelerators=falling)
    assert str(error) == (
        "profiles.hunter.plan.accelerators.1.multiplier: must be at least the previous tier's ×2 (got ×1.5)"
    )


def test_a_plan_cannot_be_changed_through_its_product_rates() -> None:
    rates = {"Cloud": D("0.1")}
    plan = IncentivePlan(base_rate=D("0.05"), product_rates=rates)
    rates["Cloud"] = D("0.9")
    assert plan.product_rates["Cloud"] == D("0.1")
    with pytest.raises(TypeError):
        plan.product_rates["Cloud"] = D("0.9")  # type: ignore[index]


# --- properties --------------------------------------------------------------------------------------


def _scaled(high: int, places: int) -> st.SearchStrategy[Decimal]:
    """Decimals from 0 to high × 10^-places in steps of 10^-places (quicker to draw than decimals())."""
    return st.integers(0, high).map(lambda n: Decimal(n).scaleb(-places))


_plans = st.builds(
    IncentivePlan,
    base_rate=_scaled(200, 3),
    product_rates=st.dictionaries(st.sampled_from(["Cloud", "Hardware"]), _scaled(300, 3), max_size=2),
    premium_rate=st.none() | _scaled(200, 3),
    new_customer_rate=st.none() | _scaled(200, 3),
    existing_customer_rate=st.none() | _scaled(200, 3),
    new_customer_bonus=_scaled(100_000, 2),
    repeat_profit_share=_scaled(100, 3),
    accelerators=st.sampled_from(
        [
            (),
            (Accelerator(D("1"), D("1.5")),),
            (Accelerator(D("0.8"), D("1.2")), Accelerator(D("1"), D("1.5")), Accelerator(D("1.3"), D("2.25"))),
        ]
    ),
)
_pay_deals = st.builds(
    PayDeal,
    number=st.integers(1, 999),
    amount=_scaled(20_000_000, 2),
    product_line=st.sampled_from([None, "Cloud", "Hardware", "Services"]),
    premium=st.booleans(),
    new_customer=st.booleans(),
)
_targets = st.none() | _scaled(50_000_000, 2).filter(lambda t: t > 0)


@PROPERTY
@given(plan=_plans, deals=st.lists(_pay_deals, max_size=12), target=_targets)
def test_payout_lines_always_sum_exactly_to_the_total(
    plan: IncentivePlan, deals: list[PayDeal], target: Decimal | None
) -> None:
    result = payout(plan, deals=deals, revenue_target=target, currency="USD")
    assert sum((line.amount for line in result.lines), Decimal(0)) == result.total
    assert all(line.amount == line.amount.quantize(Decimal("0.01")) for line in result.lines)
    assert all(line.amount >= 0 for line in result.lines)


@PROPERTY
@given(
    plan=_plans,
    deals=st.lists(_pay_deals, max_size=12),
    extra=_pay_deals,
    at=st.integers(0, 12),
    target=_targets,
)
def test_adding_a_deal_anywhere_never_lowers_the_payout(
    plan: IncentivePlan, deals: list[PayDeal], extra: PayDeal, at: int, target: Decimal | None
) -> None:
    before = payout(plan, deals=deals, revenue_target=target, currency="USD")
    more = [*deals[:at], extra, *deals[at:]]
    after = payout(plan, deals=more, revenue_target=target, currency="USD")
    assert after.total >= before.total


@PROPERTY
@given(plan=_plans, deals=st.lists(_pay_deals, max_size=12), target=_targets)
def test_the_same_deals_always_pay_the_same(plan: IncentivePlan, deals: list[PayDeal], target: Decimal | None) -> None:
    first = payout(plan, deals=deals, revenue_target=target, currency="USD")
    assert payout(plan, deals=list(deals), revenue_target=target, currency="USD") == first
