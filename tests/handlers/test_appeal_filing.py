"""Filing an appeal end to end: `/appeal` and the thread's Appeal button open the form, inline errors, the
window and one-open-appeal rules, the reviewer chosen (never the appellant, their manager or their line),
the case, notices and thread reply after the outbox runs, the reminders, `/appeal status` and withdrawal —
through signed requests and the fake Slack Web API, on both databases."""

from __future__ import annotations

import json
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import urlencode

import pytest
from sqlmodel import col, select

from bot.config import PacerConfig, ProductLine, Team, Wins
from bot.jobs import reminders as reminders_job
from bot.jobs.base import JobContext
from bot.services import checkin_open
from bot.services.evaluations import freeze_one
from bot.store.tables import Appeal, Reminder
from handlers import ids
from handlers.blocks.checkins import MESSAGES as CHECKIN_MESSAGES
from scoring.periods import month_of
from tests.conftest import ADMIN, MANAGER, OUTSIDER, REP, REP2, WINS_CHANNEL
from tests.fakes.slack_api import FakeSlack
from tests.support import reads
from tests.support.checkins import Thread, click, deliver_all, open_checkin, reply_event, submit
from tests.support.harness import Pacer, Response
from tests.support.payloads import select as pick
from tests.support.payloads import text_input

REVIEWER = "UREV0001"
REVIEWER2 = "UREV0002"
REASON = "Two Globex deals signed on 30 October are missing from revenue"


@pytest.fixture
def config() -> PacerConfig:
    from decimal import Decimal

    return PacerConfig(
        currency="USD",
        recognition="signed",
        product_lines=[ProductLine(name="Core"), ProductLine(name="Enterprise", premium=True)],
        wins=Wins(channel=WINS_CHANNEL, threshold=Decimal("50000")),
        teams=[Team(name="East", manager=MANAGER, members=[REP, REP2])],
        admins=[ADMIN],
        reviewers=[MANAGER, REVIEWER, REVIEWER2],
    )


@pytest.fixture
def slack(slack: FakeSlack) -> FakeSlack:
    slack.add_user(REVIEWER, name="rae", real_name="Rae Reviewer", tz="Asia/Shanghai")
    slack.add_user(REVIEWER2, name="rio", real_name="Rio Reviewer", tz="Asia/Shanghai")
    return slack


@pytest.fixture
def thread(pacer: Pacer) -> Thread:
    for reviewer in (REVIEWER, REVIEWER2):  # they have used Pacer: their zone is known
        assert pacer.command(reviewer, "/pacer", "help").status == 200
    return open_checkin(pacer, rep=REP, manager=MANAGER)


# --- helpers ----------------------------------------------------------------------------------------


def multi(values: list[str]) -> dict[str, Any]:
    return {
        "type": "multi_static_select",
        "selected_options": [{"text": {"type": "plain_text", "text": v}, "value": v} for v in values],
    }


def form(evaluation_id: int, *, lines: list[str] | None = None, **fields: str | None) -> dict[str, dict[str, Any]]:
    values: dict[str, dict[str, Any]] = {
        "evaluation": pick(str(evaluation_id)),
        "lines": multi(["revenue"] if lines is None else lines),
        "reason": text_input(REASON),
        "evidence": text_input("Contract signed 2026-10-30 <https://crm.example.com/42|CRM>"),
    }
    for name, value in fields.items():
        values[name] = text_input(value)
    return values


def file(
    pacer: Pacer,
    thread: Thread,
    *,
    user: str = REP,
    view_id: str | None = None,
    evaluation: int | None = None,
    **kw: Any,
) -> Response:
    evaluation_id = thread.evaluation_id if evaluation is None else evaluation
    return submit(
        pacer,
        user,
        ids.APPEAL_MODAL,
        form(evaluation_id, **kw),
        metadata={"evaluation": evaluation_id},
        view_id=view_id,
    )


