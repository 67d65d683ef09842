"""Reads behind the fairness report (see bot.services.fairness): the few columns it needs, no rules.

The appeals of a period are those on its evaluations; each comes with the rep's team now and the
evaluating manager. Scores are the versions in force. The medians and quartiles need the values, so
these fetch rows (a handful of columns each) rather than aggregate in SQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, select
from sqlmodel import Session, col

from bot.store.tables import Appeal, Evaluation, EvaluationVersion, Member
from scoring.fairness import AppealFacts


def _utc(value: datetime) -> datetime:
    """A stored time as an aware UTC datetime (SQLite gives them back naive)."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


@dataclass(frozen=True)
class AppealRow:
    team: str | None  # the rep's team now
    manager_user_id: str | None  # the evaluating manager
    facts: AppealFacts


def appeals_in(session: Session, *, workspace_id: int, period_key: str) -> list[AppealRow]:
    """Every appeal on an evaluation of the period in the workspace (any status), by id."""
    rows = session.execute(
        select(
            col(Member.team),
            col(Appeal.manager_user_id),
            col(Appeal.status),
            col(Appeal.created_at),
            col(Appeal.due_at),
            col(Appeal.decided_at),
        )
        .join(Evaluation, col(Evaluation.id) == col(Appeal.evaluation_id))
        .join(Member, col(Member.id) == col(Appeal.member_id))
        .where(col(Appeal.workspace_id) == workspace_id, col(Evaluation.period_key) == period_key)
        .order_by(col(Appeal.id))
    )
    return [
        AppealRow(
            team=team,
            manager_user_id=manager,
            facts=AppealFacts(
                status=status,
                created_at=_utc(created_at),
                due_at=_utc(due_at),
                decided_at=None if decided_at is None else _utc(decided_at),
            ),
        )
        for team, manager, status, created_at, due_at, decided_at in rows
    ]


def scores_in(session: Session, *, workspace_id: int, period_key: str) -> list[tuple[str, Decimal, str]]:
    """(profile, total, rating) of the version in force of every evaluation of the period."""
    rows = session.execute(
        select(col(Evaluation.profile), col(EvaluationVersion.total), col(EvaluationVersion.rating))
        .join(
            EvaluationVersion,
            and_(
                col(EvaluationVersion.evaluation_id) == col(Evaluation.id),
                col(EvaluationVersion.version) == col(Evaluation.version),
            ),
        )
        .where(col(Evaluation.workspace_id) == workspace_id, col(Evaluation.period_key) == period_key)
        .order_by(col(Evaluation.id))
    )
    return [(profile, Decimal(total), rating) for profile, total, rating in rows]


def frozen_snapshot(session: Session, *, workspace_id: int, period_key: str, profile: str) -> dict[str, Any] | None:
    """The snapshot of one evaluation of the profile in the period (its frozen scorecard holds the bands)."""
    return session.execute(
        select(col(EvaluationVersion.snapshot))
        .join(Evaluation, col(Evaluation.id) == col(EvaluationVersion.evaluation_id))
        .where(
            col(Evaluation.workspace_id) == workspace_id,
            col(Evaluation.period_key) == period_key,
            col(Evaluation.profile) == profile,
        )
        .order_by(col(EvaluationVersion.id))
        .limit(1)
    ).scalar_one_or_none()


@dataclass(frozen=True)
class PeriodRef:
    key: str
    cadence: str
    start: date
    end: date


def latest_period(session: Session, *, workspace_id: int) -> PeriodRef | None:
    """The period with evaluations that ended last (a month before a quarter that ends the same day)."""
    row = session.execute(
        select(
            col(Evaluation.period_key),
            col(Evaluation.cadence),
            col(Evaluation.period_start),
            col(Evaluation.period_end),
        )
        .where(col(Evaluation.workspace_id) == workspace_id)
        .order_by(col(Evaluation.period_end).desc(), col(Evaluation.period_start).desc(), col(Evaluation.period_key))
        .limit(1)
    ).first()
    return None if row is None else PeriodRef(key=row[0], cadence=row[1], start=row[2], end=row[3])


def names_of(session: Session, *, workspace_id: int, user_ids: set[str]) -> dict[str, str]:
    """user id → name of the members among `user_ids`."""
    if not user_ids:
        return {}
    rows = session.execute(
        select(col(Member.user_id), col(Member.name)).where(
            col(Member.workspace_id) == workspace_id, col(Member.user_id).in_(sorted(user_ids))
        )
    )
    return {str(user_id): str(name) for user_id, name in rows.all()}
