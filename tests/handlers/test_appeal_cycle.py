"""An appeal from the rep's form to the reviewer's decision, through the real filing and deciding paths:
the rep appeals from the check-in thread, an independent reviewer is chosen from pacer.yml's pool and
gets the case, decides it upheld with a corrected figure, and the evaluation gets a second version while
the rep, the manager and the thread are told — signed requests, the outbox and the fake Slack, on both
databases."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from sqlmodel import col, select

from bot.config import PacerConfig, ProductLine, Team
from bot.services import fairness
from bot.store.tables import Appeal, EvaluationVersion, Reminder
from handlers import ids
from tests.conftest import ADMIN, MANAGER, REP
from tests.fakes.slack_api import FakeSlack
from tests.support import reads
from tests.support.appeals import Filed, click_decide, decision, submit_decision
from tests.support.checkins import click, deliver_all, open_checkin, submit
from tests.support.payloads import select as pick
from tests.support.payloads import text_input

REVIEWER = "UREV0001"
REASON = "The Globex deal of 28 October is missing from my revenue"


@pytest.fixture
def config() -> PacerConfig:
    return PacerConfig(
        currency="USD",
        product_lines=[ProductLine(name="Core")],
        teams=[Team(name="East", manager=MANAGER, members=[REP])],
        admins=[ADMIN],
        reviewers=[MANAGER, REVIEWER],  # the manager is in the pool, and must never get their own rep's appeal
    )


@pytest.fixture
def slack(slack: FakeSlack) -> FakeSlack:
    slack.add_user(REVIEWER, name="rae", real_name="Rae Reviewer", tz="Europe/London")
    return slack


def lines(values: list[str]) -> dict:
    return {
        "type": "multi_static_select",
        "selected_options": [{"text": {"type": "plain_text", "text": v}, "value": v} for v in values],
    }


def test_an_appeal_filed_from_the_thread_is_decided_by_an_independent_reviewer_and_corrects_the_score(
    pacer, slack: FakeSlack
):
    assert pacer.command(REVIEWER, "/pacer", "help").status == 200
    thread = open_checkin(pacer, rep=REP, manager=MANAGER)

    # Dana presses Appeal in the thread: the form opens with her October evaluation chosen.
    assert click(pacer, thread, REP, ids.CHECKIN_APPEAL).status == 200
    [opened] = slack.wait_for("views.open")
    view = opened.args["view"]
    assert view["callback_id"] == ids.APPEAL_MODAL
    assert json.loads(view["private_metadata"])["evaluation"] == thread.evaluation_id

    values = {
        "evaluation": pick(str(thread.evaluation_id)),
        "lines": lines(["revenue"]),
        "reason": text_input(REASON),
        "evidence": text_input("Contract signed 2026-10-28"),
        "requested_revenue": text_input("15k"),
    }
    filed_answer = submit(pacer, REP, ids.APPEAL_MODAL, values, metadata={"evaluation": thread.evaluation_id})
    assert filed_answer.status == 200 and "errors" not in filed_answer.json(), filed_answer.body
    deliver_all(pacer)

    [appeal] = pacer.read(lambda s: list(s.exec(select(Appeal))))
    assert (appeal.status, appeal.reviewer_user_id, appeal.metrics) == ("open", REVIEWER, ["revenue"])
    assert appeal.requested == {"revenue": "15000.00"}
    outbox = {row.key: row for row in reads.outbox(pacer.db)}
    case = outbox[f"appeal:{appeal.id}:case:{REVIEWER}"]
    assert case.status == "sent" and REASON in json.dumps(slack.messages(REVIEWER))
    assert f"appeal:{appeal.id}:filed:{REP}" in outbox and f"appeal:{appeal.id}:filed:{MANAGER}" in outbox
    assert f"AP-{appeal.id}" in json.dumps(slack.thread(thread.channel, thread.parent_ts))

    # Morgan, the evaluating manager, may not decide it; Rae may.
    filed = Filed(
        appeal_id=appeal.id or 0, thread=thread, reviewer=REVIEWER, case_channel=case.conversation, case_ts=case.ts
    )
    refused = submit_decision(pacer, MANAGER, filed.appeal_id, decision("upheld", revenue="75k"))
    assert "errors" in refused.json() and pacer.read(lambda s: s.get(Appeal, filed.appeal_id)).status == "open"
    assert click_decide(pacer, filed, REVIEWER).status == 200
    slack.wait_for("views.open", count=2)
    rationale = "The contract shows Globex signed on 28 October, so it counts in October."
    decided = submit_decision(pacer, REVIEWER, filed.appeal_id, decision("upheld", rationale, revenue="75k"))
    assert decided.status == 200 and "errors" not in decided.json(), decided.body
    deliver_all(pacer)

    row = pacer.read(lambda s: s.get(Appeal, filed.appeal_id))
    assert (row.status, row.decided_by, row.result_version) == ("upheld", REVIEWER, 2)
    versions = pacer.read(
        lambda s: list(
            s.exec(
                select(EvaluationVersion)
                .where(col(EvaluationVersion.evaluation_id) == thread.evaluation_id)
                .order_by(col(EvaluationVersion.version))
            )
        )
    )
    assert [v.version for v in versions] == [1, 2]  # the frozen version stays
    assert versions[1].snapshot["lines"][0]["actual"] in ("75000", "75000.00")
    assert Decimal(versions[1].total) > Decimal(versions[0].total)
    assert sum(Decimal(line["points"]) for line in versions[1].snapshot["lines"]) == Decimal(versions[1].total)

    thread_text = json.dumps(slack.thread(thread.channel, thread.parent_ts))
    assert rationale in thread_text
    for person in (REP, MANAGER):
        assert rationale in json.dumps(slack.messages(person))
    [parent] = [m for m in slack.messages(thread.channel) if m["ts"] == thread.parent_ts]
    assert "version 2" in json.dumps(parent)
    pending = pacer.read(
        lambda s: list(s.exec(select(Reminder).where(col(Reminder.key).startswith(f"appeal:{filed.appeal_id}:"))))
    )
    assert pending and all(r.status == "cancelled" for r in pending)

    # The fairness report counts the decision just made: one appeal on Morgan's evaluations, upheld.
    with pacer.db.reading() as session:
        found = fairness.report(
            session, workspace_id=thread.workspace_id, config=pacer.deps.config, period=None, now=pacer.clock()
        )
    assert found.period_key == "2026-10"
    [by_manager] = found.by_manager
    assert (by_manager.name, by_manager.stats.filed, by_manager.stats.upheld) == (MANAGER, 1, 1)
    assert by_manager.stats.uphold_rate == Decimal("100.0")
