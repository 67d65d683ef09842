"""Appeals written straight into the tables, for the fairness report's tests.

Filing and deciding appeals are other features; the report only reads the `appeal`, `evaluation`,
`evaluation_version` and `member` rows. `frozen` freezes a rep's evaluation with the real `freeze_one`;
`appeal` inserts an appeal row in any status, and for an upheld or partly upheld one adds the re-scored
evaluation version and bumps the evaluation's version, as a decision does.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from bot.config import PacerConfig, ProductLine, Team
from bot.services.evaluations import EvaluationView, evaluation_of, freeze_one
from bot.store.engine import Database
from bot.store.tables import Appeal, Evaluation, EvaluationVersion
from scoring.evaluations import rescore
from scoring.periods import Period, month_of
from tests.conftest import ADMIN, MANAGER, REP, REP2
from tests.fakes.slack_api import FakeSlack
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


# --- a seeded workspace: seven appeals on October's evaluations ------------------------------------------

KIM = "UREP0003"
WES = "UMGR0002"
OCTOBER = month_of(date(2026, 10, 1))
NOVEMBER = month_of(date(2026, 11, 1))
NOW = datetime(2026, 12, 16, 12, 0, tzinfo=UTC)  # a Wednesday


def at(day: int, hour: int = 10, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, 0, tzinfo=UTC)


def fairness_config() -> PacerConfig:
    """East (Morgan: Dana, Lee) and West (Wes: Kim)."""
    return PacerConfig(
        currency="USD",
        recognition="signed",
        product_lines=[ProductLine(name="Core")],
        teams=[Team(name="East", manager=MANAGER, members=[REP, REP2]), Team(name="West", manager=WES, members=[KIM])],
        admins=[ADMIN],
    )


def with_kim_and_wes(slack: FakeSlack) -> FakeSlack:
    slack.add_user(KIM, name="kim", real_name="Kim Rep", tz="UTC")
    slack.add_user(WES, name="wes", real_name="Wes West", tz="UTC")
    return slack


def seven_appeals(pacer: Pacer) -> None:
    """October: Dana and Lee (evaluated by Morgan) and Kim (strategic, evaluated by Wes) appeal seven times;
    Lee has since moved to West. Working days to decide: 2, 6, 1 (Morgan's) and 0 (Wes's).

    | rep | status | filed | due | decided | |
    | Dana | upheld (revenue → 100k) | Mon 2 Nov | Mon 9 Nov | Wed 4 Nov | 2 working days |
    | Dana | rejected | Thu 5 Nov | Thu 12 Nov | Fri 13 Nov | 6, late |
    | Lee | partly upheld (revenue → 50k) | Fri 6 Nov | Fri 13 Nov | Mon 9 Nov | 1 |
    | Lee | withdrawn | Mon 16 Nov | Mon 23 Nov | | |
    | Dana | open | Mon 7 Dec | Mon 14 Dec | | overdue on Wed 16 Dec |
    | Kim | rejected | Mon 2 Nov | Mon 9 Nov | Mon 2 Nov | 0 |
    | Kim | open | Tue 15 Dec | Tue 22 Dec | | |
    """
    for user in (ADMIN, MANAGER, WES, REP, REP2, KIM):
        assert pacer.command(user, "/pacer", "help").status == 200
    assert "strategic" in pacer.command(ADMIN, "/pacer", f"profile <@{KIM}|kim> strategic").text
    pacer.settle()
    dana, lee, kim = (frozen(pacer, user, OCTOBER, actor=MANAGER) for user in (REP, REP2, KIM))
    assert pacer.command(ADMIN, "/pacer", f"team <@{REP2}|lee> West").status == 200  # the team now counts
    pacer.settle()
    db = pacer.db
    revenue = {"revenue": Decimal(100000)}
    appeal(db, dana, status="upheld", created_at=at(2), due_at=at(9), decided_at=at(4, 15), corrected=revenue)
    appeal(db, dana, status="rejected", created_at=at(5), due_at=at(12), decided_at=at(13))
    half = {"revenue": Decimal(50000)}
    appeal(db, lee, status="partly_upheld", created_at=at(6, 16), due_at=at(13, 16), decided_at=at(9), corrected=half)
    appeal(db, lee, status="withdrawn", created_at=at(16), due_at=at(23))
    appeal(db, dana, status="open", created_at=at(7, month=12), due_at=at(14, month=12))
    appeal(db, kim, status="rejected", created_at=at(2), due_at=at(9), decided_at=at(2, 17))
    appeal(db, kim, status="open", created_at=at(15, month=12), due_at=at(22, month=12))
