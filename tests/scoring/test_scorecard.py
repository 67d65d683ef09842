"""Scorecards: weights, caps, gates and bands, and scores that add up exactly."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring.metrics import METRICS
from scoring.scorecard import (
    DEFAULT_BANDS,
    Band,
    Scorecard,
    ScorecardError,
    ScoreLine,
    check_target,
    explain_text,
    score,
)

PROPERTY = settings(max_examples=200, deadline=None, database=None)


def D(text: str | int) -> Decimal:
    return Decimal(text)


def line(
    metric: str, weight: str | int, target: str | int | None = None, *, cap: str = "1.5", gate: str | None = None
) -> ScoreLine:
    return ScoreLine(
        metric=metric,
        weight=D(weight),
        target=None if target is None else D(target),
        cap=D(cap),
        gate=None if gate is None else D(gate),
    )


HUNTER = Scorecard(
    "hunter",
    (
        line("revenue", 40, 100000),
        line("new_customers", 30, 4),
        line("new_leads", 15, 20),
        line("activities", 15, 80),
    ),
)


def rejected(*lines: ScoreLine, bands: tuple[Band, ...] = DEFAULT_BANDS) -> ScorecardError:
    with pytest.raises(ScorecardError) as caught:
        Scorecard("hunter", lines, bands)
    return caught.value


def single(actual: str, *, target: str = "100", cap: str = "2", gate: str | None = None) -> Decimal:
    card = Scorecard("x", (line("revenue", 100, target, cap=cap, gate=gate),))
    return score(card, actuals={"revenue": D(actual)}, targets={}).total


# --- worked examples ---------------------------------------------------------------------------------


def test_a_score_is_the_weighted_sum_of_attainments_explained_line_by_line() -> None:
    result = score(
        HUNTER,
        actuals={"revenue": D(60000), "new_customers": D(3), "new_leads": D(20), "activities": D(30)},
        targets={},
    )
    assert [(e.metric, e.attainment, e.contribution) for e in result.lines] == [
        ("revenue", D("0.6"), D("24.00")),
        ("new_customers", D("0.75"), D("22.50")),
        ("new_leads", D("1"), D("15.00")),
        ("activities", D("0.375"), D("5.63")),  # 5.625 rounds half up
    ]
    assert result.total == D("67.13")
    assert result.rating == "Below"
    assert result.missing_targets == ()
    assert [e.label for e in result.lines] == ["Revenue", "New customers", "New leads", "Activities"]
    assert all(e.target_from == "profile" for e in result.lines)


def test_attainment_above_the_cap_counts_as_the_cap() -> None:
    result = score(HUNTER, actuals={"revenue": D(250000)}, targets={})
    revenue = result.lines[0]
    assert revenue.attainment == D("2.5")
    assert revenue.capped == D("1.5")
    assert revenue.contribution == D("60.00")
    assert revenue.reason == "capped at 150 %"


def test_attainment_below_the_gate_contributes_nothing_and_at_the_gate_counts_in_full() -> None:
    card = Scorecard("x", (line("revenue", 60, 100, gate="0.5"), line("deals", 40, 10)))
    below = score(card, actuals={"revenue": D("49.99"), "deals": D(10)}, targets={})
    assert below.lines[0].capped == 0
    assert below.lines[0].contribution == 0
    assert below.lines[0].reason == "below the 50 % gate"
    assert below.total == D("40.00")
    at_gate = score(card, actuals={"revenue": D(50), "deals": D(10)}, targets={})
    assert at_gate.lines[0].contribution == D("30.00")
    assert at_gate.lines[0].reason is None


def test_a_line_without_a_target_scores_zero_and_is_listed_as_missing() -> None:
    card = Scorecard("x", (line("revenue", 70, 1000), line("new_customers", 30)))
    result = score(card, actuals={"revenue": D(1000), "new_customers": D(5)}, targets={})
    missing = result.lines[1]
    assert (missing.target, missing.attainment, missing.contribution) == (None, None, D("0.00"))
    assert missing.reason == "no target set"
    assert result.missing_targets == ("new_customers",)
    assert result.total == D("70.00")


def test_a_reps_own_target_overrides_the_profile_default() -> None:
    result = score(HUNTER, actuals={"revenue": D(60000)}, targets={"revenue": D(50000), "csat": D(4)})
    revenue = result.lines[0]
    assert revenue.target == 50000
    assert revenue.attainment == D("1.2")
    assert revenue.target_from == "goal"
    assert result.lines[1].target_from == "profile"


def test_a_reps_own_target_fills_a_line_without_a_default() -> None:
    card = Scorecard("x", (line("revenue", 100),))
    result = score(card, actuals={"revenue": D(10)}, targets={"revenue": D(20)})
    assert result.total == D("50.00")
    assert result.missing_targets == ()


def test_a_metric_without_data_counts_as_zero_and_says_so() -> None:
    card = Scorecard("x", (line("revenue", 80, 100), line("csat", 20, "4.5")))
    result = score(card, actuals={"revenue": D(100)}, targets={})
    csat = result.lines[1]
    assert csat.actual == 0 and csat.contribution == 0
    assert csat.reason == "no data in the period"


def test_a_negative_actual_counts_as_zero_attainment() -> None:
    assert single("-50") == 0


def test_a_target_of_zero_is_refused_rather_than_divided_by() -> None:
    with pytest.raises(ValueError, match="more than 0"):
        score(HUNTER, actuals={}, targets={"revenue": D(0)})


@pytest.mark.parametrize(
    ("actual", "rating"),
    [
        ("150", "Exceeds"),
        ("110", "Exceeds"),
        ("109.99", "Meets"),
        ("95", "Meets"),
        ("94.99", "Partially meets"),
        ("75", "Partially meets"),
        ("74.99", "Below"),
        ("0", "Below"),
    ],
)
def test_ratings_change_exactly_at_the_band_minimums(actual: str, rating: str) -> None:
    card = Scorecard("x", (line("revenue", 100, 100, cap="2"),))
    result = score(card, actuals={"revenue": D(actual)}, targets={})
    assert result.total == D(actual)
    assert result.rating == rating


def test_custom_bands_rate_with_the_first_band_reached() -> None:
    bands = (Band("Star", D(100)), Band("Solid", D(50)), Band("Not yet", D(0)))
    card = Scorecard("x", (line("revenue", 100, 100),), bands)
    assert score(card, actuals={"revenue": D(50)}, targets={}).rating == "Solid"


def test_the_explanation_reads_as_arithmetic_a_rep_can_check() -> None:
    card = Scorecard(
        "x",
        (
            line("revenue", 40, 100000, gate="0.5"),
            line("premium_share", 30, "0.5"),
            line("new_leads", 15),
            line("csat", 15, "4.5"),
        ),
    )
    result = score(
        card, actuals={"revenue": D(60000), "premium_share": D("0.9"), "new_leads": D(12), "csat": D(4)}, targets={}
    )
    assert explain_text(result, currency="USD") == [
        "Revenue: $60,000 of $100,000 = 60.0 % × weight 40 = 24.00 pts",
        "Premium share: 90 % of 50 % = 180.0 % → 150.0 % (capped at 150 %) × weight 30 = 45.00 pts",
        "New leads: 12, no target set = 0.00 pts",
        "CSAT: 4 of 4.5 = 88.9 % × weight 15 = 13.33 pts",
        "Score: 82.33 pts — Partially meets",
    ]


def test_a_gated_line_is_explained_with_its_gate() -> None:
    card = Scorecard("x", (line("revenue", 100, 100000, gate="0.5"),))
    text = explain_text(score(card, actuals={"revenue": D(30000)}, targets={}), currency="EUR")
    assert text[0] == "Revenue: €30,000 of €100,000 = 30.0 % → 0.0 % (below the 50 % gate) × weight 100 = 0.00 pts"


def test_check_target_explains_what_a_valid_target_is() -> None:
    assert check_target("revenue", D(100000)) is None
    assert check_target("revenue", D(0)) == "must be more than 0 (got 0)"
    assert check_target("premium_share", D(60)) == "is a fraction of 1 (0.6 means 60 %), so at most 1 (got 60)"
    assert check_target("csat", D(6)) == "is a 1-5 score, so at most 5 (got 6)"


# --- validation --------------------------------------------------------------------------------------


def test_errors_name_the_key_path_under_the_profile_by_default() -> None:
    error = rejected(line("revenue", 40, 100), line("deals", 60, 10), line("deals", 0, 1))
    assert error.path == "profiles.hunter.scorecard.metrics.2.metric"
    assert str(error) == (
        "profiles.hunter.scorecard.metrics.2.metric: 'deals' is already on the scorecard at "
        "profiles.hunter.scorecard.metrics.1"
    )


def test_errors_use_the_path_the_caller_gives() -> None:
    with pytest.raises(ScorecardError) as caught:
        Scorecard("hunter", (line("revenue", 99, 1),), where="teams.0.scorecard")
    assert caught.value.path == "teams.0.scorecard.metrics"


def test_a_scorecard_needs_at_least_one_metric() -> None:
    error = rejected()
    assert str(error) == "profiles.hunter.scorecard.metrics: a scorecard needs at least one metric"


def test_an_unknown_metric_is_named_with_the_valid_ones() -> None:
    error = rejected(line("revenue", 50, 1), line("revnue", 50, 1))
    assert error.path == "profiles.hunter.scorecard.metrics.1.metric"
    assert error.problem == f"unknown metric 'revnue'; valid: {', '.join(METRICS)}"


@pytest.mark.parametrize("weight", ["0", "-10"])
def test_every_weight_must_be_positive(weight: str) -> None:
    error = rejected(line("revenue", 100, 1), line("deals", weight, 1))
    assert error.path == "profiles.hunter.scorecard.metrics.1.weight"
    assert error.problem.startswith("must be a number more than 0")


def test_weights_must_sum_to_exactly_100() -> None:
    error = rejected(line("revenue", "40", 1), line("deals", "59.99", 1))
    assert str(error) == "profiles.hunter.scorecard.metrics: weights must add up to 100, but 40 + 59.99 = 99.99"


def test_fractional_weights_that_sum_to_100_are_accepted() -> None:
    card = Scorecard("x", (line("revenue", "33.34", 1), line("deals", "33.33", 1), line("csat", "33.33", 1)))
    assert score(card, actuals={"revenue": D(1), "deals": D(1), "csat": D(1)}, targets={}).total == 100


def test_a_default_target_must_suit_its_metric() -> None:
    error = rejected(line("revenue", 50, 1), line("repurchase_rate", 50, 60))
    assert error.path == "profiles.hunter.scorecard.metrics.1.target"
    assert "0.6 means 60 %" in error.problem
    assert rejected(line("revenue", 100, 0)).path == "profiles.hunter.scorecard.metrics.0.target"


def test_a_cap_below_100_percent_is_refused() -> None:
    error = rejected(line("revenue", 100, 1, cap="0.9"))
    assert str(error) == "profiles.hunter.scorecard.metrics.0.cap: must be at least 1 (1.5 means 150 %) (got 0.9)"


@pytest.mark.parametrize("gate", ["1.5", "2", "-0.1"])
def test_a_gate_must_lie_between_zero_and_the_cap(gate: str) -> None:
    error = rejected(line("revenue", 100, 1, gate=gate))
    assert error.path == "profiles.hunter.scorecard.metrics.0.gate"
    assert error.problem.startswith("must be at least 0 and below the cap 150 %")


def test_a_nan_weight_is_refused() -> None:
    assert rejected(line("revenue", "NaN", 1)).path == "profiles.hunter.scorecard.metrics.0.weight"


def test_bands_must_descend_strictly() -> None:
    bands = (Band("Exceeds", D(110)), Band("Meets", D(110)), Band("Below", D(0)))
    error = rejected(line("revenue", 100, 1), bands=bands)
    assert str(error) == (
        "profiles.hunter.scorecard.bands.1.minimum: bands go from the highest minimum down, "
        "so this must be below 110 (got 110)"
    )


def test_the_last_band_must_start_at_zero() -> None:
    bands = (Band("Exceeds", D(110)), Band("Meets", D(95)))
    error = rejected(line("revenue", 100, 1), bands=bands)
    assert error.path == "profiles.hunter.scorecard.bands.1.minimum"
    assert error.problem.startswith("the last band must start at 0")


def test_bands_need_distinct_names_and_at_least_one_band() -> None:
    assert rejected(line("revenue", 100, 1), bands=()).path == "profiles.hunter.scorecard.bands"
    twice = (Band("Good", D(50)), Band("good", D(0)))
    assert rejected(line("revenue", 100, 1), bands=twice).path == "profiles.hunter.scorecard.bands.1.name"
    unnamed = (Band(" ", D(0)),)
    assert rejected(line("revenue", 100, 1), bands=unnamed).path == "profiles.hunter.scorecard.bands.0.name"


# --- properties --------------------------------------------------------------------------------------


def _cents(low: int, high: int) -> st.SearchStrategy[Decimal]:
    """Amounts with two decimals between low and high cents (quicker to draw than decimals())."""
    return st.integers(low, high).map(lambda n: Decimal(n).scaleb(-2))


def _weights(count: int) -> st.SearchStrategy[list[int]]:
    """`count` positive integers summing to 100."""
    cuts = st.lists(st.integers(1, 99), min_size=count - 1, max_size=count - 1, unique=True)
    return cuts.map(lambda c: [b - a for a, b in zip([0, *sorted(c)], [*sorted(c), 100], strict=True)])


_NAMES = ("revenue", "deals", "new_customers", "activities")
_WEIGHTS = {count: _weights(count) for count in range(1, len(_NAMES) + 1)}
_LINE_RULES = st.tuples(
    st.sampled_from([D("1"), D("1.2"), D("1.5"), D("2")]),  # cap
    st.none() | st.sampled_from([D("0"), D("0.3"), D("0.5"), D("0.8")]),  # gate
    st.none() | _cents(100, 10_000_000),  # default target
)
_PICKED_NAMES = st.lists(st.sampled_from(_NAMES), min_size=1, unique=True)


@st.composite
def scorecards(draw: st.DrawFn) -> Scorecard:
    names = draw(_PICKED_NAMES)
    weights = draw(_WEIGHTS[len(names)])
    lines = []
    for name, weight in zip(names, weights, strict=True):
        cap, gate, target = draw(_LINE_RULES)
        lines.append(ScoreLine(name, D(weight), target, cap, gate))
    return Scorecard("x", tuple(lines))


_actual = _cents(0, 30_000_000)
_actuals = st.fixed_dictionaries(dict.fromkeys(_NAMES, _actual))


@PROPERTY
@given(card=scorecards(), actuals=_actuals)
def test_contributions_always_sum_exactly_to_the_total(card: Scorecard, actuals: dict[str, Decimal]) -> None:
    result = score(card, actuals=actuals, targets={})
    assert sum((e.contribution for e in result.lines), Decimal(0)) == result.total
    assert all(e.contribution == e.contribution.quantize(Decimal("0.01")) for e in result.lines)
    assert result.rating in {band.name for band in card.bands}


@PROPERTY
@given(card=scorecards(), actuals=_actuals, metric=st.sampled_from(["revenue", "deals"]), rise=_actual)
def test_the_score_never_falls_when_one_actual_rises(
    card: Scorecard, actuals: dict[str, Decimal], metric: str, rise: Decimal
) -> None:
    before = score(card, actuals=actuals, targets={})
    after = score(card, actuals={**actuals, metric: actuals[metric] + rise}, targets={})
    assert after.total >= before.total


@PROPERTY
@given(card=scorecards(), actuals=_actuals)
def test_caps_and_gates_always_hold(card: Scorecard, actuals: dict[str, Decimal]) -> None:
    result = score(card, actuals=actuals, targets={})
    for rule, explained in zip(card.lines, result.lines, strict=True):
        assert 0 <= explained.capped <= rule.cap
        assert explained.contribution <= rule.weight * rule.cap
        gated = rule.gate is not None and explained.attainment is not None and explained.attainment < rule.gate
        if explained.attainment is None or gated:
            assert explained.contribution == 0


@PROPERTY
@given(card=scorecards(), actuals=_actuals)
def test_the_same_inputs_always_give_the_same_score(card: Scorecard, actuals: dict[str, Decimal]) -> None:
    assert score(card, actuals=actuals, targets={}) == score(card, actuals=dict(actuals), targets={})
