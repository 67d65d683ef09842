"""Block Kit for deals: receipts, lists, questions, the wins-channel post and the modal."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ConfirmObject,
    InputBlock,
    Option,
    PlainTextInputElement,
    RadioButtonsElement,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot.services.deals import CustomerUnclear, DealLogged, DuplicateSuspected
from handlers import ids
from handlers.blocks.common import (
    CONTEXT_TEXT_MAX,
    MESSAGE_BLOCKS_MAX,
    AnyBlock,
    context,
    context_dict,
    date_input,
    day,
    escape,
    inline_list,
    listed,
    mention,
    note_input,
    plain_dict,
    section,
    section_dict,
)
from scoring.money import format_amount
from scoring.recognition import CountingReceipt
from scoring.records import DealRecord


def describe(record: DealRecord) -> str:
    parts = [f"*{format_amount(record.money)}*", f"with *{escape(record.customer)}*"]
    if record.product_line:
        parts.append(f"· {escape(record.product_line)}")
    return " ".join(parts)


def logged(result: DealLogged) -> list[Block]:
    head, facts, line = _logged_texts(result)
    record = result.record
    blocks: list[Block] = [section(head), context(*facts), section(line)]
    if record.voided:
        blocks.append(context(_voided_text(record)))
    else:
        blocks.append(deal_buttons(record))
    return blocks


def logged_dicts(result: DealLogged) -> list[dict[str, Any]]:
    """`as_dicts(logged(result))` without the models: the answer to every logged deal (the hot path)."""
    head, facts, line = _logged_texts(result)
    record = result.record
    blocks = [section_dict(head), context_dict(*facts), section_dict(line)]
    if record.voided:
        blocks.append(context_dict(_voided_text(record)))
    else:
        blocks.append(_deal_buttons_dict(record))
    return blocks


def _logged_texts(result: DealLogged) -> tuple[str, list[str], str]:
    """The receipt's head line, its facts and the period's tally so far."""
    record = result.record
    new = " · :sparkles: new customer" if result.new_customer else ""
    head = "Already logged (same request):" if result.replayed else ":white_check_mark: Logged"
    facts = [
        receipt_text(result.receipt),
        f"Signed {day(record.signed_on)}" + (f", paid {day(record.paid_on)}" if record.paid_on else ", not paid yet"),
        f"Source: {record.source.label}",
    ]
    if record.note:
        facts.append(f"Note: {escape(record.note)}")
    tally = result.tally
    line = (
        f"*{tally.label} so far:* {tally.deals} deal{'s' if tally.deals != 1 else ''}, {format_amount(tally.revenue)}"
    )
    if tally.awaiting_payment:
        line += f" · {tally.awaiting_payment} awaiting payment ({format_amount(tally.awaiting_amount)})"
    return f"{head} *{record.ref}* — {describe(record)}{new}", facts, line


def _voided_text(record: DealRecord) -> str:
    return f":wastebasket: Voided: {escape(record.void_reason or '')}"


def receipt_text(receipt: CountingReceipt) -> str:
    return (":hourglass_flowing_sand: " if receipt.waiting_for_payment else ":calendar: ") + receipt.describe()


UNDO_CONFIRM = ("Undo this deal?", "Undo it", "Keep it")


def deal_buttons(record: DealRecord) -> ActionsBlock:
    value = str(record.number)
    title, confirm, deny = UNDO_CONFIRM
    elements = [
        ButtonElement(
            text="Undo",
            action_id=ids.DEAL_UNDO,
            value=value,
            style="danger",
            confirm=ConfirmObject(title=title, text=_undo_text(record), confirm=confirm, deny=deny),
        )
    ]
    if record.paid_on is None:
        elements.append(ButtonElement(text="Mark paid", action_id=ids.DEAL_MARK_PAID, value=value))
    return ActionsBlock(block_id=f"deal_{record.number}", elements=elements)


def _undo_text(record: DealRecord) -> str:
    return f"{record.ref} will be voided (kept in the audit log)."


def _deal_buttons_dict(record: DealRecord) -> dict[str, Any]:
    """`deal_buttons(record).to_dict()`: constant texts, and a number for the value and block id."""
    value = str(record.number)
    title, confirm, deny = UNDO_CONFIRM
    elements: list[dict[str, Any]] = [
        {
            "type": "button",
            "text": plain_dict("Undo"),
            "action_id": ids.DEAL_UNDO,
            "value": value,
            "style": "danger",
            "confirm": {
                "title": plain_dict(title),
                "text": {"type": "mrkdwn", "text": _undo_text(record)},
                "confirm": plain_dict(confirm),
                "deny": plain_dict(deny),
            },
        }
    ]
    if record.paid_on is None:
        elements.append(
            {"type": "button", "text": plain_dict("Mark paid"), "action_id": ids.DEAL_MARK_PAID, "value": value}
        )
    return {"type": "actions", "block_id": f"deal_{record.number}", "elements": elements}


def voided(record: DealRecord, *, changed: bool) -> list[Block]:
    how = "Voided" if changed else "Already voided"
    return [
        section(f":wastebasket: {how} *{record.ref}* — {describe(record)}"),
        context(f"Reason: {escape(record.void_reason or '')}", "Kept in the audit log; it no longer counts."),
    ]


def paid(record: DealRecord, receipt: CountingReceipt, *, changed: bool) -> list[Block]:
    how = "Marked paid" if changed else "Already paid"
    assert record.paid_on is not None
    return [
        section(f":moneybag: {how}: *{record.ref}* — {describe(record)} on {day(record.paid_on)}"),
        context(receipt_text(receipt)),
    ]


def listing(records: list[DealRecord], *, today: date) -> list[Block]:
    if not records:
        return [section("You haven't logged any deals yet."), context("Log one: `/deal 12500 Acme Corp`")]
    lines = []
    for record in records:
        status = "paid" if record.paid_on else "signed"
        line = f"`{record.ref}` {day(record.signed_on)} · {describe(record)} · {status}"
        lines.append(f"~{line}~ (voided)" if record.voided else line)
    blocks: list[Block] = [
        section(f"*Your last {len(records)} deal{'s' if len(records) != 1 else ''}* (as of {day(today)})")
    ]
    blocks += listed(lines, room=MESSAGE_BLOCKS_MAX - 2)  # the last 15: bounded
    blocks.append(context("Void one: `/deal void D-12 wrong amount` · Mark paid: `/deal paid D-12`"))
    return blocks


def duplicate_question(question: DuplicateSuspected, *, now: datetime) -> list[Block]:
    existing = question.existing
    minutes = int((now - existing.created_at).total_seconds() // 60)
    when = "less than a minute ago" if minutes < 1 else f"{minutes} minute{'s' if minutes != 1 else ''} ago"
    return [
        section(f":thinking_face: You logged *{existing.ref}* — {describe(existing)} — {when}. Log it again?"),
        ActionsBlock(
            elements=[
                ButtonElement(text="Log it again", action_id=ids.DEAL_LOG_AGAIN, value=question.token, style="primary"),
                ButtonElement(text="Cancel", action_id=ids.DEAL_CANCEL, value=question.token),
            ]
        ),
    ]


def customer_question(question: CustomerUnclear) -> list[Block]:
    name = escape(question.request.customer)
    buttons = [
        ButtonElement(text=suggestion[:70], action_id=f"{ids.DEAL_PICK_CUSTOMER}_{i}", value=f"{question.token}:{i}")
        for i, suggestion in enumerate(question.suggestions)
    ]
    buttons.append(
        ButtonElement(
            text=f"“{question.request.customer[:40]}” is new", action_id=ids.DEAL_NEW_CUSTOMER, value=question.token
        )
    )
    buttons.append(ButtonElement(text="Cancel", action_id=ids.DEAL_CANCEL, value=question.token))
    return [
        section(f":mag: No customer called *{name}* yet. Did you mean one of these?"),
        ActionsBlock(elements=buttons),
    ]


def cancelled() -> list[Block]:
    return [section("OK, nothing was logged.")]


def already_answered() -> list[Block]:
    return [section("That question was already answered."), context("See your deals: `/deal list`")]


def win(record: DealRecord, reason: str) -> list[Block]:
    return [section(f":tada: {mention(record.owner_user_id)} closed {describe(record)} — {escape(reason)}!")]


def help_blocks(*, currency: str, products: list[str]) -> list[Block]:
    names = inline_list([escape(p) for p in products], limit=CONTEXT_TEXT_MAX - 40, more=" — see `/pacer rules`")
    product_hint = f"Product lines: {names}." if products else ""
    return [
        section(
            "*Log a deal* — `/deal &lt;amount&gt; &lt;customer&gt; [product:&lt;line&gt;] [stage:signed|paid] "
            "[date:YYYY-MM-DD] [note:&lt;text&gt;]`"
        ),
        context(
            "`/deal 12500 Acme Corp` · `/deal 12.5k Acme Corp stage:paid note:renewal` · `/deal` alone opens a form",
            f"Amounts are in {currency}: 12500, 12,500, 12 500, 12.5k, 1.2m, 1.2万.",
            product_hint or "No product lines are configured.",
        ),
        section("`/deal list` your recent deals · `/deal void D-12 &lt;reason&gt;` · `/deal paid D-12 [YYYY-MM-DD]`"),
    ]


def modal(*, products: list[str], today: date, metadata: dict[str, str]) -> View:
    blocks: list[Block] = [
        InputBlock(
            block_id="amount",
            label="Amount",
            hint="12500, 12.5k, $12,500 or 1.2万",
            element=PlainTextInputElement(action_id="value", placeholder="12500", max_length=40),
        ),
        InputBlock(
            block_id="customer",
            label="Customer",
            element=PlainTextInputElement(action_id="value", placeholder="Acme Corp", max_length=120),
        ),
    ]
    if products:
        blocks.append(
            InputBlock(
                block_id="product",
                label="Product line",
                optional=True,
                element=StaticSelectElement(
                    action_id="value",
                    placeholder="Choose a line",
                    options=[Option(text=p[:75], value=p[:75]) for p in products[:100]],
                ),
            )
        )
    signed, paid_option = Option(text="Signed", value="signed"), Option(text="Paid (prepayment received)", value="paid")
    blocks += [
        InputBlock(
            block_id="stage",
            label="Stage",
            element=RadioButtonsElement(action_id="value", options=[signed, paid_option], initial_option=signed),
        ),
        date_input(today),
        note_input(),
    ]
    return View(
        type="modal",
        callback_id=ids.DEAL_MODAL,
        title="Log a deal",
        submit="Log deal",
        close="Cancel",
        private_metadata=json.dumps(metadata),
        blocks=blocks,
    )


def result_view(blocks: Sequence[AnyBlock], *, title: str = "Deal") -> View:
    return View(type="modal", callback_id=ids.DEAL_RECEIPT, title=title, close="Done", blocks=blocks)
