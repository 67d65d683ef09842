"""Improvement plans in the scheduled messages: the daily nudge's coaching prompt for an overdue and a
due-soon item (with its progress as evidence), and the weekly digest's open items per report."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.store.tables import CoachingShown
from tests.conftest import MANAGER, REP
from tests.jobs.conftest import at, deliver, digest_at
from tests.jobs.test_digest import MONDAY_9_LONDON, text_of
from tests.jobs.test_nudges import posted_to
from tests.support.harness import Pacer
from tests.support.plans import ACTIVITIES, DEMOS, plan_scenario

TUESDAY_9_NY = datetime(2026, 11, 24, 14, 0, tzinfo=UTC)
ESCAPED = "Shadow *Morgan* on two &lt;!channel&gt; calls &amp; &lt;https://evil.example|a link&gt;"


def _on_track_with_a_plan(pacer: Pacer) -> None:
    """The plan scenario, plus an 85k deal on 10 November so revenue is on pace: nothing outranks the plan."""
    plan_scenario(pacer, REP, MANAGER)
    pacer.clock.now = datetime(2026, 11, 10, 15, 0, tzinfo=UTC)
    assert pacer.deal(REP, "85k Acme Corp").status == 200
    pacer.settle()


def test_the_nudge_coaches_an_overdue_item_then_a_due_soon_one_with_their_progress(pacer, slack, db) -> None:
    _on_track_with_a_plan(pacer)
    at(pacer, TUESDAY_9_NY - timedelta(hours=2))  # plans the schedules
    assert at(pacer, TUESDAY_9_NY).counts["queued"] == 1
    assert at(pacer, TUESDAY_9_NY + timedelta(days=1)).counts["queued"] == 1
    with db.transaction() as session:
        shown = sorted((row.shown_on, row.rule) for row in session.exec(CoachingShown.__table__.select()))  # type: ignore[attr-defined]
    assert [rule for _, rule in shown] == ["plan-item-overdue", "plan-item-due-soon"]

    slack.clear()
    assert deliver(pacer) == 2
    tuesday, wednesday = (" ".join(str(b) for b in call.args["blocks"]) for call in posted_to(slack, REP))
    assert "An improvement-plan item is overdue" in tuesday
    assert (
        f"Plan item '{ACTIVITIES.action}' was due Friday 20 November, 1 working day ago: 16 of 18 activities "
        "by the due date" in tuesday
    )
    assert "An improvement-plan item is due soon" in wednesday
    assert f"Plan item '{DEMOS.action}' is due Friday 27 November: 5 of 10 demos so far" in wednesday


def test_the_digest_lists_each_reports_open_items_with_the_overdue_ones_flagged(pacer, slack) -> None:
    _on_track_with_a_plan(pacer)
    digest_at(pacer, MONDAY_9_LONDON - timedelta(hours=2))
    assert digest_at(pacer, MONDAY_9_LONDON).counts["queued"] == 1
    slack.clear()
    assert deliver(pacer) == 1
    [call] = [c for c in slack.calls("chat.postMessage") if c.args["channel"] == MANAGER]
    text = text_of(call)
    coaching = text[text.index("Coaching conversations to have this week") :]
    assert ":clipboard: Improvement plan, 3 plan items (2 overdue):" in coaching
    assert f":rotating_light: {ACTIVITIES.action}, overdue since Fri 20 Nov (Activities 16 of 18 (89 %))" in coaching
    assert f":rotating_light: {DEMOS.action}, overdue since Fri 27 Nov (Demos 5 of 10 (50 %))" in coaching
    assert f":dart: {ESCAPED}, due Tue 15 Dec" in coaching
    assert "<!channel>" not in text
    assert "2 overdue improvement-plan items" in call.args["text"]
