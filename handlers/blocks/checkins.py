"""Block Kit of the check-in thread (see bot.services.checkins for the messages and their keys).

`CheckinMessages` implements `bot.services.checkins.Render`; handlers and jobs pass `MESSAGES` to the
check-in services. Every payload is {"text": plain fallback, "blocks": [...]}: user text is escaped in the
blocks here, and in the plain `text` by the outbox as the message leaves (never twice).

(Skeleton: each builder is filled in by the issue-10 work that owns it.)
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any, Literal

from slack_sdk.models.blocks import ActionsBlock, Block, ButtonElement, SectionBlock

from bot.services.checkin_open import Outcome as CheckinOutcome
from bot.services.checkin_open import TeamRow
from bot.services.checkins import CheckinView, EntryView, PlanItemView
from handlers import ids
from handlers.blocks import checkin_posts, plans
from handlers.blocks.common import (
    BUTTON_TEXT_MAX,
    CONTEXT_TEXT_MAX,
    MESSAGE_BLOCKS_MAX,
    SECTION_TEXT_MAX,
    as_dicts,
    clip,
    context,
    escape,
    listed,
    mention,
    section,
)
from handlers.blocks.scoring import bar, sources_text
from scoring.evaluations import MetricResult, Snapshot
from scoring.metrics import format_percent, format_value, plain_number
from scoring.money import Money, format_amount
from scoring.records import Source

#: the parent's status in plain words, from the check-in's progression
STATUS_WORDS = {
    "open": "Open: waiting for the self-review and the feedback",
    "self_review_in": "Self-review in: waiting for the manager's feedback",
    "feedback_in": "Feedback in: waiting for the rep to acknowledge",
    "acknowledged": "Acknowledged: the rep has read it",
    "closed": "Closed",
}
TARGET_FROM = {"goal": "goal set for them", "profile": "profile default"}


class _Shapes:
    """Block Kit shapes built once with `slack_sdk.models` and filled per message (as the daily nudge
    does): a close renders five payloads for each of 10,000 reps, where building and validating
    slack_sdk objects per message would dominate it. The dicts are the ones `as_dicts` makes."""

    def __init__(self) -> None:
        self.section = section("-").to_dict()
        self.context = context("-").to_dict()
        self.button = ButtonElement(text="-", action_id="-", value="-").to_dict()
        self.primary = ButtonElement(text="-", action_id="-", value="-", style="primary").to_dict()
        self.actions = ActionsBlock(
            block_id="-", elements=[ButtonElement(text="-", action_id="-", value="-")]
        ).to_dict()


_shapes: _Shapes | None = None


def _shape() -> _Shapes:
    global _shapes
    if _shapes is None:
        _shapes = _Shapes()
    return _shapes


def _section(text: str) -> dict[str, Any]:
    shape = _shape().section
    return {**shape, "text": {**shape["text"], "text": clip(text, SECTION_TEXT_MAX)}}


def _context(text: str) -> dict[str, Any]:
    shape = _shape().context
    return {**shape, "elements": [{**shape["elements"][0], "text": clip(text, CONTEXT_TEXT_MAX)}]}


def _button(label: str, action_id: str, value: str, *, primary: bool = False) -> dict[str, Any]:
    shape = _shape().primary if primary else _shape().button
    return {
        **shape,
        "text": {**shape["text"], "text": clip(label, BUTTON_TEXT_MAX)},
        "action_id": action_id,
        "value": value,
    }


def _actions(block_id: str, buttons: list[dict[str, Any]]) -> dict[str, Any]:
    return {**_shape().actions, "block_id": block_id, "elements": buttons}


def _listed(lines: list[str], *, room: int) -> list[dict[str, Any]]:
    """`listed` (the same packing into sections), as dicts."""
    return [
        _section(block.text.text) if isinstance(block, SectionBlock) and block.text is not None else block.to_dict()
        for block in listed(lines, room=room)
    ]


def _payload(text: str) -> dict[str, Any]:
    return {"text": text, "blocks": as_dicts([section(escape(text))])}


def status_words(checkin: CheckinView) -> str:
    """Where the check-in stands, in plain words (and what is still awaited)."""
    progression = checkin.evaluation.progression
    words = STATUS_WORDS[progression.status]
    if progression.status == "feedback_in" and "self_review_in" in progression.waiting_for:
        words = "Feedback in: the self-review is still awaited"
    return words


def points(value: Decimal) -> str:
    return f"{plain_number(value)} points"


def _headline_text(checkin: CheckinView) -> str:
    snap = checkin.snapshot
    return (
        f"Check-in: {snap.member.name}, {snap.period.label} — {points(snap.total)}, {snap.rating}"
        f"{_corrected(checkin)} — {checkin.evaluation.progression.label}"
    )


def _corrected(checkin: CheckinView) -> str:
    """After a correction (an upheld appeal), the version in force: " (version 2, corrected after close)"."""
    version = checkin.evaluation.version
    return f" (version {version}, corrected after close)" if version > 1 else ""


def _metric_line(line: MetricResult, currency: str) -> str:
    actual = format_value(line.unit, line.actual, currency=currency)
    if not line.has_data:
        actual += " (no data in the period)"
    parts = [f"*{escape(line.label)}* — actual {actual}"]
    if line.target is None:
        parts.append("no target set")
    else:
        target = format_value(line.unit, line.target, currency=currency)
        origin = TARGET_FROM.get(line.target_from or "", "profile default")
        parts.append(f"target {target} ({origin})")
    if line.attainment is not None:
        parts.append(f"`{bar(line.attainment)}` attainment {format_percent(line.attainment, places=0)}")
        if line.capped != line.attainment:
            parts.append(f"counted as {format_percent(line.capped, places=0)} (cap {format_percent(line.cap)})")
    parts.append(f"weight {plain_number(line.weight)} → *{points(line.points)}*")
    text = " · ".join(parts)
    if line.reason:
        text += f"\n_{escape(line.reason)}_"
    if line.sources:
        text += f"\n_{escape(line.records.capitalize())}: " + ", ".join(
            f"{n} {escape(_source_label(source))}" for source, n in sorted(line.sources.items())
        )
        text += "_"
    return text


def _source_label(source: str) -> str:
    """How a record's source reads ("from a slash command"), as `/progress` names it."""
    try:
        return Source(source).label
    except ValueError:
        return source


