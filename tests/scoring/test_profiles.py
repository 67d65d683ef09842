"""The default rep profiles, and profiles read from pacer.yml data."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from scoring.incentives import Accelerator
from scoring.metrics import METRICS
from scoring.profiles import DEFAULT_PROFILES, Profile, profile_from_mapping
from scoring.scorecard import DEFAULT_BANDS, ScorecardError, score


def D(text: str | int) -> Decimal:
    return Decimal(text)


def load(data: Any, *, name: str = "hunter") -> Profile:
    return profile_from_mapping(data, name=name, where=f"profiles.{name}")


def rejected(data: Any, *, name: str = "hunter") -> ScorecardError:
    with pytest.raises(ScorecardError) as caught:
        load(data, name=name)
    return caught.value


def lines_of(profile: Profile) -> list[tuple[str, Decimal, Decimal | None]]:
    return [(line.metric, line.weight, line.target) for line in profile.scorecard.lines]


# --- defaults ----------------------------------------------------------------------------------------


def test_there_are_three_default_profiles() -> None:
    assert list(DEFAULT_PROFILES) == ["hunter", "farmer", "strategic"]
    for name, profile in DEFAULT_PROFILES.items():
        assert profile.name == profile.scorecard.profile == name
        assert profile.description
        assert profile.scorecard.bands == DEFAULT_BANDS
        assert all(line.cap == D("1.5") and line.gate is None for line in profile.scorecard.lines)


def test_hunters_are_scored_monthly_on_new_business_with_a_bonus_per_new_customer() -> None:
    hunter = DEFAULT_PROFILES["hunter"]
    assert hunter.cadence == "month"
    assert lines_of(hunter) == [
        ("revenue", D(40), D(100000)),
        ("new_customers", D(30), D(4)),
        ("new_leads", D(15), D(20)),
        ("activities", D(15), D(80)),
    ]
    assert hunter.plan.base_rate == D("0.05")
    assert hunter.plan.new_customer_bonus == D(500)
    assert hunter.plan.accelerators == (Accelerator(D("1.0"), D("1.5")),)


def test_farmers_are_scored_quarterly_on_repeat_business_with_a_profit_share() -> None:
    farmer = DEFAULT_PROFILES["farmer"]
    assert farmer.cadence == "quarter"
    assert lines_of(farmer) == [
        ("repeat_revenue", D(40), D(250000)),
        ("repurchase_rate", D(25), D("0.6")),
        ("csat", D(20), D("4.5")),
        ("activities", D(15), D(180)),
    ]
    assert (farmer.plan.base_rate, farmer.plan.repeat_profit_share) == (D("0.03"), D("0.02"))


def test_strategic_reps_are_scored_monthly_on_premium_share_and_premium_csat_with_a_higher_premium_rate() -> None:
    strategic = DEFAULT_PROFILES["strategic"]
    assert strategic.cadence == "month"
    assert lines_of(strategic) == [
        ("revenue", D(40), D(120000)),
        ("premium_share", D(30), D("0.5")),
        ("premium_csat", D(20), D("4.5")),
        ("training", D(10), D("1.0")),
    ]
    assert (strategic.plan.base_rate, strategic.plan.premium_rate) == (D("0.04"), D("0.08"))


def test_a_strategic_rep_on_target_everywhere_meets_expectations() -> None:
    strategic = DEFAULT_PROFILES["strategic"]
    on_target = {line.metric: line.target or D(0) for line in strategic.scorecard.lines}
    result = score(strategic.scorecard, actuals=on_target, targets={})
    assert result.total == D("100.00")
    assert result.rating == "Meets"


# --- pacer.yml ---------------------------------------------------------------------------------------


def test_an_empty_entry_for_a_default_profile_is_the_default() -> None:
    assert load(None) == DEFAULT_PROFILES["hunter"]
    assert load({}, name="farmer") == DEFAULT_PROFILES["farmer"]


def test_new_weights_keep_the_default_targets_unless_given() -> None:
    hunter = load(
        {
            "scorecard": {
                "metrics": [
                    {"metric": "revenue", "weight": 50},
                    {"metric": "new_customers", "weight": 30, "target": 6},
                    {"metric": "deals", "weight": 20},
                ]
            }
        }
    )
    assert lines_of(hunter) == [("revenue", D(50), D(100000)), ("new_customers", D(30), D(6)), ("deals", D(20), None)]


def test_a_null_target_means_each_rep_needs_their_own() -> None:
    hunter = load({"scorecard": {"metrics": [{"metric": "revenue", "weight": 100, "target": None}]}})
    assert hunter.scorecard.lines[0].target is None


def test_yaml_numbers_and_percents_become_exact_decimals() -> None:
    farmer = load(
        {
            "scorecard": {
                "metrics": [
                    {"metric": "repurchase_rate", "weight": 60, "target": 0.6, "cap": "120%", "gate": "50 %"},
                    {"metric": "repeat_revenue", "weight": "40", "target": "300,000"},
                ]
            },
            "plan": {"base_rate": "3.5%", "repeat_profit_share": 0.015},
        },
        name="farmer",
    )
    first, second = farmer.scorecard.lines
    assert (first.target, first.cap, first.gate) == (D("0.6"), D("1.2"), D("0.5"))
    assert str(first.target) == "0.6"
    assert (second.weight, second.target) == (D(40), D(300000))
    assert (farmer.plan.base_rate, farmer.plan.repeat_profit_share) == (D("0.035"), D("0.015"))


def test_each_plan_key_overrides_only_that_setting() -> None:
    hunter = load({"plan": {"base_rate": 0.06, "product_rates": {"Cloud": "10%"}}, "cadence": "quarterly"})
    assert hunter.cadence == "quarter"
    assert hunter.plan.base_rate == D("0.06")
    assert dict(hunter.plan.product_rates) == {"Cloud": D("0.1")}
    assert hunter.plan.new_customer_bonus == D(500)
    assert hunter.plan.accelerators == DEFAULT_PROFILES["hunter"].plan.accelerators
    assert hunter.scorecard == DEFAULT_PROFILES["hunter"].scorecard


def test_accelerators_and_bands_can_be_replaced() -> None:
    hunter = load(
        {
            "plan": {"accelerators": [{"above": "100%", "multiplier": 1.5}, {"above": 1.25, "multiplier": 2}]},
            "scorecard": {"bands": [{"name": "Star", "minimum": 100}, {"name": "Keep going", "minimum": 0}]},
        }
    )
    assert hunter.plan.accelerators == (Accelerator(D(1), D("1.5")), Accelerator(D("1.25"), D(2)))
    assert [band.name for band in hunter.scorecard.bands] == ["Star", "Keep going"]


def test_a_new_profile_is_built_from_its_own_keys() -> None:
    closer = load(
        {
            "cadence": "month",
            "description": "Closes enterprise deals.",
            "scorecard": {"metrics": [{"metric": "deals", "weight": 100, "target": 3, "gate": 0.34}]},
            "plan": {"base_rate": "6%"},
        },
        name="closer",
    )
    assert (closer.name, closer.cadence, closer.description) == ("closer", "month", "Closes enterprise deals.")
    assert lines_of(closer) == [("deals", D(100), D(3))]
    assert closer.scorecard.lines[0].cap == D("1.5")
    assert closer.plan.base_rate == D("0.06") and closer.plan.new_customer_bonus == 0


# --- errors with their exact key paths -----------------------------------------------------------------


def test_an_unknown_metric_is_reported_at_its_key_with_the_valid_names() -> None:
    error = rejected(
        {"scorecard": {"metrics": [{"metric": "deals", "weight": 60}, {"metric": "revnue", "weight": 40}]}}
    )
    assert (
        str(error)
        == f"profiles.hunter.scorecard.metrics.1.metric: unknown metric 'revnue'; valid: {', '.join(METRICS)}"
    )
    assert str(error).startswith(
        "profiles.hunter.scorecard.metrics.1.metric: unknown metric 'revnue'; valid: revenue, deals, "
    )


def test_weights_that_do_not_add_up_are_reported_on_the_metrics_list() -> None:
    error = rejected(
        {"scorecard": {"metrics": [{"metric": "revenue", "weight": 40}, {"metric": "deals", "weight": 50}]}}
    )
    assert str(error) == "profiles.hunter.scorecard.metrics: weights must add up to 100, but 40 + 50 = 90"


@pytest.mark.parametrize(
    ("entry", "path"),
    [
        ({"metric": "revenue"}, "profiles.hunter.scorecard.metrics.0.weight"),
        ({"weight": 100}, "profiles.hunter.scorecard.metrics.0.metric"),
        ({"metric": "revenue", "weight": "lots"}, "profiles.hunter.scorecard.metrics.0.weight"),
        ({"metric": "revenue", "weight": "40%"}, "profiles.hunter.scorecard.metrics.0.weight"),
        ({"metric": "revenue", "weight": True}, "profiles.hunter.scorecard.metrics.0.weight"),
        ({"metric": "revenue", "weight": 0}, "profiles.hunter.scorecard.metrics.0.weight"),
        ({"metric": "revenue", "weight": 100, "target": -5}, "profiles.hunter.scorecard.metrics.0.target"),
        ({"metric": "revenue", "weight": 100, "target": "50%"}, "profiles.hunter.scorecard.metrics.0.target"),
        ({"metric": "premium_share", "weight": 100, "target": 50}, "profiles.hunter.scorecard.metrics.0.target"),
        ({"metric": "revenue", "weight": 100, "cap": 0.9}, "profiles.hunter.scorecard.metrics.0.cap"),
        ({"metric": "revenue", "weight": 100, "gate": "150%"}, "profiles.hunter.scorecard.metrics.0.gate"),
        ({"metric": "revenue", "weight": 100, "wieght": 1}, "profiles.hunter.scorecard.metrics.0.wieght"),
    ],
)
def test_a_bad_metric_line_is_reported_at_its_exact_key(entry: dict[str, Any], path: str) -> None:
    assert rejected({"scorecard": {"metrics": [entry]}}).path == path


def test_a_repeated_metric_is_reported_at_its_second_appearance() -> None:
    metrics = [{"metric": "revenue", "weight": 50}, {"metric": "revenue", "weight": 50}]
    assert rejected({"scorecard": {"metrics": metrics}}).path == "profiles.hunter.scorecard.metrics.1.metric"


def test_an_unknown_key_is_named_with_the_valid_keys() -> None:
    error = rejected({"scorcard": {}})
    assert str(error) == "profiles.hunter.scorcard: unknown key; valid: cadence, description, scorecard, plan"
    assert rejected({"plan": {"bonus": 5}}).path == "profiles.hunter.plan.bonus"
    assert rejected({"scorecard": {"weights": []}}).path == "profiles.hunter.scorecard.weights"


def test_wrong_shapes_are_reported_where_they_are() -> None:
    assert rejected(["revenue"]).path == "profiles.hunter"
    assert rejected({"scorecard": {"metrics": {"revenue": 100}}}).path == "profiles.hunter.scorecard.metrics"
    assert rejected({"scorecard": {"metrics": ["revenue"]}}).path == "profiles.hunter.scorecard.metrics.0"
    assert rejected({"plan": {"product_rates": ["Cloud"]}}).path == "profiles.hunter.plan.product_rates"


def test_a_bad_cadence_is_reported() -> None:
    error = rejected({"cadence": "weekly"})
    assert str(error) == "profiles.hunter.cadence: must be month or quarter (got 'weekly')"


@pytest.mark.parametrize(
    ("plan", "path"),
    [
        ({"base_rate": 5}, "profiles.hunter.plan.base_rate"),
        ({"base_rate": "five"}, "profiles.hunter.plan.base_rate"),
        ({"premium_rate": "120%"}, "profiles.hunter.plan.premium_rate"),
        ({"product_rates": {"Cloud": 2}}, "profiles.hunter.plan.product_rates.Cloud"),
        ({"new_customer_bonus": -100}, "profiles.hunter.plan.new_customer_bonus"),
        ({"new_customer_bonus": "10%"}, "profiles.hunter.plan.new_customer_bonus"),
        ({"accelerators": [{"above": 1}]}, "profiles.hunter.plan.accelerators.0.multiplier"),
        ({"accelerators": [{"above": 1, "multiplier": 0.5}]}, "profiles.hunter.plan.accelerators.0.multiplier"),
        (
            {"accelerators": [{"above": 1, "multiplier": 1.5}, {"above": 1, "multiplier": 2}]},
            "profiles.hunter.plan.accelerators.1.above",
        ),
    ],
)
def test_a_bad_plan_setting_is_reported_at_its_exact_key(plan: dict[str, Any], path: str) -> None:
    assert rejected({"plan": plan}).path == path


def test_bad_bands_are_reported_at_their_exact_key() -> None:
    descending = [{"name": "Good", "minimum": 50}, {"name": "Great", "minimum": 90}, {"name": "Low", "minimum": 0}]
    assert rejected({"scorecard": {"bands": descending}}).path == "profiles.hunter.scorecard.bands.1.minimum"
    no_zero = [{"name": "Good", "minimum": 50}]
    assert rejected({"scorecard": {"bands": no_zero}}).path == "profiles.hunter.scorecard.bands.0.minimum"
    assert rejected({"scorecard": {"bands": [{"minimum": 0}]}}).path == "profiles.hunter.scorecard.bands.0.name"


def test_a_new_profile_must_say_how_often_what_and_how_it_is_paid() -> None:
    metrics = {"metrics": [{"metric": "deals", "weight": 100, "target": 3}]}
    assert (
        rejected({"scorecard": metrics, "plan": {"base_rate": 0.05}}, name="closer").path == "profiles.closer.cadence"
    )
    assert rejected({"cadence": "month", "plan": {"base_rate": 0.05}}, name="closer").path == (
        "profiles.closer.scorecard.metrics"
    )
    assert rejected({"cadence": "month", "scorecard": metrics}, name="closer").path == "profiles.closer.plan"
    assert rejected({"cadence": "month", "scorecard": metrics, "plan": {}}, name="closer").path == (
        "profiles.closer.plan.base_rate"
    )


def test_a_profile_name_must_be_a_simple_lower_case_word() -> None:
    error = rejected({}, name="Big Deals")
    assert error.path == "profiles.Big Deals"
    assert "lower-case letters" in error.problem
