"""Every slash command of PRODUCT §3, typed into the console as the demo people."""

from __future__ import annotations

from sqlmodel import select

from bot.store.engine import Database
from bot.store.tables import Activity, Appeal, Deal, Evaluation, Goal, Member
from tests.console.conftest import Session


def _all(db: Database, model: type) -> list:
    with db.reading() as s:
        return list(s.exec(select(model)).all())


def test_a_rep_logs_a_deal_and_an_activity_and_sees_progress(session: Session, db: Database) -> None:
    shown = session(
        """
/deal 12.5k Acme Corp
/activity call 3 Acme Corp
/progress
"""
    )
    assert "@hana> /deal 12.5k Acme Corp" in shown
    assert "Logged *D-1* — *$12,500* with *Acme Corp*" in shown
    assert "[1] Undo   [2] Mark paid" in shown
    assert "── #wins" in shown and "🎉 @hana closed *$12,500*" in shown
    assert "3 calls" in shown or "3 call" in shown
    assert "*Score 13.06 pts" in shown and "`▓" in shown
    (deal,) = _all(db, Deal)
    assert deal.amount_minor == 1_250_000 and deal.source == "command"
    (activity,) = _all(db, Activity)
    assert activity.count == 3


def test_a_manager_sets_a_goal_and_anyone_reads_the_scorecard_and_the_leaderboard(
    session: Session, db: Database
) -> None:
    shown = session(
        """
/deal 40k Globex
:as @hugo
/deal 10k Initech
:as @maya
/goal @hana revenue 150k
/goal @hana
/scorecard farmer
/leaderboard
/pacer help
"""
    )
    assert "(you are now @maya, manager of all three teams)" in shown
    assert "$150,000" in shown
    assert "Repeat revenue" in shown  # the farmer's published scorecard
    assert "@maya> /leaderboard" in shown and "hana" in shown.split("@maya> /leaderboard", 1)[1]
    assert "/deal" in shown.split("@maya> /pacer help", 1)[1]
    (target,) = _all(db, Goal)
    assert target.value == 150_000 and target.metric == "revenue"
    hana = next(m for m in _all(db, Member) if m.user_id == "UDEMOHANA")
    assert target.member_id == hana.id


def test_a_manager_opens_a_check_in_with_checkin_after_the_period_closed(session: Session, db: Database) -> None:
    shown = session(
        """
:as @maya
/checkin @hana
:at 2026-12-01T08:00
/checkin @hana 2026-11
"""
    )
    assert "Check-in: @hana with @maya — November 2026" in shown
    after = shown.split("@maya> /checkin @hana 2026-11", 1)[1]
    assert "already" in after.lower() or "open" in after.lower()
    assert (
        len([e for e in _all(db, Evaluation) if e.period_key == "2026-11"]) == 3
    )  # the monthly reps; femi is quarterly


def test_a_rep_appeals_her_evaluation_and_reads_its_status(session: Session, db: Database) -> None:
    shown = session(
        """
/deal 40k Globex
:at 2026-12-01T08:00
/appeal
1
1
The Globex deal of 30 November is missing from revenue
CRM export of 30 November
55k



/appeal status
"""
    )
    assert "── modal: Appeal an evaluation" in shown
    assert "Filed: appeal AP-1" in shown
    assert "DM from Pacer to @rui: Appeal AP-1 to decide" in shown  # the reviewer, never @maya her manager
    status = shown.split("@hana> /appeal status", 1)[1]
    assert "*AP-1* · November 2026 · *Open*" in status and "Decides: @rui" in status
    (appeal,) = _all(db, Appeal)
    assert (appeal.reviewer_user_id, appeal.metrics, appeal.requested) == (
        "UDEMORUI",
        ["revenue"],
        {"revenue": "55000.00"},
    )
