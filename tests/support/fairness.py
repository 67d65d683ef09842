"""Appeals written straight into the tables, for the fairness report's tests.

Filing and deciding appeals are other features; the report only reads the `appeal`, `evaluation`,
`evaluation_version` and `member` rows. `frozen` freezes a rep's evaluation with the real `freeze_one`;
`appeal` inserts an appeal row in any status, and for an upheld or partly upheld one adds the re-scored
evaluation version and bumps the evaluation's version, as a decision does.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from bot.services.evaluations import EvaluationView, evaluation_of, freeze_one
from bot.store.engine import Database
from bot.store.tables import Appeal, Evaluation, EvaluationVersion
from scoring.evaluations import rescore
from scoring.periods import Period
from tests.support import reads
from tests.support.harness import Pacer

REVIEWER = "UREV0001"


def frozen(pacer: Pacer, user_id: str, period: Period, *, actor: str) -> EvaluationView:
    """The rep's evaluation of `period`, frozen now by `freeze_one` (the rep must have used Pacer)."""
    member = reads.member(pacer.db, user_id)
    assert member is not None, f"{user_id} has not used Pacer"
    return freeze_one(
        pacer.db,
        config=pacer.deps.config,
        workspace_id=member.workspace_id,
        user_id=user_id,
        period=period,
        now=pacer.clock(),
        actor=actor,
    )


def in_force(db: Database, evaluation: EvaluationView) -> EvaluationView:
    with db.reading() as session:
        row = session.get(Evaluation, evaluation.id)
        assert row is not None
        found = evaluation_of(
            session, workspace_id=row.workspace_id, member_id=evaluation.member_id, period_key=evaluation.period_key
        )
    assert found is not None
    return found


def appeal(
    db: Database,
    evaluation: EvaluationView,
    *,
    status: str,
    created_at: datetime,
    due_at: datetime,
    decided_at: datetime | None = None,
    corrected: dict[str, Decimal] | None = None,
    reviewer: str | None = REVIEWER,
    manager: str | None = "",
) -> int:
    """Insert an appeal on `evaluation` (the version in force); its id. `manager` defaults to the
    evaluation's manager. Upheld or partly upheld: `corrected` re-scores the evaluation as a new version."""
    current = in_force(db, evaluation)
    decided = status in ("upheld", "partly_upheld", "rejected")
    assert decided == (decided_at is not None), "a decided appeal has a decision time, an undecided one none"
    with db.transaction() as session:
        row = session.get(Evaluation, evaluation.id)
        assert row is not None
        result_version = None
        if status in ("upheld", "partly_upheld"):
            assert corrected, "an upheld appeal corrects something"
            snapshot = rescore(current.snapshot, corrected)
            result_version = current.version + 1
            session.add(
                EvaluationVersion(
                    workspace_id=row.workspace_id,
                    evaluation_id=evaluation.id,
                    version=result_version,
                    snapshot=snapshot.as_json(),
                    total=snapshot.total,
                    rating=snapshot.rating,
                    reason="appeal upheld",
                    created_by=reviewer or "system",
                    created_at=decided_at or created_at,
                )
            )
            row.version = result_version
            session.add(row)
        filed = Appeal(
            workspace_id=row.workspace_id,
            evaluation_id=evaluation.id,
            open_evaluation_id=evaluation.id if status == "open" else None,
            member_id=evaluation.member_id,
            appellant_user_id=current.snapshot.member.user_id,
            manager_user_id=current.manager_user_id if manager == "" else manager,
            evaluation_version=current.version,
            metrics=sorted(corrected or {"revenue": Decimal(0)}),
            requested={metric: str(value) for metric, value in (corrected or {}).items()},
            reason="The revenue of the Acme deal is missing from this evaluation.",
            status=status,
            reviewer_user_id=reviewer,
            assigned_reason="least loaded",
            assigned_at=created_at,
            due_at=due_at,
            decided_by=reviewer if decided else None,
            decided_at=decided_at,
            rationale="Checked against the signed contract." if decided else None,
            corrected={metric: str(value) for metric, value in (corrected or {}).items()} if result_version else {},
            result_version=result_version,
            withdrawn_at=created_at if status == "withdrawn" else None,
            source="modal",
            created_at=created_at,
        )
        session.add(filed)
        session.flush()
        assert filed.id is not None
        return filed.id
