"""The check-in forms: the rep's self-review and the manager's feedback with its improvement plan.

Both carry `private_metadata` = {"evaluation": id, "base": the version being edited (0: new)}; the
feedback form also {"items": rows shown}. A form is built from `values` ({block id: text}), so the same
builder prefills an edit (from the latest version) and keeps what was typed when "Add an item" adds a row.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DatePickerElement,
    DividerBlock,
    InputBlock,
    Option,
    PlainTextInputElement,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot.services.checkins import CheckinView, EntryView, PlanItemView
from handlers import ids
from handlers.blocks.common import clip, context, escape, mention, section
from scoring.checkins import (
    ACTION_MAX,
    ITEMS_MAX,
    NO_METRIC,
    TARGET_MAX,
    TEXT_MAX,
    item_field,
    target_text,
)
from scoring.goal_values import value_example
from scoring.metrics import plain_number

Values = Mapping[str, str | None]


def metadata(*, evaluation_id: int, base: int, items: int | None = None) -> str:
    data: dict[str, int] = {"evaluation": evaluation_id, "base": base}
    if items is not None:
        data["items"] = items
    return json.dumps(data)


def _text_input(
    block_id: str, label: str, values: Values, *, limit: int, optional: bool = False, hint: str = ""
) -> InputBlock:
    initial = values.get(block_id) or None
    return InputBlock(
        block_id=block_id,
        label=label,
        optional=optional,
        hint=hint or None,
        element=PlainTextInputElement(
            action_id="value", multiline=limit > ACTION_MAX, max_length=limit, initial_value=initial
        ),
    )


def _about(checkin: CheckinView, *, for_whom: str) -> ContextBlock:
    snap = checkin.snapshot
    return context(
        f"{escape(checkin.period_label)} · {plain_number(snap.total)} points · rating {escape(snap.rating)} · "
        f"seen by {for_whom} only"
    )


def _who(checkin: CheckinView) -> str:
    people = [mention(checkin.rep_user_id)]
    if checkin.manager_user_id:
        people.append(mention(checkin.manager_user_id))
    return " and ".join(people)


# --- self-review --------------------------------------------------------------------------------------


def self_review_values(entry: EntryView | None) -> dict[str, str | None]:
    if entry is None:
        return {}
    return {name: str(entry.content.get(name) or "") or None for name in ("wins", "challenges", "support", "rating")}


def self_review_modal(checkin: CheckinView, *, base: int, values: Values) -> View:
    bands = [band.name for band in checkin.snapshot.scorecard.bands]
    options = [Option(text=clip(name, 75), value=name[:150]) for name in bands]
    chosen = next((option for option in options if option.value == values.get("rating")), None)
    blocks: list[Block] = [
        _about(checkin, for_whom=_who(checkin)),
        _text_input("wins", "Wins", values, limit=TEXT_MAX, hint="What went well this period"),
        _text_input("challenges", "Challenges", values, limit=TEXT_MAX, hint="What got in the way"),
        _text_input("support", "Support needed", values, limit=TEXT_MAX, optional=True),
        InputBlock(
            block_id="rating",
            label="Self-rating",
            hint="On the same bands as your scorecard",
            element=StaticSelectElement(
                action_id="value", placeholder="Choose a band", options=options[:100], initial_option=chosen
            ),
        ),
    ]
    return View(
        type="modal",
        callback_id=ids.SELF_REVIEW_MODAL,
        title="Edit self-review" if base else "Self-review",
        submit="Save" if base else "Post",
        close="Cancel",
        private_metadata=metadata(evaluation_id=checkin.id, base=base),
        blocks=blocks,
    )


# --- feedback and improvement plan --------------------------------------------------------------------


def feedback_values(
    entry: EntryView | None, plan: tuple[PlanItemView, ...], checkin: CheckinView
) -> dict[str, str | None]:
    if entry is None:
        return {}
    values: dict[str, str | None] = {
        "strengths": str(entry.content.get("strengths") or "") or None,
        "improve": str(entry.content.get("improve") or "") or None,
    }
    for item in plan:
        line = checkin.snapshot.line(item.metric) if item.metric else None
        values[item_field(item.position, "action")] = item.action
        values[item_field(item.position, "metric")] = item.metric or NO_METRIC
        values[item_field(item.position, "target")] = target_text(item.target, line.unit) if line else None
        values[item_field(item.position, "due")] = item.due.isoformat()
    return values


def feedback_modal(checkin: CheckinView, *, base: int, items: int, values: Values, today: date) -> View:
    items = max(1, min(items, ITEMS_MAX))
    lines = checkin.snapshot.lines
    options = [Option(text="No metric", value=NO_METRIC)]
    options += [Option(text=clip(f"{line.label} ({line.metric})", 75), value=line.metric) for line in lines]
    examples = " · ".join(f"{line.metric} {value_example(line.unit)}" for line in lines[:4])
    blocks: list[Block] = [
        _about(checkin, for_whom=_who(checkin)),
        _text_input("strengths", "Strengths", values, limit=TEXT_MAX),
        _text_input("improve", "Areas to improve", values, limit=TEXT_MAX),
    ]
    for position in range(1, items + 1):
        chosen = next((o for o in options if o.value == values.get(item_field(position, "metric"))), None)
        due = values.get(item_field(position, "due"))
        blocks += [
            DividerBlock(),
            section(f"*Improvement plan — item {position}*"),
            _text_input(item_field(position, "action"), "Action", values, limit=ACTION_MAX),
            InputBlock(
                block_id=item_field(position, "metric"),
                label="Metric",
                optional=True,
                hint="Optional: the scorecard metric this item moves",
                element=StaticSelectElement(
                    action_id="value", placeholder="No metric", options=options[:100], initial_option=chosen
                ),
            ),
            _text_input(
                item_field(position, "target"),
                "Target",
                values,
                limit=TARGET_MAX,
                optional=True,
                hint=f"In the metric's unit, needed with a metric: {examples}",
            ),
            InputBlock(
                block_id=item_field(position, "due"),
                label="Due",
                element=DatePickerElement(action_id="value", initial_date=due or None, placeholder="Pick a date"),
                hint=f"Today ({today.isoformat()}) or later",
            ),
        ]
    if items < ITEMS_MAX:
        blocks.append(
            ActionsBlock(
                block_id="add_item",
                elements=[ButtonElement(text="Add an item", action_id=ids.FEEDBACK_ADD_ITEM, value=str(checkin.id))],
            )
        )
    blocks.append(context("Posted in the check-in thread; you can edit it until the rep acknowledges."))
    return View(
        type="modal",
        callback_id=ids.FEEDBACK_MODAL,
        title="Edit feedback" if base else "Feedback",
        submit="Save" if base else "Post",
        close="Cancel",
        private_metadata=metadata(evaluation_id=checkin.id, base=base, items=items),
        blocks=blocks,
    )


def done_view(text: str, *, title: str) -> View:
    """What a submitted form turns into: the plain outcome, and Done."""
    return View(type="modal", title=title, close="Done", blocks=[section(escape(text))])


def parse_metadata(raw: str) -> dict[str, Any]:
    """The form's private_metadata as written by `metadata` (ValueError for anything else)."""
    data = json.loads(raw)
    if not isinstance(data, dict):
        raise ValueError("private_metadata is not an object")
    for name in ("evaluation", "base"):
        if not isinstance(data.get(name), int) or data[name] < 0:
            raise ValueError(f"private_metadata.{name} is not a number")
    if "items" in data and (not isinstance(data["items"], int) or not 1 <= data["items"] <= ITEMS_MAX):
        raise ValueError("private_metadata.items is not a row count")
    return data
