"""Block Kit for improvement plans: the open items (in `/progress`, the Home tab and the digest) and the
review of the last plan posted in the next check-in's thread (`checkin:<id>:plan-review`).

The manager typed each item's wording: it is escaped here, in the blocks and the fallback text alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from slack_sdk.models.blocks import Block

from bot.services.checkins import PlanItemView
from bot.services.plans import OpenItem
from handlers.blocks.common import as_dicts, clip, context, escape, listed, more_context, section
from scoring.metrics import METRICS, format_percent, format_value, plain_number
from scoring.plans import Outcome, State

ACTION_CHARS = 200  # an item's wording as shown in a list (the full text is in the check-in thread)
STATE_ICONS: dict[State, str] = {"overdue": ":rotating_light:", "due soon": ":alarm_clock:", "open": ":dart:"}
OUTCOME_WORDS: dict[Outcome, tuple[str, str]] = {
    "met": (":white_check_mark:", "met"),
    "missed": (":x:", "missed"),
    "reported": (":speech_balloon:", "no metric: say how it went in this thread"),
}
PLAN_ROOM = 3  # sections for the open items in `/progress`
REVIEW_ROOM = 20


def short_day(value: date) -> str:
    return value.strftime("%a %d %b")


def _value(metric: str, value: Decimal, currency: str) -> str:
    spec = METRICS.get(metric)
    return format_value(spec.unit, value, currency=currency) if spec is not None else plain_number(value)


def _label(metric: str) -> str:
    spec = METRICS.get(metric)
    return spec.label if spec is not None else escape(metric)


def action_text(action: str, limit: int = ACTION_CHARS) -> str:
    """The manager's wording, escaped, on one line and at most `limit` characters."""
    return escape(clip(" ".join(action.split()), limit))


def when(item: OpenItem) -> str:
    """`overdue since Fri 20 Nov`, `due today`, `due Fri 27 Nov`."""
    if item.state == "overdue":
        return f"overdue since {short_day(item.due)}"
    if item.due == item.today:
        return "due today"
    return f"due {short_day(item.due)}"


def progress_text(item: OpenItem, *, currency: str) -> str:
    """`Demos 5 of 10 (50 %)`, `target reached`; empty for an item without a metric."""
    if item.metric is None or item.target is None:
        return ""
    progress = item.progress
    actual = progress.actual if progress is not None else Decimal(0)
    text = (
        f"{_label(item.metric)} {_value(item.metric, actual, currency)} of {_value(item.metric, item.target, currency)}"
    )
    fraction = progress.fraction if progress is not None else None
    if progress is not None and progress.reached:
        return f"{text} · target reached"
    if fraction is not None:
        text += f" ({format_percent(fraction, places=0)})"
    return text


def open_item_line(item: OpenItem, *, currency: str) -> str:
    """`:alarm_clock: *Book 10 demos* — due Fri 27 Nov · Demos 5 of 10 (50 %)`."""
    parts = [f"{STATE_ICONS[item.state]} *{action_text(item.action)}* — {when(item)}"]
    measured = progress_text(item, currency=currency)
    if measured:
        parts.append(measured)
    return " · ".join(parts)


def open_items_blocks(
    items: Sequence[OpenItem], *, currency: str, room: int = PLAN_ROOM, heading: str = "*Improvement plan*"
) -> list[Block]:
    """The open items under a heading, most urgent first, in at most `room` blocks; nothing without items."""
    if not items or room <= 0:
        return []
    lines = [open_item_line(item, currency=currency) for item in items]
    return listed(lines, room=room, heading=heading, more=lambda _, hidden: more_context(hidden, "`/progress`"))


def summary(items: Sequence[OpenItem]) -> str:
    """`3 plan items (1 overdue, 1 due soon)`."""
    overdue = sum(1 for item in items if item.state == "overdue")
    soon = sum(1 for item in items if item.state == "due soon")
    flags = [f"{n} {state}" for n, state in ((overdue, "overdue"), (soon, "due soon")) if n]
    noun = "plan item" if len(items) == 1 else "plan items"
    return f"{len(items)} {noun}" + (f" ({', '.join(flags)})" if flags else "")


# --- the review at the next check-in -----------------------------------------------------------------


def review_line(item: PlanItemView, *, currency: str) -> str:
    """`:x: *1. Book 10 demos* (due Fri 27 Nov) — Demos 5 against a target of 10: missed`."""
    outcome: Outcome = item.outcome if item.outcome in OUTCOME_WORDS else "reported"
    icon, word = OUTCOME_WORDS[outcome]
    head = f"{icon} *{item.position}. {action_text(item.action)}* (due {short_day(item.due)})"
    if item.metric is not None and item.target is not None and item.outcome_actual is not None:
        actual = _value(item.metric, item.outcome_actual, currency)
        target = _value(item.metric, item.target, currency)
        return f"{head} — {_label(item.metric)} {actual} against a target of {target}: *{word}*"
    if item.metric is not None and item.target is not None:
        return f"{head} — {_label(item.metric)}: no figure to measure it by, *{OUTCOME_WORDS['reported'][1]}*"
    return f"{head} — {word}"


def plan_review(items: Sequence[PlanItemView], *, currency: str) -> dict[str, Any]:
    """The reply `checkin:<id>:plan-review`: each item of the last plan with its outcome, as a
    `chat.postMessage` payload ({"text", "blocks"})."""
    counts = {outcome: sum(1 for item in items if item.outcome == outcome) for outcome in OUTCOME_WORDS}
    tally = ", ".join(f"{n} {outcome}" for outcome, n in counts.items() if n) or "no items"
    if not items:
        blocks: list[Block] = [section("*The last improvement plan*\nThere was no plan to review.")]
        return {"text": "The last improvement plan: there was no plan to review.", "blocks": as_dicts(blocks)}
    lines = [review_line(item, currency=currency) for item in items]
    blocks = listed(lines, room=REVIEW_ROOM - 1, heading="*How the last improvement plan went*", more=None)
    blocks.append(context("Measured from the records: a metric's actual for this period against the item's target."))
    first = clip(" ".join(items[0].action.split()), 80)
    text = f"The last improvement plan: {tally}. First item: {first}"
    return {"text": escape(text), "blocks": as_dicts(blocks)}
