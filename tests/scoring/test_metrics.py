"""The metric vocabulary, and the reference computation every SQL aggregation must match."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring.metrics import (
    ACTIVITY_KINDS,
    METRICS,
    ActivityFact,
    CsatFact,
    DealFact,
    TrainingFact,
    UnknownMetric,
    compute_actuals,
    csat_average,
    format_percent,
    format_value,
    is_metric,
    metric,
    one_year_before,
    plain_number,
    premium_customers,
    ratio,
    round_half_up,
)
from scoring.periods import Period, month_of

PROPERTY = settings(max_examples=200, deadline=None, database=None)

NOV = month_of(date(2026, 11, 1))
Q4 = Period(start=date(2026, 10, 1), end=date(2026, 12, 31), label="Q4 2026")


def deal(
    amount: str = "1000",
    on: date | None = date(2026, 11, 10),
    *,
    customer: int = 1,
    premium: bool = False,
    new: bool = False,
) -> DealFact:
    signed = on or date(2026, 11, 1)
    return DealFact(
        customer_id=customer, amount=Decimal(amount), counts_on=on, signed_on=signed, premium=premium, new_customer=new
    )


def actuals(
    period: Period = NOV,
    *,
    deals: Sequence[DealFact] = (),
    activities: Sequence[ActivityFact] = (),
    csat: Sequence[CsatFact] = (),
    trainings: Sequence[TrainingFact] = (),
    required: frozenset[str] = frozenset(),
    history: Sequence[DealFact] = (),
    workspace: Sequence[DealFact] = (),
) -> dict[str, Decimal]:
    return compute_actuals(
        period=period,
        deals=deals,
        activities=activities,
        csat=csat,
        trainings=trainings,
        required_courses=required,
        history_deals=history,
        workspace_deals=workspace,
    )


# --- the vocabulary ----------------------------------------------------------------------------------


def test_every_metric_has_a_label_a_unit_and_a_one_sentence_description() -> None:
    for name, spec in METRICS.items():
        assert spec.name == name
        assert spec.label and spec.label[0].isupper()
        assert spec.unit in ("money", "count", "percent", "score")
        assert spec.description.endswith(".") and spec.description.count(". ") == 0


def test_the_vocabulary_has_the_published_names_and_one_activity_metric_per_type() -> None:
    expected = {
        "revenue",
        "deals",
        "new_customers",
        "new_customer_revenue",
        "repeat_revenue",
        "repurchase_rate",
        "premium_share",
        "activities",
        "new_leads",
        "csat",
        "premium_csat",
        "training",
    } | {f"activities:{kind}" for kind in ACTIVITY_KINDS}
    assert set(METRICS) == expected
    assert set(ACTIVITY_KINDS) == {"call", "email", "meeting", "visit", "demo", "proposal", "lead", "followup"}


def test_units_say_how_a_value_is_read() -> None:
    names = ("revenue", "deals", "premium_share", "repurchase_rate", "csat", "premium_csat")
    units = {name: METRICS[name].unit for name in names}
    assert units == {
        "revenue": "money",
        "deals": "count",
        "premium_share": "percent",
        "repurchase_rate": "percent",
        "csat": "score",
        "premium_csat": "score",
    }
    assert metric("training").unit == "percent"
    assert metric("activities:followup").label == "Follow-ups"


def test_revenue_is_described_as_deals_counting_under_the_workspace_rule() -> None:
    assert metric("revenue").description == (
        "Sum of your live deals counting in the period (signed or paid, per the workspace rule)."
    )


def test_an_unknown_metric_names_every_valid_one_and_suggests_the_closest() -> None:
    with pytest.raises(UnknownMetric) as caught:
        metric("revnue")
    error = caught.value
    assert isinstance(error, ValueError)
    assert str(error).startswith("unknown metric 'revnue'; valid: revenue, deals, new_customers, ")
    assert str(error).endswith(", csat, premium_csat, training")
    assert error.suggestion == "revenue"
    assert error.example == "/goal @dana revenue 120k"


def test_is_metric_accepts_only_exact_names() -> None:
    assert is_metric("activities:call")
    assert not is_metric("Revenue")
    assert not is_metric("activities:lunch")


# --- exact arithmetic --------------------------------------------------------------------------------


def test_ratios_are_exact_and_rounded_half_up_to_four_places() -> None:
    assert ratio(1, 3) == Decimal("0.3333")
    assert ratio(2, 3) == Decimal("0.6667")
    assert ratio(1, 8) == Decimal("0.1250")
    assert ratio(Decimal("0.00005"), 1) == Decimal("0.0001")
    assert str(ratio(1, 2)) == "0.5000"


def test_a_ratio_with_a_zero_denominator_is_refused() -> None:
    with pytest.raises(ZeroDivisionError):
        ratio(1, 0)


def test_rounding_half_up_goes_away_from_zero_at_exactly_half() -> None:
    assert round_half_up(Decimal("5.625"), 2) == Decimal("5.63")
    assert round_half_up(Decimal("5.624999"), 2) == Decimal("5.62")
    assert round_half_up(Decimal("-0.125"), 2) == Decimal("-0.13")
    assert str(round_half_up(0, 2)) == "0.00"


def test_values_are_formatted_the_way_a_rep_reads_them() -> None:
    assert plain_number(Decimal("100000")) == "100,000"
    assert plain_number(Decimal("1E+2")) == "100"
    assert plain_number(Decimal("4.2500")) == "4.25"
    assert format_percent(Decimal("0.5")) == "50 %"
    assert format_percent(Decimal("0.025")) == "2.5 %"
    assert format_percent(Decimal("0.6"), places=1) == "60.0 %"
    assert format_value("money", Decimal("60000"), currency="USD") == "$60,000"
    assert format_value("percent", Decimal("0.4167"), currency="USD") == "41.67 %"
    assert format_value("score", Decimal("4.2500"), currency="USD") == "4.25"


# --- facts -------------------------------------------------------------------------------------------


def test_facts_refuse_impossible_values() -> None:
    with pytest.raises(ValueError, match="between 1 and 5"):
        CsatFact(score=6, on=date(2026, 11, 1))
    with pytest.raises(ValueError, match="at least 0"):
        deal("-1")
    with pytest.raises(ValueError, match="at least 0"):
        ActivityFact(kind="call", count=-2, on=date(2026, 11, 1))


# --- worked examples ---------------------------------------------------------------------------------


def test_compute_actuals_reports_every_metric_even_with_no_facts() -> None:
    result = actuals()
    assert list(result) == list(METRICS)
    assert result["revenue"] == 0 and result["csat"] == 0 and result["training"] == 1


def test_revenue_and_deals_count_only_deals_counting_in_the_period_inclusive_of_both_ends() -> None:
    deals = [
        deal("100", date(2026, 10, 31)),
        deal("200", date(2026, 11, 1)),
        deal("300.50", date(2026, 11, 30)),
        deal("400", date(2026, 12, 1)),
        deal("500", None),  # waiting for payment
    ]
    result = actuals(deals=deals)
    assert result["revenue"] == Decimal("500.50")
    assert result["deals"] == 2


def test_new_customers_are_distinct_customers_whose_first_deal_counts_in_the_period() -> None:
    deals = [
        deal("1000", customer=1, new=True),
        deal("2000", customer=2, new=True),
        deal("400", customer=2),  # second deal with a new customer: repeat revenue
        deal("700", customer=3),  # an existing customer
        deal("9000", date(2026, 10, 20), customer=4, new=True),  # first deal counted last month
    ]
    result = actuals(deals=deals)
    assert result["new_customers"] == 2
    assert result["new_customer_revenue"] == 3000
    assert result["repeat_revenue"] == 1100
    assert result["new_customer_revenue"] + result["repeat_revenue"] == result["revenue"] == 4100


def test_repurchase_rate_looks_back_exactly_twelve_months_before_the_period() -> None:
    history = [
        deal("1", date(2025, 11, 1), customer=1),  # first day of the window
        deal("1", date(2026, 10, 31), customer=2),  # last day of the window
        deal("1", date(2025, 10, 31), customer=3),  # a day too old
        deal("1", None, customer=4),  # never counted, so never bought
    ]
    this_month = [
        deal("1", customer=1),
        deal("1", customer=3),
        deal("1", customer=4),
        deal("1", customer=5, new=True),
    ]
    # Of customers 1 and 2, who bought in the window, only 1 bought again.
    assert actuals(deals=this_month, history=history)["repurchase_rate"] == Decimal("0.5")


def test_repurchase_rate_counts_a_customer_once_however_many_times_they_buy() -> None:
    history = [deal("1", date(2026, 3, 1), customer=c) for c in (1, 1, 2, 3)]
    this_month = [deal("1", customer=1), deal("1", customer=1)]
    assert actuals(deals=this_month, history=history)["repurchase_rate"] == Decimal("0.3333")


def test_repurchase_rate_is_zero_when_no_customer_bought_before() -> None:
    assert actuals(deals=[deal("1", customer=1, new=True)])["repurchase_rate"] == 0


def test_repurchase_rate_of_a_quarter_looks_back_from_the_quarters_first_day() -> None:
    history = [deal("1", date(2025, 10, 1), customer=1), deal("1", date(2025, 9, 30), customer=2)]
    this_quarter = [deal("1", date(2026, 12, 15), customer=1), deal("1", date(2026, 12, 15), customer=2)]
    assert actuals(Q4, deals=this_quarter, history=history)["repurchase_rate"] == 1


def test_the_same_list_can_be_passed_as_deals_and_history() -> None:
    everything = [deal("1", date(2026, 5, 1), customer=1), deal("1", date(2026, 6, 1), customer=2), deal("1")]
    result = actuals(deals=everything, history=everything)
    assert result["repurchase_rate"] == Decimal("0.5")
    assert result["revenue"] == 1


def test_one_year_before_a_leap_day_is_the_28th_of_february() -> None:
    assert one_year_before(date(2028, 2, 29)) == date(2027, 2, 28)
    assert one_year_before(date(2026, 11, 1)) == date(2025, 11, 1)


def test_premium_share_is_premium_revenue_over_revenue() -> None:
    deals = [deal("30000", premium=True), deal("60000"), deal("5000", date(2026, 12, 1), premium=True)]
    assert actuals(deals=deals)["premium_share"] == Decimal("0.3333")


def test_premium_share_is_zero_when_there_is_no_revenue() -> None:
    assert actuals(deals=[deal("0", premium=True)])["premium_share"] == 0
    assert actuals()["premium_share"] == 0


def test_activities_add_up_counts_per_type_and_in_total() -> None:
    logged = [
        ActivityFact("call", 3, date(2026, 11, 2)),
        ActivityFact("call", 2, date(2026, 11, 30)),
        ActivityFact("lead", 4, date(2026, 11, 15)),
        ActivityFact("demo", 1, date(2026, 11, 15)),
        ActivityFact("call", 9, date(2026, 12, 1)),
    ]
    result = actuals(activities=logged)
    assert result["activities"] == 10
    assert result["activities:call"] == 5
    assert result["activities:lead"] == result["new_leads"] == 4
    assert result["activities:email"] == 0


def test_csat_is_the_average_score_of_surveys_in_the_period() -> None:
    surveys = [CsatFact(5, date(2026, 11, 3)), CsatFact(4, date(2026, 11, 4)), CsatFact(4, date(2026, 11, 5))]
    surveys.append(CsatFact(1, date(2026, 10, 31)))
    assert actuals(csat=surveys)["csat"] == Decimal("4.3333")
    assert csat_average(surveys, period=NOV) == Decimal("4.3333")


def test_csat_without_surveys_is_zero_and_csat_average_says_there_is_no_data() -> None:
    assert actuals()["csat"] == 0
    assert csat_average([CsatFact(5, date(2026, 12, 1))], period=NOV) is None


def test_premium_csat_is_described_with_its_premium_customer_rule() -> None:
    spec = metric("premium_csat")
    assert (spec.label, spec.unit) == ("Premium-customer CSAT", "score")
    assert "premium product line" in spec.description and "12 months before" in spec.description


def test_a_premium_customer_has_a_live_premium_deal_counting_in_the_period_or_the_year_before() -> None:
    workspace = [
        deal(on=date(2025, 11, 1), customer=1, premium=True),  # first day of the 12-month look-back
        deal(on=date(2025, 10, 31), customer=2, premium=True),  # one day too early
        deal(on=date(2026, 11, 30), customer=3, premium=True),  # last day of the period
        deal(on=date(2026, 12, 1), customer=4, premium=True),  # after the period
        deal(on=date(2026, 6, 1), customer=5, premium=False),  # not a premium line
        deal(on=None, customer=6, premium=True),  # does not count yet (awaits payment)
    ]
    assert premium_customers(workspace, period=NOV) == {1, 3}


def test_premium_csat_averages_only_the_surveys_of_premium_customers() -> None:
    workspace = [deal(on=date(2026, 3, 2), customer=1, premium=True), deal(on=date(2026, 11, 2), customer=2)]
    surveys = [
        CsatFact(5, date(2026, 11, 3), customer_id=1),
        CsatFact(4, date(2026, 11, 20), customer_id=1),
        CsatFact(1, date(2026, 11, 4), customer_id=2),  # not a premium customer
        CsatFact(1, date(2026, 10, 30), customer_id=1),  # before the period
        CsatFact(1, date(2026, 11, 5)),  # customer unknown: never premium
    ]
    result = actuals(csat=surveys, workspace=workspace)
    assert result["premium_csat"] == Decimal("4.5")
    assert result["csat"] == Decimal("2.75")


def test_premium_csat_is_zero_without_surveys_of_premium_customers() -> None:
    surveys = [CsatFact(5, date(2026, 11, 3), customer_id=2)]
    assert actuals(csat=surveys, workspace=[deal(customer=1, premium=True)])["premium_csat"] == 0
    assert csat_average(surveys, period=NOV, customers={1}) is None


def test_training_is_the_share_of_required_courses_completed_by_the_end_of_the_period() -> None:
    required = frozenset({"ethics", "product", "negotiation", "security"})
    trainings = [
        TrainingFact("ethics", date(2026, 1, 10)),  # long before the period: still counts
        TrainingFact("ethics", date(2026, 11, 2)),  # retaken: counted once
        TrainingFact("product", date(2026, 11, 30)),  # on the last day
        TrainingFact("negotiation", date(2026, 12, 1)),  # too late
        TrainingFact("security", None),  # not finished
        TrainingFact("golf", date(2026, 11, 1)),  # not required
    ]
    assert actuals(trainings=trainings, required=required)["training"] == Decimal("0.5")


def test_training_is_complete_when_no_course_is_required() -> None:
    assert actuals(trainings=[TrainingFact("golf", None)])["training"] == 1


# --- properties --------------------------------------------------------------------------------------

_days = st.dates(min_value=date(2025, 6, 1), max_value=date(2027, 1, 31))
_amounts = st.integers(0, 100_000_000).map(lambda cents: Decimal(cents).scaleb(-2))
_deal_facts = st.builds(
    DealFact,
    customer_id=st.integers(1, 8),
    amount=_amounts,
    counts_on=st.none() | _days,
    signed_on=_days,
    premium=st.booleans(),
    new_customer=st.booleans(),
)
_periods = st.sampled_from([NOV, Q4, month_of(date(2026, 2, 1)), month_of(date(2025, 12, 1))])


@PROPERTY
@given(period=_periods, deals=st.lists(_deal_facts, max_size=25), history=st.lists(_deal_facts, max_size=25))
def test_deal_metrics_hold_their_invariants(period: Period, deals: list[DealFact], history: list[DealFact]) -> None:
    result = actuals(period, deals=deals, history=history)
    counting = [d for d in deals if d.counts_on is not None and d.counts_on in period]
    assert result["revenue"] == sum((d.amount for d in counting), Decimal(0))
    assert result["deals"] == len(counting)
    assert result["new_customers"] <= result["deals"]
    assert result["new_customer_revenue"] + result["repeat_revenue"] == result["revenue"]
    assert 0 <= result["premium_share"] <= 1
    assert 0 <= result["repurchase_rate"] <= 1
    assert result["repurchase_rate"] == result["repurchase_rate"].quantize(Decimal("0.0001"))


@PROPERTY
@given(
    period=_periods,
    scores=st.lists(
        st.builds(CsatFact, score=st.integers(1, 5), on=_days, customer_id=st.none() | st.integers(1, 8)),
        max_size=20,
    ),
    trainings=st.lists(
        st.builds(TrainingFact, course=st.sampled_from("abcdef"), completed_on=st.none() | _days), max_size=10
    ),
    required=st.frozensets(st.sampled_from("abcd")),
    workspace=st.lists(_deal_facts, max_size=25),
)
def test_csat_and_training_stay_in_range(
    period: Period,
    scores: list[CsatFact],
    trainings: list[TrainingFact],
    required: frozenset[str],
    workspace: list[DealFact],
) -> None:
    result = actuals(period, csat=scores, trainings=trainings, required=required, workspace=workspace)
    assert result["csat"] == 0 or 1 <= result["csat"] <= 5
    assert result["premium_csat"] == 0 or 1 <= result["premium_csat"] <= 5
    if not any(d.premium for d in workspace):
        assert result["premium_csat"] == 0
    assert 0 <= result["training"] <= 1


@PROPERTY
@given(
    period=_periods,
    logged=st.lists(
        st.builds(ActivityFact, kind=st.sampled_from(ACTIVITY_KINDS), count=st.integers(0, 50), on=_days),
        max_size=30,
    ),
)
def test_activity_types_add_up_to_all_activities(period: Period, logged: list[ActivityFact]) -> None:
    result = actuals(period, activities=logged)
    assert sum(result[f"activities:{kind}"] for kind in ACTIVITY_KINDS) == result["activities"]
    shifted = [ActivityFact(a.kind, a.count, a.on + timedelta(days=400)) for a in logged]
    assert actuals(period, activities=shifted)["activities"] == sum(
        a.count for a in shifted if period.start <= a.on <= period.end
    )


_exact_decimals = st.decimals(allow_nan=False, allow_infinity=False, min_value=-(10**70), max_value=10**70, places=None)


@PROPERTY
@given(
    numerator=_exact_decimals | st.integers(-(10**40), 10**40),
    denominator=_exact_decimals | st.integers(-(10**40), 10**40),
    places=st.integers(0, 8),
)
def test_ratio_and_round_half_up_equal_rounding_the_exact_fraction_once(
    numerator: Decimal | int, denominator: Decimal | int, places: int
) -> None:
    if denominator == 0:
        return
    exact = Fraction(numerator) / Fraction(denominator)
    expected = round_half_up(exact, places)  # a Fraction takes the integer arithmetic
    found = ratio(numerator, denominator, places=places)
    assert found == expected and found.as_tuple().exponent == -places
    assert str(found) == str(expected)  # same digits, and never a negative zero
    value = Decimal(numerator)
    assert str(round_half_up(value, places)) == str(round_half_up(Fraction(value), places))


def test_ratio_rounds_exact_halves_up_and_keeps_large_values_exact() -> None:
    assert ratio(Decimal("0.00005"), 1) == Decimal("0.0001")
    assert ratio(-1, 8, places=2) == Decimal("-0.13")
    assert ratio(10**70 + 1, 2, places=1) == Decimal(f"{5 * 10**69}.5")  # beyond the decimal shortcut
    assert str(ratio(-1, 10**9)) == "0.0000"
    assert str(round_half_up(Decimal("-0.001"), 2)) == "0.00"
