"""Block Kit as terminal text: sections, fields, context, dividers, headers, and buttons as
numbered choices. Slack's markup is made readable (`<@U1|hana>` → @hana, `<url|text>` → text,
`&lt;` → `<`); bold and italics stay as Slack shows them in plain text (`*bold*`)."""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

WIDTH = 100
INDENT = "  "

_LINK = re.compile(r"<([^<>|]+)(?:\|([^<>]*))?>")
_EMOJI_CODE = re.compile(r":([a-z0-9_+-]+):")
#: The emoji Pacer's messages use, as a terminal shows them; any other keeps its :code:.
EMOJI = {
    "white_check_mark": "✅",
    "rotating_light": "🚨",
    "wastebasket": "🗑",
    "dart": "🎯",
    "clipboard": "📋",
    "x": "❌",
    "warning": "⚠",
    "sparkles": "✨",
    "hourglass_flowing_sand": "⏳",
    "grey_question": "❔",
    "alarm_clock": "⏰",
    "zzz": "💤",
    "first_place_medal": "🥇",
    "second_place_medal": "🥈",
    "third_place_medal": "🥉",
    "thinking_face": "🤔",
    "tada": "🎉",
    "speech_balloon": "💬",
    "scroll": "📜",
    "rocket": "🚀",
    "point_left": "👈",
    "moneybag": "💰",
    "mag": "🔍",
    "calendar": "📅",
    "bulb": "💡",
}


@dataclass(frozen=True)
class Button:
    """A button the console can press: where it is, and what Slack would send for it."""

    label: str
    action_id: str
    value: str
    block_id: str
    url: str | None = None
    where: Mapping[str, Any] = field(default_factory=dict)  # container of the message or view


def plain(text: str, names: Callable[[str], str]) -> str:
    """Slack markup as a person reads it."""

    def link(match: re.Match[str]) -> str:
        target, label = match.group(1), match.group(2)
        if target.startswith("@"):
            return "@" + (label if label else names(target[1:]))
        if target.startswith("#"):
            return "#" + (label or target[1:])
        if target.startswith("!date^"):
            return label or target
        if target.startswith("!"):
            return "@" + (label or target[1:].split("^")[0])
        return label or target

    text = _LINK.sub(link, text)
    text = _EMOJI_CODE.sub(lambda m: EMOJI.get(m.group(1), m.group(0)), text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _text_of(obj: Any, names: Callable[[str], str]) -> str:
    if isinstance(obj, dict):
        return plain(str(obj.get("text", "")), names)
    return plain(str(obj or ""), names)


def _wrap(text: str, indent: str = INDENT) -> list[str]:
    lines: list[str] = []
    for raw in text.split("\n"):
        if not raw.strip():
            lines.append("")
            continue
        # never wrap a progress bar or an aligned table line: they are made to be read as they are
        if len(raw) + len(indent) <= WIDTH or "█" in raw or "░" in raw or "`" in raw:
            lines.append(indent + raw)
        else:
            lines += textwrap.wrap(raw, WIDTH, initial_indent=indent, subsequent_indent=indent + "  ")
    return lines


def _rich_text(element: Any) -> str:
    if isinstance(element, dict):
        if element.get("type") == "text":
            return str(element.get("text", ""))
        if element.get("type") == "user":
            return "@" + str(element.get("user_id", ""))
        if element.get("type") == "link":
            return str(element.get("text") or element.get("url", ""))
        return "".join(_rich_text(e) for e in element.get("elements", []))
    return ""


def render_blocks(
    blocks: list[dict[str, Any]],
    *,
    names: Callable[[str], str],
    buttons: list[Button],
    where: Mapping[str, Any],
    indent: str = INDENT,
) -> list[str]:
    """The lines of `blocks`; each button found is appended to `buttons` and shown as [n]."""

    def choice(element: dict[str, Any], block_id: str) -> str:
        label = _text_of(element.get("text"), names)
        buttons.append(
            Button(
                label=label,
                action_id=str(element.get("action_id", "")),
                value=str(element.get("value", "")),
                block_id=block_id,
                url=element.get("url"),
                where=where,
            )
        )
        return f"[{len(buttons)}] {label}"

    lines: list[str] = []
    for block in blocks:
        kind = block.get("type")
        block_id = str(block.get("block_id", ""))
        if kind == "header":
            title = _text_of(block.get("text"), names)
            lines += [f"{indent}{title}", f"{indent}{'━' * min(len(title), WIDTH - len(indent))}"]
        elif kind == "section":
            if block.get("text"):
                lines += _wrap(_text_of(block["text"], names), indent)
            fields = [_text_of(f, names).replace("\n", " ") for f in block.get("fields") or []]
            for left, right in zip(fields[::2], [*fields[1::2], ""], strict=False):
                lines.append(f"{indent}{left:<46} {right}".rstrip())
            accessory = block.get("accessory")
            if isinstance(accessory, dict) and accessory.get("type") == "button":
                lines.append(f"{indent}  {choice(accessory, block_id)}")
        elif kind == "context":
            parts = [_text_of(e, names) for e in block.get("elements") or [] if e.get("type") != "image"]
            lines += _wrap(" · ".join(p for p in parts if p), indent + "  ")
        elif kind == "divider":
            lines.append(f"{indent}{'─' * 40}")
        elif kind == "actions":
            shown = []
            for element in block.get("elements") or []:
                if element.get("type") == "button":
                    shown.append(choice(element, block_id))
                else:
                    shown.append(f"({element.get('type')}: not shown in the console)")
            lines.append(indent + "   ".join(shown))
        elif kind == "image":
            lines.append(f"{indent}[image: {block.get('alt_text', '')}]")
        elif kind == "rich_text":
            lines += _wrap(plain(_rich_text(block), names), indent)
        elif kind == "input":
            label = _text_of(block.get("label"), names)
            optional = " (optional)" if block.get("optional") else ""
            lines.append(f"{indent}▸ {label}{optional}")
        elif kind:
            lines.append(f"{indent}({kind} block)")
    return lines


def render_message(
    message: Mapping[str, Any], *, names: Callable[[str], str], buttons: list[Button], where: Mapping[str, Any]
) -> list[str]:
    """A message's blocks, or its text when it has none."""
    blocks = message.get("blocks")
    if isinstance(blocks, list) and blocks:
        return render_blocks(blocks, names=names, buttons=buttons, where=where)
    return _wrap(plain(str(message.get("text") or ""), names))
