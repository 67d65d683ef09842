"""Reminders: messages owed at a later time, kept in our own table until they are due.

Check-ins (their pending steps) and appeals (their decision deadlines) call `schedule` in the
transaction that creates the obligation and `cancel` in the one that fulfils it. The `reminders` job calls
`queue_due`, which turns each due reminder into an outbox row and marks it `queued` in the same
transaction: a crash before the commit leaves both undone, after it both done — never one twice.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from bot.store import outbox
from bot.store.common import insert_ignoring_conflict
from bot.store.tables import Reminder

PENDING, QUEUED, CANCELLED = "pending", "queued", "cancelled"
OUTBOX_PREFIX = "reminder:"


def schedule(
    session: Session,
    *,
    workspace_id: int,
    key: str,
    recipient: str,
    kind: str,
    due_at: datetime,
    text: str,
    blocks: list[dict[str, Any]] | None = None,
    now: datetime,
) -> bool:
    """Owe `recipient` a message at `due_at`, once per (workspace, key); False when the key exists.

    A key is used once: scheduling it again (even after it was sent or cancelled) changes nothing,
    so a replayed request schedules nothing new. Name keys after their cause, e.g.
    `checkin:42:self-review`. `text` is what Slack shows (and the notification fallback); escape
    anything users typed before passing it.
    """
    if due_at.tzinfo is None or now.tzinfo is None:
        raise ValueError("reminder times must be timezone-aware")
    return insert_ignoring_conflict(
        session,
        Reminder,
        {
            "workspace_id": workspace_id,
            "key": key,
            "recipient": recipient,
            "kind": kind,
            "due_at": due_at,
            "text": text,
            "blocks": blocks,
            "status": PENDING,
            "created_at": now,
        },
        ["workspace_id", "key"],
    )


def schedule_many(session: Session, *, workspace_id: int, reminders: list[dict[str, Any]], now: datetime) -> None:
    """`schedule` for many reminders at once: each a dict of key, recipient, kind, due_at, text and blocks;
    keys already scheduled are left as they are. One prepared statement executed per row (no RETURNING:
    a multi-row INSERT's huge query text costs PostgreSQL's driver more than the rows)."""
    if not reminders:
        return
    if now.tzinfo is None or any(r["due_at"].tzinfo is None for r in reminders):
        raise ValueError("reminder times must be timezone-aware")
    rows = [
        {
            "workspace_id": workspace_id,
            "key": r["key"],
            "recipient": r["recipient"],
            "kind": r["kind"],
            "due_at": r["due_at"],
            "text": r["text"],
            "blocks": r.get("blocks"),
            "status": PENDING,
            "created_at": now,
        }
        for r in reminders
    ]
    connection = session.connection()
    connection.execute(_insert_quietly(connection.dialect.name), rows)


@lru_cache(maxsize=2)
def _insert_quietly(dialect: str) -> Any:
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = Reminder.__table__  # type: ignore[attr-defined]
    return insert(table).on_conflict_do_nothing(index_elements=["workspace_id", "key"])


def cancel(session: Session, *, workspace_id: int, key: str, now: datetime) -> bool:
    """Withdraw a reminder that is not yet queued; True when one was cancelled."""
    result = session.exec(
        update(Reminder)
        .where(
            col(Reminder.workspace_id) == workspace_id,
            col(Reminder.key) == key,
            col(Reminder.status) == PENDING,
        )
        .values(status=CANCELLED, done_at=now)
    )
    return int(result.rowcount) == 1


def cancel_prefix(session: Session, *, workspace_id: int, prefix: str, now: datetime) -> int:
    """Withdraw every pending reminder whose key starts with `prefix` (end it with ":" — `appeal:7:` is not
    `appeal:70:`); how many were cancelled. For an obligation with several reminders, one per person."""
    if not prefix or any(ch in prefix for ch in "%_\\"):
        raise ValueError(f"{prefix!r} is not a reminder key prefix")
    result = session.exec(
        update(Reminder)
        .where(
            col(Reminder.workspace_id) == workspace_id,
            col(Reminder.key).startswith(prefix),
            col(Reminder.status) == PENDING,
        )
        .values(status=CANCELLED, done_at=now)
    )
    return int(result.rowcount)


def queue_due(session: Session, *, now: datetime, limit: int = 500) -> int:
    """Turn up to `limit` reminders due at `now` into outbox rows; the number queued.

    Each reminder is claimed by an UPDATE that only a still-pending row passes, so two jobs
    running at once queue it once; on PostgreSQL rows another transaction holds are skipped
    rather than waited for. The outbox key `reminder:<key>` is unique per workspace as well.
    """
    query = (
        select(Reminder)
        .where(col(Reminder.status) == PENDING, col(Reminder.due_at) <= now)
        .order_by(col(Reminder.due_at), col(Reminder.id))
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    queued = 0
    for reminder in session.exec(query).all():
        claimed = session.exec(
            update(Reminder)
            .where(col(Reminder.id) == reminder.id, col(Reminder.status) == PENDING)
            .values(status=QUEUED, done_at=now)
        )
        if int(claimed.rowcount) != 1:
            continue
        payload: dict[str, Any] = {"text": reminder.text, "unfurl_links": False}
        if reminder.blocks:
            payload["blocks"] = reminder.blocks
        outbox.enqueue(
            session,
            workspace_id=reminder.workspace_id,
            key=OUTBOX_PREFIX + reminder.key,
            kind=reminder.kind,
            channel=reminder.recipient,
            payload=payload,
            now=now,
            not_before=reminder.due_at,
        )
        queued += 1
    return queued
