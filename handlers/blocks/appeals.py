"""Block Kit of appeals: the appeal form, `/appeal status` and help, and the appeal messages.

`AppealMessages` implements `bot.services.appeals.Render` (the filing's messages here; the decision's in
`handlers.blocks.appeal_decisions`); handlers and jobs pass `MESSAGES`. Every payload is {"text": plain
fallback, "blocks": [...]}: user text (the reason, the evidence, comments) is escaped in the blocks here,
and the plain `text` carries none of it.

The form: the evaluation (a select that dispatches its choice, so the form is redrawn with that
evaluation's lines — `handlers.appeals.evaluation_picked`), the disputed lines (a multi-select of the
chosen evaluation's metrics), the reason, the evidence, and one optional requested value per metric.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    InputBlock,
    Option,
    PlainTextInputElement,
    SectionBlock,
    StaticMultiSelectElement,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot.services.appeal_filing import Appealable, FormChoice, StatusRow
from bot.services.appeals import AppealView, CaseContext
from handlers import ids
from handlers.blocks.checkin_posts import _field, when
from handlers.blocks.checkins import metric_line, points
from handlers.blocks.common import (
    MESSAGE_BLOCKS_MAX,
    as_dicts,
    clip,
    escape,
    listed,
    mention,
    section,
)
from handlers.blocks.common import context as note
from scoring.appeals import (
    EVALUATION_FIELD,
    EVIDENCE_FIELD,
    EVIDENCE_MAX,
    LINES_FIELD,
    REASON_FIELD,
    REASON_MAX,
    REASON_MIN,
    REQUESTED_MAX,
    requested_field,
)
from scoring.goal_values import value_example, value_shape
from scoring.metrics import format_value, plain_number

Values = Mapping[str, str | None]
COMMENTS_SHOWN = 10


# --- the form ---------------------------------------------------------------------------------------


def metadata(evaluation_id: int | None) -> str:
    return json.dumps({"evaluation": evaluation_id} if evaluation_id is not None else {})


def parse_metadata(raw: str) -> int | None:
    """The evaluation the form was drawn for (None: not chosen yet); ValueError for anything not Pacer's."""
    data = json.loads(raw or "{}")
    if not isinstance(data, dict):
        raise ValueError("private_metadata is not an object")
    evaluation = data.get("evaluation")
    if evaluation is not None and (not isinstance(evaluation, int) or evaluation < 1):
        raise ValueError("private_metadata.evaluation is not an evaluation id")
    return evaluation


def _option(a: Appealable) -> Option:
    snap = a.snapshot
    text = f"{a.period_label} — {plain_number(snap.total)} points, {snap.rating}"
    return Option(text=clip(text, 75), value=str(a.evaluation_id))


def _line_option(a: Appealable, metric: str) -> Option | None:
    line = a.snapshot.line(metric)
    if line is None:
        return None
    actual = format_value(line.unit, line.actual, currency=a.snapshot.currency)
    return Option(text=clip(f"{line.label}: {actual}, {plain_number(line.points)} pts", 75), value=metric)


def appeal_modal(choice: FormChoice, *, values: Values, lines: Sequence[str] = ()) -> View:
    """The appeal form for `choice` (an evaluation chosen, or several to pick from), keeping `values` and the
    `lines` already chosen when it is redrawn."""
    chosen = choice.chosen
    options = [_option(a) for a in choice.options]
    if chosen is not None and all(o.value != str(chosen.evaluation_id) for o in options):
        options.insert(0, _option(chosen))
    initial = _option(chosen) if chosen is not None else None
    blocks: list[Block] = [
        InputBlock(
            block_id=EVALUATION_FIELD,
            label="Evaluation",
            dispatch_action=True,
            hint=(
                f"Appeal window open until the end of {chosen.closes_on} (your time)"
                if chosen is not None
                else "Pick the evaluation you dispute: its scorecard lines appear below"
            ),
            element=StaticSelectElement(
                action_id=ids.APPEAL_PICK_EVALUATION,
                placeholder="Choose an evaluation",
                options=options[:100],
                initial_option=initial,
            ),
        )
    ]
    if chosen is not None:
        snap = chosen.snapshot
        line_options = [o for o in (_line_option(chosen, line.metric) for line in snap.lines) if o is not None]
        picked = [o for o in line_options if o.value in set(lines)]
        blocks.append(
            InputBlock(
                block_id=LINES_FIELD,
                label="Disputed lines",
                hint="The scorecard lines you believe are wrong",
                element=StaticMultiSelectElement(
                    action_id="value",
                    placeholder="Choose one or more lines",
                    options=line_options[:100],
                    initial_options=picked or None,
                ),
            )
        )
    blocks += [
        _text(
            REASON_FIELD,
            "Reason",
            values,
            limit=REASON_MAX,
            hint=f"What is wrong and why: at least {REASON_MIN} characters. Seen by the reviewer only.",
        ),
        _text(
            EVIDENCE_FIELD,
            "Evidence",
            values,
            limit=EVIDENCE_MAX,
            optional=True,
            hint="Links or facts that show it (a contract, a CRM record, a date)",
        ),
    ]
    if chosen is not None:
        for line in chosen.snapshot.lines:
            blocks.append(
                _text(
                    requested_field(line.metric),
                    clip(f"Requested {line.label}", 150),
                    values,
                    limit=REQUESTED_MAX,
                    optional=True,
                    multiline=False,
                    hint=(
                        f"Optional, only for a disputed line: the actual you believe is right, "
                        f"{value_shape(line.unit)} (e.g. {value_example(line.unit)})"
                    ),
                )
            )
    blocks.append(
        note(
            "An independent reviewer (never your manager) decides, with a written rationale, "
            "within a few working days. `/appeal status` shows where it stands."
        )
    )
    return View(
        type="modal",
        callback_id=ids.APPEAL_MODAL,
        title="Appeal an evaluation",
        submit="File appeal",
        close="Cancel",
        private_metadata=metadata(chosen.evaluation_id if chosen is not None else None),
        blocks=blocks,
    )


