"""Deciding appeals: the Decide button, the decision form, and `/pacer appeal reassign` for admins.

Decide (on the reviewer's case message; value: the appeal id) opens the decision form right after the
ack — or tells the person who clicked, privately, why not (not theirs to decide, already decided,
withdrawn). A submission is checked field by field (`scoring.appeal_decisions`: wrong fields inline, the
form stays open, nothing stored), then recorded once (`bot.services.appeal_decisions.decide`). A refusal
or a stale form is answered on the form itself, and nothing changes.
"""

from __future__ import annotations

import json
import logging
import re
from functools import partial
from typing import Any

from slack_bolt import Ack, App

from bot.deps import Deps
from bot.directory import Caller
from bot.services import appeal_decisions as service
from handlers import ids
from handlers.blocks import appeal_decisions as blocks
from handlers.blocks.checkins import MESSAGES as CHECKIN_MESSAGES
from handlers.checkins_thread import refuse
from handlers.envelope import MalformedRequest, button_number
from handlers.replies import Reply
from handlers.text import show
from handlers.views import field_values, view_errors
from scoring.appeal_decisions import check_decision
from scoring.errors import FieldErrors, InputError, PacerError

logger = logging.getLogger(__name__)

APPEAL_NUMBER = re.compile(r"(?:AP-?)?([0-9]{1,9})", re.IGNORECASE)
MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
REASSIGN_EXAMPLE = "/pacer appeal reassign AP-1 @lee"


def register(app: App, deps: Deps) -> None:
    app.action(ids.APPEAL_DECIDE)(partial(decide_clicked, deps=deps))
    app.view(ids.DECISION_MODAL)(partial(decision_submitted, deps=deps))


# --- the Decide button --------------------------------------------------------------------------------


def decide_clicked(ack: Ack, body: dict[str, Any], *, deps: Deps) -> None:
    appeal_id = button_number(body)
    ack()
    deps.after_ack(open_form, deps, body, appeal_id)


def open_form(deps: Deps, body: dict[str, Any], appeal_id: int) -> None:
    """The decision form; a refusal (not theirs, decided, withdrawn) is an ephemeral message instead."""

    def work(caller: Caller) -> service.Case:
        with deps.db.reading() as session:
            return service.decision_form(session, caller, config=deps.config, appeal_id=appeal_id)

    try:
        case = deps.uow.run(body["team"]["id"], body["user"]["id"], work)
    except PacerError as error:
        refuse(deps, body, error)
        return
    deps.client.views_open(trigger_id=body["trigger_id"], view=blocks.decision_modal(case))


# --- the form -----------------------------------------------------------------------------------------


def decision_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any], *, deps: Deps) -> None:
    try:
        appeal_id = blocks.parse_metadata(view.get("private_metadata") or "")
    except (ValueError, TypeError, json.JSONDecodeError):
        raise MalformedRequest("the decision form's private_metadata is not Pacer's") from None
    values = field_values(view)

    def work(caller: Caller) -> service.Decided | service.AlreadyDecided:
        key = f"view:{view['id']}"
        with deps.db.reading() as session:
            try:
                case = service.decision_form(session, caller, config=deps.config, appeal_id=appeal_id)
            except service.AppealClosed:  # this form's own first submit, or a stale form: says which
                return service.closed_for(session, caller, appeal_id=appeal_id, receipt_key=key)
        decision = check_decision(values, disputed=case.disputed(), currency=case.snapshot.currency)
        with deps.db.transaction() as session:
            return service.decide(
                session,
                caller,
                config=deps.config,
                appeal_id=appeal_id,
                decision=decision,
                receipt_key=key,
                render=blocks.MESSAGES,
                checkin_render=CHECKIN_MESSAGES,
                now=deps.clock(),
            )

    try:
        done = deps.uow.run(body["team"]["id"], body["user"]["id"], work)
    except FieldErrors as errors:
        ack(response_action="errors", errors=view_errors(errors, view))
        return
    except PacerError as error:
        ack(response_action="errors", errors=view_errors(FieldErrors({error.field or "form": error.message}), view))
        return
    if isinstance(done, service.AlreadyDecided):
        ack(response_action="update", view=blocks.done_view(blocks.already_text(done.appeal.number)))
        return
    ack(response_action="update", view=blocks.done_view(blocks.decided_text(done)))
    deps.outbox.kick()


# --- /pacer appeal reassign ---------------------------------------------------------------------------


def admin_command(deps: Deps, caller: Caller, rest: str) -> Reply:
    """`/pacer appeal reassign AP-7 @reviewer` (admins): the appeal goes to another eligible reviewer."""
    action, _, rest = rest.strip().partition(" ")
    if action.lower() != "reassign":
        _usage(f"“/pacer appeal {show(action)}” is not something I know: /pacer appeal takes reassign.")
    words = rest.split()
    if len(words) != 2:
        _usage("Name the appeal and the new reviewer, picked from Slack's @-menu.")
    found = APPEAL_NUMBER.fullmatch(words[0])
    if found is None:
        _usage(f"“{show(words[0])}” is not an appeal number such as AP-1.")
    user = MENTION.fullmatch(words[1])
    if user is None:
        _usage(f"Pick the new reviewer from Slack's @-menu so the mention becomes a link; “{show(words[1])}” is not.")
    assert found is not None and user is not None

    def work() -> service.Reassigned:
        with deps.db.transaction() as session:
            return service.reassign(
                session,
                caller,
                config=deps.config,
                appeal_id=int(found.group(1)),
                reviewer_user_id=user.group(1),
                render=blocks.MESSAGES,
                now=deps.clock(),
            )

    done = work()
    deps.outbox.kick()
    reply_blocks, text = blocks.reassigned_reply(done)
    return Reply(blocks=reply_blocks, text=text)


def _usage(problem: str) -> None:
    raise InputError(problem, example=REASSIGN_EXAMPLE)
