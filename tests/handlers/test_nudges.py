"""`/pacer nudges` for every member, and the Snooze buttons of the daily nudge, through signed requests."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import select

from bot.store.tables import Member, NudgeSchedule
from handlers import ids
from tests.conftest import MANAGER, REP, REP2


def schedule(pacer, user_id: str) -> NudgeSchedule:
    query = select(NudgeSchedule).join(Member, Member.id == NudgeSchedule.member_id).where(Member.user_id == user_id)
    return pacer.read(lambda session: session.exec(query).one())


def test_a_rep_sees_their_nudge_time_and_the_next_one_in_their_local_time(pacer):
    response = pacer.command(REP, "/pacer", "nudges")  # Tuesday 24 Nov 2026 10:00 in New York
    assert response.status == 200
    text = response.text
    assert "09:00* (America/New_York) on working days" in text
    assert "Next one: Wed 25 Nov, 09:00 (America/New_York)" in text
    assert schedule(pacer, REP).next_nudge_at == datetime(2026, 11, 25, 14, 0, tzinfo=UTC)


def test_a_rep_sets_the_nudge_time_in_any_usual_spelling(pacer):
    assert "now comes at 08:30 (America/New_York)" in pacer.command(REP, "/pacer", "nudges 08:30").text
    assert schedule(pacer, REP).next_nudge_at == datetime(2026, 11, 25, 13, 30, tzinfo=UTC)
    response = pacer.command(REP2, "/pacer", "nudges 8:30pm")  # Shanghai: 23:00 now, so tomorrow
    assert "now comes at 20:30 (Asia/Shanghai)" in response.text
    assert schedule(pacer, REP2).local_time == "20:30"
    assert schedule(pacer, REP2).next_nudge_at == datetime(2026, 11, 25, 12, 30, tzinfo=UTC)


def test_a_time_later_today_is_the_next_nudge(pacer):
    response = pacer.command(REP, "/pacer", "nudges 11:15")
    assert "Next one: Tue 24 Nov, 11:15" in response.text
    assert schedule(pacer, REP).next_nudge_at == datetime(2026, 11, 24, 16, 15, tzinfo=UTC)


def test_a_time_that_is_not_a_time_is_refused_with_an_example(pacer):
    for bad in ("25:00", "soonish", "8:75", "<!channel>"):
        response = pacer.command(REP, "/pacer", f"nudges {bad}")
        assert response.status == 200
        assert "isn't a time of day" in response.text and "/pacer nudges 08:30" in response.text
        assert "<!channel>" not in response.text
    assert pacer.read(lambda session: session.exec(select(NudgeSchedule)).all()) == []  # nothing stored


def test_a_rep_pauses_and_resumes_nudges(pacer):
    off = pacer.command(REP, "/pacer", "nudges off")
    assert "Daily nudges paused" in off.text and "is *off*" in off.text
    assert (schedule(pacer, REP).enabled, schedule(pacer, REP).next_nudge_at) == (False, None)
    on = pacer.command(REP, "/pacer", "nudges on")
    assert "Daily nudges on" in on.text and "Next one: Wed 25 Nov, 09:00" in on.text
    assert schedule(pacer, REP).next_nudge_at == datetime(2026, 11, 25, 14, 0, tzinfo=UTC)


def test_a_manager_without_admin_rights_may_use_the_nudges_command(pacer):
    response = pacer.command(MANAGER, "/pacer", "nudges 08:00")
    assert "only admins" not in response.text.lower() and "now comes at 08:00" in response.text


def test_snoozing_tomorrow_skips_the_next_working_days_nudge_even_when_clicked_twice(pacer, slack):
    pacer.command(REP, "/pacer", "nudges")
    for _ in range(2):  # a double click
        assert pacer.click(REP, ids.NUDGE_SNOOZE_DAY, "2026-11-24").status == 200
    replies = slack.wait_for("response_url", count=2)
    assert all("no nudge until Thu 26 Nov" in str(r.args) for r in replies)
    assert all(r.args.get("replace_original") in (False, "false") for r in replies)
    row = schedule(pacer, REP)
    assert row.snoozed_until == datetime(2026, 11, 26, 5, 0, tzinfo=UTC)  # local midnight, New York
    assert row.next_nudge_at == datetime(2026, 11, 26, 14, 0, tzinfo=UTC)


def test_snoozing_a_week_resumes_seven_days_after_the_nudge(pacer, slack):
    pacer.clock.now = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)  # Friday
    assert pacer.click(REP, ids.NUDGE_SNOOZE_WEEK, "2026-11-27").status == 200
    [reply] = slack.wait_for("response_url")
    assert "no nudge until Fri 04 Dec" in str(reply.args)
    assert schedule(pacer, REP).next_nudge_at == datetime(2026, 12, 4, 14, 0, tzinfo=UTC)
    assert "Next one: Fri 04 Dec, 09:00" in pacer.command(REP, "/pacer", "nudges").text
