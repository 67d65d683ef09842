"""The whole check-in cycle, as a manager and a rep live it: November closes, the check-in opens in their
group DM, the rep writes a self-review, the manager gives feedback with an improvement plan, the rep
acknowledges; December's deals meet one plan item, and December's check-in reports each item's outcome.
Signed requests, the real close job, the outbox and the fake Slack, on both databases."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlmodel import col, select

from bot.config import CalendarConfig, PacerConfig, ProductLine, Team
from bot.jobs import period_close
from bot.store.tables import Evaluation, PlanItem
from handlers import ids
from tests.conftest import ADMIN, MANAGER, REP
from tests.jobs.conftest import at, register
from tests.support import reads
from tests.support.checkins import Thread, click, deliver_all, submit
from tests.support.payloads import date_pick, text_input
from tests.support.payloads import select as pick

DEC_1_CLOSE = datetime(2026, 11, 30, 22, 0, tzinfo=UTC)  # 06:00 on 1 December in Shanghai
JAN_1_CLOSE = datetime(2026, 12, 31, 22, 0, tzinfo=UTC)  # 06:00 on 1 January in Shanghai


@pytest.fixture
def config() -> PacerConfig:
    return PacerConfig(
        currency="USD",
        timezone="Asia/Shanghai",
        product_lines=[ProductLine(name="Core")],
        teams=[Team(name="East", manager=MANAGER, members=[REP])],
        admins=[ADMIN],
        calendar=CalendarConfig(),
    )


def opened_thread(pacer, slack, period_key: str) -> Thread:
    """The check-in of Dana's `period_key` evaluation, as the close opened it and the outbox posted it."""
    with pacer.db.reading() as session:
        [evaluation] = session.exec(select(Evaluation).where(col(Evaluation.period_key) == period_key)).all()
    rows = {row.key: row for row in reads.outbox(pacer.db)}
    parent, step = rows[f"checkin:{evaluation.id}"], rows[f"checkin:{evaluation.id}:next"]
    assert parent.conversation == slack.group_channel(REP, MANAGER)
    return Thread(
        evaluation_id=evaluation.id,
        channel=parent.conversation,
        parent_ts=parent.ts,
        next_ts=step.ts,
        workspace_id=evaluation.workspace_id,
    )


def parent_of(slack, thread: Thread) -> dict:
    [parent] = [m for m in slack.messages(thread.channel) if m["ts"] == thread.parent_ts]
    return parent


def keys_in_thread(slack, thread: Thread) -> list[str]:
    return [m["metadata"]["event_payload"]["key"] for m in slack.thread(thread.channel, thread.parent_ts)]


def texts(slack, thread: Thread) -> str:
    return json.dumps(slack.thread(thread.channel, thread.parent_ts))


def test_a_check_in_from_close_through_feedback_and_acknowledgement_to_the_plans_outcome_a_period_later(pacer, slack):
    pacer.clock.now = datetime(2026, 11, 10, 3, 0, tzinfo=UTC)
    register(pacer, ADMIN, MANAGER, REP)
    pacer.deal(REP, "60k Acme Corp")
    pacer.settle()

    # 1 December, 06:00 Shanghai: November closes and the check-in opens in Dana and Morgan's group DM.
    result = at(pacer, DEC_1_CLOSE, period_close.run)
    assert (result.counts["frozen"], result.counts["checkins"]) == (1, 1)
    deliver_all(pacer)
    november = opened_thread(pacer, slack, "2026-11")
    parent = parent_of(slack, november)
    assert "November 2026" in parent["text"] and "Open" in parent["text"]
    assert keys_in_thread(slack, november) == [
        f"checkin:{november.evaluation_id}:scorecard",
        f"checkin:{november.evaluation_id}:next",
    ]
    assert "60,000" in texts(slack, november)  # the scorecard explains the frozen revenue

    # Dana writes her self-review from the thread's button.
    assert click(pacer, november, REP, ids.CHECKIN_SELF_REVIEW).status == 200
    [opened] = slack.wait_for("views.open")
    assert opened.args["view"]["callback_id"] == ids.SELF_REVIEW_MODAL
    review = {
        "wins": text_input("Signed Acme Corp"),
        "challenges": text_input("Few new leads"),
        "support": text_input(None),
        "rating": pick(parent_rating := "Meets"),
    }
    saved = submit(
        pacer, REP, ids.SELF_REVIEW_MODAL, review, metadata={"evaluation": november.evaluation_id, "base": 0}
    )
    assert saved.status == 200 and "errors" not in saved.json()

    # Morgan gives feedback with a two-item plan: one measured (revenue), one to talk through.
    assert click(pacer, november, MANAGER, ids.CHECKIN_FEEDBACK).status == 200
    assert slack.wait_for("views.open", count=2)[1].args["view"]["callback_id"] == ids.FEEDBACK_MODAL
    plan = {
        "strengths": text_input("Strong discovery calls"),
        "improve": text_input("Build pipeline earlier"),
        "item1_action": text_input("Sign 80k of new business"),
        "item1_metric": pick("revenue"),
        "item1_target": text_input("80k"),
        "item1_due": date_pick("2026-12-31"),
        "item2_action": text_input("Shadow a senior rep on two demos"),
        "item2_metric": pick(None),
        "item2_target": text_input(None),
        "item2_due": date_pick("2026-12-20"),
    }
    # (the form shows a second item row once "Add an item" was pressed: its metadata counts the rows)
    two_rows = {"evaluation": november.evaluation_id, "base": 0, "items": 2}
    feedback = submit(pacer, MANAGER, ids.FEEDBACK_MODAL, plan, metadata=two_rows)
    assert feedback.status == 200 and "errors" not in feedback.json()

    # Dana acknowledges; the parent now says so and the thread holds every step.
    assert click(pacer, november, REP, ids.CHECKIN_ACKNOWLEDGE).status == 200
    deliver_all(pacer)
    parent = parent_of(slack, november)
    assert "Acknowledged" in parent["text"]
    assert keys_in_thread(slack, november) == [
        f"checkin:{november.evaluation_id}:scorecard",
        f"checkin:{november.evaluation_id}:next",
        f"checkin:{november.evaluation_id}:self-review@1",
        f"checkin:{november.evaluation_id}:feedback@1",
        f"checkin:{november.evaluation_id}:acknowledged",
    ]
    thread_text = texts(slack, november)
    assert "Signed Acme Corp" in thread_text and "Sign 80k of new business" in thread_text
    assert parent_rating in thread_text

    # December: Dana signs 90k. At the January close, December's check-in reviews November's plan.
    pacer.clock.now = datetime(2026, 12, 14, 3, 0, tzinfo=UTC)
    pacer.deal(REP, "90k Globex")
    pacer.settle()
    result = at(pacer, JAN_1_CLOSE, period_close.run)
    assert result.counts["checkins"] == 1
    deliver_all(pacer)
    december = opened_thread(pacer, slack, "2026-12")
    assert keys_in_thread(slack, december) == [
        f"checkin:{december.evaluation_id}:scorecard",
        f"checkin:{december.evaluation_id}:plan-review",
        f"checkin:{december.evaluation_id}:next",
    ]
    review_text = json.dumps(slack.thread(december.channel, december.parent_ts)[1])
    assert "Sign 80k of new business" in review_text and "Shadow a senior rep" in review_text
    with pacer.db.reading() as session:
        items = session.exec(select(PlanItem).order_by(col(PlanItem.position))).all()
        assert [(i.outcome, i.outcome_actual, i.reviewed_in) for i in items] == [
            ("met", Decimal("90000"), december.evaluation_id),
            ("reported", None, december.evaluation_id),
        ]
