"""Reading modal submissions: field values out of `view.state`, field errors back in."""

from __future__ import annotations

from typing import Any

from handlers.envelope import view_state
from scoring.errors import FieldErrors


def field_values(view: dict[str, Any]) -> dict[str, str | None]:
    """`{block_id: value}` for every input block, whatever its element type.

    A `state` not in Slack's shape (a number where text belongs, a missing `values`) raises
    `MalformedRequest`, which is answered 400.
    """
    values: dict[str, str | None] = {}
    for block_id, actions in view_state(view).values.items():
        for element in actions.values():
            if element.type in ("static_select", "radio_buttons", "external_select"):
                values[block_id] = element.selected_option.value if element.selected_option else None
            elif element.type == "datepicker":
                values[block_id] = element.selected_date
            elif element.type == "users_select":
                values[block_id] = element.selected_user
            else:
                values[block_id] = element.value
    return values


def selected_values(view: dict[str, Any], block_id: str) -> list[str]:
    """The values chosen in a multi-select input block (none chosen, or no such block: an empty list)."""
    chosen: list[str] = []
    for element in view_state(view).values.get(block_id, {}).values():
        chosen += [option.value for option in element.selected_options or []]
    return chosen


def view_errors(errors: FieldErrors, view: dict[str, Any]) -> dict[str, str]:
    """Slack shows errors only on blocks that exist in the view: put any others on the first input.

    An error shown on a field is plain text that may quote what was typed: angle brackets become
    ‹ › (as `show` quotes user text), so no mention or link markup can reach Slack through it."""
    present = list((view.get("state") or {}).get("values", {}).keys())
    shown: dict[str, str] = {}
    for field, message in errors.errors.items():
        block = field if field in present or not present else present[0]
        shown[block] = (shown[block] + " " + message) if block in shown else message
    return {block: message.replace("<", "‹").replace(">", "›")[:150] for block, message in shown.items()}
