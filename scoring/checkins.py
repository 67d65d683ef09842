"""The field rules of the check-in forms: a rep's self-review and a manager's feedback with its plan.

`check_self_review` and `check_feedback` take the submitted fields as text (`{block id: value}`) and
return the typed entry, or raise `FieldErrors` naming every wrong field with what is wrong and a
correct example, so the form can show each message on its field and nothing is stored. The limits fit
Slack's (a plain-text input takes at most 3,000 characters; a message section 3,000).

Feedback fields are numbered per plan item: `item1_action`, `item1_metric`, `item1_target`,
`item1_due`, `item2_…`. A row left wholly empty is no item; a plan needs at least one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from scoring.errors import FieldErrors, InputError
from scoring.goal_values import parse_goal_value, value_example, value_shape
from scoring.metrics import Unit, plain_number

TEXT_MAX = 1000
"""Wins, challenges, support, strengths, areas to improve: characters each."""
ACTION_MAX = 300
"""A plan item's action."""
TARGET_MAX = 40
ITEMS_MAX = 5
"""Plan items a feedback may have (the form adds rows one at a time up to this)."""
NO_METRIC = "none"
"""The metric select's value for "no metric" (a static select cannot be cleared once chosen)."""

SELF_REVIEW_FIELDS = ("wins", "challenges", "support", "rating")
FEEDBACK_FIELDS = ("strengths", "improve")
ITEM_PARTS = ("action", "metric", "target", "due")

_EXAMPLES = {
    "wins": "Closed Globex (40k) and booked 12 demos",
    "challenges": "Two big deals slipped to next month",
    "support": "Help preparing the Initech renewal",
    "strengths": "Strong discovery calls; fast follow-ups",
    "improve": "Qualify earlier so fewer deals stall",
    "action": "Book 3 demos with new prospects each week",
}
_NAMES = {
    "wins": "Wins",
    "challenges": "Challenges",
    "support": "Support needed",
    "strengths": "Strengths",
    "improve": "Areas to improve",
    "action": "The action",
}


def item_field(position: int, part: str) -> str:
    """The block id of one part of plan item `position` (1-based): `item2_target`."""
    return f"item{position}_{part}"


@dataclass(frozen=True)
class SelfReview:
    wins: str
    challenges: str
    support: str
    rating: str

    def content(self) -> dict[str, Any]:
        return {"wins": self.wins, "challenges": self.challenges, "support": self.support, "rating": self.rating}


@dataclass(frozen=True)
class PlanEntry:
    """One improvement-plan item as submitted: an action, optionally a metric with a target, a due date."""

    action: str
    metric: str | None
    target: Decimal | None
    due: date

    def content(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "metric": self.metric,
            "target": None if self.target is None else str(self.target),
            "due": self.due.isoformat(),
        }


@dataclass(frozen=True)
class Feedback:
    strengths: str
    improve: str
    plan: tuple[PlanEntry, ...]

    def content(self) -> dict[str, Any]:
        """The entry's stored content (the plan items are also rows of their own)."""
        return {
            "strengths": self.strengths,
            "improve": self.improve,
            "plan": [item.content() for item in self.plan],
        }


def _text(
    fields: Mapping[str, str | None], name: str, errors: dict[str, str], *, limit: int, required: bool, key: str = ""
) -> str:
    block = key or name
    value = (fields.get(block) or "").strip()
    label = _NAMES[name]
    if not value:
        if required:
            errors[block] = f"{label} is required, e.g. “{_EXAMPLES[name]}”."
        return ""
    if len(value) > limit:
        errors[block] = f"{label} is {len(value):,} characters; keep it to {limit:,}, e.g. “{_EXAMPLES[name]}”."
    if "\x00" in value:
        errors[block] = f"{label} contains a NUL character; please retype it, e.g. “{_EXAMPLES[name]}”."
    return value


def check_self_review(fields: Mapping[str, str | None], *, bands: Sequence[str]) -> SelfReview:
    """The self-review in `fields`; `bands` are the evaluation's frozen rating bands, best first."""
    errors: dict[str, str] = {}
    wins = _text(fields, "wins", errors, limit=TEXT_MAX, required=True)
    challenges = _text(fields, "challenges", errors, limit=TEXT_MAX, required=True)
    support = _text(fields, "support", errors, limit=TEXT_MAX, required=False)
    rating = (fields.get("rating") or "").strip()
    if rating not in bands:
        shown = ", ".join(bands)
        what = "Choose your self-rating" if not rating else "That self-rating is not one of this evaluation's bands"
        errors["rating"] = f"{what}: one of {shown} (e.g. {bands[-1] if bands else 'Meets'})."
    if errors:
        raise FieldErrors(errors)
    return SelfReview(wins=wins, challenges=challenges, support=support, rating=rating)


