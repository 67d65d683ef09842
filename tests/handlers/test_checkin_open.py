"""Check-ins opened: by the period close (per cadence, once) and by `/checkin` (the manager or an admin,
freezing first when needed, a link instead of a second one), with their reminders after 3 and 5 working
days in each person's zone — through signed requests, the outbox and the fake Slack."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest
from sqlmodel import col, select

from bot.config import CalendarConfig, PacerConfig, ProductLine, Team
from bot.jobs import period_close, reminders
from bot.store.tables import Evaluation, OutboxMessage, Reminder
from handlers import ids
from tests.conftest import ADMIN, MANAGER, REP, REP2
from tests.jobs.conftest import at, deliver, register
from tests.support import reads

FARMER = "UREP0003"
NEW_YEAR = date(2027, 1, 1)  # a Friday, and a holiday in this workspace
DEC_1_CLOSE = datetime(2026, 11, 30, 22, 0, tzinfo=UTC)  # 06:00 on 1 December in Shanghai
JAN_1_CLOSE = datetime(2026, 12, 31, 22, 0, tzinfo=UTC)  # 06:00 on 1 January in Shanghai
DEC_10 = datetime(2026, 12, 10, 15, 0, tzinfo=UTC)


@pytest.fixture
def config() -> PacerConfig:
    return PacerConfig(
        currency="USD",
        timezone="Asia/Shanghai",
        product_lines=[ProductLine(name="Core"), ProductLine(name="Enterprise", premium=True)],
        teams=[Team(name="East", manager=MANAGER, members=[REP, REP2, FARMER])],
        admins=[ADMIN],
        calendar=CalendarConfig(holidays=[NEW_YEAR]),
    )


@pytest.fixture
def team(pacer, slack):
    """Dana (hunter, New York), Lee (strategic, Shanghai), Fay (farmer); Morgan (London) manages them."""
    slack.add_user(FARMER, name="fay", real_name="Fay Farmer", display_name="Fay", tz="Asia/Shanghai")
    pacer.clock.now = datetime(2026, 11, 10, 3, 0, tzinfo=UTC)
    register(pacer, ADMIN, MANAGER, REP, REP2, FARMER)
    assert "strategic" in pacer.command(ADMIN, "/pacer", f"profile <@{REP2}|lee> strategic").text
    assert "farmer" in pacer.command(ADMIN, "/pacer", f"profile <@{FARMER}|fay> farmer").text
    pacer.deal(REP, "60k Acme Corp")
    pacer.deal(REP2, "30k Globex product:Enterprise")
    pacer.activity(REP, "call 12")
    pacer.settle()
    at(pacer, pacer.clock.now, period_close.run)  # October and Q3: no one to freeze yet


def checkin(pacer, slack, user_id: str, text: str) -> tuple[str, str]:
    """(the ack's text, the answer posted after the ack) of `/checkin text` by `user_id`."""
    before = len(slack.calls("response_url"))
    response = pacer.command(user_id, ids.CHECKIN, text)
    assert response.status == 200
    pacer.settle()
    later = slack.calls("response_url")[before:]
    return response.text, " ".join(json.dumps(call.args) for call in later)


def parents(db) -> list[tuple[str, str]]:
    with db.reading() as session:
        rows = session.exec(
            select(OutboxMessage.key, OutboxMessage.channel)
            .where(col(OutboxMessage.kind) == "checkin", col(OutboxMessage.reply_to).is_(None))
            .order_by(col(OutboxMessage.id))
        )
        return list(rows)


def outbox_rows(db) -> int:
    with db.reading() as session:
        return len(list(session.exec(select(OutboxMessage.id))))


def evaluations(db) -> list[Evaluation]:
    with db.reading() as session:
        return list(session.exec(select(Evaluation).order_by(col(Evaluation.id))))


def evaluation_of(db, user_id: str) -> Evaluation:
    member = reads.member(db, user_id)
    return next(e for e in evaluations(db) if e.member_id == member.id)


@pytest.mark.usefixtures("team")
def test_the_month_close_opens_hunters_and_strategic_check_ins_in_their_group_dm_with_the_thread_in_order(
    pacer, slack, db
):
    result = at(pacer, DEC_1_CLOSE, period_close.run)
    deliver(pacer)

    assert result.counts["checkins"] == 2
    dana = evaluation_of(db, REP)
    assert sorted(parents(db)) == sorted(
        [(f"checkin:{dana.id}", f"{MANAGER},{REP}"), (f"checkin:{evaluation_of(db, REP2).id}", f"{MANAGER},{REP2}")]
    )
    group = slack.group_channel(REP, MANAGER)
    [parent] = [m for m in slack.messages(group) if m.get("thread_ts", m["ts"]) == m["ts"]]
    assert "Check-in: Dana, November 2026" in parent["text"] and "points" in parent["text"]
    assert "Open" in json.dumps(parent["blocks"])
    thread = slack.thread(group, parent["ts"])
    assert [m["text"].split(":")[0] for m in thread] == [
        "Scorecard of Dana for November 2026",
        "Next step for the November 2026 check-in",
    ]
    buttons = [e for b in thread[1]["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert [(b["action_id"], b["value"]) for b in buttons] == [
        (ids.CHECKIN_SELF_REVIEW, str(dana.id)),
        (ids.CHECKIN_FEEDBACK, str(dana.id)),
        (ids.CHECKIN_APPEAL, str(dana.id)),  # the rep's Appeal button, while no appeal stands
    ]
    assert "frozen at close on" in json.dumps(thread[0]["blocks"]) and "Total" in json.dumps(thread[0]["blocks"])
    assert not [e for e in evaluations(db) if e.member_id == reads.member(db, FARMER).id]
    opened = reads.audit(db, "checkin.opened")
    assert {(a.actor, a.entity_id, a.after["period"], a.at) for a in opened} == {
        ("system", e.id, "2026-11", DEC_1_CLOSE) for e in evaluations(db)
    }


@pytest.mark.usefixtures("team")
def test_rerunning_the_close_opens_nothing_twice_and_farmers_open_only_at_quarter_end(pacer, db):
    at(pacer, DEC_1_CLOSE, period_close.run)
    queued = outbox_rows(db)
    again = at(pacer, DEC_1_CLOSE, period_close.run)

    assert again.counts["checkins"] == 0 and outbox_rows(db) == queued
    at(pacer, JAN_1_CLOSE, period_close.run)
    keys = [key for key, _ in parents(db)]
    assert len(keys) == len(set(keys)) == 5  # Dana and Lee twice (November, December), Fay once (Q4)
    assert evaluation_of(db, FARMER).period_key == "2026-Q4" and evaluation_of(db, FARMER).checkin_key


@pytest.mark.usefixtures("team")
def test_reminders_come_after_3_and_5_working_days_across_the_weekend_and_the_holiday_once_each(pacer, slack, db):
    at(pacer, JAN_1_CLOSE, period_close.run)  # Thursday 31 December in New York and London
    deliver(pacer)
    dana = evaluation_of(db, REP)
    with db.reading() as session:
        due = {r.key: (r.recipient, r.due_at) for r in session.exec(select(Reminder))}
    # Dana (New York): Fri 1 Jan is a holiday, then the weekend: Mon 4, Tue 5, Wed 6 → 09:00 New York
    assert due[f"checkin:{dana.id}:self-review"] == (REP, datetime(2027, 1, 6, 14, 0, tzinfo=UTC))
    # Morgan (London): Mon 4 … Fri 8 → 09:00 London
    assert due[f"checkin:{dana.id}:feedback"] == (MANAGER, datetime(2027, 1, 8, 9, 0, tzinfo=UTC))

    at(pacer, datetime(2027, 1, 6, 13, 59, tzinfo=UTC), reminders.run)
    deliver(pacer)
    assert not [m for m in slack.messages(REP) if "self-review" in m["text"]]
    at(pacer, datetime(2027, 1, 6, 14, 0, tzinfo=UTC), reminders.run)
    at(pacer, datetime(2027, 1, 7, 14, 0, tzinfo=UTC), reminders.run)
    deliver(pacer)
    [reminder] = [m for m in slack.messages(REP) if "self-review" in m["text"]]
    assert "December 2026" in reminder["text"]
    [button] = [e for b in reminder["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert (button["action_id"], button["value"]) == (ids.CHECKIN_SELF_REVIEW, str(dana.id))

    at(pacer, datetime(2027, 1, 8, 8, 59, tzinfo=UTC), reminders.run)
    deliver(pacer)
    assert not [m for m in slack.messages(MANAGER) if "waiting for your feedback" in m["text"]]
    at(pacer, datetime(2027, 1, 8, 9, 0, tzinfo=UTC), reminders.run)
    at(pacer, datetime(2027, 1, 9, 9, 0, tzinfo=UTC), reminders.run)
    deliver(pacer)
    feedback = [m for m in slack.messages(MANAGER) if "waiting for your feedback" in m["text"]]
    assert len([m for m in feedback if "Dana" in m["text"]]) == 1


@pytest.mark.usefixtures("team")
def test_the_manager_opens_last_month_freezing_it_first_and_a_second_checkin_links_to_the_thread(pacer, slack, db):
    pacer.clock.now = DEC_10
    ack, answer = checkin(pacer, slack, MANAGER, f"<@{REP}|dana> last-month")

    assert "Opening the check-in of Dana for November 2026" in ack
    assert "Check-in opened for Dana, November 2026" in answer
    dana = evaluation_of(db, REP)
    assert (dana.period_key, dana.checkin_opened_by, dana.checkin_key) == ("2026-11", MANAGER, f"checkin:{dana.id}")
    [entry] = reads.audit(db, "checkin.opened")
    assert (entry.actor, entry.entity_id, entry.after["period"]) == (MANAGER, dana.id, "2026-11")
    queued = outbox_rows(db)

    _, not_yet = checkin(pacer, slack, MANAGER, f"<@{REP}|dana>")
    assert "already open" in not_yet and "being posted to the group DM" in not_yet
    deliver(pacer)
    _, linked = checkin(pacer, slack, MANAGER, f"<@{REP}|dana> 2026-11")

    assert "already open" in linked and "https://fake.slack.com/archives/" in linked
    assert outbox_rows(db) == queued and len(evaluations(db)) == 1
    assert slack.calls("chat.getPermalink")


@pytest.mark.usefixtures("team")
def test_someone_who_is_not_the_manager_is_refused_and_nothing_is_stored_or_queued(pacer, slack, db):
    pacer.clock.now = DEC_10
    queued = outbox_rows(db)
    ack, answer = checkin(pacer, slack, REP2, f"<@{REP}|dana> last-month")

    assert "Only Dana's manager or an admin" in ack and not answer
    assert pacer.command(REP2, ids.CHECKIN, f"<@{REP}|dana>").json()["response_type"] == "ephemeral"
    assert evaluations(db) == [] and outbox_rows(db) == queued and reads.audit(db, "checkin.opened") == []


@pytest.mark.usefixtures("team")
def test_an_admin_may_open_any_check_in(pacer, slack, db):
    pacer.clock.now = DEC_10
    _, answer = checkin(pacer, slack, ADMIN, f"<@{REP2}|lee>")

    assert "Check-in opened for Lee, November 2026" in answer
    assert [channel for _, channel in parents(db)] == [f"{MANAGER},{REP2}"]


@pytest.mark.usefixtures("team")
def test_the_current_period_is_refused_with_the_date_it_ends(pacer, slack, db):
    pacer.clock.now = DEC_10
    ack, _ = checkin(pacer, slack, MANAGER, f"<@{REP}|dana> 2026-12")

    assert "ends on 31 December 2026" in ack and "/checkin @dana 2026-11" in ack
    assert evaluations(db) == []


@pytest.mark.usefixtures("team")
def test_checkin_team_opens_every_direct_report_in_one_summary(pacer, slack, db):
    at(pacer, DEC_1_CLOSE, period_close.run)
    pacer.clock.now = DEC_10
    _, answer = checkin(pacer, slack, MANAGER, "team")

    assert "1 opened, 2 already open, 0 skipped" in answer
    assert evaluation_of(db, FARMER).period_key == "2026-Q3"
    help_ack, _ = checkin(pacer, slack, MANAGER, "help")
    assert "/checkin @dana last-month" in help_ack and "Your team" in help_ack and "Open" in help_ack


@pytest.mark.usefixtures("team")
def test_a_rep_without_a_manager_keeps_a_frozen_evaluation_and_checkin_says_how_to_set_one(pacer, slack, db):
    assert "manager" in pacer.command(ADMIN, "/pacer", f"manager <@{REP}|dana> none").text
    result = at(pacer, DEC_1_CLOSE, period_close.run)

    assert result.counts["without_manager"] == 1 and evaluation_of(db, REP).checkin_key is None
    ack, _ = checkin(pacer, slack, ADMIN, f"<@{REP}|dana>")
    assert "has no manager" in ack and "/pacer manager @dana @morgan" in ack

    assert MANAGER in pacer.command(ADMIN, "/pacer", f"manager <@{REP}|dana> <@{MANAGER}|morgan>").text
    _, answer = checkin(pacer, slack, MANAGER, f"<@{REP}|dana>")
    assert "Check-in opened for Dana, November 2026" in answer
    assert evaluation_of(db, REP).manager_user_id == MANAGER


@pytest.mark.usefixtures("team")
def test_a_name_that_looks_like_markup_is_escaped_in_the_thread_and_its_fallback_text(pacer, slack):
    eve = "UREP0009"
    slack.add_user(eve, name="eve", real_name="Eve", display_name="<!channel> Eve", tz="Europe/London")
    register(pacer, eve)
    assert MANAGER in pacer.command(ADMIN, "/pacer", f"manager <@{eve}|eve> <@{MANAGER}|morgan>").text
    pacer.clock.now = DEC_10
    _, answer = checkin(pacer, slack, MANAGER, f"<@{eve}|eve> 2026-11")
    deliver(pacer)

    assert "Check-in opened" in answer
    group = slack.group_channel(eve, MANAGER)
    posted = slack.messages(group)
    assert len(posted) == 3
    for message in posted:
        assert "<!channel>" not in message["text"] and "<!channel>" not in json.dumps(message["blocks"])
    assert "&lt;!channel&gt; Eve" in posted[0]["text"]


@pytest.mark.usefixtures("team")
def test_checkin_team_for_a_month_skips_the_quarterly_farmer_and_says_why(pacer, slack, db):
    pacer.clock.now = DEC_10
    _, answer = checkin(pacer, slack, MANAGER, "team 2026-11")

    assert "2 opened, 0 already open, 1 skipped" in answer
    assert "Fay is evaluated every quarter" in answer
    assert sorted(e.period_key for e in evaluations(db)) == ["2026-11", "2026-11"]
    assert "No one reports to you" in checkin(pacer, slack, REP, "team")[0]
