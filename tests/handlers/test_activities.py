"""`/activity` end to end."""

from datetime import date

import pytest

from handlers import ids
from tests.conftest import REP, REP2
from tests.support import reads
from tests.support.payloads import date_pick, number, select, text_input


def test_logging_activities_stores_type_count_and_customer(pacer, db):
    response = pacer.activity(REP, "calls 3 Acme Corp note:pricing follow-up")

    assert "A-1" in response.text and "3 calls" in response.text
    [activity] = reads.activities(db)
    assert (activity.kind, activity.count, activity.note, activity.source) == (
        "call",
        3,
        "pricing follow-up",
        "command",
    )
    assert reads.customer_name(db, activity.customer_id) == "Acme Corp"
    assert activity.occurred_on == date(2026, 11, 24)
    assert len(reads.audit(db, "activity.logged")) == 1


def test_an_activity_without_customer_or_count_counts_one(pacer, db):
    pacer.activity(REP, "demo")
    [activity] = reads.activities(db)
    assert (activity.kind, activity.count, activity.customer_id) == ("demo", 1, None)


def test_an_unknown_activity_type_lists_the_valid_types_and_stores_nothing(pacer, db):
    response = pacer.activity(REP, "lunch 2 Acme")
    assert "lunch" in response.text and "meeting" in response.text and "Example" in response.text
    assert reads.activities(db) == []


def test_activity_list_shows_only_the_callers_activities(pacer):
    pacer.activity(REP, "call Acme Corp")
    pacer.activity(REP2, "visit Umbrella")
    text = pacer.activity(REP, "list").text
    assert "A-1" in text and "Umbrella" not in text


def test_a_rep_can_void_their_activity_but_not_someone_elses(pacer, db):
    pacer.activity(REP, "call Acme Corp")
    assert "belongs to" in pacer.activity(REP2, "void A-1 not yours").text
    assert reads.activities(db)[0].voided_at is None
    assert "Voided" in pacer.activity(REP, "void A-1 logged twice").text
    assert reads.activities(db)[0].void_reason == "logged twice"


def test_a_replayed_activity_command_is_recorded_once(pacer, db):
    pacer.activity(REP, "call Acme Corp", trigger_id="trigger.act.1")
    pacer.activity(REP, "call Acme Corp", trigger_id="trigger.act.1")
    assert len(reads.activities(db)) == 1


def test_the_activity_undo_button_voids_it(pacer, db, slack):
    pacer.activity(REP, "meeting Acme Corp")
    pacer.click(REP, ids.ACTIVITY_UNDO, "1")
    slack.wait_for("response_url")
    assert reads.activities(db)[0].void_reason == "undone with the Undo button"


def test_activity_without_text_opens_the_form(pacer, slack):
    pacer.activity(REP, "")
    [call] = slack.wait_for("views.open")
    assert call.args["view"]["callback_id"] == ids.ACTIVITY_MODAL


def activity_form(kind="meeting", count="2", customer="Initech", on="2026-11-23", note=None):
    return {
        "kind": select(kind),
        "count": number(count),
        "customer": text_input(customer),
        "date": date_pick(on),
        "note": text_input(note),
    }


def test_the_activity_form_stores_once_per_view(pacer, db):
    pacer.submit(REP, ids.ACTIVITY_MODAL, activity_form(), view_id="V0ACT")
    response = pacer.submit(REP, ids.ACTIVITY_MODAL, activity_form(), view_id="V0ACT")

    assert response.json()["response_action"] == "update"
    [activity] = reads.activities(db)
    assert (activity.kind, activity.count, activity.occurred_on, activity.source) == (
        "meeting",
        2,
        date(2026, 11, 23),
        "modal",
    )


@pytest.mark.parametrize(
    ("field", "form"), [("count", activity_form(count="0")), ("date", activity_form(on="2030-01-01"))]
)
def test_bad_activity_form_fields_are_shown_inline(pacer, db, field, form):
    body = pacer.submit(REP, ids.ACTIVITY_MODAL, form).json()
    assert body["response_action"] == "errors" and field in body["errors"]
    assert reads.activities(db) == []