def _band_text(snap: Snapshot) -> str:
    bands = ", ".join(f"{escape(b.name)} ≥ {plain_number(b.minimum)}" for b in snap.scorecard.bands)
    return f"Rating bands: {bands} points"


def _rule_text(snap: Snapshot) -> str:
    rules = snap.rules
    text = f"A deal counted when it was {rules.recognition} (rules version {rules.version}"
    if rules.effective_from is not None:
        text += f", in force from {rules.effective_from.isoformat()}"
    text += ")."
    if rules.premium_lines:
        text += " Premium lines: " + ", ".join(escape(name) for name in rules.premium_lines) + "."
    return text


metric_line = _metric_line  # the appeal case shows the disputed lines as the scorecard does


class CheckinMessages:
    def headline(self, checkin: CheckinView) -> dict[str, Any]:
        """The parent: who, which period, the score, the rating and where the check-in stands."""
        snap = checkin.snapshot
        manager = f" with {mention(checkin.manager_user_id)}" if checkin.manager_user_id else ""
        blocks = [
            _section(
                f"*Check-in: {mention(checkin.rep_user_id)}{manager} — {escape(snap.period.label)}*\n"
                f"Score *{points(snap.total)}* · rating *{escape(snap.rating)}*{_corrected(checkin)}\n"
                f"Status: *{status_words(checkin)}*"
            ),
            _context(
                "The scorecard frozen at close and the next step are in this thread. Only you two and Pacer "
                "are in this conversation."
            ),
        ]
        return {"text": _headline_text(checkin), "blocks": blocks}

    def scorecard(self, checkin: CheckinView) -> dict[str, Any]:
        """The frozen snapshot explained line by line, as `/progress` explained it at close."""
        snap = checkin.snapshot
        currency = snap.currency
        frozen_on = checkin_posts.when(checkin.evaluation.created_at)  # in each reader's own zone
        blocks = [
            _section(
                f"*Scorecard of {escape(snap.member.name)} for {escape(snap.period.label)}* "
                f"({escape(snap.scorecard.profile)} profile) — frozen at close on {frozen_on}"
            )
        ]
        lines = [_metric_line(line, currency) for line in snap.lines]
        lines.append(f"*Total: {points(snap.total)}* → rating *{escape(snap.rating)}*")
        if snap.missing_targets:
            lines.append("_No target was set for " + ", ".join(escape(m) for m in snap.missing_targets) + "._")
        payout = snap.payout
        pay = [f"*Estimated payout: {format_amount(Money(payout.total, currency))}*"]
        pay += [f"• {escape(line.label)}: {format_amount(Money(line.amount, currency))}" for line in payout.lines]
        if payout.notes:
            pay.append("_" + " ".join(escape(note) for note in payout.notes) + "_")
        tail = [
            _band_text(snap),
            _rule_text(snap),
            sources_text(snap.sources),
            f"Frozen at close on {frozen_on}: later deals, voids or goal changes never change these figures.",
        ]
        room = MESSAGE_BLOCKS_MAX - len(blocks) - 1
        blocks += _listed([*lines, *pay], room=room)
        blocks.append(_context(" · ".join(tail)))
        text = f"Scorecard of {snap.member.name} for {snap.period.label}: {points(snap.total)}, {snap.rating}"
        return {"text": text, "blocks": blocks}

    def next_step(self, checkin: CheckinView) -> dict[str, Any]:
        """What is awaited from whom, with the buttons for it (none once acknowledged)."""
        rep, manager = mention(checkin.rep_user_id), mention(checkin.manager_user_id or "")
        appeal = self._appeal(checkin)
        if checkin.evaluation.progression.status == "closed":
            text = "This check-in is closed: it was acknowledged and its appeal window has ended."
            blocks = [_section(text)]
            if checkin.appeal_number is not None:
                blocks.append(_context(self._appeal_note(checkin)))
            return {"text": text, "blocks": blocks}
        if checkin.acknowledged:
            text = "This check-in is acknowledged: nothing more is awaited."
            blocks = [_section(text)]
            if checkin.appeal_number is None and checkin.opened_at is not None:
                blocks.append(_actions("checkin_next", [appeal]))
            if checkin.appeal_number is not None or checkin.opened_at is not None:
                blocks.append(_context(self._appeal_note(checkin)))
            return {"text": text, "blocks": blocks}
        awaited = []
        if checkin.self_review is None:
            awaited.append(f"• {rep}: your self-review (wins, challenges, support needed, a self-rating)")
        if checkin.feedback is None:
            awaited.append(f"• {manager}: your feedback and an improvement plan")
        if checkin.feedback is not None:
            awaited.append(f"• {rep}: read the feedback and acknowledge it (\u201cI have read this\u201d)")
        value = str(checkin.id)
        buttons = [
            _button(
                "Edit self-review" if checkin.self_review else "Write self-review",
                ids.CHECKIN_SELF_REVIEW,
                value,
                primary=checkin.self_review is None,
            ),
            _button("Edit feedback" if checkin.feedback else "Write feedback", ids.CHECKIN_FEEDBACK, value),
        ]
        if checkin.feedback is not None:
            buttons.append(_button("Acknowledge", ids.CHECKIN_ACKNOWLEDGE, value, primary=True))
        # The Appeal slot: the rep's Appeal button (the appeal form, this evaluation preselected) while no
        # appeal stands; once one is filed, its number instead. The window is checked when it is clicked.
        if checkin.appeal_number is None and checkin.opened_at is not None:
            buttons.append(appeal)
        blocks = [
            _section("*Next step*\n" + "\n".join(awaited)),
            _actions("checkin_next", buttons),
            _context(
                "Self-review: the rep only · feedback: the manager only · either can be edited until acknowledged."
                + " · "
                + self._appeal_note(checkin)
            ),
        ]
        plain = f"Next step for the {checkin.period_label} check-in: " + status_words(checkin)
        return {"text": plain, "blocks": blocks}

    @staticmethod
    def _appeal(checkin: CheckinView) -> dict[str, Any]:
        return _button("Appeal", ids.CHECKIN_APPEAL, str(checkin.id))

    @staticmethod
    def _appeal_note(checkin: CheckinView) -> str:
        if checkin.appeal_number is not None:
            state = "open" if checkin.appeal_open else "decided"
            return f"Appeal {checkin.appeal_number}: {state} (`/appeal status`)"
        return "Appeal: the rep only, within the appeal window after the opening"

    def reminder(self, checkin: CheckinView, step: Literal["self_review", "feedback"]) -> dict[str, Any]:
        """A DM to whoever still owes a step, with the button to do it there."""
        snap = checkin.snapshot
        if step == "self_review":
            text = (
                f"Reminder: your self-review for the {snap.period.label} check-in is still to write; "
                "your manager reads it before giving feedback."
            )
            button = _button("Write self-review", ids.CHECKIN_SELF_REVIEW, str(checkin.id), primary=True)
        else:
            text = (
                f"Reminder: {snap.member.name}'s {snap.period.label} check-in is waiting for your feedback "
                "and improvement plan."
            )
            button = _button("Write feedback", ids.CHECKIN_FEEDBACK, str(checkin.id), primary=True)
        blocks = [
            _section(escape(text)),
            _actions("checkin_reminder", [button]),
            _context(f"Score {points(snap.total)} · rating {escape(snap.rating)} — the thread is in your group DM."),
        ]
        return {"text": text, "blocks": blocks}

    def entry(self, checkin: CheckinView, entry: EntryView) -> dict[str, Any]:
        return checkin_posts.entry_post(checkin, entry)

    def plan_review(self, checkin: CheckinView, items: Sequence[PlanItemView]) -> dict[str, Any]:
        return plans.plan_review(items, currency=checkin.snapshot.currency)

    def acknowledged(self, checkin: CheckinView) -> dict[str, Any]:
        return checkin_posts.acknowledged_post(checkin)


