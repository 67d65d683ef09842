"""An opened check-in for thread tests, and the Slack payloads of its buttons and forms.

`open_checkin` freezes the rep's October evaluation with `freeze_one` and opens its check-in with the
real opening service (`checkin_open.announcer`, as `/checkin` does), then delivers the parent, the
scorecard and the next step.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlencode

from bot.services import checkin_open
from bot.services import checkins as service
from bot.services.evaluations import freeze_one
from bot.store import reminders as reminder_store
from handlers.blocks.checkins import MESSAGES
from scoring.periods import month_of
from tests.support import payloads, reads
from tests.support.harness import Pacer, Response

OCTOBER = month_of(date(2026, 10, 1))


@dataclass(frozen=True)
class Thread:
    """Where an opened check-in lives: its evaluation, the group DM and the parent's ts."""

    evaluation_id: int
    channel: str
    parent_ts: str
    next_ts: str
    workspace_id: int


def open_checkin(pacer: Pacer, *, rep: str, manager: str, reminders: bool = False) -> Thread:
    """Dana's October check-in with Morgan, opened and delivered (parent, scorecard, next step)."""
    for user in (rep, manager):
        assert pacer.command(user, "/pacer", "help").status == 200
    pacer.settle()
    member = reads.member(pacer.db, rep)
    assert member is not None
    now = pacer.clock()
    view = freeze_one(
        pacer.db,
        config=pacer.deps.config,
        workspace_id=member.workspace_id,
        user_id=rep,
        period=OCTOBER,
        now=now,
        actor=manager,
        announce=checkin_open.announcer(
            workspace_id=member.workspace_id,
            config=pacer.deps.config,
            render=MESSAGES,
            now=now,
            opened_by=manager,
        ),
    )
    key = service.parent_key(view.id)
    if not reminders:  # the opening schedules both; a test about something else starts without them
        with pacer.db.transaction() as session:
            for step in (service.SELF_REVIEW_REMINDER, service.FEEDBACK_REMINDER):
                reminder_store.cancel(
                    session, workspace_id=member.workspace_id, key=service.reminder_key(view.id, step), now=now
                )
    deliver_all(pacer)
    rows = {row.key: row for row in reads.outbox(pacer.db)}
    parent, step = rows[key], rows[service.reply_key(view.id, "next")]
    assert parent.ts and parent.conversation and step.ts, (parent, step)
    return Thread(
        evaluation_id=view.id,
        channel=parent.conversation,
        parent_ts=parent.ts,
        next_ts=step.ts,
        workspace_id=member.workspace_id,
    )


def deliver_all(pacer: Pacer, passes: int = 10) -> None:
    """Run the outbox until nothing is pending: a reply waits for its parent's pass, a rewrite for its target's."""
    for _ in range(passes):
        pacer.deliver_outbox()
        if not [row for row in reads.outbox(pacer.db) if row.status == "pending"]:
            return
    raise AssertionError(f"still pending after {passes} passes: {[r.key for r in reads.outbox(pacer.db)]}")


# --- payloads -------------------------------------------------------------------------------------


def click(pacer: Pacer, thread: Thread, user_id: str, action_id: str, value: str | None = None) -> Response:
    """A click on a button of the next-step message in the check-in thread (a block_actions payload)."""
    payload = {
        "type": "block_actions",
        "user": {"id": user_id, "username": "someone", "name": "someone", "team_id": pacer.team_id},
        "api_app_id": "A0PACER",
        "token": "legacy-verification-token",
        "container": {
            "type": "message",
            "message_ts": thread.next_ts,
            "channel_id": thread.channel,
            "is_ephemeral": False,
            "thread_ts": thread.parent_ts,
        },
        "trigger_id": payloads.next_id("trigger."),
        "team": {"id": pacer.team_id, "domain": "acme-sales"},
        "enterprise": None,
        "is_enterprise_install": False,
        "channel": {"id": thread.channel, "name": "mpdm-dana--morgan--pacer-1"},
        "message": {
            "type": "message",
            "subtype": "bot_message",
            "ts": thread.next_ts,
            "thread_ts": thread.parent_ts,
            "bot_id": "B0PACER",
            "text": "Next step",
        },
        "state": {"values": {}},
        "response_url": pacer.slack.response_url(payloads.next_id("action")),
        "actions": [
            {
                "type": "button",
                "action_id": action_id,
                "block_id": "next",
                "value": value if value is not None else str(thread.evaluation_id),
                "text": {"type": "plain_text", "text": "button"},
                "action_ts": "1764000000.000100",
            }
        ],
    }
    return pacer.post(urlencode({"payload": json.dumps(payload)}), content_type="application/x-www-form-urlencoded")


def submit(
    pacer: Pacer,
    user_id: str,
    callback_id: str,
    values: dict[str, dict[str, Any]],
    *,
    metadata: dict[str, int],
    view_id: str | None = None,
) -> Response:
    body = payloads.view_submission(
        team_id=pacer.team_id,
        user_id=user_id,
        callback_id=callback_id,
        values=values,
        view_id=view_id or payloads.next_id("V0CHK"),
        private_metadata=json.dumps(metadata),
    )
    return pacer.post(body, content_type="application/x-www-form-urlencoded")


def click_in_form(
    pacer: Pacer, user_id: str, action_id: str, value: str, *, view: dict[str, Any], values: dict[str, dict[str, Any]]
) -> Response:
    """A button inside an open modal (Add an item), with what has been typed so far in the view's state."""
    payload = {
        "type": "block_actions",
        "user": {"id": user_id, "username": "someone", "name": "someone", "team_id": pacer.team_id},
        "api_app_id": "A0PACER",
        "token": "legacy-verification-token",
        "container": {"type": "view", "view_id": view["id"]},
        "trigger_id": payloads.next_id("trigger."),
        "team": {"id": pacer.team_id, "domain": "acme-sales"},
        "is_enterprise_install": False,
        "view": {
            "id": view["id"],
            "team_id": pacer.team_id,
            "type": "modal",
            "callback_id": view.get("callback_id", ""),
            "hash": view.get("hash", "1764000000.abc"),
            "private_metadata": view.get("private_metadata", ""),
            "state": {"values": {block: {"value": element} for block, element in values.items()}},
            "blocks": view.get("blocks", []),
        },
        "actions": [
            {
                "type": "button",
                "action_id": action_id,
                "block_id": "add_item",
                "value": value,
                "text": {"type": "plain_text", "text": "Add an item"},
                "action_ts": "1764000000.000300",
            }
        ],
    }
    return pacer.post(urlencode({"payload": json.dumps(payload)}), content_type="application/x-www-form-urlencoded")


def reply_event(
    thread: Thread, user_id: str | None, text: str, *, ts: str, thread_ts: str | None = None, **extra: Any
) -> dict[str, Any]:
    """A `message` event (message.mpim) as Slack sends a reply in the group DM's thread."""
    event: dict[str, Any] = {
        "type": "message",
        "channel": thread.channel,
        "text": text,
        "ts": ts,
        "thread_ts": thread.parent_ts if thread_ts is None else thread_ts,
        "parent_user_id": "U0PACER",
        "channel_type": "mpim",
        "event_ts": ts,
        "blocks": [],
    }
    if user_id is not None:
        event["user"] = user_id
    if not event["thread_ts"]:
        del event["thread_ts"], event["parent_user_id"]
    event.update(extra)
    return event
