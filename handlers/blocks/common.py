"""Block Kit pieces shared by every surface: escaping, errors, small formatting helpers."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import (
    Block,
    ButtonElement,
    ContextBlock,
    DatePickerElement,
    InputBlock,
    MarkdownTextObject,
    PlainTextInputElement,
    SectionBlock,
)

from scoring.errors import PacerError
from scoring.text import escape as escape  # the one escaping every Slack-bound string with user text uses


def mention(user_id: str) -> str:
    return f"<@{user_id}>"


def day(value: date) -> str:
    return value.strftime("%a %d %b %Y")


def section(text: str) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=text))


def context(*texts: str) -> ContextBlock:
    return ContextBlock(elements=[MarkdownTextObject(text=t) for t in texts])


def error_blocks(error: PacerError) -> list[Block]:
    blocks: list[Block] = [section(f":warning: {escape(error.message)}")]
    if error.example:
        blocks.append(context(f"Example: `{escape(error.example)}`"))
    return blocks


def error_text(error: PacerError) -> str:
    """The plain-text fallback of an error (escaped where it is sent: `handlers.replies.ephemeral`)."""
    return error.message + (f" Example: {error.example}" if error.example else "")


AnyBlock = Block | dict[str, Any]
"""A block as a slack_sdk model, or already rendered to Slack's JSON (the hot replies: `section_dict`)."""


def as_dicts(blocks: Sequence[AnyBlock]) -> list[dict[str, Any]]:
    """The blocks as Slack's JSON: models rendered (and validated by slack_sdk), dicts as they are."""
    return [block if isinstance(block, dict) else block.to_dict() for block in blocks]


# --- The same blocks as plain dicts, for the hot replies ---------------------------------------------
# Building slack_sdk models and rendering them costs ~0.3 ms per `/deal` reply, a tenth of the whole
# request. These give exactly `section(text).to_dict()` etc. (tests compare every use with the model
# version) and make the same check slack_sdk makes when it renders.


def section_dict(text: str) -> dict[str, Any]:
    if len(text) > SECTION_TEXT_MAX:
        raise SlackObjectFormationError(f"text attribute cannot exceed {SECTION_TEXT_MAX} characters")
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def context_dict(*texts: str) -> dict[str, Any]:
    if len(texts) > 10:
        raise SlackObjectFormationError("elements attribute cannot exceed 10 elements")
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text} for text in texts]}


def plain_dict(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text, "emoji": True}


def date_input(today: date) -> InputBlock:
    return InputBlock(
        block_id="date",
        label="Date",
        optional=True,
        element=DatePickerElement(action_id="value", initial_date=today.isoformat()),
    )


def note_input() -> InputBlock:
    return InputBlock(
        block_id="note",
        label="Note",
        optional=True,
        element=PlainTextInputElement(action_id="value", multiline=True, max_length=1000),
    )


# --- Slack's limits, and long lists fitted into them ---------------------------------------------
# Slack refuses a message or view that breaks one of these (slack_sdk checks some at `to_dict()`).

SECTION_TEXT_MAX = 3000  # a section's text
CONTEXT_TEXT_MAX = 2000  # one context element's text
HEADER_TEXT_MAX = 150
BUTTON_TEXT_MAX = 75
MESSAGE_BLOCKS_MAX = 50  # blocks in a message (and in an ephemeral reply)
VIEW_BLOCKS_MAX = 100  # blocks in the Home tab or a modal
PACK_TO = 2900  # what `listed` fills a section to: under SECTION_TEXT_MAX, whatever Slack counts


def slack_len(text: str) -> int:
    """Length in UTF-16 code units: never less than Slack's count, whatever it counts (an emoji is 2)."""
    return len(text.encode("utf-16-le")) // 2


def clip(text: str, limit: int) -> str:
    """`text` cut to at most `limit` (in `slack_len`) with an ellipsis; never inside `<…>` or `&…;`."""
    if slack_len(text) <= limit:
        return text
    cut = text[: max(0, limit - 1)]
    while cut and slack_len(cut) > limit - 1:
        cut = cut[:-1]
    if cut.rfind("<") > cut.rfind(">"):
        cut = cut[: cut.rfind("<")]
    if cut.rfind("&") > cut.rfind(";"):
        cut = cut[: cut.rfind("&")]
    return cut + "…"


def listed(
    lines: Sequence[str],
    *,
    room: int,
    heading: str = "",
    more: Callable[[int, int], Block] | None = None,
) -> list[Block]:
    """`lines` in as few sections as they fit (each under Slack's 3,000 characters), at most `room` blocks.

    `heading` starts the first section. When not every line fits, the last of the `room` blocks is
    `more(shown, hidden)`: a truthful "…and N more — see …" (`more_context`) or a Show more button
    (`more_button`). Without `more`, lines that don't fit are left off: only for lists that are
    bounded by construction.
    """
    texts, shown = _pack(lines, room=room, heading=heading)
    if shown < len(lines) and more is not None:
        texts, shown = _pack(lines, room=room - 1, heading=heading)
        return [*(section(text) for text in texts), more(shown, len(lines) - shown)]
    return [section(text) for text in texts]


def _pack(lines: Sequence[str], *, room: int, heading: str) -> tuple[list[str], int]:
    """Texts of at most `room` sections holding `heading` and the first `shown` lines, each ≤ PACK_TO."""
    if room <= 0:
        return [], 0
    texts: list[str] = []
    current, shown = clip(heading, PACK_TO), 0
    for line in lines:
        line = clip(line, PACK_TO)
        joined = f"{current}\n{line}" if current else line
        if slack_len(joined) > PACK_TO:
            if len(texts) + 1 >= room:  # this section is the last one there is room for
                break
            texts.append(current)
            joined = line
        current, shown = joined, shown + 1
    if current:
        texts.append(current)
    return texts, shown


def more_context(hidden: int, where: str) -> ContextBlock:
    """The truthful end of a cut list: `…and 12 more — <where to see them>`."""
    return context(clip(f"…and {hidden} more — {where}", CONTEXT_TEXT_MAX))


def more_button(text: str, *, action_id: str, value: str, label: str = "Show more") -> SectionBlock:
    """A section saying what is left, with a button that shows the next part."""
    return SectionBlock(
        text=MarkdownTextObject(text=clip(text, SECTION_TEXT_MAX)),
        accessory=ButtonElement(text=clip(label, BUTTON_TEXT_MAX), action_id=action_id, value=value),
    )


def inline_list(items: Sequence[str], *, limit: int, more: str = "", empty: str = "none") -> str:
    """`a, b, c and 12 more` — as many of `items` as fit in `limit` characters, then how many did not.

    `more` follows the count (`" — see /pacer rules"`); `items` are shown as given (escape them first).
    """
    if not items:
        return empty

    def tail(hidden: int) -> str:
        return f" and {hidden} more{more}" if hidden else ""

    best, joined = 0, 0  # the most items that fit with their tail; the length of those joined
    for count, item in enumerate(items, start=1):
        joined += (2 if count > 1 else 0) + slack_len(item)
        if joined > limit:
            break
        if joined + slack_len(tail(len(items) - count)) <= limit:
            best = count
    if best == 0:
        rest = tail(len(items) - 1)
        return clip(items[0], max(2, limit - slack_len(rest))) + rest
    return ", ".join(items[:best]) + tail(len(items) - best)
