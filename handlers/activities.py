"""`/activity`: quick syntax, list, void, the modal and the Undo button."""

from __future__ import annotations

from functools import partial
from typing import Any

from slack_bolt import Ack, App, Respond
from sqlmodel import Session

from bot.deps import Deps
from bot.directory import Caller
from bot.services import activities as service
from handlers import ids
from handlers.blocks import activities as blocks
from handlers.envelope import button_number
from handlers.parse import (
    ActivityHelp,
    ListActivities,
    LogActivity,
    OpenActivityModal,
    VoidActivity,
    parse_activity_command,
)
from handlers.replies import Reply, answer_action, answer_command, run, transactional
from handlers.views import field_values, view_errors
from scoring.errors import FieldErrors, PacerError
from scoring.records import Source
from scoring.requests import activity_from_fields

UNDO_REASON = "undone with the Undo button"


def register(app: App, deps: Deps) -> None:
    app.command(ids.ACTIVITY)(partial(activity_command, deps=deps))
    app.view(ids.ACTIVITY_MODAL)(partial(activity_modal_submitted, deps=deps))
    app.action(ids.ACTIVITY_UNDO)(partial(undo_clicked, deps=deps))


def activity_command(ack: Ack, command: dict[str, Any], *, deps: Deps) -> None:
    def work(session: Session, caller: Caller) -> Reply:
        parsed = parse_activity_command(command.get("text") or "", today=caller.today)
        match parsed:
            case LogActivity(request=request):
                result = service.log_activity(
                    session,
                    caller,
                    request,
                    source=Source.SLACK_COMMAND,
                    source_key=f"command:{command['trigger_id']}",
                    now=deps.clock(),
                )
                return Reply(
                    blocks=blocks.logged(result), text=f"Logged {result.record.ref}", recorded_work=not result.replayed
                )
            case ListActivities():
                records = service.recent_activities(session, caller, limit=15)
                return Reply(
                    blocks=blocks.listing(records, today=caller.today), text=f"Your recent activities: {len(records)}"
                )
            case VoidActivity(number=number, reason=reason):
                record, changed = service.void_activity(
                    session, caller, number=number, reason=reason, source=Source.SLACK_COMMAND, now=deps.clock()
                )
                return Reply(blocks=blocks.voided(record, changed=changed), text=f"Voided {record.ref}")
            case OpenActivityModal():
                return Reply(
                    open_view=blocks.modal(today=caller.today, metadata={"channel": command.get("channel_id", "")})
                )
            case ActivityHelp():
                return Reply(blocks=blocks.help_blocks(), text="How to log activities")
        raise AssertionError(f"unhandled {parsed!r}")

    answer_command(ack, command, deps, transactional(deps, work))


def activity_modal_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any], *, deps: Deps) -> None:
    values = field_values(view)

    def work(session: Session, caller: Caller) -> Reply:
        request = activity_from_fields(
            kind=values.get("kind") or "",
            count=values.get("count"),
            customer=values.get("customer"),
            note=values.get("note"),
            on=values.get("date"),
            today=caller.today,
        )
        result = service.log_activity(
            session, caller, request, source=Source.MODAL, source_key=f"view:{view['id']}", now=deps.clock()
        )
        return Reply(
            blocks=blocks.logged(result), text=f"Logged {result.record.ref}", recorded_work=not result.replayed
        )

    try:
        reply = run(deps, body["team"]["id"], body["user"]["id"], transactional(deps, work))
    except FieldErrors as errors:
        ack(response_action="errors", errors=view_errors(errors, view))
        return
    except PacerError as error:
        ack(response_action="errors", errors=view_errors(FieldErrors({"kind": error.message}), view))
        return
    ack(response_action="update", view=blocks.result_view(reply.blocks))


def undo_clicked(ack: Ack, body: dict[str, Any], respond: Respond, *, deps: Deps) -> None:
    number = button_number(body)  # the activity number Pacer put on the button; anything else is answered 400

    def work(session: Session, caller: Caller) -> Reply:
        record, changed = service.void_activity(
            session,
            caller,
            number=number,
            reason=UNDO_REASON,
            source=Source.SLACK_COMMAND,
            now=deps.clock(),
        )
        return Reply(blocks=blocks.voided(record, changed=changed), text=f"Voided {record.ref}")

    answer_action(ack, body, respond, deps, transactional(deps, work), view_title="Activity")