def appeals(pacer: Pacer) -> list[Appeal]:
    return list(pacer.read(lambda s: list(s.exec(select(Appeal).order_by(col(Appeal.id))))))


def reminders(pacer: Pacer, prefix: str = "appeal:") -> dict[str, Reminder]:
    rows = pacer.read(lambda s: list(s.exec(select(Reminder).where(col(Reminder.key).startswith(prefix)))))
    return {row.key: row for row in rows}


def errors_of(response: Response) -> dict[str, str]:
    body = response.json()
    assert body.get("response_action") == "errors", body
    return dict(body["errors"])


def done_text(response: Response) -> str:
    body = response.json()
    assert body.get("response_action") == "update", body
    return json.dumps(body["view"]["blocks"])


def opened_view(pacer: Pacer, slack: FakeSlack, count: int = 1) -> dict[str, Any]:
    pacer.settle()
    return dict(slack.wait_for("views.open", count=count)[-1].response["view"])


def texts(messages: list[dict[str, Any]]) -> str:
    return json.dumps(messages)


def next_step_buttons(payload: dict[str, Any]) -> list[str]:
    return [e["action_id"] for b in payload["blocks"] if b["type"] == "actions" for e in b["elements"]]


# --- filing -----------------------------------------------------------------------------------------


def test_appeal_with_no_text_opens_the_form_with_the_one_open_evaluation_chosen(
    pacer: Pacer, slack: FakeSlack, thread: Thread
):
    response = pacer.command(REP, "/appeal")
    assert response.status == 200 and response.text == ""
    view = opened_view(pacer, slack)
    assert view["callback_id"] == ids.APPEAL_MODAL
    assert json.loads(view["private_metadata"]) == {"evaluation": thread.evaluation_id}
    blocks = {b["block_id"]: b for b in view["blocks"] if b["type"] == "input"}
    assert blocks["evaluation"]["element"]["initial_option"]["value"] == str(thread.evaluation_id)
    assert blocks["evaluation"]["dispatch_action"] is True
    assert [o["value"] for o in blocks["lines"]["element"]["options"]] == [
        "revenue",
        "new_customers",
        "new_leads",
        "activities",
    ]
    assert {"reason", "evidence", "requested_revenue", "requested_activities"} <= set(blocks)
    assert "Tue 08 Dec 2026" in blocks["evaluation"]["hint"]["text"]


