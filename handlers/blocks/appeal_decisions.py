"""Block Kit of an appeal's decision: the decision form, the outcome messages (rep, manager, check-in
thread), the case message rewritten once decided or reassigned, a compact case for a new reviewer and
their moved due-soon reminder, and the answers to `/pacer appeal reassign`.

`DecisionMessages` implements `bot.services.appeal_decisions.Render` (its methods can be folded into the
shared appeal renderer of `handlers.blocks.appeals`). Payloads are {"text": plain, "blocks": [...]}: user
text is escaped in the blocks here; the plain `text` is escaped by the outbox as the message leaves.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from slack_sdk.models.blocks import (
    Block,
    InputBlock,
    Option,
    PlainTextInputElement,
    RadioButtonsElement,
)
from slack_sdk.models.views import View

from bot.services.appeal_decisions import Case, Decided, Reassigned, Recipient
from bot.services.appeals import CaseContext
from bot.services.evaluations import VersionView
from handlers import ids
from handlers.blocks import appeals
from handlers.blocks.common import SECTION_TEXT_MAX, as_dicts, clip, context, escape, mention, section
from scoring.appeal_decisions import (
    CORRECTED_MAX,
    DECISION_FIELD,
    OUTCOMES,
    RATIONALE_FIELD,
    RATIONALE_MAX,
    RATIONALE_MIN,
    corrected_field,
)
from scoring.evaluations import MetricResult, Snapshot
from scoring.goal_values import value_example
from scoring.metrics import format_value, plain_number

OUTCOME_HINTS = {
    "upheld": "Upheld — the rep is right: correct the disputed figures",
    "partly_upheld": "Partly upheld — correct some of the figures",
    "rejected": "Rejected — the evaluation stands as it is",
}


def points(value: Decimal) -> str:
    return f"{plain_number(value)} points"


def _day(moment: datetime) -> str:
    return f"{moment:%a %d %b %Y}"


def _value(line: MetricResult, value: Decimal, currency: str) -> str:
    return format_value(line.unit, value, currency=currency)


def _line(case: Case, line: MetricResult) -> str:
    """A disputed line: frozen actual, target, points, and the value the rep asked for."""
    currency = case.snapshot.currency
    parts = [f"*{escape(line.label)}* — actual {_value(line, line.actual, currency)}"]
    parts.append("no target" if line.target is None else f"target {_value(line, line.target, currency)}")
    parts.append(points(line.points))
    requested = case.appeal.requested.get(line.metric)
    if requested is not None:
        parts.append(f"requested *{_value(line, requested, currency)}*")
    return "• " + " · ".join(parts)


def _disputed(case: Case) -> list[str]:
    lines = (case.snapshot.line(metric) for metric in case.appeal.metrics)
    return [_line(case, line) for line in lines if line is not None]


def _text_section(label: str, text: str) -> Block:
    return section(clip(f"*{label}*\n{escape(text)}", SECTION_TEXT_MAX))


def _about(case: Case) -> str:
    appeal = case.appeal
    return (
        f"Appeal {appeal.number} by {mention(appeal.appellant_user_id)} — {escape(case.period_label)}, "
        f"version {appeal.evaluation_version}: {points(case.snapshot.total)}, {escape(case.snapshot.rating)}"
    )


def _case_blocks(case: Case) -> list[Block]:
    appeal = case.appeal
    blocks: list[Block] = [
        section(clip("*Disputed lines*\n" + "\n".join(_disputed(case)), SECTION_TEXT_MAX)),
        _text_section("Reason", appeal.reason),
    ]
    if appeal.evidence:
        blocks.append(_text_section("Evidence", appeal.evidence))
    return blocks


# --- the decision form --------------------------------------------------------------------------------


def metadata(appeal_id: int) -> str:
    return json.dumps({"appeal": appeal_id})


def parse_metadata(raw: str) -> int:
    """The appeal id in the form's private_metadata (ValueError for anything else)."""
    data = json.loads(raw)
    if not isinstance(data, dict) or not isinstance(data.get("appeal"), int) or data["appeal"] < 1:
        raise ValueError("private_metadata is not {'appeal': id}")
    return int(data["appeal"])