def _text(
    block_id: str,
    label: str,
    values: Values,
    *,
    limit: int,
    optional: bool = False,
    hint: str = "",
    multiline: bool = True,
) -> InputBlock:
    return InputBlock(
        block_id=block_id,
        label=label,
        optional=optional,
        hint=clip(hint, 150) or None,
        element=PlainTextInputElement(
            action_id="value", multiline=multiline, max_length=limit, initial_value=values.get(block_id) or None
        ),
    )


def done_view(text: str) -> View:
    """What a submitted (or refused) form turns into: the plain outcome, and Done."""
    return View(type="modal", title="Appeal", close="Done", blocks=[section(escape(text))])


def filed_text(appeal: AppealView, tz: ZoneInfo) -> str:
    """The form's answer once filed (plain text: the view escapes it)."""
    who = (
        "A reviewer independent of you and your manager decides"
        if appeal.reviewer_user_id
        else "No reviewer in the pool was eligible, so the admins decide"
    )
    return (
        f"Filed: appeal {appeal.number}. {who} it by {local(appeal.due_at, tz)}. "
        "A DM with the details is on its way; `/appeal status` shows where it stands."
    )


def local(moment: datetime, tz: ZoneInfo) -> str:
    """A time in the reader's zone, for answers that go to one person (`/appeal status`, the form)."""
    return f"{moment.astimezone(tz):%a %d %b %Y, %H:%M} ({tz.key})"


# --- /appeal status and help ----------------------------------------------------------------------------

HELP = (
    "*/appeal* disputes your own evaluation: an independent reviewer (never your manager) decides, with a "
    "written rationale, within a few working days; an upheld appeal re-scores the evaluation.\n"
    "• `/appeal` — the appeal form (or the *Appeal* button in your check-in thread)\n"
    "• `/appeal status` — your appeals: status, who decides, the due date, the decision\n"
    "• `/appeal withdraw AP-7` — withdraw an open appeal (it can then no longer be decided)\n"
    "You can appeal while the evaluation's appeal window is open: a set number of working days from the "
    "opening of its check-in. One open appeal per evaluation; a decision is final."
)


def help_blocks() -> list[Block]:
    return [section(HELP)]


def _deciders(appeal: AppealView) -> str:
    return mention(appeal.reviewer_user_id) if appeal.reviewer_user_id else "the admins"


def status_line(row: StatusRow, tz: ZoneInfo) -> str:
    appeal = row.appeal
    text = f"*{appeal.number}* · {escape(row.period_label)} · *{appeal.status_label}*"
    lines = ", ".join(escape(metric) for metric in appeal.metrics)
    text += f" · lines: {lines}"
    if appeal.is_open:
        text += f"\nDecides: {_deciders(appeal)} · due {local(appeal.due_at, tz)}"
    elif appeal.status == "withdrawn" and appeal.withdrawn_at is not None:
        text += f"\nWithdrawn {local(appeal.withdrawn_at, tz)}"
    else:
        who = mention(appeal.decided_by) if appeal.decided_by else _deciders(appeal)
        text += f"\nDecided by {who}"
        if appeal.decided_at is not None:
            text += f" on {local(appeal.decided_at, tz)}"
        if row.after is not None and row.after != row.before:
            text += f" · score {points(row.before)} → *{points(row.after)}*"
        else:
            text += f" · score unchanged ({points(row.before)})"
    return text


