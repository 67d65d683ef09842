"""The daily nudge job, driven minute by minute (at every half hour, where local times fall) with a
fixed clock: one nudge per local working day at the local time, whatever the zone or DST change."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.jobs import JOBS, nudges
from bot.store import schedules
from bot.store.tables import CoachingShown
from handlers import ids
from scoring.coaching import FALLBACK_ID, RULES_BY_ID
from scoring.schedule import at_local
from tests.conftest import ADMIN, MANAGER, REP
from tests.jobs.conftest import HOLIDAY, RecordingCoach, at, deliver, register
from tests.support import reads

ZONES = {
    "UTZSHA001": "Asia/Shanghai",
    "UTZKOL001": "Asia/Kolkata",
    "UTZLON001": "Europe/London",
    "UTZNYC001": "America/New_York",
    "UTZHAV001": "America/Havana",
    "UTZLHI001": "Australia/Lord_Howe",
    "UTZNONE01": None,  # no tz in Slack: pacer.yml's Asia/Kolkata
}
WINDOWS = {
    # US and Havana spring forward on 8 March
    "us-spring": (datetime(2026, 3, 4, 0, 0, tzinfo=UTC), datetime(2026, 3, 11, 0, 0, tzinfo=UTC)),
    # Europe springs forward on 29 March, Lord Howe falls back half an hour on 5 April; a holiday on 31 March
    "europe-spring": (datetime(2026, 3, 26, 0, 0, tzinfo=UTC), datetime(2026, 4, 8, 0, 0, tzinfo=UTC)),
    # Lord Howe springs forward half an hour on 4 October
    "lord-howe-spring": (datetime(2026, 9, 30, 0, 0, tzinfo=UTC), datetime(2026, 10, 7, 0, 0, tzinfo=UTC)),
    # Europe falls back on 25 October, the US and Havana on 1 November
    "autumn": (datetime(2026, 10, 22, 0, 0, tzinfo=UTC), datetime(2026, 11, 4, 0, 0, tzinfo=UTC)),
}
HALF_HOUR = timedelta(minutes=30)
MONDAY_9_NY = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)


def nudges_of(db, user_id: str):
    return [m for m in reads.outbox(db) if m.kind == "nudge" and m.channel == user_id]


def posted_to(slack, user_id: str):
    return [c for c in slack.calls("chat.postMessage") if c.args.get("channel") == user_id]


def add_zone_members(pacer, slack, now: datetime) -> None:
    for user_id, tz in ZONES.items():
        slack.add_user(user_id, name=user_id.lower(), tz=tz)
    pacer.clock.now = now
    register(pacer, *ZONES)


@pytest.mark.parametrize("window", list(WINDOWS))
def test_every_rep_gets_one_nudge_per_local_working_day_at_their_local_nine_oclock(pacer, slack, db, window):
    start, end = WINDOWS[window]
    add_zone_members(pacer, slack, start)
    calendar = pacer.deps.config.calendar.calendar()

    now = start
    while now <= end:
        at(pacer, now)
        now += HALF_HOUR
    assert deliver(pacer) > 0

    for user_id, tz_name in ZONES.items():
        tz = ZoneInfo(tz_name or "Asia/Kolkata")
        expected = {}
        day = start.astimezone(tz).date()
        while day <= end.astimezone(tz).date():
            instant = at_local(day, time(9, 0), tz)
            if calendar.is_working_day(day) and start < instant <= end:
                expected[f"nudge:{user_id}:{day.isoformat()}"] = instant
            day += timedelta(days=1)
        rows = nudges_of(db, user_id)
        assert {m.key: m.created_at for m in rows} == expected, user_id
        assert all(m.created_at.astimezone(tz).time() == time(9, 0) for m in rows)
        assert f"nudge:{user_id}:{HOLIDAY.isoformat()}" not in {m.key for m in rows}
        assert all(m.status == "sent" for m in rows)
        assert len(posted_to(slack, user_id)) == len(expected)
    assert nudges_of(db, MANAGER) == [] and nudges_of(db, ADMIN) == []  # the digest is theirs, not nudges


def test_a_havana_rep_is_nudged_at_half_past_midnight_before_and_after_the_spring_forward(pacer, slack, db):
    slack.add_user("UTZHAV001", tz="America/Havana")
    pacer.clock.now = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)
    register(pacer, "UTZHAV001")
    assert "00:30" in pacer.command("UTZHAV001", "/pacer", "nudges 00:30").text

    now = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)
    while now <= datetime(2026, 3, 11, 12, 0, tzinfo=UTC):
        at(pacer, now)
        now += HALF_HOUR
    sent = {m.key.rsplit(":", 1)[1]: m.created_at for m in nudges_of(db, "UTZHAV001")}
    # Mon 9 March: 00:00 CST jumped to 01:00 CDT on Sunday 8th, so Monday's 00:30 exists again (CDT)
    assert sent["2026-03-09"] == datetime(2026, 3, 9, 4, 30, tzinfo=UTC)
    assert sent["2026-03-06"] == datetime(2026, 3, 6, 5, 30, tzinfo=UTC)  # Friday, still CST
    assert "2026-03-08" not in sent and "2026-03-07" not in sent  # the weekend


def test_running_the_job_twice_or_concurrently_queues_one_nudge(pacer, slack, db):
    register(pacer, REP)
    pacer.clock.now = MONDAY_9_NY - timedelta(hours=2)
    at(pacer, MONDAY_9_NY - timedelta(hours=2))  # plans Monday 09:00 New York

    first = at(pacer, MONDAY_9_NY)
    second = at(pacer, MONDAY_9_NY)
    assert first.counts["queued"] == 1 and second.counts["queued"] == 0

    results = []
    barrier = threading.Barrier(3)

    def run() -> None:
        barrier.wait()
        results.append(at(pacer, MONDAY_9_NY + timedelta(days=1)))

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(r.counts["queued"] for r in results) == 1

    deliver(pacer)
    assert [m.key for m in nudges_of(db, REP)] == [f"nudge:{REP}:2026-11-23", f"nudge:{REP}:2026-11-24"]
    assert len(posted_to(slack, REP)) == 2


def test_after_downtime_a_rep_gets_one_catch_up_nudge_not_one_per_missed_day(pacer, db):
    register(pacer, REP)
    at(pacer, MONDAY_9_NY - timedelta(hours=2))
    result = at(pacer, MONDAY_9_NY + timedelta(days=3, hours=5))  # back on Thursday at 14:00 New York
    assert result.counts["queued"] == 1
    assert [m.key for m in nudges_of(db, REP)] == [f"nudge:{REP}:2026-11-26"]
    at(pacer, MONDAY_9_NY + timedelta(days=3, hours=6))
    assert len(nudges_of(db, REP)) == 1
    at(pacer, MONDAY_9_NY + timedelta(days=4))  # Friday 09:00
    assert [m.key for m in nudges_of(db, REP)][-1] == f"nudge:{REP}:2026-11-27"


def test_deleted_bot_and_paused_members_get_no_nudge(pacer, slack, db):
    slack.add_user("UGONE0001", tz="America/New_York", deleted=True)
    slack.add_user("UBOT00001", tz="America/New_York", is_bot=True)
    slack.add_user("UOFF00001", tz="America/New_York")
    register(pacer, REP, "UGONE0001", "UBOT00001", "UOFF00001")
    pacer.clock.now = MONDAY_9_NY - timedelta(hours=2)
    assert "off" in pacer.command("UOFF00001", "/pacer", "nudges off").text
    at(pacer, MONDAY_9_NY - timedelta(hours=2))
    at(pacer, MONDAY_9_NY)
    assert [m.channel for m in reads.outbox(db) if m.kind == "nudge"] == [REP]


def test_the_nudge_shows_progress_recent_work_one_coaching_prompt_and_the_buttons(pacer, slack):
    register(pacer, REP)
    pacer.clock.now = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)  # Friday
    pacer.deal(REP, "60k Acme Corp")
    pacer.activity(REP, "call 12")
    pacer.activity(REP, "meeting 2")
    pacer.settle()
    coach = RecordingCoach()
    at(pacer, MONDAY_9_NY - timedelta(hours=2), coach=coach)
    at(pacer, MONDAY_9_NY, coach=coach)
    slack.clear()
    assert deliver(pacer) == 1

    call = posted_to(slack, REP)[0]
    blocks = call.args["blocks"]
    text = " ".join(str(b) for b in blocks)
    assert "Your November 2026 so far" in text
    assert "$60,000 of $100,000" in text and "working day 16 of 21" in text
    assert "Logged since Fri 20 Nov* (Fri 20 Nov – Sun 22 Nov): 1 deal ($60,000), 12 calls, 2 meetings." in text
    assert text.count(":bulb:") == 1 and "Keep the pace" in text
    actions = [e["action_id"] for b in blocks if b["type"] == "actions" for e in b["elements"]]
    assert actions == [ids.HOME_LOG_DEAL, ids.HOME_LOG_ACTIVITY, ids.NUDGE_SNOOZE_DAY, ids.NUDGE_SNOOZE_WEEK]
    assert "Keep the pace" in call.args["text"]


def test_a_coaching_prompt_is_remembered_so_the_catalogue_can_avoid_repeating_it(pacer, db):
    register(pacer, REP)
    coach = RecordingCoach()
    at(pacer, MONDAY_9_NY - timedelta(hours=2), coach=coach)
    for day in range(3):
        at(pacer, MONDAY_9_NY + timedelta(days=day), coach=coach)
    with db.transaction() as session:
        shown = [(row.shown_on.isoformat(), row.rule) for row in session.exec(CoachingShown.__table__.select())]  # type: ignore[attr-defined]
    assert [rule for _, rule in sorted(shown)] == ["idle", "pace", "habit"]  # idle once, then no repeats
    assert coach.calls[-1][2] == [(date(2026, 11, 23), "idle"), (date(2026, 11, 24), "pace")]


def test_a_changed_slack_time_zone_moves_the_next_nudge(pacer, db):
    register(pacer, REP)
    at(pacer, MONDAY_9_NY - timedelta(hours=20))  # planned for Monday 09:00 New York (14:00 UTC)
    change = {
        "type": "user_change",
        "event_ts": "1764000000.000100",
        "user": {"id": REP, "team_id": "T1", "name": "dana", "real_name": "Dana Rep", "tz": "Asia/Tokyo",
                 "deleted": False, "is_bot": False, "profile": {"display_name": "Dana"}},
    }  # fmt: skip
    assert pacer.event(change, event_id="Ev0TOKYO1").status == 200
    at(pacer, MONDAY_9_NY - timedelta(hours=19))
    at(pacer, datetime(2026, 11, 23, 0, 0, tzinfo=UTC))  # Monday 09:00 in Tokyo
    assert [(m.key, m.created_at) for m in nudges_of(db, REP)] == [
        (f"nudge:{REP}:2026-11-23", datetime(2026, 11, 23, 0, 0, tzinfo=UTC))
    ]


def test_the_registry_lists_the_nudge_and_digest_jobs():
    assert JOBS["nudges"] is nudges.JOB and JOBS["nudges"].every_minute
    assert "digest" in JOBS


def test_a_snoozed_rep_skips_the_next_working_day_and_is_nudged_again_after(pacer, db):
    register(pacer, REP)
    at(pacer, MONDAY_9_NY - timedelta(hours=2))
    at(pacer, MONDAY_9_NY)
    pacer.clock.now = MONDAY_9_NY + timedelta(hours=1)
    assert pacer.click(REP, ids.NUDGE_SNOOZE_DAY, "2026-11-23").status == 200
    pacer.settle()
    for day in (1, 2, 3):
        at(pacer, MONDAY_9_NY + timedelta(days=day))
    assert [m.key.rsplit(":", 1)[1] for m in nudges_of(db, REP)] == ["2026-11-23", "2026-11-25", "2026-11-26"]


def test_nudges_switched_off_stop_and_switched_on_resume_the_next_working_day(pacer, db):
    register(pacer, REP)
    at(pacer, MONDAY_9_NY - timedelta(hours=2))
    pacer.command(REP, "/pacer", "nudges off")
    at(pacer, MONDAY_9_NY)
    at(pacer, MONDAY_9_NY + timedelta(days=1))
    assert nudges_of(db, REP) == []
    pacer.clock.now = MONDAY_9_NY + timedelta(days=1, hours=2)  # Tuesday 11:00: today's time has passed
    pacer.command(REP, "/pacer", "nudges on")
    at(pacer, MONDAY_9_NY + timedelta(days=1, hours=3))
    at(pacer, MONDAY_9_NY + timedelta(days=2))
    assert [m.key.rsplit(":", 1)[1] for m in nudges_of(db, REP)] == ["2026-11-25"]


def test_a_day_made_a_holiday_after_planning_gets_no_nudge(pacer, db):
    register(pacer, REP)
    at(pacer, MONDAY_9_NY - timedelta(hours=2))  # planned for Monday
    pacer.deps.config.calendar.holidays.append(MONDAY_9_NY.date())  # pacer.yml changes
    result = at(pacer, MONDAY_9_NY)
    assert result.counts["queued"] == 0 and result.counts["skipped (not a working day)"] == 1
    at(pacer, MONDAY_9_NY + timedelta(days=1))
    assert [m.key.rsplit(":", 1)[1] for m in nudges_of(db, REP)] == ["2026-11-24"]


def test_a_run_that_dies_before_committing_leaves_the_nudge_due_for_the_next_run(pacer, db, monkeypatch):
    register(pacer, REP)
    at(pacer, MONDAY_9_NY - timedelta(hours=2))
    real = schedules.record_shown_many

    # the last write of the batch's transaction, after the time moved and the row was queued
    def crash(*_args: object, **_kwargs: object) -> None:
        raise ConnectionError("database connection lost mid-transaction")

    monkeypatch.setattr(schedules, "record_shown_many", crash)
    with pytest.raises(ConnectionError):
        at(pacer, MONDAY_9_NY, coach=RecordingCoach())
    assert nudges_of(db, REP) == []  # rolled back together: nothing queued, the time not advanced

    monkeypatch.setattr(schedules, "record_shown_many", real)
    assert at(pacer, MONDAY_9_NY + timedelta(minutes=1), coach=RecordingCoach()).counts["queued"] == 1
    assert at(pacer, MONDAY_9_NY + timedelta(minutes=2), coach=RecordingCoach()).counts["queued"] == 0
    assert [m.key for m in nudges_of(db, REP)] == [f"nudge:{REP}:2026-11-23"]


def test_the_published_coaching_catalogue_picks_the_prompt_and_does_not_repeat_it_within_five_working_days(
    pacer, db, slack
):
    register(pacer, REP)
    at(pacer, MONDAY_9_NY - timedelta(hours=2))
    for day in range(4):  # Monday to Thursday, nothing logged
        at(pacer, MONDAY_9_NY + timedelta(days=day))
    with db.transaction() as session:
        shown = sorted((row.shown_on, row.rule) for row in session.exec(CoachingShown.__table__.select()))  # type: ignore[attr-defined]
    rules = [rule for _, rule in shown]
    # most important first, and none repeated within 5 working days (only the fallback could be)
    assert rules == ["no-activity", "lead-at-risk", "deal-drought", "hunter-new-customers"]
    assert all(rule in RULES_BY_ID and rule != FALLBACK_ID for rule in rules)
    slack.clear()
    assert deliver(pacer) == 4
    first = " ".join(str(block) for block in posted_to(slack, REP)[0].args["blocks"])
    assert first.count(":bulb:") == 1 and "No activity logged yet, 16 working days into November 2026" in first


def test_the_nudge_scores_by_the_published_rules_in_force(pacer, slack):
    register(pacer, REP, ADMIN)
    pacer.clock.now = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)  # Friday
    pacer.deal(REP, "60k Acme Corp")  # signed, not paid
    pacer.command(ADMIN, "/pacer", "counting paid now")  # from 1 November: deals count when paid
    at(pacer, MONDAY_9_NY - timedelta(hours=2))
    at(pacer, MONDAY_9_NY)
    slack.clear()
    deliver(pacer)

    texts = [" ".join(str(block) for block in call.args["blocks"]) for call in posted_to(slack, REP)]
    [nudge] = [text for text in texts if "Your November 2026 so far" in text]  # the other is the rules DM
    assert "$0 of $100,000" in nudge and "$60,000 of $100,000" not in nudge
