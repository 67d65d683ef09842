"""Block Kit for activities: receipts, lists and the modal."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ConfirmObject,
    InputBlock,
    NumberInputElement,
    Option,
    PlainTextInputElement,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot.services.activities import ActivityLogged
from handlers import ids
from handlers.blocks.common import (
    MESSAGE_BLOCKS_MAX,
    AnyBlock,
    context,
    date_input,
    day,
    escape,
    listed,
    note_input,
    section,
)
from scoring.records import ActivityRecord
from scoring.requests import ACTIVITY_KINDS


def describe(record: ActivityRecord) -> str:
    noun = record.kind if record.count == 1 else plural(record.kind)
    text = f"*{record.count} {noun}*"
    if record.customer:
        text += f" with *{escape(record.customer)}*"
    return text


def plural(kind: str) -> str:
    return {"followup": "follow-ups", "email": "emails"}.get(kind, kind + "s")


def logged(result: ActivityLogged) -> list[Block]:
    record = result.record
    head = "Already logged (same request):" if result.replayed else ":white_check_mark: Logged"
    new = " · :sparkles: new customer" if result.new_customer else ""
    facts = [f"On {day(record.occurred_on)}", f"Source: {record.source.label}"]
    if record.note:
        facts.append(f"Note: {escape(record.note)}")
    blocks: list[Block] = [section(f"{head} *{record.ref}* — {describe(record)}{new}"), context(*facts)]
    if record.voided:
        blocks.append(context(f":wastebasket: Voided: {escape(record.void_reason or '')}"))
    else:
        blocks.append(
            ActionsBlock(
                block_id=f"activity_{record.number}",
                elements=[
                    ButtonElement(
                        text="Undo",
                        action_id=ids.ACTIVITY_UNDO,
                        value=str(record.number),
                        style="danger",
                        confirm=ConfirmObject(
                            title="Undo this activity?",
                            text=f"{record.ref} will be voided.",
                            confirm="Undo it",
                            deny="Keep it",
                        ),
                    )
                ],
            )
        )
    return blocks


def voided(record: ActivityRecord, *, changed: bool) -> list[Block]:
    how = "Voided" if changed else "Already voided"
    return [
        section(f":wastebasket: {how} *{record.ref}* — {describe(record)}"),
        context(f"Reason: {escape(record.void_reason or '')}", "Kept in the audit log; it no longer counts."),
    ]


def listing(records: list[ActivityRecord], *, today: date) -> list[Block]:
    if not records:
        return [section("You haven't logged any activities yet."), context("Log one: `/activity call Acme Corp`")]
    lines = []
    for record in records:
        line = f"`{record.ref}` {day(record.occurred_on)} · {describe(record)}"
        lines.append(f"~{line}~ (voided)" if record.voided else line)
    blocks: list[Block] = [
        section(f"*Your last {len(records)} activit{'ies' if len(records) != 1 else 'y'}* (as of {day(today)})")
    ]
    blocks += listed(lines, room=MESSAGE_BLOCKS_MAX - 2)  # the last 15: bounded
    blocks.append(context("Void one: `/activity void A-7 logged twice`"))
    return blocks


def help_blocks() -> list[Block]:
    return [
        section("*Log activities* — `/activity &lt;type&gt; [count] [customer] [note:&lt;text&gt;] [date:YYYY-MM-DD]`"),
        context(
            f"Types: {', '.join(ACTIVITY_KINDS)}.",
            "`/activity call 3 Acme Corp` · `/activity demo Globex note:CFO joined` · `/activity` alone opens a form",
        ),
        section("`/activity list` your recent activities · `/activity void A-7 &lt;reason&gt;`"),
    ]


def modal(*, today: date, metadata: dict[str, str]) -> View:
    kinds = [Option(text=kind, value=kind) for kind in ACTIVITY_KINDS]
    return View(
        type="modal",
        callback_id=ids.ACTIVITY_MODAL,
        title="Log activity",
        submit="Log",
        close="Cancel",
        private_metadata=json.dumps(metadata),
        blocks=[
            InputBlock(
                block_id="kind",
                label="Type",
                element=StaticSelectElement(action_id="value", options=kinds, initial_option=kinds[0]),
            ),
            InputBlock(
                block_id="count",
                label="How many",
                element=NumberInputElement(
                    action_id="value", is_decimal_allowed=False, initial_value="1", min_value="1", max_value="500"
                ),
            ),
            InputBlock(
                block_id="customer",
                label="Customer",
                optional=True,
                element=PlainTextInputElement(action_id="value", placeholder="Acme Corp", max_length=120),
            ),
            date_input(today),
            note_input(),
        ],
    )


def result_view(blocks: Sequence[AnyBlock]) -> View:
    return View(type="modal", callback_id=ids.ACTIVITY_RECEIPT, title="Activity", close="Done", blocks=blocks)