MESSAGES = CheckinMessages()


# --- /checkin answers ----------------------------------------------------------------------------------

HELP = (
    "*/checkin* opens an evaluation check-in: a private group DM of the rep, their manager and Pacer, with the "
    "frozen scorecard and the next steps in one thread.\n"
    "• `/checkin @dana` — Dana's latest ended period (a month, or a quarter for quarterly profiles)\n"
    "• `/checkin @dana last-month` · `/checkin @dana 2026-10` · `/checkin @fay 2026-Q3` — a given ended period\n"
    "• `/checkin team` · `/checkin team last-quarter` — every rep who reports to you\n"
    "Only a rep's own manager (or an admin) opens it; a second `/checkin` links to the thread already open. "
    "Check-ins also open by themselves when a period closes."
)


def opening_text(name: str, period_label: str) -> str:
    return f"Opening the check-in of {name} for {period_label}…"


def _status_of(outcome: CheckinOutcome) -> str:
    return status_words(outcome.checkin) if outcome.checkin is not None else ""


def outcome_line(outcome: CheckinOutcome, link: str | None) -> str:
    """One rep's line in a `/checkin` answer: opened, already open (with its link) or skipped (why)."""
    who = f"{mention(outcome.user_id)} — {escape(outcome.period_label)}"
    if outcome.result == "skipped":
        return f"• {who}: skipped — {escape(outcome.reason or '')}"
    where = f"<{link}|open the thread>" if link else _not_posted(outcome)
    score = ""
    if outcome.checkin is not None:
        snap = outcome.checkin.snapshot
        score = f" {points(snap.total)}, {escape(snap.rating)} · {_status_of(outcome)} ·"
    verb = "opened" if outcome.result == "opened" else "already open"
    return f"• {who}: {verb} ·{score} {where}"


