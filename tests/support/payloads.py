"""Slack request payloads in their real shapes (slash command form, block_actions, view_submission,
event_callback), built from a few arguments."""

from __future__ import annotations

import itertools
import json
from typing import Any
from urllib.parse import urlencode

_ids = itertools.count(1000)


def next_id(prefix: str) -> str:
    return f"{prefix}{next(_ids)}"


def slash_command(
    *,
    team_id: str,
    user_id: str,
    command: str,
    text: str,
    response_url: str,
    trigger_id: str | None = None,
    channel_id: str = "C0SALES",
    user_name: str = "rep",
) -> str:
    """Form-encoded, exactly as Slack posts a slash command."""
    return urlencode(
        {
            "token": "legacy-verification-token",
            "team_id": team_id,
            "team_domain": "acme-sales",
            "channel_id": channel_id,
            "channel_name": "sales",
            "user_id": user_id,
            "user_name": user_name,
            "command": command,
            "text": text,
            "api_app_id": "A0PACER",
            "is_enterprise_install": "false",
            "response_url": response_url,
            "trigger_id": trigger_id or next_id("13345224609.738474920.trigger"),
        }
    )


def _interactive(payload: dict[str, Any]) -> str:
    return urlencode({"payload": json.dumps(payload)})


def block_actions(
    *,
    team_id: str,
    user_id: str,
    action_id: str,
    value: str,
    response_url: str | None = None,
    view_id: str | None = None,
    block_id: str = "b1",
) -> str:
    """A button click on a message (ephemeral) or, with `view_id`, inside a modal."""
    action = {
        "type": "button",
        "action_id": action_id,
        "block_id": block_id,
        "value": value,
        "text": {"type": "plain_text", "text": "button"},
        "action_ts": "1764000000.000100",
    }
    payload: dict[str, Any] = {
        "type": "block_actions",
        "user": {"id": user_id, "username": "rep", "name": "rep", "team_id": team_id},
        "api_app_id": "A0PACER",
        "token": "legacy-verification-token",
        "trigger_id": next_id("trigger."),
        "team": {"id": team_id, "domain": "acme-sales"},
        "is_enterprise_install": False,
        "actions": [action],
    }
    if view_id is not None:
        payload["container"] = {"type": "view", "view_id": view_id}
        payload["view"] = {
            "id": view_id,
            "team_id": team_id,
            "type": "modal",
            "callback_id": "deal_receipt",
            "hash": "1764000000.abc",
            "state": {"values": {}},
            "private_metadata": "",
        }
    else:
        payload["container"] = {
            "type": "message",
            "message_ts": "1764000000.000200",
            "channel_id": "C0SALES",
            "is_ephemeral": True,
        }
        payload["channel"] = {"id": "C0SALES", "name": "sales"}
        payload["response_url"] = response_url
    return _interactive(payload)


def view_submission(
    *,
    team_id: str,
    user_id: str,
    callback_id: str,
    values: dict[str, dict[str, Any]],
    view_id: str | None = None,
    private_metadata: str = "",
) -> str:
    """`values` maps block_id to the element state, e.g. {"amount": {"type": "plain_text_input", "value": "5k"}}."""
    state = {block: {"value": element} for block, element in values.items()}
    payload = {
        "type": "view_submission",
        "team": {"id": team_id, "domain": "acme-sales"},
        "user": {"id": user_id, "username": "rep", "name": "rep", "team_id": team_id},
        "api_app_id": "A0PACER",
        "token": "legacy-verification-token",
        "trigger_id": next_id("trigger."),
        "view": {
            "id": view_id or next_id("V0"),
            "team_id": team_id,
            "type": "modal",
            "callback_id": callback_id,
            "private_metadata": private_metadata,
            "state": {"values": state},
            "hash": "1764000000.xyz",
            "title": {"type": "plain_text", "text": "Log a deal"},
            "blocks": [],
            "app_id": "A0PACER",
            "bot_id": "B1",
            "root_view_id": view_id,
            "previous_view_id": None,
        },
        "is_enterprise_install": False,
        "response_urls": [],
    }
    return _interactive(payload)


def text_input(value: str | None) -> dict[str, Any]:
    return {"type": "plain_text_input", "value": value}


def select(value: str | None) -> dict[str, Any]:
    return {
        "type": "static_select",
        "selected_option": None if value is None else {"text": {"type": "plain_text", "text": value}, "value": value},
    }


def radio(value: str | None) -> dict[str, Any]:
    return {
        "type": "radio_buttons",
        "selected_option": None if value is None else {"text": {"type": "plain_text", "text": value}, "value": value},
    }


def date_pick(value: str | None) -> dict[str, Any]:
    return {"type": "datepicker", "selected_date": value}


def number(value: str | None) -> dict[str, Any]:
    return {"type": "number_input", "value": value}


def event_callback(*, team_id: str, event: dict[str, Any], event_id: str | None = None) -> str:
    return json.dumps(
        {
            "token": "legacy-verification-token",
            "team_id": team_id,
            "api_app_id": "A0PACER",
            "event": event,
            "type": "event_callback",
            "event_id": event_id or next_id("Ev0"),
            "event_time": 1764000000,
            "authorizations": [{"team_id": team_id, "user_id": "U0PACER", "is_bot": True}],
            "event_context": "4-eyJldCI6InVzZXJfY2hhbmdlIn0",
        }
    )
