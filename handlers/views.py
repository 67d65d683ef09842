"""Reading modal submissions: field values out of `view.state`, field errors back in."""

from __future__ import annotations

from typing import Any

from scoring.errors import FieldErrors


def field_values(view: dict[str, Any]) -> dict[str, str | None]:
    """`{block_id: value}` for every input block, whatever its element type."""
    values: dict[str, str | None] = {}
    for block_id, actions in (view.get("state") or {}).get("values", {}).items():
        for element in actions.values():
            kind = element.get("type")
            if kind in ("static_select", "radio_buttons", "external_select"):
                values[block_id] = (element.get("selected_option") or {}).get("value")
            elif kind == "datepicker":
                values[block_id] = element.get("selected_date")
            elif kind == "users_select":
                values[block_id] = element.get("selected_user")
            else:
                values[block_id] = element.get("value")
    return values


def view_errors(errors: FieldErrors, view: dict[str, Any]) -> dict[str, str]:
    """Slack shows errors only on blocks that exist in the view: put any others on the first input."""
    present = list((view.get("state") or {}).get("values", {}).keys())
    shown: dict[str, str] = {}
    for field, message in errors.errors.items():
        block = field if field in present or not present else present[0]
        shown[block] = (shown[block] + " " + message) if block in shown else message
    return {block: message[:150] for block, message in shown.items()}