def status_blocks(rows: Sequence[StatusRow], tz: ZoneInfo) -> tuple[list[Block], str]:
    if not rows:
        text = "You have filed no appeals. `/appeal` opens the form while an evaluation's appeal window is open."
        return [section(text)], text
    open_count = sum(1 for r in rows if r.appeal.is_open)
    head = f"Your appeals: {len(rows)} ({open_count} open)"
    blocks: list[Block] = [section(f"*{head}*")]
    room = MESSAGE_BLOCKS_MAX - 2
    for row in rows[:room]:
        accessory = (
            ButtonElement(text="Withdraw", action_id=ids.APPEAL_WITHDRAW, value=str(row.appeal.id), style="danger")
            if row.appeal.is_open
            else None
        )
        blocks.append(SectionBlock(text=status_line(row, tz), accessory=accessory))
    if len(rows) > room:
        blocks.append(note(f"…and {len(rows) - room} older appeals."))
    return blocks, head


# --- the appeal messages (bot.services.appeals.Render) ---------------------------------------------------


def _deciders_text(appeal: AppealView, context_: CaseContext) -> str:
    if appeal.reviewer_user_id:
        return mention(appeal.reviewer_user_id)
    admins = ", ".join(mention(a) for a in context_.admins)
    return f"the admins ({admins})" if admins else "the admins"


def _disputed(appeal: AppealView, context_: CaseContext) -> list[str]:
    snap = context_.snapshot
    out = []
    for metric in appeal.metrics:
        line = snap.line(metric)
        if line is None:
            continue
        text = metric_line(line, snap.currency)
        if metric in appeal.requested:
            text += f"\n*Requested actual:* {format_value(line.unit, appeal.requested[metric], currency=snap.currency)}"
        out.append(text)
    return out


def _line_names(appeal: AppealView, context_: CaseContext) -> str:
    names = []
    for metric in appeal.metrics:
        line = context_.snapshot.line(metric)
        names.append(line.label if line is not None else metric)
    return ", ".join(names)


def _payload(text: str, blocks: list[Block]) -> dict[str, Any]:
    return {"text": text, "blocks": as_dicts(blocks)}


def _decide(appeal: AppealView) -> ActionsBlock:
    return ActionsBlock(
        block_id="appeal_case",
        elements=[ButtonElement(text="Decide", action_id=ids.APPEAL_DECIDE, value=str(appeal.id), style="primary")],
    )


