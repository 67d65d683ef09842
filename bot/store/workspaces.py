"""Workspaces (one per Slack `team_id`) and their per-workspace record numbers."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from sqlalchemy import bindparam, update
from sqlmodel import Session, col, select

from bot.store.common import insert_ignoring_conflict
from bot.store.direct import Tx
from bot.store.tables import Workspace


def ensure_workspace(session: Session, *, team_id: str, now: datetime) -> Workspace:
    workspace = session.exec(select(Workspace).where(Workspace.team_id == team_id)).first()
    if workspace is not None:
        return workspace
    insert_ignoring_conflict(
        session, Workspace, {"team_id": team_id, "created_at": now, "deal_seq": 0, "activity_seq": 0}, ["team_id"]
    )
    return session.exec(select(Workspace).where(Workspace.team_id == team_id)).one()


def ids(session: Session) -> list[int]:
    """Every workspace's id, oldest first."""
    return [int(found) for found in session.exec(select(Workspace.id).order_by(col(Workspace.id))) if found is not None]


def every(session: Session) -> list[Workspace]:
    """Every workspace, oldest first."""
    return list(session.exec(select(Workspace).order_by(col(Workspace.id))))


_WORKSPACE = Workspace.__table__  # type: ignore[attr-defined]
_NEXT = {
    kind: update(_WORKSPACE)
    .where(_WORKSPACE.c.id == bindparam("workspace_id"))
    .values({column: column + 1})
    .returning(column)
    for kind, column in (("deal", _WORKSPACE.c.deal_seq), ("activity", _WORKSPACE.c.activity_seq))
}


def next_number(session: Tx, *, workspace_id: int, kind: Literal["deal", "activity"]) -> int:
    """The next D-/A- number in this workspace. The row lock serialises concurrent writers."""
    return int(session.connection().execute(_NEXT[kind], {"workspace_id": workspace_id}).scalar_one())
