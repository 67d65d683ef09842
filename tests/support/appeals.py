"""An open appeal for decision tests, stored directly so each test picks its reviewer (or none).

`open_appeal` opens Dana's October check-in (`tests.support.checkins.open_checkin`), then stores what
filing stores: an open `Appeal` row on the version in force, the case message to the reviewer (or to each
admin when there is none) under `appeal:<id>:case:<user>`, and the two reminders (`appeal:<id>:due-soon`
to the reviewer, `appeal:<id>:overdue:<admin>` to each admin) — and delivers the case.
The real path — the form, the reviewer chosen from the pool, the case — is filed end to end in
tests/handlers/test_appeal_cycle.py and tests/handlers/test_appeal_filing.py.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from bot.services.appeals import KIND, key
from bot.store import outbox, reminders
from bot.store.tables import Appeal, Evaluation
from handlers import ids
from tests.support import payloads, reads
from tests.support.checkins import Thread, deliver_all, open_checkin
from tests.support.harness import Pacer, Response

REASON = "The Globex deal was signed on 30 October; the CRM shows it, so it counts in October."


@dataclass(frozen=True)
class Filed:
    appeal_id: int
    thread: Thread
    reviewer: str | None
    case_channel: str | None  # the reviewer's DM the case went to (None: not delivered)
    case_ts: str | None


def open_appeal(
    pacer: Pacer,
    *,
    rep: str,
    manager: str,
    reviewer: str | None,
    metrics: tuple[str, ...] = ("revenue",),
    requested: dict[str, str] | None = None,
    evidence: str | None = "CRM export: Globex, signed 2026-10-30",
    thread: Thread | None = None,
) -> Filed:
    thread = thread or open_checkin(pacer, rep=rep, manager=manager)
    now = pacer.clock()
    due = now + timedelta(days=7)
    admins = list(pacer.deps.config.admins)
    with pacer.db.transaction() as session:
        evaluation = session.get(Evaluation, thread.evaluation_id)
        assert evaluation is not None
        row = Appeal(
            workspace_id=thread.workspace_id,
            evaluation_id=thread.evaluation_id,
            open_evaluation_id=thread.evaluation_id,
            member_id=evaluation.member_id,
            appellant_user_id=rep,
            manager_user_id=evaluation.manager_user_id,
            evaluation_version=evaluation.version,
            metrics=list(metrics),
            requested=requested if requested is not None else {"revenue": "15000"},
            reason=REASON,
            evidence=evidence,
            status="open",
            reviewer_user_id=reviewer,
            assigned_reason="test: assigned directly",
            assigned_at=now,
            due_at=due,
            source="modal",
            created_at=now,
        )
        session.add(row)
        session.flush()
        assert row.id is not None
        appeal_id = row.id
        for user in [reviewer] if reviewer else admins:
            text = f"Appeal AP-{appeal_id} to decide"
            outbox.enqueue(
                session,
                workspace_id=thread.workspace_id,
                key=key(appeal_id, f"case:{user}"),
                kind=KIND,
                channel=user,
                payload={
                    "text": text,
                    "blocks": [
                        {"type": "section", "text": {"type": "mrkdwn", "text": text}},
                        {
                            "type": "actions",
                            "elements": [
                                {
                                    "type": "button",
                                    "text": {"type": "plain_text", "text": "Decide"},
                                    "action_id": ids.APPEAL_DECIDE,
                                    "value": str(appeal_id),
                                }
                            ],
                        },
                    ],
                },
                now=now,
            )
        if reviewer:
            reminders.schedule(
                session,
                workspace_id=thread.workspace_id,
                key=key(appeal_id, "due-soon"),
                recipient=reviewer,
                kind=KIND,
                due_at=due - timedelta(days=1),
                text=f"AP-{appeal_id} is due tomorrow",
                now=now,
            )
        for admin in admins:
            reminders.schedule(
                session,
                workspace_id=thread.workspace_id,
                key=key(appeal_id, f"overdue:{admin}"),
                recipient=admin,
                kind=KIND,
                due_at=due + timedelta(hours=1),
                text=f"AP-{appeal_id} is overdue",
                now=now,
            )
    deliver_all(pacer)
    case = {row.key: row for row in reads.outbox(pacer.db)}.get(key(appeal_id, f"case:{reviewer}"))
    return Filed(
        appeal_id=appeal_id,
        thread=thread,
        reviewer=reviewer,
        case_channel=case.conversation if case else None,
        case_ts=case.ts if case else None,
    )


def withdraw(pacer: Pacer, appeal_id: int) -> None:
    """What the rep's withdrawal stores (the filing helper's service does this for real)."""
    with pacer.db.transaction() as session:
        row = session.get(Appeal, appeal_id)
        assert row is not None
        row.status, row.withdrawn_at, row.open_evaluation_id = "withdrawn", pacer.clock(), None
        session.add(row)


# --- payloads -------------------------------------------------------------------------------------


def click_decide(pacer: Pacer, filed: Filed, user_id: str, value: str | None = None) -> Response:
    """A click on Decide in the case message (a DM with the bot)."""
    channel = filed.case_channel or "D0CASE0001"
    payload = {
        "type": "block_actions",
        "user": {"id": user_id, "username": "someone", "name": "someone", "team_id": pacer.team_id},
        "api_app_id": "A0PACER",
        "token": "legacy-verification-token",
        "container": {"type": "message", "message_ts": filed.case_ts or "1.0", "channel_id": channel},
        "trigger_id": payloads.next_id("trigger."),
        "team": {"id": pacer.team_id, "domain": "acme-sales"},
        "is_enterprise_install": False,
        "channel": {"id": channel, "name": "directmessage"},
        "message": {"type": "message", "ts": filed.case_ts or "1.0", "bot_id": "B0PACER", "text": "case"},
        "state": {"values": {}},
        "response_url": pacer.slack.response_url(payloads.next_id("action")),
        "actions": [
            {
                "type": "button",
                "action_id": ids.APPEAL_DECIDE,
                "block_id": "appeal_case",
                "value": value if value is not None else str(filed.appeal_id),
                "text": {"type": "plain_text", "text": "Decide"},
                "action_ts": "1764000000.000100",
            }
        ],
    }
    return pacer.post(urlencode({"payload": json.dumps(payload)}), content_type="application/x-www-form-urlencoded")


def decision(
    outcome: str | None = "upheld", rationale: str | None = REASON, **corrected: str | None
) -> dict[str, dict[str, Any]]:
    """The decision form's values: `corrected` by metric name (revenue="15k")."""
    values: dict[str, dict[str, Any]] = {
        "decision": payloads.radio(outcome),
        "rationale": payloads.text_input(rationale),
    }
    for metric, value in corrected.items():
        values[f"corrected_{metric}"] = payloads.text_input(value)
    return values


def submit_decision(
    pacer: Pacer, user_id: str, appeal_id: int, values: dict[str, dict[str, Any]], *, view_id: str | None = None
) -> Response:
    body = payloads.view_submission(
        team_id=pacer.team_id,
        user_id=user_id,
        callback_id=ids.DECISION_MODAL,
        values=values,
        view_id=view_id or payloads.next_id("V0DEC"),
        private_metadata=json.dumps({"appeal": appeal_id}),
    )
    return pacer.post(body, content_type="application/x-www-form-urlencoded")


def appeal_row(pacer: Pacer, appeal_id: int) -> Appeal:
    return pacer.read(lambda s: s.get(Appeal, appeal_id))