def test_a_filed_appeal_goes_to_an_independent_reviewer_and_the_rep_manager_and_thread_are_told(
    pacer: Pacer, slack: FakeSlack, thread: Thread
):
    pacer.event(reply_event(thread, MANAGER, "Revenue looks right to me", ts="1764000001.000100"))
    response = file(pacer, thread, requested_revenue="15k")
    assert "Filed: appeal AP-1" in done_text(response)
    [appeal] = appeals(pacer)
    assert appeal.status == "open" and appeal.open_evaluation_id == thread.evaluation_id
    assert appeal.metrics == ["revenue"] and appeal.requested == {"revenue": "15000.00"}
    assert appeal.reason == REASON and appeal.evidence == "Contract signed 2026-10-30 CRM"
    assert appeal.reviewer_user_id in (REVIEWER, REVIEWER2)  # the manager is in the pool, never chosen
    assert appeal.manager_user_id == MANAGER and appeal.evaluation_version == 1
    # 5 working days after Tue 24 Nov in Shanghai (the reviewer's zone): Tue 1 Dec, 23:59:59 local
    assert appeal.due_at.replace(tzinfo=UTC) == datetime(2026, 12, 1, 15, 59, 59, tzinfo=UTC)
    assert "least loaded of 2 eligible reviewers" in appeal.assigned_reason

    deliver_all(pacer)
    case = texts(slack.messages(slack.dm_channel(appeal.reviewer_user_id)))
    assert "Appeal AP-1 to decide" in case and "Dana" in case
    assert "Two Globex deals signed on 30 October" in case and "Contract signed 2026-10-30" in case
    assert "Requested actual:* $15,000" in case and "Revenue looks right to me" in case
    assert ids.APPEAL_DECIDE in case and "target $100,000" in case
    rep_dm = texts(slack.messages(slack.dm_channel(REP)))
    assert "Your appeal AP-1 is filed" in rep_dm and f"<@{appeal.reviewer_user_id}> decides it" in rep_dm
    manager_dm = texts(slack.messages(slack.dm_channel(MANAGER)))
    assert "appealed their October 2026 evaluation" in manager_dm and "you don't decide it" in manager_dm
    assert REASON not in manager_dm and REASON not in rep_dm
    replies = texts(slack.thread(thread.channel, thread.parent_ts))
    assert f"<@{REP}> appealed this evaluation* (AP-1)" in replies and REASON not in replies
    # the next step's Appeal button gives way to the appeal's number
    updates = [c.args for c in slack.calls("chat.update") if c.args.get("ts") == thread.next_ts]
    assert (
        updates and ids.CHECKIN_APPEAL not in json.dumps(updates[-1]) and "Appeal AP-1: open" in json.dumps(updates[-1])
    )

    [filed] = reads.audit(pacer.db, "appeal.filed")
    assert filed.actor == REP and filed.after and filed.after["metrics"] == ["revenue"]
    [assigned] = reads.audit(pacer.db, "appeal.assigned")
    assert assigned.after and assigned.after["reviewer"] == appeal.reviewer_user_id
    assert "least loaded" in assigned.after["reason"]
    due = reminders(pacer)
    assert set(due) == {"appeal:1:due-soon", f"appeal:1:overdue:{ADMIN}"}
    assert due["appeal:1:due-soon"].recipient == appeal.reviewer_user_id
    # the working day before the due day, at 09:00 in Shanghai (Mon 30 Nov, 01:00 UTC)
    assert due["appeal:1:due-soon"].due_at.replace(tzinfo=UTC) == datetime(2026, 11, 30, 1, 0, tzinfo=UTC)
    assert due[f"appeal:1:overdue:{ADMIN}"].due_at == appeal.due_at


def test_the_threads_appeal_button_opens_the_form_with_its_evaluation_chosen(
    pacer: Pacer, slack: FakeSlack, thread: Thread
):
    first_next = reads.outbox(pacer.db)
    step = next(r for r in first_next if r.key == f"checkin:{thread.evaluation_id}:next")
    assert ids.CHECKIN_APPEAL in next_step_buttons(step.payload)
    assert click(pacer, thread, REP, ids.CHECKIN_APPEAL).status == 200
    view = opened_view(pacer, slack)
    assert json.loads(view["private_metadata"]) == {"evaluation": thread.evaluation_id}
    assert "Filed: appeal AP-1" in done_text(file(pacer, thread))


def test_the_manager_clicking_appeal_is_refused_privately(pacer: Pacer, slack: FakeSlack, thread: Thread):
    click(pacer, thread, MANAGER, ids.CHECKIN_APPEAL)
    pacer.settle()
    refusal = slack.wait_for("chat.postEphemeral")[-1].args
    assert refusal["user"] == MANAGER and "only appeal your own" in refusal["text"]
    assert not slack.calls("views.open")