def _not_posted(outcome: CheckinOutcome) -> str:
    manager = outcome.checkin.manager_user_id if outcome.checkin is not None else None
    return f"being posted to the group DM of {mention(outcome.user_id)} and {mention(manager or '')}"


def outcomes(results: list[tuple[CheckinOutcome, str | None]]) -> tuple[list[Block], str]:
    """The answer to `/checkin @member` or `/checkin team`: opened N, already open M (links), skipped."""
    opened = [r for r in results if r[0].result == "opened"]
    already = [r for r in results if r[0].result == "open"]
    skipped = [r for r in results if r[0].result == "skipped"]
    if len(results) == 1:
        outcome, link = results[0]
        if outcome.result == "opened":
            head = f"Check-in opened for {outcome.name}, {outcome.period_label}."
        elif outcome.result == "open":
            head = f"{outcome.name}'s {outcome.period_label} check-in is already open: no second one is made."
        else:
            head = f"No check-in for {outcome.name}."
    else:
        head = f"Check-ins: {len(opened)} opened, {len(already)} already open, {len(skipped)} skipped."
    lines = [outcome_line(o, link) for o, link in [*opened, *already, *skipped]]
    blocks: list[Block] = [section(clip(f"*{escape(head)}*", SECTION_TEXT_MAX))]
    blocks += listed(lines or ["• You have no direct reports in Pacer."], room=MESSAGE_BLOCKS_MAX - 2)
    blocks.append(context("The thread holds the frozen scorecard and the next step; reminders follow if a step waits."))
    return blocks, head


def help_blocks(rows: list[TeamRow]) -> list[Block]:
    """`/checkin help`: how it works, and the caller's reports' check-ins for their latest ended period."""
    blocks: list[Block] = [section(HELP)]
    if rows:
        lines = []
        for row in rows:
            who = f"• {mention(row.user_id)} — {escape(row.period_label)}: "
            if row.checkin is None:
                lines.append(who + "not frozen yet · `/checkin` opens it")
            elif row.checkin.key is None:
                lines.append(who + f"frozen ({points(row.checkin.snapshot.total)}), no check-in yet")
            else:
                snap = row.checkin.snapshot
                lines.append(who + f"{points(snap.total)}, {escape(snap.rating)} · {status_words(row.checkin)}")
        blocks += listed(lines, room=MESSAGE_BLOCKS_MAX - 2, heading="*Your team's latest check-ins*")
    return blocks


def no_reports() -> tuple[list[Block], str]:
    text = "No one reports to you in Pacer, so there is no team check-in to open. `/checkin @dana` opens one rep's."
    return [section(text)], text
