"""The outbox table: messages owed to Slack, claimed by one sender at a time."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, select

from bot.store.common import insert_ignoring_conflict, insert_many_ignoring_conflict
from bot.store.tables import OutboxMessage, Workspace

CLAIM_FOR = timedelta(minutes=2)


def enqueue(
    session: Session,
    *,
    workspace_id: int,
    key: str,
    kind: str,
    channel: str,
    payload: dict[str, Any],
    now: datetime,
    not_before: datetime | None = None,
) -> bool:
    """Queue a message once per (workspace, key); False when that key was already queued."""
    return insert_ignoring_conflict(
        session,
        OutboxMessage,
        {
            "workspace_id": workspace_id,
            "key": key,
            "kind": kind,
            "channel": channel,
            "payload": payload,
            "status": "pending",
            "attempts": 0,
            "not_before": not_before or now,
            "created_at": now,
        },
        ["workspace_id", "key"],
    )


def claim_due(session: Session, *, now: datetime, limit: int = 50) -> list[tuple[OutboxMessage, str]]:
    """Claim due pending messages, each for one sender, with their workspaces' team ids."""
    due = session.exec(
        select(OutboxMessage.id)
        .where(col(OutboxMessage.status) == "pending", col(OutboxMessage.not_before) <= now)
        .order_by(col(OutboxMessage.id))
        .limit(limit)
    ).all()
    claimed = []
    for message_id in due:
        result = session.exec(
            update(OutboxMessage)
            .where(col(OutboxMessage.id) == message_id, col(OutboxMessage.status) == "pending")
            .values(status="sending", claimed_until=now + CLAIM_FOR, attempts=OutboxMessage.attempts + 1)
        )
        if result.rowcount == 1:
            claimed.append(message_id)
    if not claimed:
        return []
    rows = session.exec(
        select(OutboxMessage, Workspace.team_id)
        .join(Workspace)
        .where(col(OutboxMessage.id).in_(claimed))
        .order_by(col(OutboxMessage.id))
    )
    return [(message, team_id) for message, team_id in rows]


def expire_abandoned(session: Session, *, now: datetime) -> int:
    """A claim that outlived its sender (a crash mid-send) is ambiguous: Slack may have posted it.

    Such messages become `unknown` and are reported, never resent blindly.
    """
    result = session.exec(
        update(OutboxMessage)
        .where(col(OutboxMessage.status) == "sending", col(OutboxMessage.claimed_until) < now)
        .values(status="unknown", claimed_until=None, error="the sender stopped mid-send: Slack may have posted it")
    )
    return int(result.rowcount)


def finish(
    session: Session,
    *,
    message_id: int,
    status: str,
    now: datetime,
    ts: str | None = None,
    error: str | None = None,
    retry_at: datetime | None = None,
) -> None:
    """Record the outcome: `sent` (with ts), `failed`/`unknown` (with error), or back to `pending` at retry_at."""
    message = session.get(OutboxMessage, message_id)
    if message is None:
        return
    message.status = status
    message.claimed_until = None
    message.ts = ts
    message.error = error[:300] if error else None
    if status == "sent":
        message.sent_at = now
    if retry_at is not None:
        message.not_before = retry_at
    session.add(message)


def enqueue_many(
    session: Session, *, workspace_id: int, kind: str, messages: list[tuple[str, str, dict[str, Any]]], now: datetime
) -> int:
    """Queue (key, channel, payload) messages in one statement, each once per key; how many were new."""
    rows = [
        {
            "workspace_id": workspace_id,
            "key": key,
            "kind": kind,
            "channel": channel,
            "payload": payload,
            "status": "pending",
            "attempts": 0,
            "not_before": now,
            "created_at": now,
        }
        for key, channel, payload in messages
    ]
    return insert_many_ignoring_conflict(session, OutboxMessage, rows, ["workspace_id", "key"])
