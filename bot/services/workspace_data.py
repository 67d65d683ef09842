"""A workspace's data as a whole, for the admin who runs Pacer: which workspaces the database holds,
and erasing one of them completely (after uninstalling Pacer from it).

Day to day nothing is deleted: deals and activities are voided with a reason and every change is
audited. Erasing a workspace is a different thing: an explicit, admin-only operation on the command
line (`pacer workspace erase T… --yes`) that removes every row the workspace has in every table —
its audit log included — in one transaction. It is not undone; an export and a backup come first.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from bot.services.exports import UnknownWorkspace, WorkspaceChoice
from bot.store import workspace_data as store
from bot.store.engine import Database
from bot.store.workspace_data import WorkspaceRow, WorkspaceSummary

logger = logging.getLogger(__name__)

__all__ = ["ErasePlan", "UnknownWorkspace", "WorkspaceSummary", "erase_plan", "erase_workspace", "workspaces"]


@dataclass(frozen=True)
class ErasePlan:
    """What erasing a workspace deletes (or deleted): its rows per table, the tables that hold any,
    in the order they are deleted, the workspace's own row last."""

    workspace: WorkspaceRow
    rows: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.rows.values())


def workspaces(db: Database) -> list[WorkspaceSummary]:
    """Every workspace of the database, oldest first, with its people, deals and last activity."""
    with db.reading() as session:
        return store.summaries(session)


def erase_plan(db: Database, *, team_id: str) -> ErasePlan:
    """What `erase_workspace` would delete; changes nothing. Raises `UnknownWorkspace`."""
    with db.reading() as session:
        workspace = _workspace(session, team_id)
        counts = store.row_counts(session, workspace_id=workspace.id)
    return ErasePlan(workspace, _held(counts) | {"workspace": 1})


def erase_workspace(db: Database, *, team_id: str, now: datetime) -> ErasePlan:
    """Delete every row of the workspace in every table, and the workspace, in one transaction.
    Returns what was deleted. Raises `UnknownWorkspace`."""
    with db.transaction() as session:
        workspace = _workspace(session, team_id)
        deleted = store.erase(session, workspace_id=workspace.id)
    plan = ErasePlan(workspace, _held(deleted))
    logger.info(
        "workspace %s erased at %s: %d rows (%s)",
        team_id,
        now.isoformat(timespec="seconds"),
        plan.total,
        ", ".join(f"{table} {count}" for table, count in plan.rows.items()),
    )
    return plan


def remember_slack_workspace(db: Database, *, team_id: str, name: str, now: datetime) -> None:
    """The workspace the bot token belongs to, with its name as Slack gives it (`pacer run` at start),
    so `pacer workspace list` can name it."""
    with db.transaction() as session:
        store.remember_name(session, team_id=team_id, name=name, now=now)


def _workspace(session: Session, team_id: str) -> WorkspaceRow:
    found = store.find(session, team_id=team_id)
    if found is None:
        held = store.every(session)
        raise UnknownWorkspace(team_id, [WorkspaceChoice(id=w.id, team_id=w.team_id, name=w.name) for w in held])
    return found


def _held(counts: dict[str, int]) -> dict[str, int]:
    return {table: count for table, count in counts.items() if count}
