"""A signed request in a shape Slack never sends is answered 400 (or, where Slack's shape holds, with
an ephemeral error): never a 500, never the apology meant for Pacer's own failures, never a stack
trace, and nothing is stored."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlencode

import pytest

from handlers.errors import APOLOGY
from tests.conftest import MANAGER, REP
from tests.support import payloads, reads

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"


def _command(**changes: str | None) -> str:
    fields = {
        "token": "legacy-verification-token",
        "team_id": "T1",
        "user_id": REP,
        "command": "/deal",
        "text": "12500 Acme Corp",
        "response_url": "http://127.0.0.1:9/commands/r",
        "trigger_id": "13345224609.738474920.trigger",
        **changes,
    }
    return urlencode({name: value for name, value in fields.items() if value is not None})


def _payload_of(form: str) -> dict[str, Any]:
    return dict(json.loads(parse_qs(form)["payload"][0]))


def _interactive(payload: Any) -> str:
    return urlencode({"payload": payload if isinstance(payload, str) else json.dumps(payload)})


def _click(action_id: str, value: str) -> str:
    return payloads.block_actions(
        team_id="T1", user_id=REP, action_id=action_id, value=value, response_url="http://127.0.0.1:9/actions/r"
    )


def _click_changed(change: Callable[[dict[str, Any]], None]) -> str:
    payload = _payload_of(_click("deal_undo", "1"))
    change(payload)
    return _interactive(payload)


DEAL_FORM = {
    "amount": payloads.text_input("5000"),
    "customer": payloads.text_input("Globex"),
    "stage": payloads.radio("signed"),
}


def _submit(callback_id: str, values: dict[str, dict[str, Any]]) -> str:
    return payloads.view_submission(team_id="T1", user_id=REP, callback_id=callback_id, values=values)


def _submit_changed(change: Callable[[dict[str, Any]], None]) -> str:
    payload = _payload_of(_submit("deal_modal", DEAL_FORM))
    change(payload)
    return _interactive(payload)


def _event(inner: dict[str, Any], **envelope: Any) -> str:
    body = json.loads(payloads.event_callback(team_id="T1", event=inner))
    body.update(envelope)
    return json.dumps({name: value for name, value in body.items() if value is not None})


def _without(*path: str) -> Callable[[dict[str, Any]], None]:
    def change(payload: dict[str, Any]) -> None:
        target = payload
        for key in path[:-1]:
            target = target[key]
        del target[path[-1]]

    return change


def _set(value: Any, *path: str) -> Callable[[dict[str, Any]], None]:
    def change(payload: dict[str, Any]) -> None:
        target = payload
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return change


MALFORMED: dict[str, tuple[str, str]] = {
    # bodies Bolt cannot read
    "a payload that is not JSON": (_interactive("{not json"), FORM),
    "a payload that is a JSON list": (_interactive([1, 2]), FORM),
    "a payload that is a JSON string": (_interactive("hello"), FORM),
    "a JSON body that is not JSON": ("{oops", JSON),
    "a JSON body that is a list": ("[1, 2]", JSON),
    "a body that is not UTF-8": ("payload=%FF%FE", FORM),
    # slash commands
    "a command without user_id": (_command(user_id=None), FORM),
    "a command without team_id": (_command(team_id=None), FORM),
    "a command with an empty user_id": (_command(user_id=""), FORM),
    "a command with a user_id that is not an id": (_command(user_id="<@UREP0001>"), FORM),
    "a command without trigger_id": (_command(trigger_id=None), FORM),
    # buttons
    "deal_undo with value abc": (_click("deal_undo", "abc"), FORM),
    "deal_undo with an empty value": (_click("deal_undo", ""), FORM),
    "deal_undo with value -1": (_click("deal_undo", "-1"), FORM),
    "deal_undo with value 10**30": (_click("deal_undo", str(10**30)), FORM),
    "deal_undo with value 1.0": (_click("deal_undo", "1.0"), FORM),
    "deal_undo with a superscript digit": (_click("deal_undo", "¹"), FORM),
    "deal_mark_paid with value abc": (_click("deal_mark_paid", "abc"), FORM),
    "activity_undo with value 0x1": (_click("activity_undo", "0x1"), FORM),
    "deal_cancel with an empty value": (_click("deal_cancel", ""), FORM),
    "a click without a value": (_click_changed(_without("actions", 0, "value")), FORM),
    "a click with a number for its value": (_click_changed(_set(1, "actions", 0, "value")), FORM),
    "a click without actions": (_click_changed(_set([], "actions")), FORM),
    "a click whose actions are not a list": (_click_changed(_set("deal_undo", "actions")), FORM),
    "a click without user": (_click_changed(_without("user")), FORM),
    "a click with a user that is a string": (_click_changed(_set(REP, "user")), FORM),
    "a click without team": (_click_changed(_without("team")), FORM),
    # modal submissions
    "a deal form with a number for the amount": (
        _submit("deal_modal", {**DEAL_FORM, "amount": {"type": "plain_text_input", "value": 5000}}),
        FORM,
    ),
    "a deal form with a list for the customer": (
        _submit("deal_modal", {**DEAL_FORM, "customer": {"type": "plain_text_input", "value": ["Globex"]}}),
        FORM,
    ),
    "a deal form whose selected option is a string": (
        _submit("deal_modal", {**DEAL_FORM, "stage": {"type": "radio_buttons", "selected_option": "paid"}}),
        FORM,
    ),
    "an activity form whose count is an object": (
        _submit(
            "activity_modal",
            {"kind": payloads.select("call"), "count": {"type": "number_input", "value": {"n": 3}}},
        ),
        FORM,
    ),
    "a goal form whose rep is a number": (
        _submit(
            "goal_modal",
            {
                "member": {"type": "users_select", "selected_user": 5},
                "metric": payloads.select("revenue"),
                "value": payloads.text_input("5k"),
            },
        ),
        FORM,
    ),
    "a form without state": (_submit_changed(_without("view", "state")), FORM),
    "a form without state.values": (_submit_changed(_set({}, "view", "state")), FORM),
    "a form whose state.values is a list": (_submit_changed(_set([], "view", "state", "values")), FORM),
    "a form whose block is a string": (_submit_changed(_set("5000", "view", "state", "values", "amount")), FORM),
    "a form whose element is a string": (
        _submit_changed(_set({"value": "5000"}, "view", "state", "values", "amount")),
        FORM,
    ),
    "a form without view id": (_submit_changed(_without("view", "id")), FORM),
    "a form without user": (_submit_changed(_without("user")), FORM),
    # events
    "app_home_opened without user": (_event({"type": "app_home_opened", "tab": "home"}), JSON),
    "app_home_opened with a user that is an object": (
        _event({"type": "app_home_opened", "tab": "home", "user": {"id": REP}}),
        JSON,
    ),
    "user_change without user": (_event({"type": "user_change"}), JSON),
    "user_change with a user that is a string": (_event({"type": "user_change", "user": REP}), JSON),
    "user_change with a profile that is a string": (
        _event({"type": "user_change", "user": {"id": REP, "profile": "Dana"}}),
        JSON,
    ),
    "an event without team_id": (_event({"type": "app_home_opened", "user": REP}, team_id=None), JSON),
    "an event that is a string": (_event({"type": "app_home_opened"}, event="app_home_opened"), JSON),
}


@pytest.fixture
def a_logged_deal(pacer):
    """Dana has deal D-1 (unpaid) and activity A-1, so a forged Undo or Mark paid has something to hit."""
    pacer.deal(REP, "12500 Acme Corp")
    pacer.activity(REP, "call Acme Corp")
    pacer.settle()


def _stored(db) -> tuple[Any, ...]:
    deals = [(d.number, d.amount_minor, d.voided_at, d.paid_on) for d in reads.deals(db)]
    activities = [(a.number, a.count, a.voided_at) for a in reads.activities(db)]
    return deals, activities, len(reads.customers(db)), len(reads.audit(db)), len(reads.outbox(db))


@pytest.mark.usefixtures("a_logged_deal")
@pytest.mark.parametrize("case", list(MALFORMED))
def test_a_malformed_signed_request_is_a_bad_request_and_changes_nothing(pacer, db, case):
    before = _stored(db)
    body, content_type = MALFORMED[case]

    response = pacer.post(body, content_type=content_type)
    pacer.settle()

    answered_ephemerally = response.status == 200 and response.json().get("response_type") == "ephemeral"
    assert response.status == 400 or answered_ephemerally, f"{case}: {response.status} {response.body[:200]}"
    assert APOLOGY not in response.body and "Traceback" not in response.body
    assert _stored(db) == before
    assert pacer.slack.calls("views.publish") == []


def test_a_malformed_request_without_a_valid_signature_is_still_unauthorised(pacer, db):
    response = pacer.post(_interactive("{not json"), content_type=FORM, sign=False)
    assert response.status == 401
    forged = pacer.post(_command(user_id=None), content_type=FORM, headers={"X-Slack-Signature": "v0=" + "0" * 64})
    assert forged.status == 401
    assert reads.deals(db) == []


def test_a_malformed_request_is_refused_before_anyone_is_looked_up(pacer, db):
    response = pacer.post(_command(user_id="", text="list"), content_type=FORM)
    assert response.status == 400
    assert "user_id" in response.json()["error"]
    assert pacer.slack.calls("users.info") == [] and reads.member(db, MANAGER) is None


@pytest.mark.usefixtures("a_logged_deal")
def test_a_well_formed_click_on_a_deal_that_does_not_exist_is_an_ephemeral_error_not_a_400(pacer, db):
    response = pacer.click(REP, "deal_undo", "999")
    pacer.settle()

    assert response.status == 200
    [answer] = pacer.slack.wait_for("response_url")
    assert answer.args["response_type"] == "ephemeral" and APOLOGY not in json.dumps(answer.args)
    assert "D-999" in json.dumps(answer.args)
    assert [d.voided_at for d in reads.deals(db)] == [None]
