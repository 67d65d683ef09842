"""`/appeal`: a rep disputes their own evaluation — the form, its submission, status and withdrawal.

/appeal                     the appeal form (or, with no evaluation in its appeal window, why not)
/appeal status              the caller's appeals: status, who decides, the due date, the decision
/appeal withdraw AP-7       withdraw an open appeal
/appeal help

The check-in thread's Appeal button opens the same form with its evaluation chosen. Choosing another
evaluation in the form redraws it with that evaluation's lines (the select dispatches its choice). A
submission is checked field by field (`scoring.appeals.check_appeal`: wrong fields inline, the form stays
open, nothing stored), then filed once (`bot.services.appeal_filing.file_appeal`).
"""

from __future__ import annotations

import json
import logging
import re
from functools import partial
from typing import Any

from slack_bolt import Ack, App, Respond
from sqlmodel import Session

from bot.deps import Deps
from bot.directory import Caller
from bot.services import appeal_filing as service
from handlers import ids
from handlers.blocks import appeals as blocks
from handlers.blocks.appeals import MESSAGES
from handlers.blocks.checkins import MESSAGES as CHECKIN_MESSAGES
from handlers.blocks.common import section
from handlers.checkins_thread import refuse
from handlers.envelope import MalformedRequest, button_number
from handlers.replies import Reply, answer_action, answer_command, transactional
from handlers.views import field_values, selected_values, view_errors
from scoring.appeals import EVALUATION_FIELD, LINES_FIELD, check_appeal
from scoring.errors import FieldErrors, InputError, PacerError
from scoring.numerals import normalize

logger = logging.getLogger(__name__)

APPEAL_NUMBER = re.compile(r"(?i)^(?:AP-?)?([1-9][0-9]{0,8})$")
HELP_EXAMPLE = "/appeal help"


def register(app: App, deps: Deps) -> None:
    app.command(ids.APPEAL)(partial(appeal_command, deps=deps))
    app.action(ids.CHECKIN_APPEAL)(partial(appeal_clicked, deps=deps))
    app.action(ids.APPEAL_PICK_EVALUATION)(partial(evaluation_picked, deps=deps))
    app.action(ids.APPEAL_WITHDRAW)(partial(withdraw_clicked, deps=deps))
    app.view(ids.APPEAL_MODAL)(partial(appeal_submitted, deps=deps))


# --- the command ----------------------------------------------------------------------------------------


def appeal_command(ack: Ack, command: dict[str, Any], *, deps: Deps) -> None:
    text = normalize(command.get("text") or "").strip()
    head, _, rest = text.partition(" ")
    word, rest = head.lower(), rest.strip()

    def work(caller: Caller) -> Reply:
        if not text:
            with deps.db.reading() as session:
                choice = service.form_choice(session, caller, config=deps.config, now=deps.clock())
            return Reply(open_view=blocks.appeal_modal(choice, values={}))
        if word in ("help", "?"):
            return Reply(blocks=blocks.help_blocks(), text="How /appeal works")
        if word == "status":
            with deps.db.reading() as session:
                rows = service.status(session, caller)
            found, plain = blocks.status_blocks(rows, caller.tz)
            return Reply(blocks=found, text=plain)
        if word == "withdraw":
            found_number = APPEAL_NUMBER.match(rest)
            if found_number is None:
                raise InputError(
                    "Which appeal? Write its number as `/appeal status` shows it, e.g. AP-7.",
                    example=service.STATUS_EXAMPLE,
                )
            return transactional(deps, partial(_withdraw, deps, int(found_number.group(1)), "slack_command"))(caller)
        raise InputError(
            f"`/appeal` takes `status`, `withdraw AP-7` or `help` (or nothing, for the form), not “{head[:30]}”.",
            example=HELP_EXAMPLE,
        )

    answer_command(ack, command, deps, work)


def _withdraw(deps: Deps, appeal_id: int, source: str, session: Session, caller: Caller) -> Reply:
    done = service.withdraw(
        session,
        caller,
        config=deps.config,
        appeal_id=appeal_id,
        render=MESSAGES,
        checkin_render=CHECKIN_MESSAGES,
        now=deps.clock(),
        source=source,
    )
    appeal = done.appeal
    if isinstance(done, service.NotOpen):
        if appeal.status == "withdrawn":
            text = f"{appeal.number} was already withdrawn; nothing changed."
        else:
            outcome = appeal.status_label.lower()
            text = f"{appeal.number} was decided ({outcome}), so it can't be withdrawn; nothing changed."
        return Reply(blocks=[section(text)], text=text)
    text = f"Withdrawn: {appeal.number}. It can no longer be decided; whoever had the case is told."
    return Reply(blocks=[section(text)], text=text, queued=True)


def withdraw_clicked(ack: Ack, body: dict[str, Any], respond: Respond, *, deps: Deps) -> None:
    appeal_id = button_number(body)
    answer_action(
        ack,
        body,
        respond,
        deps,
        transactional(deps, partial(_withdraw, deps, appeal_id, "button")),
        view_title="Appeal",
        replace=False,
    )


# --- the form -------------------------------------------------------------------------------------------


