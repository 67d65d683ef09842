"""A workspace's data as a whole: what each table holds for it, and erasing all of it.

The tables are read from the models' metadata, not listed by hand: every table with a
`workspace_id` column holds that workspace's rows, so a table added later is counted and erased
without anyone remembering to add it here. `UNSCOPED` names the only tables without one, and
`tests/services/test_workspace_data.py` fails when another appears.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Table, bindparam, delete, func
from sqlalchemy import select as core_select
from sqlmodel import Session, SQLModel, col, select

import bot.store.tables  # noqa: F401 — registers every table on the metadata read below
from bot.store.tables import Activity, AuditEntry, Deal, Member, Workspace
from bot.store.workspaces import ensure_workspace

#: Tables that belong to no workspace: the workspaces themselves, and which process leads the scheduler.
UNSCOPED = frozenset({"workspace", "scheduler_lease"})

_WORKSPACE: Table = Workspace.__table__  # type: ignore[attr-defined]


def scoped_tables() -> list[Table]:
    """Every table with a `workspace_id` column, in an order safe for deleting: a table comes before
    the tables it refers to (deals before members, appeals before evaluations)."""
    return [table for table in reversed(SQLModel.metadata.sorted_tables) if "workspace_id" in table.c]


def unscoped_tables() -> set[str]:
    """The tables without a `workspace_id` column (should be exactly `UNSCOPED`)."""
    return {table.name for table in SQLModel.metadata.sorted_tables if "workspace_id" not in table.c}


@dataclass(frozen=True)
class WorkspaceRow:
    id: int
    team_id: str
    name: str | None
    created_at: datetime


@dataclass(frozen=True)
class WorkspaceSummary:
    """One workspace as `pacer workspace list` shows it."""

    team_id: str
    name: str | None
    people: int
    deals: int
    activities: int
    first_seen: datetime
    last_activity: datetime | None


def find(session: Session, *, team_id: str) -> WorkspaceRow | None:
    found = session.exec(select(Workspace).where(Workspace.team_id == team_id)).first()
    return None if found is None else _row(found)


def every(session: Session) -> list[WorkspaceRow]:
    """Every workspace, oldest first."""
    return [_row(workspace) for workspace in session.exec(select(Workspace).order_by(col(Workspace.id)))]


def summaries(session: Session) -> list[WorkspaceSummary]:
    """Every workspace with its people (bots aside), deals and activities (voided ones included), when
    Pacer first met it and when anything last changed in it, oldest first."""
    people = _per_workspace(
        session.exec(
            select(Member.workspace_id, func.count())
            .where(col(Member.is_bot).is_(False))
            .group_by(col(Member.workspace_id))
        )
    )
    deals = _per_workspace(session.exec(select(Deal.workspace_id, func.count()).group_by(col(Deal.workspace_id))))
    activities = _per_workspace(
        session.exec(select(Activity.workspace_id, func.count()).group_by(col(Activity.workspace_id)))
    )
    audited = dict(
        session.exec(
            select(AuditEntry.workspace_id, func.max(AuditEntry.at)).group_by(col(AuditEntry.workspace_id))
        ).all()
    )
    joined = dict(
        session.exec(select(Member.workspace_id, func.max(Member.created_at)).group_by(col(Member.workspace_id))).all()
    )
    found = []
    for workspace in every(session):
        moments = [_utc(moment) for moment in (audited.get(workspace.id), joined.get(workspace.id)) if moment]
        found.append(
            WorkspaceSummary(
                team_id=workspace.team_id,
                name=workspace.name,
                people=people.get(workspace.id, 0),
                deals=deals.get(workspace.id, 0),
                activities=activities.get(workspace.id, 0),
                first_seen=workspace.created_at,
                last_activity=max(moments) if moments else None,
            )
        )
    return found


def row_counts(session: Session, *, workspace_id: int) -> dict[str, int]:
    """How many rows each table holds for the workspace (tables with none included), in deleting order."""
    connection = session.connection()
    return {
        table.name: int(
            connection.execute(
                core_select(func.count()).select_from(table).where(table.c.workspace_id == workspace_id)
            ).scalar_one()
        )
        for table in scoped_tables()
    }


def erase(session: Session, *, workspace_id: int) -> dict[str, int]:
    """Delete every row of the workspace from every table, and the workspace itself, in the caller's
    transaction. Returns the rows deleted per table (`workspace` last)."""
    connection = session.connection()
    deleted = {}
    for table in scoped_tables():
        statement = delete(table).where(table.c.workspace_id == bindparam("workspace_id"))
        deleted[table.name] = connection.execute(statement, {"workspace_id": workspace_id}).rowcount
    deleted["workspace"] = connection.execute(delete(_WORKSPACE).where(_WORKSPACE.c.id == workspace_id)).rowcount
    return deleted


def remember_name(session: Session, *, team_id: str, name: str, now: datetime) -> None:
    """Record the workspace's name as Slack gives it (`auth.test` at start), creating the workspace
    if Pacer has not met it yet."""
    workspace = ensure_workspace(session, team_id=team_id, now=now)
    if workspace.name != name:
        workspace.name = name[:200]
        session.add(workspace)


def _row(workspace: Workspace) -> WorkspaceRow:
    assert workspace.id is not None
    return WorkspaceRow(workspace.id, workspace.team_id, workspace.name, _utc(workspace.created_at))


def _per_workspace(rows: Iterable[tuple[int, int]]) -> dict[int, int]:
    return {int(workspace_id): int(count) for workspace_id, count in rows}


def _utc(moment: datetime) -> datetime:
    """Times are stored as UTC; SQLite gives them back without their zone."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
