"""Small readers and builders for the scheduler tests."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import col, select

from bot.store import reminders
from bot.store.engine import Database
from bot.store.tables import OutboxMessage, Reminder, SchedulerLease
from bot.store.workspaces import ensure_workspace


def workspace(db: Database, now: datetime, team_id: str = "T1") -> int:
    with db.transaction() as session:
        found = ensure_workspace(session, team_id=team_id, now=now)
        assert found.id is not None
        return found.id


def schedule(db: Database, workspace_id: int, key: str, due_at: datetime, now: datetime, **extra: Any) -> bool:
    values: dict[str, Any] = {"recipient": "UREP0001", "kind": "checkin_reminder", "text": f"Reminder {key}"}
    values.update(extra)
    with db.transaction() as session:
        return reminders.schedule(session, workspace_id=workspace_id, key=key, due_at=due_at, now=now, **values)


def cancel(db: Database, workspace_id: int, key: str, now: datetime) -> bool:
    with db.transaction() as session:
        return reminders.cancel(session, workspace_id=workspace_id, key=key, now=now)


def outbox_rows(db: Database) -> list[OutboxMessage]:
    with db.reading() as session:
        return list(session.exec(select(OutboxMessage).order_by(col(OutboxMessage.id))))


def reminder_rows(db: Database) -> dict[str, Reminder]:
    with db.reading() as session:
        return {r.key: r for r in session.exec(select(Reminder))}


def lease(db: Database) -> SchedulerLease | None:
    with db.reading() as session:
        return session.get(SchedulerLease, "dispatcher")
