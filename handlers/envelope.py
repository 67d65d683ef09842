"""What a Slack request must carry before anything reads it.

Slack always sends a slash command with its team, user and trigger ids, a button click with the
clicked action, a modal submission with its view and a `state.values` of element states, an event
with the user it is about. A signed request without them (a broken proxy, a hand-made request, a
body from an old client) is answered `400 Bad Request` and nothing in it is read, so no listener
fails half-way and nobody gets the apology meant for Pacer's own failures.

`problem_with` is checked by the WSGI adapter (bot/app.py) before Bolt builds its listener
arguments. Values Slack carries but Pacer made — a button's deal number, a modal's element
values — are read with `button_number`, `button_value` and `view_state`, which raise
`MalformedRequest`; `handlers.errors` answers that with the same 400.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError
from slack_bolt import BoltResponse

# Slack's ids: T… (team), U…/W… (user), E… (enterprise) — upper-case letters and digits.
SlackId = Annotated[str, StringConstraints(pattern=r"^[A-Z0-9]{1,40}$")]
Filled = Annotated[str, StringConstraints(min_length=1)]
NUMBER = re.compile(r"[1-9][0-9]{0,8}")  # a deal or activity number Pacer put on a button


class MalformedRequest(Exception):
    """A signed request in a shape Slack never sends: answered 400, nothing stored."""


class _Shape(BaseModel):
    # strict: 5 is not "5" and "5" is not 5; extra fields are Slack's business.
    model_config = ConfigDict(strict=True, extra="allow")


class _Ref(_Shape):
    id: SlackId


class SlashCommand(_Shape):
    team_id: SlackId
    user_id: SlackId
    command: Filled
    text: str = ""
    trigger_id: Filled


class Action(_Shape):
    action_id: Filled
    value: str | None = None


class _ActionView(_Shape):
    id: Filled


class BlockActions(_Shape):
    type: Literal["block_actions"]
    team: _Ref
    user: _Ref
    actions: list[Action] = Field(min_length=1)
    trigger_id: Filled
    container: dict[str, Any] | None = None
    view: _ActionView | None = None
    response_url: str | None = None


class SelectedOption(_Shape):
    value: str


class ElementState(_Shape):
    """One input's state in `view.state.values`; which field is set depends on `type`."""

    type: str | None = None
    value: str | None = None
    selected_option: SelectedOption | None = None
    selected_options: list[SelectedOption] | None = None  # multi_static_select
    selected_date: str | None = None
    selected_user: SlackId | None = None


class ViewState(_Shape):
    values: dict[str, dict[str, ElementState]]


class SubmittedView(_Shape):
    id: Filled
    type: Filled
    callback_id: str = ""
    state: ViewState
    private_metadata: str = ""


class ViewSubmission(_Shape):
    type: Literal["view_submission"]
    team: _Ref
    user: _Ref
    view: SubmittedView


class HomeOpened(_Shape):
    type: Literal["app_home_opened"]
    user: SlackId
    tab: str = "home"


class _Profile(_Shape):
    display_name: str | None = None
    real_name: str | None = None


class SlackUser(_Shape):
    """The `user` of a `user_change` event: the fields Pacer copies (bot/store/members.SlackUser)."""

    id: SlackId
    name: str | None = None
    real_name: str | None = None
    tz: str | None = None
    locale: str | None = None
    is_bot: bool = False
    deleted: bool = False
    profile: _Profile | None = None


class UserChanged(_Shape):
    type: Literal["user_change"]
    user: SlackUser


class MessagePosted(_Shape):
    """A `message` event (message.mpim): a reply in a check-in thread is recorded as a comment; the
    fields other than its conversation and ts vary by subtype (an edit, a bot post, a join)."""

    type: Literal["message"]
    channel: SlackId
    ts: Filled
    user: SlackId | None = None
    thread_ts: str | None = None
    text: str | None = None
    subtype: str | None = None
    bot_id: str | None = None


class EventCallback(_Shape):
    type: Literal["event_callback"]
    team_id: SlackId
    event_id: Filled
    event: dict[str, Any]


EVENTS: dict[str, type[_Shape]] = {
    "app_home_opened": HomeOpened,
    "user_change": UserChanged,
    "message": MessagePosted,
}


def problem_with(body: Any) -> str | None:
    """What is wrong with a request body Pacer would read, or None when it has the shape Slack sends.

    Kinds Pacer does not listen to pass through untouched (Bolt answers them 404).
    """
    if not isinstance(body, dict):
        return "the body is not a JSON object"
    kind = body.get("type")
    if "command" in body and kind is None:
        return _invalid(SlashCommand, body)
    if kind is not None and not isinstance(kind, str):
        return "`type` is not a string"
    if kind == "block_actions":
        return _invalid(BlockActions, body)
    if kind == "interactive_message" and not (isinstance(body.get("actions"), list) and body["actions"]):
        return "actions: not a list of actions"  # Bolt reads the first action of any such body
    if kind == "view_submission":
        return _invalid(ViewSubmission, body)
    if kind == "event_callback":
        problem = _invalid(EventCallback, body)
        if problem is not None:
            return problem
        event_type = body["event"].get("type")
        if not isinstance(event_type, str):
            return "event.type: missing or not a string"
        shape = EVENTS.get(event_type)
        return _invalid(shape, body["event"], where="event.") if shape is not None else None
    return None


def _invalid(shape: type[_Shape], data: dict[str, Any], *, where: str = "") -> str | None:
    try:
        shape.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        place = ".".join(str(part) for part in first["loc"])
        return f"{where}{place}: {first['msg']}"
    return None


def bad_request(problem: str) -> BoltResponse:
    return BoltResponse(status=400, body={"ok": False, "error": f"malformed request: {problem}"})


def view_state(view: dict[str, Any]) -> ViewState:
    """A submitted view's `state`, typed; MalformedRequest if it is not in Slack's shape."""
    try:
        return ViewState.model_validate(view.get("state"))
    except ValidationError as error:
        raise MalformedRequest(f"view.state: {error.errors()[0]['msg']}") from None


def button_value(body: dict[str, Any]) -> str:
    """The clicked button's value; MalformedRequest if the click carries none."""
    actions = body.get("actions")
    value = actions[0].get("value") if isinstance(actions, list) and actions and isinstance(actions[0], dict) else None
    if not isinstance(value, str) or not value:
        raise MalformedRequest("the button has no value")
    return value


def button_number(body: dict[str, Any]) -> int:
    """The deal or activity number on an Undo / Mark paid button; MalformedRequest for anything else."""
    value = button_value(body)
    if not NUMBER.fullmatch(value):
        raise MalformedRequest(f"the button value is not a record number ({len(value)} characters)")
    return int(value)