@pytest.mark.parametrize(
    ("changes", "field", "says"),
    [
        ({"reason": "too short"}, "reason", "at least 20"),
        ({"reason": "x" * 3001}, "reason", "keep it to 3,000"),
        ({"evidence": "y" * 3001}, "evidence", "keep it to 3,000"),
        ({"reason": f"My manager <@{REP2}> told me revenue was fine"}, "reason", "can't contain mentions"),
        ({"reason": "<!channel> this evaluation is wrong, please look"}, "reason", "can't contain mentions"),
        ({"requested_revenue": "lots"}, "requested_revenue", "isn't a number"),
        ({"requested_new_customers": "2.5"}, "requested_new_customers", "whole numbers"),
        ({"requested_activities": "90"}, "requested_activities", "not among the disputed lines"),
        ({"lines": []}, "lines", "at least one scorecard line"),
    ],
)
def test_a_wrong_field_is_answered_inline_and_nothing_is_stored(
    pacer: Pacer, thread: Thread, changes: dict[str, Any], field: str, says: str
):
    changes = dict(changes)  # the parameters are shared by both databases' runs
    lines = changes.pop("lines", ["revenue", "new_customers"])
    errors = errors_of(file(pacer, thread, lines=lines, **changes))
    assert says in errors[field], errors
    assert appeals(pacer) == [] and not reads.audit(pacer.db, "appeal.filed") and reminders(pacer) == {}


def test_a_double_submit_at_once_files_one_appeal(pacer: Pacer, thread: Thread):
    def once(_: int) -> Response:
        return file(pacer, thread, view_id="V0APPEAL")

    with ThreadPoolExecutor(max_workers=6) as pool:
        responses = list(pool.map(once, range(6)))
    bodies = [done_text(r) for r in responses]
    assert sum("Filed: appeal AP-1" in b for b in bodies) == 1
    assert sum("Already filed: this form filed appeal AP-1" in b for b in bodies) == 5
    assert len(appeals(pacer)) == 1 and len(reads.audit(pacer.db, "appeal.filed")) == 1


def test_two_forms_at_once_for_one_evaluation_file_one_appeal(pacer: Pacer, thread: Thread):
    def once(n: int) -> Response:
        return file(pacer, thread, view_id=f"V0FORM{n}")

    with ThreadPoolExecutor(max_workers=4) as pool:
        bodies = [done_text(r) for r in pool.map(once, range(4))]
    assert sum("Filed: appeal" in b for b in bodies) == 1
    assert sum("already has an open appeal, AP-1" in b for b in bodies) == 3
    assert len(appeals(pacer)) == 1


def test_an_evaluation_with_an_open_appeal_cannot_be_appealed_again(pacer: Pacer, thread: Thread):
    file(pacer, thread)
    assert "already has an open appeal, AP-1" in done_text(file(pacer, thread))
    response = pacer.command(REP, "/appeal")
    assert "it already has an open appeal, AP-1" in response.text
    assert len(appeals(pacer)) == 1


def test_the_window_closes_at_the_end_of_the_tenth_working_day_in_the_reps_zone(pacer: Pacer, thread: Thread):
    # Opened Tue 24 Nov (10:00 in New York); ten working days later, two weekends skipped: Tue 8 Dec, 23:59:59
    pacer.clock.set("2026-12-09T04:59:00+00:00")  # 23:59 on Tue 8 Dec in New York
    assert "Filed: appeal AP-1" in done_text(file(pacer, thread))


def test_an_appeal_after_the_window_is_refused_with_the_date_it_closed(pacer: Pacer, thread: Thread):
    pacer.clock.set("2026-12-09T05:00:00+00:00")  # 00:00 on Wed 9 Dec in New York
    errors = errors_of(file(pacer, thread))
    assert "window closed at the end of Tue 08 Dec 2026" in errors["evaluation"]
    assert appeals(pacer) == []
    answer = pacer.command(REP, "/appeal")
    assert "None of your evaluations is open to appeal" in answer.text and "Tue 08 Dec 2026" in answer.text


def test_a_rep_with_no_evaluation_is_told_so_not_shown_an_empty_form(pacer: Pacer, slack: FakeSlack):
    answer = pacer.command(REP, "/appeal")
    assert "no evaluation to appeal yet" in answer.text
    pacer.settle()
    assert not slack.calls("views.open")


def test_a_crafted_submission_for_someone_elses_evaluation_is_refused_and_nothing_stored(pacer: Pacer, thread: Thread):
    errors = errors_of(file(pacer, thread, user=REP2))
    assert "only appeal your own evaluations" in errors["evaluation"]
    assert appeals(pacer) == [] and reads.outbox(pacer.db)[-1].key.startswith("checkin:")


