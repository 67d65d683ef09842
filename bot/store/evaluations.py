"""Evaluations, their versions and period closes (see bot.services.evaluations).

An evaluation is inserted once per (workspace, member, period key) — a second insert is ignored — and
its version 1 in the same statement batch; versions are only ever inserted. A period close is one
row per (workspace, cadence, period key), started once and finished once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import and_, bindparam, exists, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col
from sqlmodel import select as select_model

from bot.store.common import insert_ignoring_conflict
from bot.store.tables import Evaluation, EvaluationVersion, Member, PeriodClose
from scoring.evaluations import Snapshot
from scoring.periods import Period

EVALUATION = Evaluation.__table__  # type: ignore[attr-defined]
VERSION = EvaluationVersion.__table__  # type: ignore[attr-defined]
MEMBER = Member.__table__  # type: ignore[attr-defined]
CLOSE = PeriodClose.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Rep:
    """A member who may be evaluated, with what the freeze records about them."""

    member_id: int
    user_id: str
    name: str
    profile: str | None  # as assigned; None: their team's or the default profile
    manager_user_id: str | None


@dataclass(frozen=True)
class NewEvaluation:
    member_id: int
    profile: str
    manager_user_id: str | None
    snapshot: Snapshot


_UNFROZEN = (
    select(MEMBER.c.id, MEMBER.c.user_id, MEMBER.c.name, MEMBER.c.profile, MEMBER.c.manager_user_id)
    .where(
        MEMBER.c.workspace_id == bindparam("workspace_id"),
        MEMBER.c.role == "rep",
        MEMBER.c.is_bot.is_(False),
        MEMBER.c.deleted.is_(False),
        MEMBER.c.created_at < bindparam("registered_before", type_=MEMBER.c.created_at.type),
        ~exists().where(
            EVALUATION.c.workspace_id == MEMBER.c.workspace_id,
            EVALUATION.c.member_id == MEMBER.c.id,
            EVALUATION.c.period_key == bindparam("period_key"),
        ),
    )
    .order_by(MEMBER.c.id)
)


def unfrozen_reps(session: Session, *, workspace_id: int, period_key: str, registered_before: datetime) -> list[Rep]:
    """Reps (role rep, not a bot, not deactivated) registered before `registered_before` who have no
    evaluation for the period yet, by member id."""
    rows = session.connection().execute(
        _UNFROZEN, {"workspace_id": workspace_id, "period_key": period_key, "registered_before": registered_before}
    )
    return [Rep(*row) for row in rows]


@lru_cache(maxsize=2)
def _insert_evaluations(dialect: str) -> Any:
    dialect_insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return (
        dialect_insert(EVALUATION)
        .on_conflict_do_nothing(index_elements=["workspace_id", "member_id", "period_key"])
        .returning(EVALUATION.c.id, EVALUATION.c.member_id)
    )


_INSERT_VERSION = insert(VERSION)


def insert_frozen(
    session: Session,
    *,
    workspace_id: int,
    period: Period,
    evaluations: Sequence[NewEvaluation],
    reason: str,
    created_by: str,
    now: datetime,
) -> dict[int, int]:
    """Insert each evaluation with its version 1 unless the member already has one for the period;
    {member id: evaluation id} of those this call inserted."""
    if not evaluations:
        return {}
    connection = session.connection()
    rows = [
        {
            "workspace_id": workspace_id,
            "member_id": new.member_id,
            "period_key": period.key,
            "cadence": period.cadence,
            "period_start": period.start,
            "period_end": period.end,
            "profile": new.profile,
            "manager_user_id": new.manager_user_id,
            "version": 1,
            "self_review_at": None,
            "feedback_at": None,
            "acknowledged_at": None,
            "closed_at": None,
            "created_at": now,
        }
        for new in evaluations
    ]
    inserted = {
        member_id: evaluation_id
        for evaluation_id, member_id in connection.execute(_insert_evaluations(connection.dialect.name), rows)
    }
    versions = [
        {
            "workspace_id": workspace_id,
            "evaluation_id": inserted[new.member_id],
            "version": 1,
            "snapshot": new.snapshot.as_json(),
            "total": new.snapshot.total,
            "rating": new.snapshot.rating,
            "reason": reason,
            "created_by": created_by,
            "created_at": now,
        }
        for new in evaluations
        if new.member_id in inserted
    ]
    if versions:
        connection.execute(_INSERT_VERSION, versions)
    return inserted


def evaluation_of(session: Session, *, workspace_id: int, member_id: int, period_key: str) -> Evaluation | None:
    return session.exec(
        select_model(Evaluation).where(
            Evaluation.workspace_id == workspace_id,
            Evaluation.member_id == member_id,
            Evaluation.period_key == period_key,
        )
    ).first()


def evaluations_in(session: Session, *, workspace_id: int, period_key: str) -> list[Evaluation]:
    """Every evaluation of the period in the workspace, by member id."""
    return list(
        session.exec(
            select_model(Evaluation)
            .where(Evaluation.workspace_id == workspace_id, Evaluation.period_key == period_key)
            .order_by(col(Evaluation.member_id))
        )
    )


def in_force_in(
    session: Session, *, workspace_id: int, period_key: str
) -> list[tuple[Evaluation, EvaluationVersion, str | None]]:
    """Every evaluation of the period in the workspace with its version in force and the rep's team now,
    by member id."""
    rows = session.exec(
        select_model(Evaluation, EvaluationVersion, Member.team)
        .join(
            EvaluationVersion,
            and_(
                col(EvaluationVersion.evaluation_id) == col(Evaluation.id),
                col(EvaluationVersion.version) == col(Evaluation.version),
            ),
        )
        .join(Member, col(Member.id) == col(Evaluation.member_id))
        .where(Evaluation.workspace_id == workspace_id, Evaluation.period_key == period_key)
        .order_by(col(Evaluation.member_id))
    )
    return [(evaluation, current, team) for evaluation, current, team in rows]


def versions_of(session: Session, *, evaluation_id: int) -> list[EvaluationVersion]:
    """Every version of the evaluation, oldest first."""
    return list(
        session.exec(
            select_model(EvaluationVersion)
            .where(EvaluationVersion.evaluation_id == evaluation_id)
            .order_by(col(EvaluationVersion.version))
        )
    )


def in_force(session: Session, *, evaluation_id: int) -> int | None:
    """The number of the evaluation's version in force, as stored now (None: no such evaluation)."""
    found = session.connection().execute(select(EVALUATION.c.version).where(EVALUATION.c.id == evaluation_id)).first()
    return None if found is None else int(found[0])


