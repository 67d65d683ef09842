"""Improvement plans tracked between check-ins, on both databases: open items with state and progress, and
their outcome recorded once at the next check-in."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from bot.services import plans
from bot.services.checkins import PlanItemView
from bot.services.evaluations import evaluation_of
from scoring.periods import month_of
from scoring.plans import Progress
from tests.conftest import MANAGER, REP, REP2
from tests.support import reads
from tests.support.harness import Pacer
from tests.support.plans import (
    ACTIVITIES,
    DEMOS,
    FEEDBACK_AT,
    HOSTILE,
    NOVEMBER_CLOSED,
    SHADOW,
    Item,
    add_plan,
    freeze,
    plan_scenario,
)

TUESDAY = date(2026, 11, 24)


def _open(pacer: Pacer, user_id: str, today: date) -> list[plans.OpenItem]:
    member = reads.member(pacer.db, user_id)
    assert member is not None and member.id is not None
    with pacer.db.reading() as session:
        return plans.open_items(
            session, workspace_id=member.workspace_id, member_id=member.id, today=today, config=pacer.deps.config
        )


def test_open_items_come_most_urgent_first_with_their_state_and_progress_over_their_window(pacer: Pacer) -> None:
    plan_scenario(pacer, REP, MANAGER)
    found = _open(pacer, REP, TUESDAY)
    assert [(i.action, i.state) for i in found] == [
        (ACTIVITIES.action, "overdue"),
        (DEMOS.action, "due soon"),
        (HOSTILE, "open"),
    ]
    # 12 calls and 4 demos from 2 Nov to the 20 Nov due date (not the 3 calls of 1 Nov, nor the demo of 23 Nov)
    assert found[0].progress == Progress(actual=Decimal(16), target=Decimal(18))
    assert found[1].progress == Progress(actual=Decimal(5), target=Decimal(10))  # 4 + 1 demos, through today
    assert found[2].progress is None
    assert found[0].set_on == date(2026, 11, 2)


def test_only_the_latest_feedback_versions_items_are_in_force(pacer: Pacer) -> None:
    plan_scenario(pacer, REP, MANAGER)
    first = _open(pacer, REP, TUESDAY)[0]
    add_plan(
        pacer,
        first.evaluation_id,
        [Item("Book 12 demos", date(2026, 12, 4), "activities:demo", "12")],
        at=FEEDBACK_AT,
        feedback_version=2,
    )
    assert [i.action for i in _open(pacer, REP, TUESDAY)] == ["Book 12 demos"]


def test_team_items_give_each_report_their_own_items(pacer: Pacer) -> None:
    plan_scenario(pacer, REP, MANAGER)
    rep, lee = reads.member(pacer.db, REP), None
    assert pacer.command(REP2, "/pacer", "help").status == 200
    lee = reads.member(pacer.db, REP2)
    assert rep is not None and lee is not None and rep.id is not None and lee.id is not None
    with pacer.db.reading() as session:
        team = plans.team_items(
            session,
            workspace_id=rep.workspace_id,
            today_of={rep.id: TUESDAY, lee.id: TUESDAY},
            config=pacer.deps.config,
        )
    assert list(team) == [rep.id]
    assert len(team[rep.id]) == 3


def _review(pacer: Pacer) -> list[PlanItemView]:
    member = reads.member(pacer.db, REP)
    assert member is not None and member.id is not None
    with pacer.db.reading() as session:
        november = evaluation_of(session, workspace_id=member.workspace_id, member_id=member.id, period_key="2026-11")
    assert november is not None
    with pacer.db.transaction() as session:
        return plans.review_at_checkin(
            session,
            workspace_id=member.workspace_id,
            member_id=member.id,
            evaluation_id=november.id,
            snapshot=november.snapshot,
            now=NOVEMBER_CLOSED,
        )


def test_the_next_check_in_reviews_each_item_once_met_missed_or_reported(pacer: Pacer) -> None:
    plan_scenario(pacer, REP, MANAGER)
    freeze(pacer, REP, month_of(date(2026, 11, 1)), now=NOVEMBER_CLOSED)
    reviewed = _review(pacer)
    by_action = {item.action: (item.outcome, item.outcome_actual) for item in reviewed}
    assert by_action == {
        DEMOS.action: ("missed", Decimal(5)),  # not on the hunter scorecard: November's demos from the records
        ACTIVITIES.action: ("met", Decimal(20)),  # the frozen activities line: 3 + 4 + 12 + 1
        SHADOW.action: ("reported", None),
    }
    assert [a.action for a in reads.audit(pacer.db, "plan_item.reviewed")] == ["plan_item.reviewed"] * 3
    assert _open(pacer, REP, date(2026, 12, 2)) == []

    again = _review(pacer)
    assert again == reviewed
    assert len(reads.audit(pacer.db, "plan_item.reviewed")) == 3


def test_a_check_in_does_not_review_its_own_periods_plan_or_a_later_one(pacer: Pacer) -> None:
    plan_scenario(pacer, REP, MANAGER)
    member = reads.member(pacer.db, REP)
    assert member is not None and member.id is not None
    with pacer.db.reading() as session:
        october = evaluation_of(session, workspace_id=member.workspace_id, member_id=member.id, period_key="2026-10")
    assert october is not None
    with pacer.db.transaction() as session:
        found = plans.review_at_checkin(
            session,
            workspace_id=member.workspace_id,
            member_id=member.id,
            evaluation_id=october.id,
            snapshot=october.snapshot,
            now=NOVEMBER_CLOSED,
        )
    assert found == []
    assert len(_open(pacer, REP, TUESDAY)) == 3