class AppealMessages:
    def _case_blocks(self, appeal: AppealView, context_: CaseContext, *, heading: str) -> list[Block]:
        snap = context_.snapshot
        blocks: list[Block] = [
            section(
                f"*{heading}*\n*{escape(context_.rep_name)}* ({mention(appeal.appellant_user_id)}) appeals their "
                f"*{escape(context_.period_label)}* evaluation: {points(snap.total)}, rating {escape(snap.rating)} "
                f"(version {appeal.evaluation_version}, frozen). Evaluating manager: "
                f"{mention(appeal.manager_user_id) if appeal.manager_user_id else 'none'}."
            ),
        ]
        blocks += listed(_disputed(appeal, context_), room=10, heading="*Disputed lines, as frozen*")
        blocks += _field("Reason", appeal.reason)
        if appeal.evidence:
            blocks += _field("Evidence", appeal.evidence)
        comments = [
            f"• {mention(c.user_id)} {when(c.at)}: {escape(clip(c.text, 500))}"
            for c in context_.comments[-COMMENTS_SHOWN:]
        ]
        if comments:
            hidden = len(context_.comments) - len(comments)
            heading_ = "*Check-in comments*" + (
                f" (the last {len(comments)} of {len(context_.comments)})" if hidden else ""
            )
            blocks += listed(comments, room=6, heading=heading_)
        else:
            blocks.append(note("No comments were posted in the check-in thread."))
        blocks.append(
            note(
                f"Filed {when(appeal.created_at)} · decide by {when(appeal.due_at)} · assigned: "
                f"{escape(appeal.assigned_reason)}"
            )
        )
        return blocks

    def case(self, appeal: AppealView, context: CaseContext) -> dict[str, Any]:
        heading = f"Appeal {appeal.number} to decide"
        blocks = self._case_blocks(appeal, context, heading=heading)
        blocks.append(_decide(appeal))
        text = f"Appeal {appeal.number} to decide: {context.rep_name}, {context.period_label}"
        return _payload(text, blocks[:MESSAGE_BLOCKS_MAX])

    def case_closed(self, appeal: AppealView, context: CaseContext) -> dict[str, Any]:
        if appeal.status == "withdrawn":
            heading = f"Appeal {appeal.number} — withdrawn by the rep: nothing to decide"
        else:
            heading = f"Appeal {appeal.number} — {appeal.status_label.lower()}"
        blocks = self._case_blocks(appeal, context, heading=heading)
        text = f"{heading} ({context.rep_name}, {context.period_label})"
        return _payload(text, blocks[:MESSAGE_BLOCKS_MAX])

    def filed(self, appeal: AppealView, context: CaseContext, to: str) -> dict[str, Any]:
        deciders = _deciders_text(appeal, context)
        lines = _line_names(appeal, context)
        verb = "decides" if appeal.reviewer_user_id else "decide"
        if to == appeal.appellant_user_id:
            text = f"Your appeal {appeal.number} of your {context.period_label} evaluation is filed."
            body = (
                f"*Your appeal {appeal.number} is filed* — {escape(context.period_label)}, disputed: "
                f"{escape(lines)}.\n{deciders} {verb} it by {when(appeal.due_at)}."
            )
            if not appeal.reviewer_user_id:
                body += "\nNo reviewer in the pool was independent of you and your manager, so the admins decide."
            footer = "`/appeal status` shows where it stands; you can withdraw it while it is open."
        else:
            text = f"{context.rep_name} appealed their {context.period_label} evaluation ({appeal.number})."
            body = (
                f"*{escape(context.rep_name)} appealed their {escape(context.period_label)} evaluation* "
                f"({appeal.number}) — disputed: {escape(lines)}.\n{deciders} {verb} it by {when(appeal.due_at)}."
            )
            footer = "As the evaluating manager you don't decide it; you'll be told the outcome."
        return _payload(text, [section(body), note(footer)])

    def thread_filed(self, appeal: AppealView, context: CaseContext) -> dict[str, Any]:
        deciders = _deciders_text(appeal, context)
        verb = "decides" if appeal.reviewer_user_id else "decide"
        text = f"An appeal ({appeal.number}) of this evaluation was filed."
        body = (
            f"*{mention(appeal.appellant_user_id)} appealed this evaluation* ({appeal.number}) — disputed: "
            f"{escape(_line_names(appeal, context))}. {deciders} {verb} it by {when(appeal.due_at)}."
        )
        return _payload(text, [section(body)])

    def withdrawn(self, appeal: AppealView, context: CaseContext) -> dict[str, Any]:
        text = f"Appeal {appeal.number} was withdrawn by the rep: nothing to decide."
        body = (
            f"*Appeal {appeal.number} was withdrawn* by {escape(context.rep_name)} "
            f"({escape(context.period_label)}): there is nothing to decide."
        )
        return _payload(text, [section(body)])

    def withdrawal_notice(self, appeal: AppealView, context: CaseContext) -> dict[str, Any]:
        text = f"{context.rep_name} withdrew appeal {appeal.number}: the evaluation stands as frozen."
        body = (
            f"*{mention(appeal.appellant_user_id)} withdrew appeal {appeal.number}* "
            f"({escape(context.period_label)}): nothing will be decided, and the evaluation stands as frozen."
        )
        return _payload(text, [section(body)])

    def due_soon(self, appeal: AppealView, context: CaseContext) -> dict[str, Any]:
        text = f"Reminder: appeal {appeal.number} ({context.period_label}) is due for a decision soon."
        body = (
            f"*Reminder: appeal {appeal.number} is due by {when(appeal.due_at)}* — "
            f"{escape(context.rep_name)}, {escape(context.period_label)}. The case is in your DMs."
        )
        return _payload(text, [section(body), _decide(appeal)])

    def overdue(self, appeal: AppealView, context: CaseContext) -> dict[str, Any]:
        text = f"Appeal {appeal.number} ({context.period_label}) is overdue: no decision yet."
        who = mention(appeal.reviewer_user_id) if appeal.reviewer_user_id else "no reviewer (the admins decide)"
        body = (
            f"*Appeal {appeal.number} is overdue* — {escape(context.rep_name)}, {escape(context.period_label)}: "
            f"it was due {when(appeal.due_at)}, assigned to {who}. An admin may decide it or reassign it."
        )
        return _payload(text, [section(body), _decide(appeal)])


MESSAGES = AppealMessages()
