"""The field rules of the appeal decision form (issue 11, item 3).

`check_decision` takes the submitted fields as text (`{block id: value}`) and the disputed lines (their
unit and the actual frozen in the appealed version), and returns the typed `Decision`, or raises
`FieldErrors` naming every wrong field with what is wrong and a correct example — so the form shows each
message on its field and nothing is stored.

- `decision`: upheld, partly_upheld or rejected;
- `rationale`: required, at least `RATIONALE_MIN` and at most `RATIONALE_MAX` characters;
- `corrected_<metric>`: a corrected actual per disputed metric, read in the metric's unit as goal values
  are, 0 allowed (`parse_actual_value`: `12.5k`, `14`, `60%`, `4.5`, `0`). Upheld or partly upheld: at least one, each
  different from the frozen actual. Rejected: none.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

from scoring.errors import FieldErrors, InputError
from scoring.goal_values import parse_actual_value, value_example, value_shape
from scoring.metrics import Unit, plain_number

Outcome = Literal["upheld", "partly_upheld", "rejected"]
OUTCOMES: tuple[Outcome, ...] = ("upheld", "partly_upheld", "rejected")
OUTCOME_LABELS: dict[str, str] = {"upheld": "Upheld", "partly_upheld": "Partly upheld", "rejected": "Rejected"}
RATIONALE_MIN = 20
RATIONALE_MAX = 3000
CORRECTED_MAX = 40
"""A corrected value's characters (a number in the metric's unit)."""

DECISION_FIELD = "decision"
RATIONALE_FIELD = "rationale"
RATIONALE_EXAMPLE = "The CRM shows the Globex deal signed on 30 October, so it counts in October."


def corrected_field(metric_name: str) -> str:
    """The block id of one disputed metric's corrected-actual input: `corrected_revenue`."""
    return f"corrected_{metric_name}"


@dataclass(frozen=True)
class Disputed:
    """A disputed line as the form checks it: its unit and the actual frozen in the appealed version."""

    metric: str
    unit: Unit
    frozen: Decimal


@dataclass(frozen=True)
class Decision:
    outcome: Outcome
    rationale: str
    corrected: dict[str, Decimal] = field(default_factory=dict)

    @property
    def rescores(self) -> bool:
        return self.outcome != "rejected"

    @property
    def label(self) -> str:
        return OUTCOME_LABELS[self.outcome]


def check_decision(fields: Mapping[str, str | None], *, disputed: tuple[Disputed, ...], currency: str) -> Decision:
    """The decision in `fields`, or `FieldErrors` for every wrong field (nothing else is looked at)."""
    errors: dict[str, str] = {}
    raw = (fields.get(DECISION_FIELD) or "").strip()
    outcome: Outcome | None = next((o for o in OUTCOMES if o == raw), None)
    if outcome is None:
        errors[DECISION_FIELD] = "Choose the decision: upheld, partly upheld or rejected."
    rationale = _rationale(fields, errors)
    corrected: dict[str, Decimal] = {}
    for line in disputed:
        block = corrected_field(line.metric)
        text = (fields.get(block) or "").strip()
        if not text:
            continue
        if outcome == "rejected":
            errors[block] = (
                f"A rejected appeal changes no figure: leave the corrected {line.metric} empty, "
                "or choose upheld / partly upheld."
            )
            continue
        value = _value(text, line, currency, errors)
        if value is None:
            continue
        if value == line.frozen:
            errors[block] = (
                f"{plain_number(value)} is the {line.metric} already frozen: enter the corrected value, "
                f"e.g. {value_example(line.unit)}, or leave it empty."
            )
            continue
        corrected[line.metric] = value
    if outcome in ("upheld", "partly_upheld") and not corrected and disputed:
        first = disputed[0]
        block = corrected_field(first.metric)
        errors.setdefault(
            block,
            f"An {OUTCOME_LABELS[outcome].lower()} appeal corrects at least one figure: enter the corrected "
            f"{first.metric}, e.g. {value_example(first.unit)}.",
        )
    if errors or outcome is None:
        raise FieldErrors(errors)
    return Decision(outcome=outcome, rationale=rationale, corrected=corrected)


def _rationale(fields: Mapping[str, str | None], errors: dict[str, str]) -> str:
    value = (fields.get(RATIONALE_FIELD) or "").strip()
    if "\x00" in value:
        errors[RATIONALE_FIELD] = (
            f"The rationale contains a NUL character; please retype it, e.g. “{RATIONALE_EXAMPLE}”."
        )
    elif len(value) < RATIONALE_MIN:
        what = "is required" if not value else f"is {len(value)} characters"
        errors[RATIONALE_FIELD] = (
            f"The rationale {what}: explain the decision in at least {RATIONALE_MIN} characters, "
            f"e.g. “{RATIONALE_EXAMPLE}”."
        )
    elif len(value) > RATIONALE_MAX:
        errors[RATIONALE_FIELD] = f"The rationale is {len(value):,} characters; keep it to {RATIONALE_MAX:,}."
    return value


def _value(text: str, line: Disputed, currency: str, errors: dict[str, str]) -> Decimal | None:
    block = corrected_field(line.metric)
    if len(text) > CORRECTED_MAX:
        errors[block] = (
            f"Write the corrected {line.metric} as {value_shape(line.unit)}, e.g. {value_example(line.unit)}."
        )
        return None
    try:
        return parse_actual_value(text, metric_name=line.metric, currency=currency)
    except InputError as error:
        message = error.message.replace("needs a target", "needs a value")
        errors[block] = f"{message} (e.g. {value_example(line.unit)})"
        return None


def consistent(decision: Decision, *, disputed: tuple[str, ...]) -> str | None:
    """Why a decision cannot be applied to an appeal disputing `disputed`, or None: the service's own
    check of what the form rules already guarantee (a crafted submission gets no further)."""
    unknown = sorted(set(decision.corrected) - set(disputed))
    if unknown:
        return f"{', '.join(unknown)} {'is' if len(unknown) == 1 else 'are'} not disputed in this appeal"
    if decision.outcome == "rejected" and decision.corrected:
        return "a rejected appeal corrects no figure"
    if decision.outcome != "rejected" and not decision.corrected:
        return "an upheld appeal corrects at least one figure"
    if not RATIONALE_MIN <= len(decision.rationale) <= RATIONALE_MAX:
        return f"the rationale must be {RATIONALE_MIN} to {RATIONALE_MAX} characters"
    return None
