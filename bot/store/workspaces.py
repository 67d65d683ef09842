"""Workspaces (one per Slack `team_id`) and their per-workspace record numbers."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from sqlalchemy import update
from sqlmodel import Session, col, select

from bot.store.common import insert_ignoring_conflict
from bot.store.tables import Workspace


def ensure_workspace(session: Session, *, team_id: str, now: datetime) -> Workspace:
    workspace = session.exec(select(Workspace).where(Workspace.team_id == team_id)).first()
    if workspace is not None:
        return workspace
    insert_ignoring_conflict(
        session, Workspace, {"team_id": team_id, "created_at": now, "deal_seq": 0, "activity_seq": 0}, ["team_id"]
    )
    return session.exec(select(Workspace).where(Workspace.team_id == team_id)).one()


def next_number(session: Session, *, workspace_id: int, kind: Literal["deal", "activity"]) -> int:
    """The next D-/A- number in this workspace. The row lock serialises concurrent writers."""
    column = Workspace.__table__.c.deal_seq if kind == "deal" else Workspace.__table__.c.activity_seq  # type: ignore[attr-defined]
    statement = (
        update(Workspace).where(col(Workspace.id) == workspace_id).values({column: column + 1}).returning(column)
    )
    return int(session.exec(statement).scalar_one())
