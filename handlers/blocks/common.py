"""Block Kit pieces shared by every surface: escaping, errors, small formatting helpers."""

from __future__ import annotations

from datetime import date

from slack_sdk.models.blocks import (
    Block,
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


def as_dicts(blocks: list[Block]) -> list[dict]:  # type: ignore[type-arg]
    return [block.to_dict() for block in blocks]


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
