"""Deciding an appeal end to end: the Decide button and its form, upheld / partly upheld / rejected, the
re-score into a new evaluation version (the old one intact), the outcome in the rep's and the manager's DMs
and the check-in thread, the parent and case messages rewritten, the reminders cancelled, who may decide,
a second click / stale form / withdrawn appeal, every inline error, and an admin's reassignment — through
signed requests and the fake Slack Web API, on both databases."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any

import pytest
from sqlmodel import col, select

from bot.services.evaluations import versions_of
from bot.services.exports import WorkspaceChoice, evaluation_records
from bot.store.tables import Appeal, Evaluation, EvaluationVersion, Reminder
from handlers import ids
from scoring.evaluations import Snapshot, rescore
from scoring.metrics import exact_sum
from tests.conftest import ADMIN, MANAGER, OUTSIDER, REP, REP2
from tests.fakes.slack_api import FakeSlack
from tests.support import reads
from tests.support.appeals import (
    Filed,
    appeal_row,
    click_decide,
    decision,
    open_appeal,
    submit_decision,
    withdraw,
)
from tests.support.checkins import OCTOBER, deliver_all, open_checkin
from tests.support.harness import Pacer, Response

REVIEWER = OUTSIDER


@pytest.fixture
def filed(pacer: Pacer) -> Filed:
    """Dana sold 12,000 to Globex in October (one new customer); her appeal disputes revenue, Olu decides."""
    assert "Logged D-1" in pacer.deal(REP, "12000 Globex date:2026-10-20").text
    return open_appeal(pacer, rep=REP, manager=MANAGER, reviewer=REVIEWER)


def versions(pacer: Pacer, evaluation_id: int) -> list[EvaluationVersion]:
    return pacer.read(
        lambda s: list(
            s.exec(
                select(EvaluationVersion)
                .where(EvaluationVersion.evaluation_id == evaluation_id)
                .order_by(col(EvaluationVersion.version))
            )
        )
    )


def evaluation(pacer: Pacer, filed: Filed) -> Evaluation:
    return pacer.read(lambda s: s.get(Evaluation, filed.thread.evaluation_id))


def dumped(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def errors_of(response: Response) -> dict[str, str]:
    body = response.json()
    assert body.get("response_action") == "errors", body
    return dict(body["errors"])


def updated_form(response: Response) -> str:
    body = response.json()
    assert body.get("response_action") == "update", body
    return dumped(body["view"])


def ephemerals(slack: FakeSlack, user: str) -> list[str]:
    return [str(call.args.get("text")) for call in slack.calls("chat.postEphemeral") if call.args.get("user") == user]


def dm_texts(slack: FakeSlack, user: str) -> list[str]:
    return [dumped(message) for message in slack.messages(user)]


def nothing_changed(pacer: Pacer, filed: Filed) -> None:
    row = appeal_row(pacer, filed.appeal_id)
    assert (row.status, row.decided_by, row.result_version, row.open_evaluation_id) == (
        "open",
        None,
        None,
        filed.thread.evaluation_id,
    )
    assert [v.version for v in versions(pacer, filed.thread.evaluation_id)] == [1]
    assert evaluation(pacer, filed).version == 1
    assert not reads.audit(pacer.db, "appeal.decided")


def decide(pacer: Pacer, filed: Filed, user: str = REVIEWER, **kwargs: Any) -> Response:
    values = decision(**kwargs) if kwargs else decision(revenue="15k")
    return submit_decision(pacer, user, filed.appeal_id, values)


# --- the form -------------------------------------------------------------------------------------------


def test_decide_opens_the_decision_form_with_the_case_and_a_corrected_input_per_disputed_metric(
    pacer: Pacer, slack: FakeSlack, filed: Filed
) -> None:
    assert click_decide(pacer, filed, REVIEWER).status == 200
    pacer.settle()
    view = slack.wait_for("views.open")[-1].args["view"]
    view = view if isinstance(view, dict) else json.loads(view)
    assert view["callback_id"] == ids.DECISION_MODAL
    assert json.loads(view["private_metadata"]) == {"appeal": filed.appeal_id}
    blocks = {block.get("block_id"): block for block in view["blocks"]}
    assert {"decision", "rationale", "corrected_revenue"} <= set(blocks)
    options = [o["value"] for o in blocks["decision"]["element"]["options"]]
    assert options == ["upheld", "partly_upheld", "rejected"]
    shown = dumped(view)
    assert "actual $12,000" in shown and "requested *$15,000*" in shown and "Globex deal was signed" in shown
    assert "CRM export" in shown


# --- upheld, partly upheld, rejected --------------------------------------------------------------------


def test_an_upheld_appeal_rescores_the_evaluation_into_version_2_and_keeps_version_1_intact(
    pacer: Pacer, filed: Filed
) -> None:
    v1_before = versions(pacer, filed.thread.evaluation_id)[0]
    response = decide(pacer, filed, revenue="15k")
    assert "Recorded: AP-1 upheld" in updated_form(response)

    v1, v2 = versions(pacer, filed.thread.evaluation_id)
    assert (v1.version, v1.snapshot, v1.total, v1.reason) == (1, v1_before.snapshot, v1_before.total, "frozen at close")
    frozen = Snapshot.from_json(v1.snapshot)
    corrected = Snapshot.from_json(v2.snapshot)
    assert corrected == rescore(frozen, {"revenue": Decimal(15000)})
    assert corrected.line("revenue").actual == Decimal(15000)  # type: ignore[union-attr]
    assert exact_sum(line.points for line in corrected.lines) == corrected.total == v2.total
    assert corrected.total > frozen.total
    assert (v2.version, v2.reason, v2.created_by) == (2, "appeal AP-1 upheld", REVIEWER)
    assert evaluation(pacer, filed).version == 2

    row = appeal_row(pacer, filed.appeal_id)
    assert (row.status, row.decided_by, row.result_version, row.open_evaluation_id) == ("upheld", REVIEWER, 2, None)
    assert row.corrected == {"revenue": "15000.00"} and row.rationale and row.decided_at is not None
    [entry] = reads.audit(pacer.db, "appeal.decided")
    assert entry.actor == REVIEWER and entry.entity_id == filed.appeal_id
    assert entry.before["total"] == str(frozen.total) and entry.after["total"] == str(corrected.total)  # type: ignore[index]
    assert entry.after["decision"] == "upheld" and entry.after["result_version"] == 2  # type: ignore[index]
    assert entry.after["rationale"].startswith("The Globex deal")  # type: ignore[index]
    [version_entry] = reads.audit(pacer.db, "evaluation.version")
    assert version_entry.after["version"] == 2  # type: ignore[index]


def test_the_versions_list_shows_version_1_superseded_and_the_export_uses_version_2(pacer: Pacer, filed: Filed) -> None:
    decide(pacer, filed, revenue="15k")
    listed = pacer.read(lambda s: versions_of(s, evaluation_id=filed.thread.evaluation_id))
    assert [(v.version, v.superseded) for v in listed] == [(1, True), (2, False)]
    records = pacer.read(
        lambda s: evaluation_records(
            s, workspace=WorkspaceChoice(id=filed.thread.workspace_id, team_id="T1", name=None), period=OCTOBER
        )
    )
    [record] = records
    assert record.version == 2 and record.score == listed[1].snapshot.total


def test_the_outcome_reaches_the_rep_the_manager_and_the_thread_and_the_parent_shows_the_corrected_score(
    pacer: Pacer, slack: FakeSlack, filed: Filed
) -> None:
    decide(pacer, filed, revenue="15k")
    deliver_all(pacer)
    frozen, corrected = (Snapshot.from_json(v.snapshot) for v in versions(pacer, filed.thread.evaluation_id))
    before, after = f"{frozen.total.normalize():f}", f"{corrected.total.normalize():f}"
    for user, words in ((REP, "Your appeal AP-1"), (MANAGER, "The appeal AP-1")):
        [dm] = dm_texts(slack, user)[-1:]
        assert words in dm and "upheld" in dm and f"{before} points" in dm and f"{after} points" in dm, dm
        assert "$12,000 → *$15,000*" in dm and "The Globex deal was signed" in dm
        assert "v1 " in dm and "superseded" in dm and "appeal AP-1 upheld, in force" in dm
    thread = slack.thread(filed.thread.channel, filed.thread.parent_ts)
    decided = [m for m in thread if "Appeal AP-1 decided: upheld" in dumped(m)]
    assert len(decided) == 1
    assert f"{before} points → *{after} points*" in dumped(decided[0])
    updates = [c.args for c in slack.calls("chat.update") if c.args.get("ts") == filed.thread.parent_ts]
    assert updates and f"{after} points" in dumped(updates[-1]) and "version 2" in dumped(updates[-1])
    case_updates = [c.args for c in slack.calls("chat.update") if c.args.get("ts") == filed.case_ts]
    [case] = case_updates
    assert "decided: upheld" in dumped(case) and ids.APPEAL_DECIDE not in dumped(case)


def test_a_partly_upheld_appeal_corrects_only_the_figures_given(pacer: Pacer) -> None:
    pacer.deal(REP, "12000 Globex date:2026-10-20")
    filed = open_appeal(pacer, rep=REP, manager=MANAGER, reviewer=REVIEWER, metrics=("revenue", "new_leads"))
    values = decision("partly_upheld", new_leads="10", revenue="")
    assert "partly upheld" in updated_form(submit_decision(pacer, REVIEWER, filed.appeal_id, values))
    v1, v2 = versions(pacer, filed.thread.evaluation_id)
    frozen, corrected = Snapshot.from_json(v1.snapshot), Snapshot.from_json(v2.snapshot)
    assert corrected == rescore(frozen, {"new_leads": Decimal(10)})
    assert corrected.line("revenue") == frozen.line("revenue")
    assert v2.reason == "appeal AP-1 partly upheld"
    assert appeal_row(pacer, filed.appeal_id).status == "partly_upheld"


def test_a_rejected_appeal_keeps_the_version_and_still_tells_everyone(
    pacer: Pacer, slack: FakeSlack, filed: Filed
) -> None:
    assert "rejected" in updated_form(decide(pacer, filed, outcome="rejected"))
    assert [v.version for v in versions(pacer, filed.thread.evaluation_id)] == [1]
    assert evaluation(pacer, filed).version == 1
    row = appeal_row(pacer, filed.appeal_id)
    assert (row.status, row.result_version, row.corrected, row.open_evaluation_id) == ("rejected", None, {}, None)
    deliver_all(pacer)
    assert "Score unchanged" in dm_texts(slack, REP)[-1]
    assert not [c for c in slack.calls("chat.update") if c.args.get("ts") == filed.thread.parent_ts]


def test_the_decision_cancels_the_due_soon_reminder_and_every_admins_escalation(pacer: Pacer, filed: Filed) -> None:
    decide(pacer, filed)
    rows = pacer.read(lambda s: list(s.exec(select(Reminder).where(col(Reminder.key).startswith("appeal:")))))
    assert {(r.key, r.status) for r in rows} == {
        ("appeal:1:due-soon", "cancelled"),
        (f"appeal:1:overdue:{ADMIN}", "cancelled"),
    }


# --- who may decide -------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", [MANAGER, REP, REP2], ids=["the manager", "the appellant", "a third person"])
def test_only_the_reviewer_or_an_admin_may_decide_everyone_else_is_refused_and_nothing_changes(
    pacer: Pacer, slack: FakeSlack, filed: Filed, who: str
) -> None:
    assert click_decide(pacer, filed, who).status == 200
    pacer.settle()
    assert not slack.calls("views.open")
    [refusal] = ephemerals(slack, who)
    assert "Nothing was changed" in refusal or "nothing was changed" in refusal
    errors = errors_of(decide(pacer, filed, user=who))
    assert "nothing was changed" in " ".join(errors.values()).lower()
    nothing_changed(pacer, filed)


def test_an_admin_may_decide_an_appeal_assigned_to_someone_else(pacer: Pacer, filed: Filed) -> None:
    assert "Recorded" in updated_form(decide(pacer, filed, user=ADMIN, revenue="15000"))
    assert appeal_row(pacer, filed.appeal_id).decided_by == ADMIN


def test_an_admin_who_is_the_evaluating_manager_is_still_refused(pacer: Pacer, slack: FakeSlack, filed: Filed) -> None:
    pacer.deps.config.admins.append(MANAGER)
    click_decide(pacer, filed, MANAGER)
    pacer.settle()
    assert "an admin role does not change that" in ephemerals(slack, MANAGER)[0]
    assert "independent reviewer" in " ".join(errors_of(decide(pacer, filed, user=MANAGER)).values())
    nothing_changed(pacer, filed)


def test_with_no_reviewer_the_admins_get_the_case_and_decide_it(pacer: Pacer, slack: FakeSlack) -> None:
    pacer.deal(REP, "12000 Globex date:2026-10-20")
    filed = open_appeal(pacer, rep=REP, manager=MANAGER, reviewer=None)
    assert "Recorded" in updated_form(submit_decision(pacer, ADMIN, filed.appeal_id, decision(revenue="15k")))
    deliver_all(pacer)
    assert "decided: upheld" in dm_texts(slack, ADMIN)[-1] or any(
        "decided: upheld" in dumped(c.args) for c in slack.calls("chat.update")
    )


# --- final: second click, stale form, withdrawn ---------------------------------------------------------


def test_a_second_click_after_the_decision_says_who_decided_it_and_when(
    pacer: Pacer, slack: FakeSlack, filed: Filed
) -> None:
    decide(pacer, filed)
    click_decide(pacer, filed, REVIEWER)
    pacer.settle()
    assert not slack.calls("views.open")
    [said] = ephemerals(slack, REVIEWER)
    assert "AP-1 was already decided on 2026-11-24 by Olu" in said and "upheld" in said


def test_a_stale_form_changes_nothing_and_a_double_submit_records_once(pacer: Pacer, filed: Filed) -> None:
    first = submit_decision(pacer, REVIEWER, filed.appeal_id, decision(revenue="15k"), view_id="V0SAME")
    again = submit_decision(pacer, REVIEWER, filed.appeal_id, decision(revenue="15k"), view_id="V0SAME")
    assert "Recorded" in updated_form(first) and "Already recorded" in updated_form(again)
    stale = submit_decision(pacer, ADMIN, filed.appeal_id, decision("rejected"), view_id="V0OTHER")
    assert "already decided" in " ".join(errors_of(stale).values())
    assert [v.version for v in versions(pacer, filed.thread.evaluation_id)] == [1, 2]
    assert appeal_row(pacer, filed.appeal_id).status == "upheld"
    assert len(reads.audit(pacer.db, "appeal.decided")) == 1


def test_a_withdrawn_appeal_cannot_be_decided(pacer: Pacer, slack: FakeSlack, filed: Filed) -> None:
    withdraw(pacer, filed.appeal_id)
    click_decide(pacer, filed, REVIEWER)
    pacer.settle()
    assert "AP-1 was withdrawn on 2026-11-24" in ephemerals(slack, REVIEWER)[0]
    assert "withdrawn" in " ".join(errors_of(decide(pacer, filed)).values())
    row = appeal_row(pacer, filed.appeal_id)
    assert (row.status, row.decided_by) == ("withdrawn", None)
    assert [v.version for v in versions(pacer, filed.thread.evaluation_id)] == [1]


# --- inline errors --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "field", "says"),
    [
        (decision(None, revenue="15k"), "decision", "Choose the decision"),
        (decision(rationale=None, revenue="15k"), "rationale", "rationale is required"),
        (decision(rationale="too short", revenue="15k"), "rationale", "at least 20 characters"),
        (decision(rationale="x" * 3001, revenue="15k"), "rationale", "keep it to 3,000"),
        (decision(revenue="lots"), "corrected_revenue", "isn't a number"),
        (decision(revenue="12000"), "corrected_revenue", "already frozen"),
        (decision(revenue=""), "corrected_revenue", "corrects at least one figure"),
        (decision("rejected", revenue="15k"), "corrected_revenue", "changes no figure"),
    ],
    ids=[
        "no decision",
        "no rationale",
        "short rationale",
        "long rationale",
        "not a number",
        "same as frozen",
        "upheld with nothing corrected",
        "rejected with a correction",
    ],
)
def test_each_wrong_field_is_answered_inline_and_nothing_is_stored(
    pacer: Pacer, filed: Filed, values: dict[str, dict[str, Any]], field: str, says: str
) -> None:
    errors = errors_of(submit_decision(pacer, REVIEWER, filed.appeal_id, values))
    assert field in errors and says in errors[field], errors
    nothing_changed(pacer, filed)


def test_a_count_metric_must_be_corrected_to_a_whole_number(pacer: Pacer) -> None:
    filed = open_appeal(pacer, rep=REP, manager=MANAGER, reviewer=REVIEWER, metrics=("new_leads",), requested={})
    errors = errors_of(submit_decision(pacer, REVIEWER, filed.appeal_id, decision(new_leads="2.5")))
    assert "whole numbers" in errors["corrected_new_leads"]
    nothing_changed(pacer, filed)


# --- reassignment ---------------------------------------------------------------------------------------


def test_an_admin_reassigns_an_open_appeal_the_due_date_stays_and_the_reminder_moves(
    pacer: Pacer, slack: FakeSlack, filed: Filed
) -> None:
    due_before = appeal_row(pacer, filed.appeal_id).due_at
    response = pacer.command(ADMIN, "/pacer", f"appeal reassign AP-1 <@{REP2}|lee>")
    assert "now" in response.text and "due date is unchanged" in response.text, response.text
    row = appeal_row(pacer, filed.appeal_id)
    assert row.reviewer_user_id == REP2 and row.due_at == due_before and row.status == "open"
    reminders = pacer.read(lambda s: {r.key: r for r in s.exec(select(Reminder))})
    assert reminders["appeal:1:due-soon"].status == "cancelled"
    moved = reminders["appeal:1:due-soon:1"]
    assert (moved.status, moved.recipient) == ("pending", REP2)
    assert moved.due_at == reminders["appeal:1:due-soon"].due_at
    [entry] = reads.audit(pacer.db, "appeal.reassigned")
    assert entry.before == {"reviewer": REVIEWER} and entry.after["reviewer"] == REP2  # type: ignore[index]
    deliver_all(pacer)
    assert any("AP-1 to decide" in text for text in dm_texts(slack, REP2))
    old = [c.args for c in slack.calls("chat.update") if c.args.get("ts") == filed.case_ts]
    assert old and "reassigned to" in dumped(old[-1])
    # the new reviewer decides; the old one no longer may
    click_decide(pacer, filed, REVIEWER)
    pacer.settle()
    assert "Only the reviewer AP-1 is assigned to" in ephemerals(slack, REVIEWER)[0]
    assert "Recorded" in updated_form(decide(pacer, filed, user=REP2))
    rows = pacer.read(lambda s: {r.key: r.status for r in s.exec(select(Reminder))})
    assert rows["appeal:1:due-soon:1"] == "cancelled"


@pytest.mark.parametrize(
    ("user", "target", "says"),
    [
        (REP2, REP2, "Only a Pacer admin can reassign"),
        (ADMIN, REP, "The rep who filed AP-1 cannot review it"),
        (ADMIN, MANAGER, "The evaluating manager cannot review AP-1"),
    ],
    ids=["not an admin", "to the appellant", "to the manager"],
)
def test_a_reassignment_to_someone_not_independent_or_by_a_non_admin_is_refused(
    pacer: Pacer, filed: Filed, user: str, target: str, says: str
) -> None:
    response = pacer.command(user, "/pacer", f"appeal reassign AP-1 <@{target}>")
    assert says in response.text, response.text
    assert appeal_row(pacer, filed.appeal_id).reviewer_user_id == REVIEWER
    assert not reads.audit(pacer.db, "appeal.reassigned")


def test_a_decided_appeal_cannot_be_reassigned(pacer: Pacer, filed: Filed) -> None:
    decide(pacer, filed)
    response = pacer.command(ADMIN, "/pacer", f"appeal reassign AP-1 <@{REP2}>")
    assert "already decided" in response.text
    assert appeal_row(pacer, filed.appeal_id).reviewer_user_id == REVIEWER


def test_an_appeal_on_another_evaluation_is_independent_of_this_one(pacer: Pacer) -> None:
    # the thread helper opens Dana's; Lee's appeal (own check-in) is decided without touching Dana's
    dana = open_checkin(pacer, rep=REP, manager=MANAGER)
    filed = open_appeal(pacer, rep=REP2, manager=MANAGER, reviewer=REVIEWER, requested={})
    assert dana.evaluation_id != filed.thread.evaluation_id
    decide(pacer, filed, revenue="5k")
    assert pacer.read(lambda s: s.get(Evaluation, dana.evaluation_id)).version == 1
    assert pacer.read(lambda s: s.get(Appeal, filed.appeal_id)).status == "upheld"


def test_two_deciders_at_once_record_one_decision(pacer: Pacer, filed: Filed) -> None:
    with ThreadPoolExecutor(max_workers=2) as pool:
        responses = list(
            pool.map(
                lambda who: submit_decision(pacer, who, filed.appeal_id, decision(revenue="15k")),
                [REVIEWER, ADMIN],
            )
        )
    actions = sorted(r.json().get("response_action") for r in responses)
    assert actions == ["errors", "update"], [r.body for r in responses]
    assert [v.version for v in versions(pacer, filed.thread.evaluation_id)] == [1, 2]
    assert len(reads.audit(pacer.db, "appeal.decided")) == 1


def test_the_rationale_and_the_reason_are_shown_inert(pacer: Pacer, slack: FakeSlack, filed: Filed) -> None:
    hostile = "<!channel> see <https://evil.example|the CRM> and ask <@UREP0002>"
    decide(pacer, filed, rationale=hostile, revenue="15k")
    deliver_all(pacer)
    shown = dm_texts(slack, REP)[-1]
    assert "&lt;!channel&gt;" in shown and "<!channel>" not in shown and "<@UREP0002>" not in shown