def appeal_clicked(ack: Ack, body: dict[str, Any], *, deps: Deps) -> None:
    """The check-in thread's Appeal button: the form with this evaluation chosen, or why not (ephemeral)."""
    evaluation_id = button_number(body)
    ack()
    deps.after_ack(_open_form, deps, body, evaluation_id)


def _open_form(deps: Deps, body: dict[str, Any], evaluation_id: int) -> None:
    def work(caller: Caller) -> service.FormChoice:
        with deps.db.reading() as session:
            return service.form_choice(
                session, caller, config=deps.config, now=deps.clock(), evaluation_id=evaluation_id
            )

    try:
        choice = deps.uow.run(body["team"]["id"], body["user"]["id"], work)
    except PacerError as error:
        refuse(deps, body, error)
        return
    deps.client.views_open(trigger_id=body["trigger_id"], view=blocks.appeal_modal(choice, values={}))


def _picked(body: dict[str, Any]) -> int:
    actions = body.get("actions") or [{}]
    option = actions[0].get("selected_option") if isinstance(actions[0], dict) else None
    value = option.get("value") if isinstance(option, dict) else None
    if not isinstance(value, str) or not value.isdigit():
        raise MalformedRequest("the appeal form's evaluation select carries no evaluation id")
    return int(value)


def evaluation_picked(ack: Ack, body: dict[str, Any], *, deps: Deps) -> None:
    """An evaluation chosen in the form: redrawn with its lines, keeping the reason and evidence typed."""
    evaluation_id = _picked(body)
    view = body.get("view") or {}
    values = field_values(view)
    ack()
    deps.after_ack(_redraw, deps, body, evaluation_id, values)


def _redraw(deps: Deps, body: dict[str, Any], evaluation_id: int, values: dict[str, str | None]) -> None:
    def work(caller: Caller) -> service.FormChoice:
        with deps.db.reading() as session:
            return service.form_choice(
                session, caller, config=deps.config, now=deps.clock(), evaluation_id=evaluation_id
            )

    try:
        choice = deps.uow.run(body["team"]["id"], body["user"]["id"], work)
    except PacerError as error:
        view = blocks.done_view(error.message)
    else:
        view = blocks.appeal_modal(choice, values=values)
    deps.client.views_update(view_id=body["view"]["id"], hash=body["view"].get("hash"), view=view)


def _evaluation_of(view: dict[str, Any], values: dict[str, str | None]) -> int:
    try:
        drawn_for = blocks.parse_metadata(view.get("private_metadata") or "")
    except (ValueError, TypeError, json.JSONDecodeError):
        raise MalformedRequest("the appeal form's private_metadata is not Pacer's") from None
    picked = (values.get(EVALUATION_FIELD) or "").strip()
    if not picked:
        raise FieldErrors({EVALUATION_FIELD: "Choose the evaluation you dispute."})
    if not picked.isdigit():
        raise MalformedRequest("the appeal form's evaluation is not an evaluation id")
    evaluation_id = int(picked)
    if drawn_for != evaluation_id:  # the lines shown belong to another evaluation (or none yet)
        raise FieldErrors({LINES_FIELD: "Choose the disputed lines of the evaluation picked above."})
    return evaluation_id


def appeal_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any], *, deps: Deps) -> None:
    values = field_values(view)
    lines = selected_values(view, LINES_FIELD)

    def work(caller: Caller) -> tuple[service.Filed | service.AlreadyFiled, Caller]:
        evaluation_id = _evaluation_of(view, values)
        now = deps.clock()
        with deps.db.reading() as session:
            target = service.submission_target(
                session, caller, config=deps.config, now=now, evaluation_id=evaluation_id
            )
        snapshot = target.snapshot
        form = check_appeal(
            values,
            lines=lines,
            metrics={line.metric: line.unit for line in snapshot.lines},
            currency=snapshot.currency,
        )
        with deps.db.transaction() as session:
            done = service.file_appeal(
                session,
                caller,
                config=deps.config,
                evaluation_id=evaluation_id,
                form=form,
                key_=f"view:{view['id']}",
                render=MESSAGES,
                checkin_render=CHECKIN_MESSAGES,
                now=now,
            )
        return done, caller

    try:
        done, caller = deps.uow.run(body["team"]["id"], body["user"]["id"], work)
    except FieldErrors as errors:
        ack(response_action="errors", errors=view_errors(errors, view))
        return
    except PacerError as error:  # refused (someone else's, window closed, …): on the evaluation, nothing stored
        ack(
            response_action="errors",
            errors=view_errors(FieldErrors({error.field or EVALUATION_FIELD: error.message}), view),
        )
        return
    if isinstance(done, service.AlreadyFiled):
        if done.same_form:
            text = f"Already filed: this form filed appeal {done.appeal.number}; nothing else changed."
        else:
            text = (
                f"This evaluation already has an open appeal, {done.appeal.number}; it stands and nothing new "
                "was filed. `/appeal status` shows it."
            )
    else:
        text = blocks.filed_text(done.appeal, caller.tz)
    ack(response_action="update", view=blocks.done_view(text))
    deps.outbox.kick()