def test_with_nobody_eligible_the_admins_get_the_case_and_the_appellant_is_told(
    pacer: Pacer, slack: FakeSlack, thread: Thread
):
    pacer.deps.config.reviewers[:] = [MANAGER, REP]
    assert "the admins decide" in done_text(file(pacer, thread))
    [appeal] = appeals(pacer)
    assert appeal.reviewer_user_id is None and "the admins decide" in appeal.assigned_reason
    # due in the workspace zone (UTC): 5 working days after Tue 24 Nov
    assert appeal.due_at.replace(tzinfo=UTC) == datetime(2026, 12, 1, 23, 59, 59, tzinfo=UTC)
    deliver_all(pacer)
    assert "Appeal AP-1 to decide" in texts(slack.messages(slack.dm_channel(ADMIN)))
    assert "the admins decide" in texts(slack.messages(slack.dm_channel(REP)))
    assert set(reminders(pacer)) == {f"appeal:1:due-soon:{ADMIN}", f"appeal:1:overdue:{ADMIN}"}


# --- the reviewer over many appeals ----------------------------------------------------------------------

BOSS = "UMGR0009"  # manages the managers of North and South
NORTH, SOUTH = "UMGR0007", "UMGR0008"
OUTSIDE_REVIEWERS = ("UREV0003", "UREV0004")
NORTH_REPS = [f"UREPN00{n}" for n in range(1, 5)]
SOUTH_REPS = [f"UREPS00{n}" for n in range(1, 5)]
BOSS_REPS = [f"UREPB00{n}" for n in range(1, 5)]


def test_over_many_appeals_the_reviewer_is_never_the_appellant_their_manager_or_line_and_load_spreads(
    pacer: Pacer, slack: FakeSlack
):
    config = pacer.deps.config
    config.teams[:] = [
        Team(name="North", manager=NORTH, members=NORTH_REPS),
        Team(name="South", manager=SOUTH, members=SOUTH_REPS),
        Team(name="Top", manager=BOSS, members=[NORTH, SOUTH, *BOSS_REPS]),
    ]
    config.reviewers[:] = [NORTH, SOUTH, BOSS, *OUTSIDE_REVIEWERS]
    for user in [BOSS, NORTH, SOUTH, *OUTSIDE_REVIEWERS, *NORTH_REPS, *SOUTH_REPS, *BOSS_REPS]:
        slack.add_user(user, name=user.lower(), real_name=f"Person {user}", tz="Europe/Berlin")
    line = {**dict.fromkeys(NORTH_REPS, {NORTH, BOSS}), **dict.fromkeys(SOUTH_REPS, {SOUTH, BOSS})}
    line |= dict.fromkeys(BOSS_REPS, {BOSS})
    for rep in [*NORTH_REPS, *SOUTH_REPS, *BOSS_REPS]:
        manager = next(t.manager for t in config.teams if rep in t.members)
        thread = open_checkin(pacer, rep=rep, manager=manager)
        assert "Filed: appeal" in done_text(file(pacer, thread, user=rep))
    rows = appeals(pacer)
    assert len(rows) == 12
    for appeal in rows:
        assert appeal.reviewer_user_id is not None
        assert appeal.reviewer_user_id not in line[appeal.appellant_user_id] | {appeal.appellant_user_id}
    load = Counter(a.reviewer_user_id for a in rows)
    assert max(load.values()) - min(load.values()) <= 1 and len(load) >= 4, load


# --- status and withdrawal -------------------------------------------------------------------------------


