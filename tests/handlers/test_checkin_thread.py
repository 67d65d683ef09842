"""The check-in thread end to end: self-review and feedback forms (new and edited), the improvement plan,
the acknowledgement, thread replies recorded as comments, and everyone else refused — through signed
requests and the fake Slack Web API, on both databases."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlmodel import col, select

from bot.clock import zone
from bot.jobs import checkin_close
from bot.jobs.base import JobContext
from bot.store.tables import Appeal, CheckinComment, CheckinEntry, Evaluation, PlanItem, Reminder
from handlers import ids
from scoring.appeals import working_days_end
from tests.conftest import ADMIN, MANAGER, OUTSIDER, REP, REP2
from tests.fakes.slack_api import FakeSlack
from tests.support import reads
from tests.support.checkins import Thread, click, click_in_form, deliver_all, open_checkin, reply_event, submit
from tests.support.harness import Pacer, Response
from tests.support.payloads import date_pick, text_input
from tests.support.payloads import select as pick

# --- helpers ----------------------------------------------------------------------------------------


@pytest.fixture
def thread(pacer: Pacer) -> Thread:
    return open_checkin(pacer, rep=REP, manager=MANAGER, reminders=True)


def self_review(**changes: str | None) -> dict[str, dict[str, Any]]:
    fields: dict[str, str | None] = {
        "wins": "Closed Globex and booked 12 demos",
        "challenges": "Two deals slipped",
        "support": "Help with the Initech renewal",
    }
    fields.update({k: v for k, v in changes.items() if k != "rating"})
    values = {name: text_input(value) for name, value in fields.items()}
    values["rating"] = pick(changes.get("rating", "Meets"))
    return values


def feedback(items: int = 2, **changes: str | None) -> dict[str, dict[str, Any]]:
    fields: dict[str, dict[str, Any]] = {
        "strengths": text_input("Strong discovery calls"),
        "improve": text_input("Qualify earlier"),
        "item1_action": text_input("Close two new customers"),
        "item1_metric": pick("revenue"),
        "item1_target": text_input("12.5k"),
        "item1_due": date_pick("2026-12-15"),
    }
    if items >= 2:
        fields |= {
            "item2_action": text_input("Shadow a senior rep on two demos"),
            "item2_metric": pick(None),
            "item2_target": text_input(None),
            "item2_due": date_pick("2026-12-20"),
        }
    for name, value in changes.items():
        kind = fields.get(name, text_input(None))["type"]
        fields[name] = (
            pick(value) if kind == "static_select" else date_pick(value) if kind == "datepicker" else text_input(value)
        )
    return fields


def opened_view(pacer: Pacer, slack: FakeSlack, count: int) -> dict[str, Any]:
    pacer.settle()
    calls = slack.wait_for("views.open", count=count)
    return dict(calls[-1].response["view"])


def meta(view: dict[str, Any]) -> dict[str, int]:
    return dict(json.loads(view["private_metadata"]))


def errors_of(response: Response) -> dict[str, str]:
    body = response.json()
    assert body.get("response_action") == "errors", body
    return dict(body["errors"])


def entries(pacer: Pacer) -> list[CheckinEntry]:
    return pacer.read(lambda s: list(s.exec(select(CheckinEntry).order_by(col(CheckinEntry.id)))))


def plan_items(pacer: Pacer) -> list[PlanItem]:
    return pacer.read(lambda s: list(s.exec(select(PlanItem).order_by(col(PlanItem.id)))))


def evaluation(pacer: Pacer, thread: Thread) -> Evaluation:
    return pacer.read(lambda s: s.get(Evaluation, thread.evaluation_id))


def updates_of(slack: FakeSlack, ts: str) -> list[dict[str, Any]]:
    return [call.args for call in slack.calls("chat.update") if call.args.get("ts") == ts]


def ephemerals(slack: FakeSlack, user: str) -> list[str]:
    return [str(call.args.get("text")) for call in slack.calls("chat.postEphemeral") if call.args.get("user") == user]


def post_self_review(pacer: Pacer, thread: Thread, **changes: str | None) -> Response:
    return submit(
        pacer,
        REP,
        ids.SELF_REVIEW_MODAL,
        self_review(**changes),
        metadata={"evaluation": thread.evaluation_id, "base": 0},
    )


def post_feedback(
    pacer: Pacer, thread: Thread, *, user: str = MANAGER, base: int = 0, **changes: str | None
) -> Response:
    return submit(
        pacer,
        user,
        ids.FEEDBACK_MODAL,
        feedback(**changes),
        metadata={"evaluation": thread.evaluation_id, "base": base, "items": 2},
    )


def blocks_text(message: dict[str, Any]) -> str:
    return json.dumps(message.get("blocks", []))


# --- the whole flow -----------------------------------------------------------------------------------


def test_self_review_then_feedback_with_a_two_item_plan_then_acknowledge_fills_the_thread(
    pacer: Pacer, slack: FakeSlack, thread: Thread
):
    # The rep opens the self-review form: new (base 0), rated on the evaluation's own bands.
    assert click(pacer, thread, REP, ids.CHECKIN_SELF_REVIEW).status == 200
    view = opened_view(pacer, slack, 1)
    assert view["callback_id"] == ids.SELF_REVIEW_MODAL
    assert meta(view) == {"evaluation": thread.evaluation_id, "base": 0}
    rating = next(block for block in view["blocks"] if block.get("block_id") == "rating")
    assert [o["value"] for o in rating["element"]["options"]] == ["Exceeds", "Meets", "Partially meets", "Below"]

    response = submit(pacer, REP, ids.SELF_REVIEW_MODAL, self_review(), metadata=meta(view))
    assert response.json()["response_action"] == "update" and "Saved" in response.text
    deliver_all(pacer)
    replies = slack.thread(thread.channel, thread.parent_ts)
    assert "Self-review" in replies[-1]["text"] and "Meets" in replies[-1]["text"]
    assert "Closed Globex and booked 12 demos" in blocks_text(replies[-1])
    assert "Self-review in" in updates_of(slack, thread.parent_ts)[-1]["text"]
    assert len(updates_of(slack, thread.next_ts)) == 1

    # The manager opens the feedback form, adds a second plan row: what was typed stays.
    click(pacer, thread, MANAGER, ids.CHECKIN_FEEDBACK)
    view = opened_view(pacer, slack, 2)
    assert view["callback_id"] == ids.FEEDBACK_MODAL and meta(view) == {
        "evaluation": thread.evaluation_id,
        "base": 0,
        "items": 1,
    }
    typed = {"strengths": text_input("Strong discovery calls"), "item1_action": text_input("Close two")}
    assert click_in_form(pacer, MANAGER, ids.FEEDBACK_ADD_ITEM, str(thread.evaluation_id), view=view, values=typed)
    pacer.settle()
    grown = slack.wait_for("views.update")[-1].args["view"]
    assert meta(grown)["items"] == 2
    block_ids = [block.get("block_id") for block in grown["blocks"]]
    assert {"item1_action", "item2_action", "item2_metric", "item2_target", "item2_due"} <= set(block_ids)
    strengths = next(block for block in grown["blocks"] if block.get("block_id") == "strengths")
    assert strengths["element"]["initial_value"] == "Strong discovery calls"
    metric = next(block for block in grown["blocks"] if block.get("block_id") == "item1_metric")
    assert [o["value"] for o in metric["element"]["options"]][:2] == ["none", "revenue"]

    response = submit(pacer, MANAGER, ids.FEEDBACK_MODAL, feedback(), metadata=meta(grown))
    assert response.json()["response_action"] == "update", response.body
    items = plan_items(pacer)
    assert [(i.position, i.action, i.metric, i.target, i.due, i.feedback_version) for i in items] == [
        (1, "Close two new customers", "revenue", Decimal("12500.00"), date(2026, 12, 15), 1),
        (2, "Shadow a senior rep on two demos", None, None, date(2026, 12, 20), 1),
    ]
    deliver_all(pacer)
    posted = slack.thread(thread.channel, thread.parent_ts)[-1]
    assert "Feedback" in posted["text"] and "2 items" in posted["text"]
    assert "$12,500" in blocks_text(posted) and "Shadow a senior rep" in blocks_text(posted)
    assert "Feedback in" in updates_of(slack, thread.parent_ts)[-1]["text"]

    # The rep acknowledges: read, not agreed; the thread says so; editing closes.
    assert click(pacer, thread, REP, ids.CHECKIN_ACKNOWLEDGE).status == 200
    pacer.settle()
    deliver_all(pacer)
    last = slack.thread(thread.channel, thread.parent_ts)[-1]
    assert "has read" in last["text"] and "not that they agree" in blocks_text(last)
    assert "Acknowledged" in updates_of(slack, thread.parent_ts)[-1]["text"]
    assert len(updates_of(slack, thread.next_ts)) == 3
    row = evaluation(pacer, thread)
    assert row.self_review_at and row.feedback_at and row.acknowledged_at and row.revision == 3
    assert [a.action for a in reads.audit(pacer.db) if a.action.startswith("checkin.")] == [
        "checkin.opened",
        "checkin.self_review",
        "checkin.feedback",
        "checkin.acknowledge",
    ]
    assert [a.actor for a in reads.audit(pacer.db) if a.action.startswith("checkin.")] == [MANAGER, REP, MANAGER, REP]
    assert not [r for r in reads.outbox(pacer.db) if r.status != "sent"]


def test_each_done_step_cancels_its_reminder(pacer: Pacer, thread: Thread):
    def status() -> dict[str, str]:
        rows = pacer.read(lambda s: list(s.exec(select(Reminder))))
        return {r.key.rsplit(":", 1)[-1]: r.status for r in rows}

    assert status() == {"self-review": "pending", "feedback": "pending"}
    post_self_review(pacer, thread)
    assert status() == {"self-review": "cancelled", "feedback": "pending"}
    post_feedback(pacer, thread)
    assert status() == {"self-review": "cancelled", "feedback": "cancelled"}


# --- edits ------------------------------------------------------------------------------------------


def test_the_same_button_edits_the_latest_version_and_the_thread_says_it_was_edited(
    pacer: Pacer, slack: FakeSlack, thread: Thread
):
    post_self_review(pacer, thread)
    pacer.clock.advance(hours=2)
    click(pacer, thread, REP, ids.CHECKIN_SELF_REVIEW)
    view = opened_view(pacer, slack, 1)
    assert meta(view)["base"] == 1 and view["title"]["text"] == "Edit self-review"
    wins = next(block for block in view["blocks"] if block.get("block_id") == "wins")
    assert wins["element"]["initial_value"] == "Closed Globex and booked 12 demos"
    rating = next(block for block in view["blocks"] if block.get("block_id") == "rating")
    assert rating["element"]["initial_option"]["value"] == "Meets"

    response = submit(
        pacer, REP, ids.SELF_REVIEW_MODAL, self_review(wins="Closed Globex and Hooli"), metadata=meta(view)
    )
    assert "version 2" in response.text
    assert [(e.kind, e.version) for e in entries(pacer)] == [("self_review", 1), ("self_review", 2)]
    deliver_all(pacer)
    posted = slack.thread(thread.channel, thread.parent_ts)[-1]
    assert "edited" in posted["text"] and "version 2" in posted["text"]
    assert "edited <!date^" in blocks_text(posted)
    edit = reads.audit(pacer.db, "checkin.self_review")[-1]
    assert edit.before and edit.before["wins"] == "Closed Globex and booked 12 demos" and edit.before["version"] == 1
    assert edit.after and edit.after["wins"] == "Closed Globex and Hooli" and edit.after["version"] == 2
    assert evaluation(pacer, thread).revision == 2


def test_an_edited_feedback_replaces_the_plan_in_force_and_keeps_the_old_items(
    pacer: Pacer, slack: FakeSlack, thread: Thread
):
    post_feedback(pacer, thread)
    click(pacer, thread, MANAGER, ids.CHECKIN_FEEDBACK)
    view = opened_view(pacer, slack, 1)
    assert meta(view) == {"evaluation": thread.evaluation_id, "base": 1, "items": 2}
    target = next(block for block in view["blocks"] if block.get("block_id") == "item1_target")
    assert target["element"]["initial_value"] == "12,500"
    due = next(block for block in view["blocks"] if block.get("block_id") == "item2_due")
    assert due["element"]["initial_date"] == "2026-12-20"
    response = submit(
        pacer, MANAGER, ids.FEEDBACK_MODAL, feedback(items=1, item1_target="15k"), metadata={**meta(view), "items": 1}
    )
    assert response.json()["response_action"] == "update"
    assert [(i.feedback_version, i.position, i.target) for i in plan_items(pacer)] == [
        (1, 1, Decimal("12500.00")),
        (1, 2, None),
        (2, 1, Decimal("15000.00")),
    ]


def test_nothing_can_be_edited_once_the_rep_has_acknowledged(pacer: Pacer, slack: FakeSlack, thread: Thread):
    post_self_review(pacer, thread)
    post_feedback(pacer, thread)
    click(pacer, thread, REP, ids.CHECKIN_ACKNOWLEDGE)
    pacer.settle()
    click(pacer, thread, REP, ids.CHECKIN_SELF_REVIEW)
    click(pacer, thread, MANAGER, ids.CHECKIN_FEEDBACK)
    pacer.settle()
    assert not slack.calls("views.open")
    assert "can no longer be edited" in ephemerals(slack, REP)[-1]
    assert "can no longer be edited" in ephemerals(slack, MANAGER)[-1]
    late = submit(
        pacer,
        REP,
        ids.SELF_REVIEW_MODAL,
        self_review(wins="Changed my mind"),
        metadata={"evaluation": thread.evaluation_id, "base": 1},
    )
    assert "no longer be edited" in " ".join(errors_of(late).values())
    assert len(entries(pacer)) == 2


# --- double and stale submissions ------------------------------------------------------------------------


def test_a_double_submit_of_one_form_stores_one_version(pacer: Pacer, slack: FakeSlack, thread: Thread):
    first = submit(
        pacer,
        REP,
        ids.SELF_REVIEW_MODAL,
        self_review(),
        metadata={"evaluation": thread.evaluation_id, "base": 0},
        view_id="V0SAME",
    )
    again = submit(
        pacer,
        REP,
        ids.SELF_REVIEW_MODAL,
        self_review(),
        metadata={"evaluation": thread.evaluation_id, "base": 0},
        view_id="V0SAME",
    )
    assert "Saved" in first.text and "Already saved" in again.text
    assert [(e.kind, e.version) for e in entries(pacer)] == [("self_review", 1)]
    assert len(reads.audit(pacer.db, "checkin.self_review")) == 1
    assert evaluation(pacer, thread).revision == 1
    deliver_all(pacer)
    posted = [m["metadata"]["event_payload"]["key"] for m in slack.thread(thread.channel, thread.parent_ts)]
    assert [k for k in posted if ":self-review@" in k] == [f"checkin:{thread.evaluation_id}:self-review@1"]


def test_a_form_opened_before_someone_else_saved_is_refused_and_stores_nothing(pacer: Pacer, thread: Thread):
    assert "Saved" in post_feedback(pacer, thread, user=ADMIN).text
    stale = post_feedback(pacer, thread, user=MANAGER, base=0, strengths="Mine")
    assert "newer version (v1)" in " ".join(errors_of(stale).values())
    assert [(e.version, e.author_user_id) for e in entries(pacer)] == [(1, ADMIN)]
    assert len(plan_items(pacer)) == 2 and evaluation(pacer, thread).revision == 1


# --- bad input ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"wins": ""}, "wins", "Wins is required, e.g."),
        ({"challenges": "   "}, "challenges", "Challenges is required"),
        ({"wins": "x" * 1001}, "wins", "keep it to 1,000"),
        ({"rating": None}, "rating", "Choose your self-rating: one of Exceeds, Meets"),
        ({"rating": "Legendary"}, "rating", "not one of this evaluation's bands"),
    ],
)
def test_a_bad_self_review_field_is_answered_on_the_field_and_nothing_is_stored(
    pacer: Pacer, slack: FakeSlack, thread: Thread, changes: dict[str, str | None], field: str, words: str
):
    errors = errors_of(post_self_review(pacer, thread, **changes))
    assert words in errors[field], errors
    assert entries(pacer) == [] and evaluation(pacer, thread).revision == 0
    deliver_all(pacer)
    assert not updates_of(slack, thread.parent_ts)


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"strengths": ""}, "strengths", "Strengths is required, e.g."),
        ({"improve": "y" * 1001}, "improve", "keep it to 1,000"),
        ({"item1_action": ""}, "item1_action", "The action is required, e.g."),
        ({"item1_due": "2026-11-23"}, "item1_due", "2026-11-23 is in the past: pick today (2026-11-24) or later"),
        ({"item2_due": None}, "item2_due", "Pick a due date"),
        ({"item1_target": "lots"}, "item1_target", "(e.g. 120k)"),
        ({"item1_target": ""}, "item1_target", "revenue needs a target"),
        ({"item2_target": "5"}, "item2_target", "A target needs the metric it is measured in"),
        ({"item1_metric": "csat"}, "item1_metric", "Choose one of this scorecard's metrics"),
    ],
)
def test_a_bad_feedback_field_is_answered_on_the_field_and_nothing_is_stored(
    pacer: Pacer, thread: Thread, changes: dict[str, str | None], field: str, words: str
):
    errors = errors_of(post_feedback(pacer, thread, **changes))
    assert words in errors[field], errors
    assert entries(pacer) == [] and plan_items(pacer) == []


def test_a_feedback_without_any_plan_item_is_refused(pacer: Pacer, thread: Thread):
    empty = {
        "item1_action": text_input(None),
        "item1_metric": pick(None),
        "item1_target": text_input(None),
        "item1_due": date_pick(None),
    }
    values = {**feedback(items=1), **empty}
    response = submit(
        pacer, MANAGER, ids.FEEDBACK_MODAL, values, metadata={"evaluation": thread.evaluation_id, "base": 0, "items": 1}
    )
    assert "The plan needs at least one item" in errors_of(response)["item1_action"]
    assert entries(pacer) == []


def test_a_due_date_is_checked_in_the_submitters_own_time_zone(pacer: Pacer, thread: Thread):
    # 02:00 UTC on 25 Nov is still 24 Nov in New York, already 25 Nov in London (Morgan).
    pacer.clock.set("2026-11-25T02:00:00+00:00")
    errors = errors_of(post_feedback(pacer, thread, item1_due="2026-11-24"))
    assert "pick today (2026-11-25)" in errors["item1_due"]


def test_a_money_target_takes_the_amounts_deal_takes(pacer: Pacer, thread: Thread):
    post_feedback(pacer, thread, item1_target="$1.2m")
    assert plan_items(pacer)[0].target == Decimal("1200000.00")


def test_typed_text_is_escaped_in_the_thread_post_and_its_fallback(pacer: Pacer, slack: FakeSlack, thread: Thread):
    post_self_review(pacer, thread, wins="<!channel> see <https://evil.example|this> & <@U999>")
    deliver_all(pacer)
    posted = slack.thread(thread.channel, thread.parent_ts)[-1]
    text = blocks_text(posted)
    assert "&lt;!channel&gt;" in text and "&lt;@U999&gt;" in text and "<!channel>" not in text
    assert "<!channel>" not in posted["text"] and "<@U999>" not in posted["text"]


# --- acknowledge ----------------------------------------------------------------------------------------


def test_acknowledging_before_the_feedback_says_what_is_still_awaited(pacer: Pacer, slack: FakeSlack, thread: Thread):
    click(pacer, thread, REP, ids.CHECKIN_ACKNOWLEDGE)
    pacer.settle()
    said = ephemerals(slack, REP)[-1]
    assert "your self-review and your manager's feedback" in said
    assert evaluation(pacer, thread).acknowledged_at is None


def test_a_second_acknowledge_changes_nothing(pacer: Pacer, slack: FakeSlack, thread: Thread):
    post_feedback(pacer, thread)
    click(pacer, thread, REP, ids.CHECKIN_ACKNOWLEDGE)
    pacer.settle()
    first = evaluation(pacer, thread)
    pacer.clock.advance(minutes=5)
    click(pacer, thread, REP, ids.CHECKIN_ACKNOWLEDGE)
    pacer.settle()
    assert "already acknowledged" in ephemerals(slack, REP)[-1]
    again = evaluation(pacer, thread)
    assert again.acknowledged_at == first.acknowledged_at and again.revision == first.revision == 2
    assert len(reads.audit(pacer.db, "checkin.acknowledge")) == 1


# --- permissions -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("user", "action", "words"),
    [
        (OUTSIDER, ids.CHECKIN_SELF_REVIEW, "private to the rep and their manager"),
        (OUTSIDER, ids.CHECKIN_FEEDBACK, "private to the rep and their manager"),
        (OUTSIDER, ids.CHECKIN_ACKNOWLEDGE, "private to the rep and their manager"),
        (REP2, ids.CHECKIN_SELF_REVIEW, "private to the rep and their manager"),
        (MANAGER, ids.CHECKIN_SELF_REVIEW, "Only the rep whose check-in this is can write the self-review"),
        (MANAGER, ids.CHECKIN_ACKNOWLEDGE, "Only the rep whose check-in this is can acknowledge"),
        (ADMIN, ids.CHECKIN_SELF_REVIEW, "Only the rep whose check-in this is"),
        (ADMIN, ids.CHECKIN_ACKNOWLEDGE, "Only the rep whose check-in this is"),
        (REP, ids.CHECKIN_FEEDBACK, "The feedback is your manager's to write"),
    ],
)
def test_a_click_by_someone_not_allowed_is_refused_privately_and_changes_nothing(
    pacer: Pacer, slack: FakeSlack, thread: Thread, user: str, action: str, words: str
):
    post_feedback(pacer, thread)  # so an acknowledge would otherwise be possible
    slack.clear()
    assert pacer.command(user, "/pacer", "help").status == 200
    click(pacer, thread, user, action)
    pacer.settle()
    assert not slack.calls("views.open")
    [refusal] = slack.calls("chat.postEphemeral")
    assert refusal.args["user"] == user and refusal.args["channel"] == thread.channel
    assert words in refusal.args["text"]
    assert "Dana" not in refusal.args["text"]  # nothing about the evaluation itself
    assert evaluation(pacer, thread).acknowledged_at is None and evaluation(pacer, thread).revision == 1


@pytest.mark.parametrize(
    ("user", "callback"),
    [
        (OUTSIDER, ids.SELF_REVIEW_MODAL),
        (OUTSIDER, ids.FEEDBACK_MODAL),
        (REP2, ids.FEEDBACK_MODAL),
        (MANAGER, ids.SELF_REVIEW_MODAL),
        (ADMIN, ids.SELF_REVIEW_MODAL),
        (REP, ids.FEEDBACK_MODAL),
    ],
)
def test_a_form_submitted_by_someone_not_allowed_is_refused_on_the_form(
    pacer: Pacer, thread: Thread, user: str, callback: str
):
    values = self_review() if callback == ids.SELF_REVIEW_MODAL else feedback()
    metadata = {
        "evaluation": thread.evaluation_id,
        "base": 0,
        **({"items": 2} if callback == ids.FEEDBACK_MODAL else {}),
    }
    errors = errors_of(submit(pacer, user, callback, values, metadata=metadata))
    assert "nothing was changed" in " ".join(errors.values()).lower()
    assert entries(pacer) == [] and reads.audit(pacer.db, "checkin.self_review") == []


def test_an_admin_may_give_the_feedback(pacer: Pacer, slack: FakeSlack, thread: Thread):
    click(pacer, thread, ADMIN, ids.CHECKIN_FEEDBACK)
    assert opened_view(pacer, slack, 1)["callback_id"] == ids.FEEDBACK_MODAL
    assert "Saved" in post_feedback(pacer, thread, user=ADMIN).text
    assert reads.audit(pacer.db, "checkin.feedback")[0].actor == ADMIN


def test_a_button_naming_an_evaluation_that_is_not_there_is_refused(pacer: Pacer, slack: FakeSlack, thread: Thread):
    click(pacer, thread, REP, ids.CHECKIN_SELF_REVIEW, value=str(thread.evaluation_id + 100))
    pacer.settle()
    assert "no longer exists" in ephemerals(slack, REP)[-1]
    assert click(pacer, thread, REP, ids.CHECKIN_SELF_REVIEW, value="not-a-number").status == 400


# --- thread comments ---------------------------------------------------------------------------------


def comments(pacer: Pacer) -> list[CheckinComment]:
    return pacer.read(lambda s: list(s.exec(select(CheckinComment).order_by(col(CheckinComment.id)))))


def test_a_reply_in_the_thread_is_recorded_once_however_often_slack_retries_it(pacer: Pacer, thread: Thread):
    event = reply_event(thread, REP, "Thanks — can we talk about <@U999> & the Q1 plan?", ts="1764000100.000100")
    for retry in (None, 1, 2):
        assert pacer.event(event, event_id="Ev0REPLY1", retry=retry).status == 200
    manager = reply_event(thread, MANAGER, "Sure, Thursday", ts="1764000200.000100")
    assert pacer.event(manager).status == 200
    recorded = comments(pacer)
    assert [(c.user_id, c.text, c.evaluation_id, c.channel) for c in recorded] == [
        (REP, "Thanks — can we talk about <@U999> & the Q1 plan?", thread.evaluation_id, thread.channel),
        (MANAGER, "Sure, Thursday", thread.evaluation_id, thread.channel),
    ]
    assert [(a.actor, a.action) for a in reads.audit(pacer.db, "checkin.comment")] == [
        (REP, "checkin.comment"),
        (MANAGER, "checkin.comment"),
    ]


@pytest.mark.parametrize(
    "kind",
    ["bot message", "bot subtype", "outsider", "other rep", "top level", "edited", "deleted", "join", "other thread"],
)
def test_messages_that_are_not_a_participants_reply_in_a_check_in_thread_are_ignored(
    pacer: Pacer, thread: Thread, kind: str
):
    ts = "1764000300.000100"
    event = {
        "bot message": reply_event(thread, REP, "from the bot", ts=ts, bot_id="B0PACER"),
        "bot subtype": reply_event(thread, None, "from the bot", ts=ts, subtype="bot_message", bot_id="B0PACER"),
        "outsider": reply_event(thread, OUTSIDER, "hello", ts=ts),
        "other rep": reply_event(thread, REP2, "hello", ts=ts),
        "top level": reply_event(thread, REP, "hello", ts=ts, thread_ts=""),
        "edited": reply_event(
            thread, None, "", ts=ts, subtype="message_changed", message={"type": "message", "user": REP, "text": "x"}
        ),
        "deleted": reply_event(thread, None, "", ts=ts, subtype="message_deleted", deleted_ts="1764000100.000100"),
        "join": reply_event(thread, REP, "<@UREP0001> has joined", ts=ts, subtype="channel_join"),
        "other thread": reply_event(thread, REP, "hello", ts=ts, thread_ts="1764000000.999999"),
    }[kind]
    assert pacer.event(event).status == 200
    assert comments(pacer) == [] and reads.audit(pacer.db, "checkin.comment") == []


def test_one_form_submitted_six_times_at_once_stores_one_version(pacer: Pacer, thread: Thread):
    def once(_: int) -> Response:
        return submit(
            pacer,
            MANAGER,
            ids.FEEDBACK_MODAL,
            feedback(),
            metadata={"evaluation": thread.evaluation_id, "base": 0, "items": 2},
            view_id="V0STORM",
        )

    with ThreadPoolExecutor(max_workers=6) as pool:
        responses = list(pool.map(once, range(6)))
    assert {r.status for r in responses} == {200}
    assert sum("Saved: your feedback" in r.text for r in responses) == 1
    assert sum("Already saved" in r.text for r in responses) == 5
    assert [(e.kind, e.version) for e in entries(pacer)] == [("feedback", 1)]
    assert len(plan_items(pacer)) == 2 and len(reads.audit(pacer.db, "checkin.feedback")) == 1
    assert evaluation(pacer, thread).revision == 1


def test_two_people_submitting_at_once_from_the_same_version_store_one_and_refuse_the_other(
    pacer: Pacer, thread: Thread
):
    def by(user: str) -> Response:
        return post_feedback(pacer, thread, user=user, strengths=f"by {user}")

    with ThreadPoolExecutor(max_workers=2) as pool:
        responses = list(pool.map(by, [MANAGER, ADMIN]))
    saved = [r for r in responses if r.json().get("response_action") == "update"]
    refused = [r for r in responses if r.json().get("response_action") == "errors"]
    assert len(saved) == 1 and len(refused) == 1
    assert "newer version (v1)" in " ".join(errors_of(refused[0]).values())
    assert [e.version for e in entries(pacer)] == [1] and len(plan_items(pacer)) == 2


def test_long_answers_are_posted_whole_over_several_sections(pacer: Pacer, slack: FakeSlack, thread: Thread):
    wins = ("<win> & " * 125)[:1000]
    post_self_review(pacer, thread, wins=wins, challenges="c" * 1000, support="s" * 1000)
    deliver_all(pacer)
    posted = slack.thread(thread.channel, thread.parent_ts)[-1]
    sections = [b["text"]["text"] for b in posted["blocks"] if b["type"] == "section"]
    assert all(len(text) <= 3000 for text in sections)
    assert "".join(sections).count("&lt;win&gt;") == wins.count("<win>")


def test_add_an_item_stops_at_five_rows(pacer: Pacer, slack: FakeSlack, thread: Thread):
    click(pacer, thread, MANAGER, ids.CHECKIN_FEEDBACK)
    view = opened_view(pacer, slack, 1)
    for rows in range(2, 6):
        click_in_form(pacer, MANAGER, ids.FEEDBACK_ADD_ITEM, str(thread.evaluation_id), view=view, values={})
        pacer.settle()
        view = slack.wait_for("views.update", count=rows - 1)[-1].response["view"]
        assert meta(view)["items"] == rows
    block_ids = {block.get("block_id") for block in view["blocks"]}
    assert "item5_due" in block_ids and "add_item" not in block_ids and len(view["blocks"]) <= 100


def test_someone_else_cannot_grow_the_feedback_form(pacer: Pacer, slack: FakeSlack, thread: Thread):
    click(pacer, thread, MANAGER, ids.CHECKIN_FEEDBACK)
    view = opened_view(pacer, slack, 1)
    assert pacer.command(OUTSIDER, "/pacer", "help").status == 200
    click_in_form(pacer, OUTSIDER, ids.FEEDBACK_ADD_ITEM, str(thread.evaluation_id), view=view, values={})
    pacer.settle()
    shown = slack.wait_for("views.update")[-1].args["view"]
    assert "private to the rep and their manager" in json.dumps(shown)
    assert "item2_action" not in json.dumps(shown)


# --- closing --------------------------------------------------------------------------------------------


def run_close_job(pacer: Pacer, now: datetime) -> int:
    pacer.clock.now = now
    context = JobContext(db=pacer.db, config=pacer.deps.config, client=pacer.deps.client, now=now)
    return int(checkin_close.run(context).counts["closed"])


def acknowledged(pacer: Pacer, thread: Thread) -> None:
    view_meta = {"evaluation": thread.evaluation_id, "base": 0}
    assert "errors" not in submit(pacer, MANAGER, ids.FEEDBACK_MODAL, feedback(items=1), metadata=view_meta).json()
    assert click(pacer, thread, REP, ids.CHECKIN_ACKNOWLEDGE).status == 200
    deliver_all(pacer)


def test_an_acknowledged_check_in_closes_once_its_appeal_window_has_ended(
    pacer: Pacer, slack: FakeSlack, thread: Thread
):
    acknowledged(pacer, thread)
    opened = evaluation(pacer, thread).checkin_opened_at
    assert opened is not None
    closes = working_days_end(
        opened, 10, tz=zone(reads.member(pacer.db, REP).tz, "UTC"), calendar=pacer.deps.config.calendar.calendar()
    )
    assert run_close_job(pacer, closes) == 0  # the window's last second: still open
    assert run_close_job(pacer, closes + timedelta(seconds=1)) == 1
    assert run_close_job(pacer, closes + timedelta(hours=1)) == 0  # closed once
    deliver_all(pacer)
    row = evaluation(pacer, thread)
    assert row.closed_at == closes + timedelta(seconds=1)
    [parent] = [m for m in slack.messages(thread.channel) if m["ts"] == thread.parent_ts]
    assert "Closed" in parent["text"]
    [step] = [m for m in slack.messages(thread.channel) if m["ts"] == thread.next_ts]
    assert "closed" in step["text"] and ids.CHECKIN_APPEAL not in json.dumps(step)
    assert [a.actor for a in reads.audit(pacer.db, "checkin.closed")] == ["system"]


def test_a_check_in_stays_open_while_unacknowledged_or_while_an_appeal_is_open(pacer: Pacer, thread: Thread):
    late, today = datetime(2027, 2, 1, tzinfo=UTC), pacer.clock.now
    assert run_close_job(pacer, late) == 0  # not acknowledged
    pacer.clock.now = today
    acknowledged(pacer, thread)
    with pacer.db.transaction() as session:
        row = session.get(Evaluation, thread.evaluation_id)
        assert row is not None
        session.add(
            Appeal(
                workspace_id=row.workspace_id,
                evaluation_id=row.id,
                open_evaluation_id=row.id,
                member_id=row.member_id,
                appellant_user_id=REP,
                manager_user_id=MANAGER,
                evaluation_version=1,
                metrics=["revenue"],
                reason="The Globex deal is missing from revenue",
                assigned_at=late,
                due_at=late,
                source="modal",
                created_at=late,
            )
        )
    assert run_close_job(pacer, late) == 0
    assert evaluation(pacer, thread).closed_at is None
