"""The decision form's field rules: the outcome, the rationale's length, and corrected actuals read in their
metric's unit — required when upheld, refused when rejected, never equal to the frozen actual."""

from __future__ import annotations

from decimal import Decimal

import pytest

from scoring.appeal_decisions import Decision, Disputed, check_decision, consistent, corrected_field
from scoring.errors import FieldErrors

REVENUE = Disputed(metric="revenue", unit="money", frozen=Decimal("12000"))
LEADS = Disputed(metric="new_leads", unit="count", frozen=Decimal("3"))
RATIONALE = "The CRM shows the deal signed in October."


def fields(
    outcome: str | None = "upheld", rationale: str | None = RATIONALE, **corrected: str
) -> dict[str, str | None]:
    values: dict[str, str | None] = {"decision": outcome, "rationale": rationale}
    values.update({corrected_field(metric): value for metric, value in corrected.items()})
    return values


def errors(values: dict[str, str | None], *disputed: Disputed) -> dict[str, str]:
    with pytest.raises(FieldErrors) as caught:
        check_decision(values, disputed=disputed or (REVENUE, LEADS), currency="USD")
    return caught.value.errors


def test_an_upheld_decision_reads_each_corrected_value_in_its_metrics_unit() -> None:
    decision = check_decision(fields(revenue="15.5k", new_leads="5"), disputed=(REVENUE, LEADS), currency="USD")
    assert decision == Decision("upheld", RATIONALE, {"revenue": Decimal("15500.00"), "new_leads": Decimal(5)})
    assert decision.rescores and decision.label == "Upheld"


def test_a_partly_upheld_decision_may_leave_some_metrics_uncorrected() -> None:
    decision = check_decision(fields("partly_upheld", new_leads="4"), disputed=(REVENUE, LEADS), currency="USD")
    assert decision.corrected == {"new_leads": Decimal(4)}


def test_a_rejected_decision_corrects_nothing() -> None:
    decision = check_decision(fields("rejected"), disputed=(REVENUE, LEADS), currency="USD")
    assert decision == Decision("rejected", RATIONALE, {}) and not decision.rescores


def test_every_wrong_field_is_named_at_once() -> None:
    found = errors(fields("maybe", "short", revenue="lots", new_leads="2.5"))
    assert set(found) == {"decision", "rationale", "corrected_revenue", "corrected_new_leads"}
    assert "whole numbers" in found["corrected_new_leads"]


@pytest.mark.parametrize("rationale", [None, "", "x" * 19, "x" * 3001, "a\x00" * 20])
def test_the_rationale_is_required_and_between_20_and_3000_characters(rationale: str | None) -> None:
    assert "rationale" in errors(fields(rationale=rationale, revenue="15k"))


def test_a_corrected_value_equal_to_the_frozen_actual_is_refused() -> None:
    assert "already frozen" in errors(fields(revenue="12,000"))["corrected_revenue"]


def test_upheld_needs_a_correction_and_rejected_allows_none() -> None:
    assert "at least one figure" in errors(fields())["corrected_revenue"]
    assert "changes no figure" in errors(fields("rejected", new_leads="4"))["corrected_new_leads"]


def test_the_service_check_refuses_a_decision_the_form_rules_would_not_make() -> None:
    assert consistent(Decision("upheld", RATIONALE, {"revenue": Decimal(1)}), disputed=("revenue",)) is None
    assert "not disputed" in str(consistent(Decision("upheld", RATIONALE, {"csat": Decimal(4)}), disputed=("revenue",)))
    assert consistent(Decision("rejected", RATIONALE, {"revenue": Decimal(1)}), disputed=("revenue",))
    assert consistent(Decision("upheld", RATIONALE, {}), disputed=("revenue",))
    assert consistent(Decision("rejected", "short", {}), disputed=("revenue",))


@pytest.mark.parametrize("zero", ["0", "0.00", "$0", "0 USD"])
def test_a_corrected_actual_may_be_zero_when_none_of_it_happened(zero: str) -> None:
    decision = check_decision(fields(revenue=zero, new_leads="0"), disputed=(REVENUE, LEADS), currency="USD")
    assert decision.corrected == {"revenue": Decimal(0), "new_leads": Decimal(0)}


def test_a_corrected_zero_equal_to_a_frozen_zero_is_refused() -> None:
    frozen_zero = Disputed(metric="new_leads", unit="count", frozen=Decimal(0))
    assert "already frozen" in errors(fields(new_leads="0"), frozen_zero)["corrected_new_leads"]