def decision_modal(case: Case) -> View:
    """The decision: the case summary, upheld / partly upheld / rejected, the rationale, and a corrected
    actual per disputed metric (read in the metric's unit)."""
    appeal = case.appeal
    options = [Option(text=OUTCOME_HINTS[o], value=o) for o in OUTCOMES]
    blocks: list[Block] = [
        context(_about(case) + f" · due {_day(appeal.due_at)}"),
        *_case_blocks(case),
        InputBlock(
            block_id=DECISION_FIELD,
            label="Decision",
            element=RadioButtonsElement(action_id="value", options=options),
        ),
        InputBlock(
            block_id=RATIONALE_FIELD,
            label="Rationale",
            hint=f"The rep, the manager and the check-in thread read it ({RATIONALE_MIN}-{RATIONALE_MAX} characters)",
            element=PlainTextInputElement(
                action_id="value", multiline=True, min_length=RATIONALE_MIN, max_length=RATIONALE_MAX
            ),
        ),
    ]
    currency = case.snapshot.currency
    for metric in appeal.metrics:
        line = case.snapshot.line(metric)
        if line is None:
            continue
        blocks.append(
            InputBlock(
                block_id=corrected_field(metric),
                label=clip(f"Corrected {line.label}", 150),
                optional=True,
                hint=clip(
                    f"Frozen actual {_value(line, line.actual, currency)}. When upheld, the corrected actual in "
                    f"the metric's unit (e.g. {value_example(line.unit)}); empty when rejected.",
                    150,
                ),
                element=PlainTextInputElement(action_id="value", max_length=CORRECTED_MAX),
            )
        )
    blocks.append(context("A decision is final: an upheld one re-scores the evaluation as a new version."))
    return View(
        type="modal",
        callback_id=ids.DECISION_MODAL,
        title=clip(f"Decide {appeal.number}", 24),
        submit="Decide",
        close="Cancel",
        private_metadata=metadata(appeal.id),
        blocks=blocks,
    )


def done_view(text: str) -> View:
    return View(type="modal", title="Appeal decision", close="Done", blocks=[section(escape(text))])


def decided_text(decided: Decided) -> str:
    """What the form says once the decision is recorded."""
    appeal = decided.appeal
    text = f"Recorded: {appeal.number} {decided.label.lower()}."
    if appeal.result_version is not None:
        text += (
            f" The evaluation is re-scored as version {appeal.result_version}: "
            f"{points(decided.before.total)} → {points(decided.after.total)}."
        )
    return text + " The rep, the manager and the check-in thread are being told."


def already_text(appeal_number: str) -> str:
    return f"Already recorded: {appeal_number} was decided by your first submit; nothing else changed."


# --- the outcome --------------------------------------------------------------------------------------


def versions_line(versions: Sequence[VersionView]) -> str:
    """`v1 84.5 points (frozen at close, superseded) → v2 91.25 points (appeal AP-3 upheld, in force)`."""
    shown = [
        f"v{v.version} {points(v.snapshot.total)} ({escape(v.reason)}, {'superseded' if v.superseded else 'in force'})"
        for v in versions
    ]
    return "Versions: " + " → ".join(shown)


def _corrections(before: Snapshot, after: Snapshot) -> list[str]:
    lines = []
    for line in after.lines:
        old = before.line(line.metric)
        if old is not None and old.actual != line.actual:
            lines.append(
                f"• {escape(line.label)}: {_value(line, old.actual, after.currency)} → "
                f"*{_value(line, line.actual, after.currency)}* ({points(old.points)} → {points(line.points)})"
            )
    return lines


def _score(decided: Decided) -> str:
    before, after = decided.before, decided.after
    if decided.appeal.result_version is None:
        return f"Score unchanged: *{points(before.total)}* · rating *{escape(before.rating)}*"
    return (
        f"Score {points(before.total)} → *{points(after.total)}* · "
        f"rating {escape(before.rating)} → *{escape(after.rating)}*"
    )