def test_appeal_status_lists_the_callers_own_appeals_with_a_withdraw_button(pacer: Pacer, thread: Thread):
    file(pacer, thread)
    [appeal] = appeals(pacer)
    answer = pacer.command(REP, "/appeal", "status")
    assert "Your appeals: 1 (1 open)" in answer.text
    body = json.dumps(answer.json())
    assert "AP-1" in body and "October 2026" in body and f"<@{appeal.reviewer_user_id}>" in body
    assert "Tue 01 Dec 2026, 10:59 (America/New_York)" in body  # due 23:59:59 Shanghai, in Dana's zone
    assert ids.APPEAL_WITHDRAW in body
    other = pacer.command(REP2, "/appeal", "status")
    assert "You have filed no appeals" in other.text and "AP-1" not in other.text


def test_withdrawing_cancels_the_reminders_tells_reviewer_manager_and_thread_and_removes_the_decide_button(
    pacer: Pacer, slack: FakeSlack, thread: Thread
):
    file(pacer, thread)
    deliver_all(pacer)
    [appeal] = appeals(pacer)
    reviewer = appeal.reviewer_user_id
    assert reviewer is not None
    answer = pacer.command(REP, "/appeal", "withdraw AP-1")
    assert "Withdrawn: AP-1" in answer.text
    [after] = appeals(pacer)
    assert after.status == "withdrawn" and after.withdrawn_at is not None and after.open_evaluation_id is None
    assert {r.status for r in reminders(pacer).values()} == {"cancelled"}
    deliver_all(pacer)
    assert "was withdrawn" in texts(slack.messages(slack.dm_channel(reviewer)))
    case = next(m for m in slack.messages(slack.dm_channel(reviewer)) if "to decide" in m.get("text", ""))
    rewrite = [c.args for c in slack.calls("chat.update") if c.args.get("ts") == case["ts"]]
    assert rewrite and "withdrawn by the rep" in json.dumps(rewrite[-1])
    assert ids.APPEAL_DECIDE not in json.dumps(rewrite[-1])
    manager_dm = texts(slack.messages(slack.dm_channel(MANAGER)))
    assert "withdrew appeal AP-1: the evaluation stands as frozen" in manager_dm
    assert "withdrew appeal AP-1" in texts(slack.thread(thread.channel, thread.parent_ts))
    [audit] = reads.audit(pacer.db, "appeal.withdrawn")
    assert audit.actor == REP and audit.after and audit.after["status"] == "withdrawn"
    again = pacer.command(REP, "/appeal", "withdraw AP-1")
    assert "already withdrawn; nothing changed" in again.text
    assert len(reads.audit(pacer.db, "appeal.withdrawn")) == 1
    # withdrawn, the evaluation may be appealed again inside the window
    assert "Filed: appeal AP-2" in done_text(file(pacer, thread))


def test_the_withdraw_button_of_appeal_status_withdraws(pacer: Pacer, slack: FakeSlack, thread: Thread):
    file(pacer, thread)
    assert pacer.click(REP, ids.APPEAL_WITHDRAW, "1").status == 200
    pacer.settle()
    assert appeals(pacer)[0].status == "withdrawn"
    assert "Withdrawn: AP-1" in json.dumps(slack.calls()[-1].args)


def test_nobody_withdraws_another_reps_appeal(pacer: Pacer, thread: Thread):
    file(pacer, thread)
    for user in (REP2, MANAGER, ADMIN, OUTSIDER):
        assert "You have no appeal AP-1" in pacer.command(user, "/appeal", "withdraw AP-1").text
    assert appeals(pacer)[0].status == "open" and not reads.audit(pacer.db, "appeal.withdrawn")


def test_a_decided_appeal_cannot_be_withdrawn(pacer: Pacer, thread: Thread):
    file(pacer, thread)
    with pacer.db.transaction() as session:
        row = session.get(Appeal, 1)
        assert row is not None
        row.status, row.open_evaluation_id = "rejected", None
        session.add(row)
    assert "was decided (rejected), so it can't be withdrawn" in pacer.command(REP, "/appeal", "withdraw AP-1").text
    assert "decisions are final" in pacer.command(REP, "/appeal").text