def version(session: Session, *, evaluation_id: int, number: int) -> EvaluationVersion | None:
    return session.exec(
        select_model(EvaluationVersion).where(
            EvaluationVersion.evaluation_id == evaluation_id, EvaluationVersion.version == number
        )
    ).first()


# --- period closes ----------------------------------------------------------------------------------


def finished_closes(session: Session, *, cadence: str, period_key: str) -> set[int]:
    """The workspaces whose close of this period has finished."""
    rows = session.connection().execute(
        select(CLOSE.c.workspace_id).where(
            CLOSE.c.cadence == cadence, CLOSE.c.period_key == period_key, CLOSE.c.finished_at.is_not(None)
        )
    )
    return {workspace_id for (workspace_id,) in rows}


def start_close(session: Session, *, workspace_id: int, period: Period, now: datetime) -> None:
    """Record that the close of the period began (once: a resumed close keeps its first start)."""
    insert_ignoring_conflict(
        session,
        PeriodClose,
        {
            "workspace_id": workspace_id,
            "cadence": period.cadence,
            "period_key": period.key,
            "period_start": period.start,
            "period_end": period.end,
            "started_at": now,
            "finished_at": None,
            "frozen": 0,
        },
        ["workspace_id", "cadence", "period_key"],
    )


def finish_close(session: Session, *, workspace_id: int, period: Period, now: datetime) -> bool:
    """Mark the close finished with the number of evaluations the period has; False when it had already
    finished."""
    frozen = (
        select(func.count())
        .select_from(EVALUATION)
        .where(EVALUATION.c.workspace_id == workspace_id, EVALUATION.c.period_key == period.key)
        .scalar_subquery()
    )
    result = session.connection().execute(
        update(CLOSE)
        .where(
            and_(
                CLOSE.c.workspace_id == workspace_id,
                CLOSE.c.cadence == period.cadence,
                CLOSE.c.period_key == period.key,
                CLOSE.c.finished_at.is_(None),
            )
        )
        .values(finished_at=now, frozen=frozen)
        .returning(CLOSE.c.id)
    )
    return result.first() is not None


def close_of(session: Session, *, workspace_id: int, cadence: str, period_key: str) -> PeriodClose | None:
    return session.exec(
        select_model(PeriodClose).where(
            PeriodClose.workspace_id == workspace_id,
            PeriodClose.cadence == cadence,
            PeriodClose.period_key == period_key,
        )
    ).first()


def add_version(
    session: Session,
    *,
    workspace_id: int,
    evaluation_id: int,
    snapshot: Snapshot,
    reason: str,
    created_by: str,
    now: datetime,
) -> int:
    """Insert the evaluation's next version (latest + 1) with `snapshot` and put it in force; its number.

    Versions are only inserted: the earlier ones stay, superseded. Call it with the evaluation row locked
    (`bot.store.checkins.locked`): two corrections at once would otherwise race on the unique
    (evaluation, version), and the loser's transaction fails rather than overwrite anything."""
    latest = session.exec(
        select_model(func.max(EvaluationVersion.version)).where(EvaluationVersion.evaluation_id == evaluation_id)
    ).one()
    number = int(latest or 0) + 1
    session.connection().execute(
        _INSERT_VERSION,
        [
            {
                "workspace_id": workspace_id,
                "evaluation_id": evaluation_id,
                "version": number,
                "snapshot": snapshot.as_json(),
                "total": snapshot.total,
                "rating": snapshot.rating,
                "reason": reason,
                "created_by": created_by,
                "created_at": now,
            }
        ],
    )
    session.connection().execute(
        update(EVALUATION)
        .where(EVALUATION.c.id == evaluation_id, EVALUATION.c.workspace_id == workspace_id)
        .values(version=number)
    )
    return number
