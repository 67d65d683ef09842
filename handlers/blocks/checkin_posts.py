"""Block Kit of the check-in thread's posts: a self-review or feedback (edited ones say so, with when) and
the rep's acknowledgement. `handlers.blocks.checkins.CheckinMessages.entry` / `.acknowledged` call these.

Every text the rep or the manager typed is escaped, in the blocks and in the plain `text` fallback; a
long field is split over sections (Slack takes 3,000 characters a section) rather than cut.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from slack_sdk.models.blocks import Block

from bot.services.checkins import CheckinView, EntryView
from handlers.blocks.common import PACK_TO, as_dicts, context, escape, mention, section, slack_len
from scoring.metrics import format_value


def when(moment: datetime) -> str:
    """A time every reader sees in their own time zone (Slack's date token), UTC as the fallback."""
    fallback = f"{moment:%d %b %Y %H:%M} UTC"
    return f"<!date^{int(moment.timestamp())}^{{date_short_pretty}} at {{time}}|{fallback}>"


def _pieces(text: str) -> list[str]:
    """Escaped `text` in parts that each fit a section."""
    return _split(escape(text))


def _split(escaped: str) -> list[str]:
    """Already escaped text in section-sized parts, cut at a line end or a space where possible and never
    inside an escape (`&lt;`)."""
    parts: list[str] = []
    while slack_len(escaped) > PACK_TO:
        cut = PACK_TO
        while slack_len(escaped[:cut]) > PACK_TO:
            cut -= 1
        for mark in ("\n", " "):
            at = escaped.rfind(mark, PACK_TO // 2, cut)
            if at > 0:
                cut = at
                break
        if escaped.rfind("&", 0, cut) > escaped.rfind(";", 0, cut):
            cut = escaped.rfind("&", 0, cut)
        parts.append(escaped[:cut])
        escaped = escaped[cut:].lstrip(" ")
    parts.append(escaped)
    return parts


def _field(label: str, text: str) -> list[Block]:
    pieces = _pieces(text)
    first = f"*{label}*\n{pieces[0]}"
    if slack_len(first) > PACK_TO + 100:  # the label pushes a full piece over: give it its own section
        return [section(f"*{label}*"), *(section(piece) for piece in pieces)]
    return [section(first), *(section(piece) for piece in pieces[1:])]


def _stamp(checkin: CheckinView, entry: EntryView, what: str) -> tuple[str, str]:
    """The post's heading in mrkdwn and in plain text: who, what, and — for v > 1 — edited when."""
    who = mention(entry.author_user_id)
    heading = f"*{what}* by {who} — {escape(checkin.period_label)}"
    plain = f"{what} by {checkin.rep_name if entry.kind == 'self_review' else _author(checkin, entry)}"
    plain += f" — {checkin.period_label}"
    if entry.edited:
        heading += f" · _edited {when(entry.created_at)} (version {entry.version})_"
        plain += f" (edited {entry.created_at:%d %b %Y %H:%M} UTC, version {entry.version})"
    return heading, plain


def _author(checkin: CheckinView, entry: EntryView) -> str:
    return "the manager" if entry.author_user_id == checkin.manager_user_id else "an admin"


def _target(checkin: CheckinView, metric: str | None, target: Any) -> str:
    if not metric:
        return ""
    line = checkin.snapshot.line(metric)
    label = line.label if line else metric
    try:
        value = Decimal(str(target)) if target is not None else None
    except InvalidOperation:
        value = None
    if value is None or line is None:
        return f" — {escape(label)}"
    shown = format_value(line.unit, value, currency=checkin.snapshot.currency)
    return f" — {escape(label)}: target {escape(shown)}"


def _due(text: Any) -> str:
    try:
        return f"due {date.fromisoformat(str(text)):%a %d %b %Y}"
    except ValueError:
        return ""


def entry_post(checkin: CheckinView, entry: EntryView) -> dict[str, Any]:
    content = entry.content
    if entry.kind == "self_review":
        heading, plain = _stamp(checkin, entry, "Self-review")
        blocks: list[Block] = [section(heading)]
        blocks += _field("Wins", str(content.get("wins") or ""))
        blocks += _field("Challenges", str(content.get("challenges") or ""))
        if content.get("support"):
            blocks += _field("Support needed", str(content["support"]))
        rating = str(content.get("rating") or "")
        blocks.append(section(f"*Self-rating:* {escape(rating)}"))
        plain += f" — self-rating {rating}"
    else:
        heading, plain = _stamp(checkin, entry, "Feedback")
        blocks = [section(heading)]
        blocks += _field("Strengths", str(content.get("strengths") or ""))
        blocks += _field("Areas to improve", str(content.get("improve") or ""))
        items = list(content.get("plan") or [])
        blocks.append(section(f"*Improvement plan* ({len(items)} item{'s' if len(items) != 1 else ''})"))
        for position, item in enumerate(items, start=1):
            line = f"{position}. {escape(str(item.get('action') or ''))}"
            line += _target(checkin, item.get("metric"), item.get("target"))
            due = _due(item.get("due"))
            blocks += [section(piece) for piece in _split(line + (f" — {due}" if due else ""))]
        plain += f" — improvement plan of {len(items)} item{'s' if len(items) != 1 else ''}"
    blocks.append(context("Reply in this thread to discuss it; replies are kept with the evaluation."))
    return {"text": escape(plain), "blocks": as_dicts(blocks)}


def acknowledged_post(checkin: CheckinView) -> dict[str, Any]:
    at = next((step.at for step in checkin.evaluation.progression.steps if step.status == "acknowledged"), None)
    stamp = f" {when(at)}" if at else ""
    text = (
        f":white_check_mark: {mention(checkin.rep_user_id)} has read this check-in for "
        f"{escape(checkin.period_label)}{stamp}. Acknowledging means they have read it, not that they agree. "
        "The self-review and feedback can no longer be edited; replies in the thread are still kept."
    )
    plain = f"{checkin.rep_name} has read the check-in for {checkin.period_label} (read, not necessarily agreed)"
    return {"text": escape(plain), "blocks": as_dicts([section(text)])}