def check_feedback(
    fields: Mapping[str, str | None],
    *,
    items: int,
    metrics: Mapping[str, Unit],
    currency: str,
    today: date,
) -> Feedback:
    """The feedback in `fields` with its plan of up to `items` rows.

    `metrics`: the evaluation's scorecard metrics and their units (a target is read in its metric's
    unit, money as `/deal` reads amounts); `today`: the submitter's date — no item may be due before it.
    """
    errors: dict[str, str] = {}
    strengths = _text(fields, "strengths", errors, limit=TEXT_MAX, required=True)
    improve = _text(fields, "improve", errors, limit=TEXT_MAX, required=True)
    plan: list[PlanEntry] = []
    for position in range(1, min(items, ITEMS_MAX) + 1):
        entry = _item(fields, position, errors, metrics=metrics, currency=currency, today=today)
        if entry is not None:
            plan.append(entry)
    rows_filled = any(_filled(fields, position) for position in range(1, min(items, ITEMS_MAX) + 1))
    if not rows_filled:
        errors[item_field(1, "action")] = (
            f"The plan needs at least one item: an action, e.g. “{_EXAMPLES['action']}”, and a due date."
        )
    if errors:
        raise FieldErrors(errors)
    return Feedback(strengths=strengths, improve=improve, plan=tuple(plan))


def _filled(fields: Mapping[str, str | None], position: int) -> bool:
    for part in ITEM_PARTS:
        value = (fields.get(item_field(position, part)) or "").strip()
        if value and not (part == "metric" and value == NO_METRIC):
            return True
    return False


def _item(
    fields: Mapping[str, str | None],
    position: int,
    errors: dict[str, str],
    *,
    metrics: Mapping[str, Unit],
    currency: str,
    today: date,
) -> PlanEntry | None:
    if not _filled(fields, position):
        return None
    found = len(errors)
    action = _text(fields, "action", errors, limit=ACTION_MAX, required=True, key=item_field(position, "action"))
    metric_name: str | None = (fields.get(item_field(position, "metric")) or "").strip() or None
    if metric_name == NO_METRIC:
        metric_name = None
    target_text = (fields.get(item_field(position, "target")) or "").strip()
    target: Decimal | None = None
    first = next(iter(metrics), "revenue")
    if metric_name is not None and metric_name not in metrics:
        errors[item_field(position, "metric")] = (
            f"Choose one of this scorecard's metrics ({', '.join(metrics)}), e.g. {first}, or “No metric”."
        )
    elif metric_name is None and target_text:
        errors[item_field(position, "target")] = (
            "A target needs the metric it is measured in: choose the metric, or leave the target empty "
            f"(e.g. {first} with target {value_example(metrics.get(first, 'money'))})."
        )
    elif metric_name is not None:
        unit = metrics[metric_name]
        if not target_text:
            errors[item_field(position, "target")] = (
                f"{metric_name} needs a target: {value_shape(unit)} (e.g. {value_example(unit)})."
            )
        elif len(target_text) > TARGET_MAX:
            errors[item_field(position, "target")] = (
                f"The target is too long: write a number such as {value_example(unit)}."
            )
        else:
            try:
                target = parse_goal_value(target_text, metric_name=metric_name, currency=currency, example="")
            except InputError as error:
                errors[item_field(position, "target")] = f"{error.message} (e.g. {value_example(unit)})"
    due_text = (fields.get(item_field(position, "due")) or "").strip()
    due: date | None = None
    if not due_text:
        errors[item_field(position, "due")] = f"Pick a due date, today ({today.isoformat()}) or later."
    else:
        try:
            due = date.fromisoformat(due_text)
        except ValueError:
            errors[item_field(position, "due")] = f"Pick a due date from the calendar, e.g. {today.isoformat()}."
        else:
            if due < today:
                errors[item_field(position, "due")] = (
                    f"{due.isoformat()} is in the past: pick today ({today.isoformat()}) or later."
                )
    if len(errors) > found or due is None:
        return None
    return PlanEntry(action=action, metric=metric_name, target=target, due=due)


def target_text(target: Decimal | None, unit: Unit) -> str:
    """A stored target as a form shows it again, in a form the target rules read back exactly."""
    if target is None:
        return ""
    if unit == "percent":
        return f"{plain_number(target * 100)}%"
    return plain_number(target)
