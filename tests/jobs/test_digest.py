"""The weekly manager digest: Monday morning in the manager's zone, at-risk reps first with the reason,
the reps who logged nothing in the past week, and the coaching conversations to have."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.conftest import ADMIN, MANAGER, REP, REP2
from tests.jobs.conftest import NEWCOMER, RecordingCoach, deliver, digest_at, register
from tests.support import reads

MONDAY_9_LONDON = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


def digests(db):
    return [m for m in reads.outbox(db) if m.kind == "digest"]


def text_of(call) -> str:
    return " ".join(str(block) for block in call.args["blocks"])


def test_a_manager_gets_the_digest_on_monday_at_nine_in_their_zone_once(pacer, slack, db):
    register(pacer, MANAGER, REP, REP2)
    pacer.clock.now = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
    pacer.deal(REP, "95k Acme Corp")
    pacer.clock.now = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)
    pacer.activity(REP, "call 4")
    pacer.settle()
    coach = RecordingCoach()

    assert digest_at(pacer, datetime(2026, 11, 28, 12, 0, tzinfo=UTC), coach=coach).counts["queued"] == 0
    assert digest_at(pacer, MONDAY_9_LONDON - timedelta(minutes=30), coach=coach).counts["queued"] == 0
    assert digest_at(pacer, MONDAY_9_LONDON, coach=coach).counts["queued"] == 1
    assert digest_at(pacer, MONDAY_9_LONDON, coach=coach).counts["queued"] == 0  # a second run: nothing more
    assert digest_at(pacer, MONDAY_9_LONDON + timedelta(days=3), coach=coach).counts["queued"] == 0

    [row] = digests(db)
    assert (row.key, row.channel, row.created_at) == (f"digest:{MANAGER}:2026-11-30", MANAGER, MONDAY_9_LONDON)
    slack.clear()
    assert deliver(pacer) == 1
    [call] = slack.calls("chat.postMessage")
    assert call.args["channel"] == MANAGER
    text = text_of(call)
    assert "week of Mon 30 Nov" in text
    standings = text[text.index("Standings") :]
    assert standings.index("Lee") < standings.index("Dana")  # at risk first
    assert "Revenue at risk: 0 % of target" in text and "Revenue on track: 95 % of target" in text
    idle = text[text.index("No deal or activity logged") :]
    assert "(Mon 23 Nov – Sun 29 Nov)" in idle
    assert "Lee* (nothing logged ever)" in idle and f"<@{NEWCOMER}> (has not used Pacer yet)" in idle
    assert "Dana* (" not in idle
    assert "Coaching conversations to have this week" in text
    assert "Check in with Lee: ask what is blocking outreach." in text  # Lee: idle for weeks
    assert "Review the week's plan with Dana." in text
    assert "1 at risk" in call.args["text"]


def test_the_digest_comes_on_the_first_working_day_when_monday_is_a_holiday(pacer, db):
    pacer.deps.config.calendar.holidays.append(MONDAY_9_LONDON.date())
    register(pacer, MANAGER, REP)
    digest_at(pacer, datetime(2026, 11, 28, 12, 0, tzinfo=UTC))
    assert digest_at(pacer, MONDAY_9_LONDON).counts["queued"] == 0
    assert digest_at(pacer, MONDAY_9_LONDON + timedelta(days=1)).counts["queued"] == 1
    assert [m.key for m in digests(db)] == [f"digest:{MANAGER}:2026-12-01"]


def test_reps_get_no_digest(pacer, db):
    register(pacer, REP, REP2)
    digest_at(pacer, datetime(2026, 11, 28, 12, 0, tzinfo=UTC))
    digest_at(pacer, MONDAY_9_LONDON + timedelta(days=1))
    assert digests(db) == []


def test_a_manager_whose_reports_all_moved_away_gets_no_digest(pacer, db):
    register(pacer, MANAGER, REP)
    digest_at(pacer, datetime(2026, 11, 28, 12, 0, tzinfo=UTC))  # Morgan manages Dana: digest planned
    pacer.deps.config.teams.clear()  # pacer.yml no longer lists the team …
    assert pacer.command(ADMIN, "/pacer", f"manager <@{REP}> none").status == 200  # … and Dana has no manager
    result = digest_at(pacer, MONDAY_9_LONDON)
    assert result.counts["queued"] == 0 and digests(db) == []
