"""Exports for HR records: every evaluation of a period, the version in force (see `scoring.exports`).

`pacer export evaluations` is the entry point: it picks the workspace (`workspace_to_export`), then
`export_evaluations` reads the rows and audits that they were exported — personal records leaving
Pacer leave a trace.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from bot.store import audit, evaluations, workspaces
from bot.store.engine import Database
from scoring.errors import InputError
from scoring.evaluations import CheckinFacts, Snapshot, progression
from scoring.exports import EvaluationRecord, ordered, record_of
from scoring.periods import Period

EXPORTER = "cli"  # the audit's actor and source: someone with access to the database, on the command line


@dataclass(frozen=True)
class WorkspaceChoice:
    id: int
    team_id: str
    name: str | None

    def __str__(self) -> str:
        return f"{self.team_id} ({self.name})" if self.name else self.team_id


class WorkspaceNotNamed(InputError):
    """The database holds several workspaces and none was named."""

    def __init__(self, choices: list[WorkspaceChoice]) -> None:
        super().__init__(
            f"this database holds {len(choices)} workspaces ({', '.join(map(str, choices))}): "
            "say which one to export with --team-id"
        )
        self.choices = choices


class UnknownWorkspace(InputError):
    """--team-id names no workspace of this database."""

    def __init__(self, team_id: str, choices: list[WorkspaceChoice]) -> None:
        held = ", ".join(map(str, choices)) if choices else "none yet"
        super().__init__(f"there is no workspace {team_id} in this database (it holds: {held})")
        self.team_id = team_id
        self.choices = choices


def workspace_to_export(session: Session, *, team_id: str | None) -> WorkspaceChoice | None:
    """The workspace named by `team_id`, or the only one when none is named; None when the database holds
    no workspace at all (and none was named). Raises `UnknownWorkspace` or `WorkspaceNotNamed`."""
    choices = [
        WorkspaceChoice(id=row.id, team_id=row.team_id, name=row.name)
        for row in workspaces.every(session)
        if row.id is not None
    ]
    if team_id is not None:
        found = next((choice for choice in choices if choice.team_id == team_id), None)
        if found is None:
            raise UnknownWorkspace(team_id, choices)
        return found
    if len(choices) > 1:
        raise WorkspaceNotNamed(choices)
    return choices[0] if choices else None


def evaluation_records(session: Session, *, workspace: WorkspaceChoice, period: Period) -> list[EvaluationRecord]:
    """Every evaluation of `period` in the workspace (the version in force), ordered for reading."""
    rows = evaluations.in_force_in(session, workspace_id=workspace.id, period_key=period.key)
    return ordered(
        record_of(
            Snapshot.from_json(current.snapshot),
            workspace=workspace.team_id,
            team=team,
            profile=evaluation.profile,
            manager_user_id=evaluation.manager_user_id,
            version=evaluation.version,
            status=progression(
                CheckinFacts(
                    self_review_at=evaluation.self_review_at,
                    feedback_at=evaluation.feedback_at,
                    acknowledged_at=evaluation.acknowledged_at,
                    closed_at=evaluation.closed_at,
                )
            ).label,
            frozen_at=evaluation.created_at,
        )
        for evaluation, current, team in rows
    )


def export_evaluations(
    db: Database, *, workspace: WorkspaceChoice, period: Period, format: str, now: datetime
) -> list[EvaluationRecord]:
    """The period's evaluations for export; when there are any, one audit entry records the export."""
    with db.reading() as session:
        records = evaluation_records(session, workspace=workspace, period=period)
    if records:
        with db.transaction() as session:
            audit.record(
                session,
                workspace_id=workspace.id,
                actor=EXPORTER,
                action="evaluations.exported",
                entity="period",
                entity_id=None,
                source=EXPORTER,
                at=now,
                after={"period": period.key, "format": format, "evaluations": len(records)},
            )
    return records
