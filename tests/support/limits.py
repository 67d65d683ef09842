"""Slack's Block Kit limits, checked on what Pacer actually sends (an ack body, a `response_url` post,
a `chat.postMessage`, a `views.publish`), so a test can say "Slack would accept this".

Block Kit documents the limits; slack_sdk checks many of them when a block is serialised, so every
block is also parsed back into a `slack_sdk.models` object and serialised again.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

SECTION_TEXT = 3000
SECTION_FIELDS = 10
FIELD_TEXT = 2000
CONTEXT_ELEMENTS = 10
CONTEXT_TEXT = 2000
HEADER_TEXT = 150
BUTTON_TEXT = 75
BUTTON_VALUE = 2000
ACTIONS_ELEMENTS = 25
OPTION_TEXT = 75
MESSAGE_BLOCKS = 50
VIEW_BLOCKS = 100
VIEW_TITLE = 24
MESSAGE_TEXT = 40_000


def problems(blocks: list[dict[str, Any]], *, surface: Literal["message", "view"] = "message") -> list[str]:
    """Every way `blocks` breaks a Block Kit limit, as sentences; empty when Slack would accept them."""
    found: list[str] = []
    most = MESSAGE_BLOCKS if surface == "message" else VIEW_BLOCKS
    if len(blocks) > most:
        found.append(f"{len(blocks)} blocks in a {surface} (at most {most})")
    for index, block in enumerate(blocks):
        where = f"block {index} ({block.get('type')})"
        kind = block.get("type")
        if kind == "section":
            text = (block.get("text") or {}).get("text", "")
            if len(text) > SECTION_TEXT:
                found.append(f"{where}: text of {len(text)} characters (at most {SECTION_TEXT})")
            fields = block.get("fields") or []
            if len(fields) > SECTION_FIELDS:
                found.append(f"{where}: {len(fields)} fields (at most {SECTION_FIELDS})")
            found += [f"{where}: a field of {len(f['text'])}" for f in fields if len(f["text"]) > FIELD_TEXT]
            accessory = block.get("accessory")
            if accessory and accessory.get("type") == "button":
                found += _button(accessory, where)
        elif kind == "context":
            elements = block.get("elements") or []
            if len(elements) > CONTEXT_ELEMENTS:
                found.append(f"{where}: {len(elements)} elements (at most {CONTEXT_ELEMENTS})")
            for element in elements:
                text = element.get("text", "")
                if len(text) > CONTEXT_TEXT:
                    found.append(f"{where}: an element of {len(text)} characters (at most {CONTEXT_TEXT})")
        elif kind == "header":
            text = block["text"]["text"]
            if len(text) > HEADER_TEXT:
                found.append(f"{where}: {len(text)} characters (at most {HEADER_TEXT})")
        elif kind == "actions":
            elements = block.get("elements") or []
            if len(elements) > ACTIONS_ELEMENTS:
                found.append(f"{where}: {len(elements)} elements (at most {ACTIONS_ELEMENTS})")
            for element in elements:
                if element.get("type") == "button":
                    found += _button(element, where)
                for option in element.get("options") or []:
                    if len(option["text"]["text"]) > OPTION_TEXT:
                        found.append(f"{where}: an option of {len(option['text']['text'])} characters")
        try:
            Block.parse(block).to_dict()  # type: ignore[union-attr]
        except Exception as error:  # slack_sdk's own checks (SlackObjectFormationError and friends)
            found.append(f"{where}: slack_sdk refuses it: {error}")
    return found


def _button(button: dict[str, Any], where: str) -> list[str]:
    found = []
    if len(button["text"]["text"]) > BUTTON_TEXT:
        found.append(f"{where}: button text of {len(button['text']['text'])} characters (at most {BUTTON_TEXT})")
    if len(button.get("value") or "") > BUTTON_VALUE:
        found.append(f"{where}: button value of {len(button['value'])} characters (at most {BUTTON_VALUE})")
    return found


def message_problems(payload: dict[str, Any]) -> list[str]:
    """A reply or message payload (`text` + `blocks`, blocks possibly a JSON string)."""
    blocks = payload.get("blocks") or []
    blocks = json.loads(blocks) if isinstance(blocks, str) else blocks
    found = problems(blocks, surface="message")
    if len(payload.get("text") or "") > MESSAGE_TEXT:
        found.append(f"text of {len(payload['text'])} characters (at most {MESSAGE_TEXT})")
    return found


def view_problems(view: dict[str, Any] | str) -> list[str]:
    """A Home tab or modal (`views.publish`, `views.open`, `views.update`, `response_action: update`)."""
    view = json.loads(view) if isinstance(view, str) else view
    found = problems(view.get("blocks") or [], surface="view")
    title = (view.get("title") or {}).get("text", "")
    if len(title) > VIEW_TITLE:
        found.append(f"view title of {len(title)} characters (at most {VIEW_TITLE})")
    try:
        View(**view).to_dict()
    except Exception as error:
        found.append(f"slack_sdk refuses the view: {error}")
    return found