def test_appeal_help_and_bad_subcommands(pacer: Pacer):
    assert "/appeal withdraw AP-7" in pacer.command(REP, "/appeal", "help").text
    assert "takes `status`" in pacer.command(REP, "/appeal", "wat").text
    assert "Which appeal?" in pacer.command(REP, "/appeal", "withdraw banana").text


# --- the deadline's reminders, delivered by the reminders job ----------------------------------------------


def run_reminders(pacer: Pacer, iso: str) -> int:
    now = datetime.fromisoformat(iso)
    pacer.clock.set(iso)
    context = JobContext(db=pacer.db, config=pacer.deps.config, client=pacer.deps.client, now=now)
    return int(reminders_job.run(context).counts["queued"])


def test_the_reviewer_is_reminded_after_the_weekend_and_the_admins_told_once_it_is_overdue(
    pacer: Pacer, slack: FakeSlack, thread: Thread
):
    file(pacer, thread)
    [appeal] = appeals(pacer)
    reviewer = appeal.reviewer_user_id
    assert reviewer is not None
    # Filed Tue 24 Nov; due Tue 1 Dec (Shanghai). The reminder waits for Mon 30 Nov 09:00 there, past the weekend.
    assert run_reminders(pacer, "2026-11-29T23:59:00+00:00") == 0
    assert run_reminders(pacer, "2026-11-30T01:00:00+00:00") == 1
    deliver_all(pacer)
    reminder = texts(slack.messages(slack.dm_channel(reviewer)))
    assert "Reminder: appeal AP-1 is due by" in reminder and ids.APPEAL_DECIDE in reminder
    assert run_reminders(pacer, "2026-12-01T15:59:58+00:00") == 0
    assert run_reminders(pacer, "2026-12-01T15:59:59+00:00") == 1
    deliver_all(pacer)
    escalation = texts(slack.messages(slack.dm_channel(ADMIN)))
    assert "Appeal AP-1 is overdue" in escalation and f"assigned to <@{reviewer}>" in escalation
    assert run_reminders(pacer, "2026-12-05T00:00:00+00:00") == 0  # each once


def test_no_reminder_follows_a_withdrawn_appeal(pacer: Pacer, thread: Thread):
    file(pacer, thread)
    pacer.command(REP, "/appeal", "withdraw AP-1")
    assert run_reminders(pacer, "2026-12-05T00:00:00+00:00") == 0


# --- picking among several evaluations ---------------------------------------------------------------------


def open_september(pacer: Pacer) -> int:
    member = reads.member(pacer.db, REP)
    assert member is not None
    now = pacer.clock()
    view = freeze_one(
        pacer.db,
        config=pacer.deps.config,
        workspace_id=member.workspace_id,
        user_id=REP,
        period=month_of(date(2026, 9, 1)),
        now=now,
        actor=MANAGER,
        announce=checkin_open.announcer(
            workspace_id=member.workspace_id, config=pacer.deps.config, render=CHECKIN_MESSAGES, now=now
        ),
    )
    deliver_all(pacer)
    return view.id


def pick_in_form(pacer: Pacer, view: dict[str, Any], evaluation_id: int, typed: dict[str, Any]) -> Response:
    payload = {
        "type": "block_actions",
        "user": {"id": REP, "username": "dana", "name": "dana", "team_id": pacer.team_id},
        "api_app_id": "A0PACER",
        "token": "legacy-verification-token",
        "container": {"type": "view", "view_id": view["id"]},
        "trigger_id": "trigger.pick",
        "team": {"id": pacer.team_id, "domain": "acme-sales"},
        "is_enterprise_install": False,
        "view": {
            "id": view["id"],
            "team_id": pacer.team_id,
            "type": "modal",
            "callback_id": ids.APPEAL_MODAL,
            "hash": "1764000000.abc",
            "private_metadata": view.get("private_metadata", ""),
            "state": {"values": {block: {"value": element} for block, element in typed.items()}},
            "blocks": view.get("blocks", []),
        },
        "actions": [
            {
                "type": "static_select",
                "action_id": ids.APPEAL_PICK_EVALUATION,
                "block_id": "evaluation",
                "selected_option": {"text": {"type": "plain_text", "text": "x"}, "value": str(evaluation_id)},
                "action_ts": "1764000000.000300",
            }
        ],
    }
    return pacer.post(urlencode({"payload": json.dumps(payload)}), content_type="application/x-www-form-urlencoded")