def decided_payload(decided: Decided, to: Recipient) -> dict[str, Any]:
    """The outcome for the rep, the manager or the check-in thread: decision, score and rating before →
    after, the corrected lines, the rationale and the evaluation's versions."""
    appeal, case = decided.appeal, decided.case
    label = decided.label.lower()
    by = mention(appeal.decided_by or "")
    heading = {
        "rep": f"*Your appeal {appeal.number} ({escape(case.period_label)}) was {label}* by {by}",
        "manager": (
            f"*The appeal {appeal.number} by {mention(appeal.appellant_user_id)} on your evaluation "
            f"({escape(case.period_label)}) was {label}* by {by}"
        ),
        "thread": f"*Appeal {appeal.number} decided: {label}* by {by}",
    }[to]
    blocks: list[Block] = [section(heading), section(_score(decided))]
    corrected = _corrections(decided.before, decided.after)
    if corrected:
        blocks.append(section(clip("*Corrected*\n" + "\n".join(corrected), SECTION_TEXT_MAX)))
    blocks.append(_text_section("Rationale", appeal.rationale or ""))
    blocks.append(context(clip(versions_line(decided.versions), 2000)))
    if decided.appeal.result_version is not None:
        blocks.append(
            context("The decision is final. The payout estimate stays as frozen; payouts are settled separately.")
        )
    else:
        blocks.append(context("The decision is final; the evaluation stands as frozen."))
    before, after = decided.before, decided.after
    if appeal.result_version is None:
        score = f"score unchanged at {points(before.total)} ({before.rating})"
    else:
        score = f"{points(before.total)} → {points(after.total)} ({before.rating} → {after.rating})"
    plain = f"Appeal {appeal.number} ({case.period_label}, {case.rep_name}) {label}: {score}"
    return {"text": plain, "blocks": as_dicts(blocks)}


def case_decided_payload(decided: Decided) -> dict[str, Any]:
    """A case message once decided: what was decided, by whom — and no Decide button."""
    appeal = decided.appeal
    when = _day(appeal.decided_at) if appeal.decided_at else ""
    blocks: list[Block] = [
        section(
            f"*Appeal {appeal.number} — decided: {decided.label.lower()}* "
            f"by {mention(appeal.decided_by or '')} on {when}"
        ),
        context(_about(decided.case)),
        section(_score(decided)),
        context("Decided: nothing more to do here."),
    ]
    return {"text": f"Appeal {appeal.number} decided: {decided.label.lower()}", "blocks": as_dicts(blocks)}


# --- reassignment -------------------------------------------------------------------------------------


def reassigned_reply(done: Reassigned) -> tuple[list[Block], str]:
    """The answer to `/pacer appeal reassign`."""
    appeal = done.appeal
    before = mention(done.previous) if done.previous else "the admins"
    text = (
        f"{appeal.number} is now {mention(done.reviewer)}'s to decide (was {before}). "
        f"The due date is unchanged: {_day(appeal.due_at)}."
    )
    text += " Their reminder before it moved with the case." if done.reminder_moved else ""
    plain = f"{appeal.number} reassigned; the due date is unchanged ({_day(appeal.due_at)})."
    return [section(text), context("The new reviewer gets the case by DM; the previous one is told.")], plain


def case_reassigned_payload(case: Case, *, reviewer: str) -> dict[str, Any]:
    appeal = case.appeal
    blocks: list[Block] = [
        section(
            f"*Appeal {appeal.number}* was reassigned to {mention(reviewer)} by an admin: nothing more for you to do."
        ),
        context(_about(case)),
    ]
    return {"text": f"Appeal {appeal.number} was reassigned", "blocks": as_dicts(blocks)}


class DecisionMessages:
    def decided(self, decided: Decided, to: Recipient) -> dict[str, Any]:
        return decided_payload(decided, to)

    def case_decided(self, decided: Decided) -> dict[str, Any]:
        return case_decided_payload(decided)

    def case(self, case: Case, context: CaseContext) -> dict[str, Any]:
        return appeals.MESSAGES.case(case.appeal, context)  # the full case, as filing sends it

    def case_reassigned(self, case: Case, *, reviewer: str) -> dict[str, Any]:
        return case_reassigned_payload(case, reviewer=reviewer)

    def due_soon(self, case: Case, context: CaseContext) -> dict[str, Any]:
        return appeals.MESSAGES.due_soon(case.appeal, context)


MESSAGES = DecisionMessages()

REASSIGN_HELP = "/pacer appeal reassign AP-1 @lee"
