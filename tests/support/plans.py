"""Improvement plans for tests: freeze a rep's evaluation and give it plan items directly, as the
feedback modal (built elsewhere) will."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from bot.services import evaluations
from bot.store.tables import Evaluation, PlanItem
from scoring.periods import Period, month_of
from tests.support import reads
from tests.support.harness import Pacer


@dataclass(frozen=True)
class Item:
    action: str
    due: date
    metric: str | None = None
    target: str | None = None


def freeze(pacer: Pacer, user_id: str, period: Period, *, now: datetime) -> int:
    """The rep's evaluation of an ended `period`, frozen at `now`; its id."""
    pacer.clock.now = now
    member = reads.member(pacer.db, user_id)
    assert member is not None
    view = evaluations.freeze_one(
        pacer.db,
        config=pacer.deps.config,
        workspace_id=member.workspace_id,
        user_id=user_id,
        period=period,
        now=now,
        actor="UMGR0001",
    )
    return view.id


def add_plan(
    pacer: Pacer, evaluation_id: int, items: list[Item], *, at: datetime, feedback_version: int = 1
) -> list[int]:
    """Plan items of the evaluation's feedback version `feedback_version`, set at `at`; their ids."""
    with pacer.db.transaction() as session:
        evaluation = session.get(Evaluation, evaluation_id)
        assert evaluation is not None
        rows = [
            PlanItem(
                workspace_id=evaluation.workspace_id,
                evaluation_id=evaluation_id,
                member_id=evaluation.member_id,
                feedback_version=feedback_version,
                position=position,
                action=item.action,
                metric=item.metric,
                target=Decimal(item.target) if item.target is not None else None,
                due=item.due,
                created_at=at,
            )
            for position, item in enumerate(items, start=1)
        ]
        session.add_all(rows)
        session.flush()
        return [row.id for row in rows if row.id is not None]


OCTOBER_CLOSED = datetime(2026, 11, 2, 6, 0, tzinfo=UTC)
FEEDBACK_AT = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)  # Monday 2 November: the plan is set
NOVEMBER_CLOSED = datetime(2026, 12, 1, 6, 0, tzinfo=UTC)
HOSTILE = "Shadow *Morgan* on two <!channel> calls & <https://evil.example|a link>"
DEMOS = Item("Book 10 demos", date(2026, 11, 27), "activities:demo", "10")  # due soon on Tue 24 Nov
ACTIVITIES = Item("Log 18 activities", date(2026, 11, 20), "activities", "18")  # overdue on Tue 24 Nov
SHADOW = Item(HOSTILE, date(2026, 12, 15))  # open, no metric


def plan_scenario(pacer: Pacer, user_id: str, manager_user_id: str) -> int:
    """A rep registered in October with October frozen and a plan of three items set on 2 November:
    10 demos due Fri 27 Nov (5 logged from 2 Nov), 18 activities due Fri 20 Nov (16 logged by then) and
    a hostile-text item without a metric due 15 Dec. On Tue 24 Nov: due soon, overdue, open. November's
    activities total 20 (3 calls on 1 Nov, before the plan). Returns October's evaluation id."""
    pacer.clock.now = datetime(2026, 10, 20, 15, 0, tzinfo=UTC)
    for user in (manager_user_id, user_id):
        assert pacer.command(user, "/pacer", "help").status == 200
    evaluation_id = freeze(pacer, user_id, month_of(date(2026, 10, 1)), now=OCTOBER_CLOSED)
    add_plan(pacer, evaluation_id, [DEMOS, ACTIVITIES, SHADOW], at=FEEDBACK_AT)
    for day, text in ((1, "call 3"), (10, "demo 4"), (10, "call 12"), (23, "demo 1")):
        pacer.clock.now = datetime(2026, 11, day, 15, 0, tzinfo=UTC)
        reply = pacer.activity(user_id, text)
        assert reply.status == 200 and ":warning:" not in reply.text, reply.text
    pacer.settle()
    return evaluation_id