def test_with_several_evaluations_open_the_rep_picks_one_and_the_form_shows_its_lines(
    pacer: Pacer, slack: FakeSlack, thread: Thread
):
    september = open_september(pacer)
    pacer.command(REP, "/appeal")
    view = opened_view(pacer, slack)
    assert json.loads(view["private_metadata"]) == {}
    inputs = {b["block_id"]: b for b in view["blocks"] if b["type"] == "input"}
    assert "lines" not in inputs and "initial_option" not in inputs["evaluation"]["element"]
    assert [o["value"] for o in inputs["evaluation"]["element"]["options"]] == [
        str(thread.evaluation_id),
        str(september),
    ]
    # submitting before picking: told on the field, nothing stored
    unpicked = submit(pacer, REP, ids.APPEAL_MODAL, {"reason": text_input(REASON)}, metadata={})
    # (Slack shows an error only on a block of the view: the select's error lands on the first input sent)
    assert "Choose the evaluation you dispute" in errors_of(unpicked)["reason"] and appeals(pacer) == []
    typed = {"evaluation": pick(str(september)), "reason": text_input(REASON)}
    assert pick_in_form(pacer, view, september, typed).status == 200
    pacer.settle()
    redrawn = slack.wait_for("views.update")[-1].args
    drawn = json.loads(redrawn["view"]) if isinstance(redrawn["view"], str) else redrawn["view"]
    assert json.loads(drawn["private_metadata"]) == {"evaluation": september}
    blocks = {b["block_id"]: b for b in drawn["blocks"] if b["type"] == "input"}
    assert "lines" in blocks and blocks["reason"]["element"]["initial_value"] == REASON
    # lines of the picked evaluation, but the select moved to another one meanwhile: told, nothing stored
    moved = form(thread.evaluation_id)
    wrong = submit(pacer, REP, ids.APPEAL_MODAL, moved, metadata={"evaluation": september})
    assert "Choose the disputed lines of the evaluation picked above" in errors_of(wrong)["lines"]
    assert "Filed: appeal AP-1" in done_text(
        submit(pacer, REP, ids.APPEAL_MODAL, form(september), metadata={"evaluation": september})
    )
    [appeal] = appeals(pacer)
    assert appeal.evaluation_id == september


def test_a_long_case_full_of_markup_is_escaped_and_fits_slacks_limits(pacer: Pacer, thread: Thread):
    for n in range(12):
        pacer.event(reply_event(thread, REP, f"comment {n} <!channel> " + "&" * 600, ts=f"1764000002.{n:06d}"))
    reason = ("a <b>&lt; " * 400)[:3000]
    response = file(pacer, thread, reason=reason, evidence=("<x>& " * 700)[:3000], lines=["revenue", "activities"])
    assert "Filed: appeal AP-1" in done_text(response)
    [appeal] = appeals(pacer)
    case = next(r for r in reads.outbox(pacer.db) if r.key == f"appeal:1:case:{appeal.reviewer_user_id}")
    blocks = case.payload["blocks"]
    assert len(blocks) <= 50
    sections = [b["text"]["text"] for b in blocks if b["type"] == "section"]
    assert all(len(text) <= 3000 for text in sections)
    shown = " ".join(sections)
    assert "<b>" not in shown and "<x>" not in shown and "<!channel>" not in shown
    assert "&lt;b&gt;" in shown and "the last 10 of 12" in shown
    deliver_all(pacer)
    assert case.key in {r.key for r in reads.outbox(pacer.db) if r.status == "sent"}
