"""manifest.yml declares exactly what the code listens to, with least-privilege scopes."""

import ast
from pathlib import Path

import pytest
import yaml

from handlers import ids
from tests.conftest import REP

ROOT = Path(__file__).resolve().parent.parent
MANIFEST = yaml.safe_load((ROOT / "manifest.yml").read_text())

# Each scope the bot asks for, and why. Adding one without a reason here fails the test.
NEEDED_SCOPES = {
    "commands",
    "chat:write",
    "users:read",
    "im:history",  # bot/outbox.py: an ambiguous DM is looked up in the DM's history, never blindly resent
    "im:write",  # bot/outbox.py: conversations.open finds that DM's channel id
    "mpim:write",  # bot/outbox.py: conversations.open opens the group DM of several people
    "mpim:history",  # bot/outbox.py: an ambiguous group-DM post (or thread reply) is looked up, never blindly resent
}
EVENT_SCOPES = {
    "user_change": "users:read",
    "app_home_opened": None,
    "message.mpim": "mpim:history",
    "app_uninstalled": None,
}
# A manifest subscription names the event type and, for messages, the conversation kind: `message.mpim`
# is delivered as a `message` event (ids.MESSAGE) from group DMs only.


def test_manifest_commands_are_exactly_the_registered_commands():
    declared = [c["command"] for c in MANIFEST["features"]["slash_commands"]]
    assert sorted(declared) == sorted(ids.COMMANDS)


def test_manifest_events_are_exactly_the_registered_events():
    declared = MANIFEST["settings"]["event_subscriptions"]["bot_events"]
    assert sorted({event.split(".")[0] for event in declared}) == sorted(ids.EVENTS)
    assert len(declared) == len(ids.EVENTS), "one subscription per event type: message.mpim only, no other message.*"


def test_every_event_has_its_scope_and_no_scope_is_extra():
    scopes = set(MANIFEST["oauth_config"]["scopes"]["bot"])
    assert scopes == NEEDED_SCOPES
    declared = MANIFEST["settings"]["event_subscriptions"]["bot_events"]
    assert {EVENT_SCOPES[event] for event in declared} - {None} <= scopes
    assert MANIFEST["oauth_config"]["scopes"].get("user") is None


def test_interactivity_is_on_because_buttons_and_modals_are_used():
    assert MANIFEST["settings"]["interactivity"]["is_enabled"] is True


def test_every_url_points_at_the_one_events_endpoint():
    urls = [c["url"] for c in MANIFEST["features"]["slash_commands"]]
    urls += [
        MANIFEST["settings"]["event_subscriptions"]["request_url"],
        MANIFEST["settings"]["interactivity"]["request_url"],
    ]
    assert {url.rsplit("/", 2)[-2:] == ["slack", "events"] for url in urls} == {True}


@pytest.mark.parametrize("command", ids.COMMANDS)
def test_every_declared_command_is_answered_by_the_app(pacer, command):
    response = pacer.command(REP, command, "help")
    assert response.status == 200 and response.json()["response_type"] == "ephemeral"


def test_a_command_that_is_not_declared_finds_no_listener(pacer):
    assert pacer.command(REP, "/undeclared", "help").status == 404


def _registrations():
    """(kind, argument source) for every app.command/app.event/app.view/app.action call in handlers/."""
    found = []
    for path in (ROOT / "handlers").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "app"
                and node.func.attr in ("command", "event")
            ):
                found.append((node.func.attr, ast.unparse(node.args[0])))
    return found


def test_listeners_are_registered_only_through_the_ids_the_manifest_is_checked_against():
    registrations = _registrations()
    commands = {f"ids.{name}" for name in dir(ids) if getattr(ids, name) in ids.COMMANDS and name != "COMMANDS"}
    events = {f"ids.{name}" for name in dir(ids) if getattr(ids, name) in ids.EVENTS and name != "EVENTS"}
    assert sorted(arg for kind, arg in registrations if kind == "command") == sorted(commands)
    assert sorted(arg for kind, arg in registrations if kind == "event") == sorted(events)


# The scopes each Web API method the outbox sender calls needs, for the DMs and group DMs it posts
# to and checks (conversations.replies reads a thread of either).
OUTBOX_METHOD_SCOPES = {
    "chat_postMessage": ("chat:write",),
    "chat_update": ("chat:write",),  # a rewrite of a message Pacer posted (the check-in status)
    "conversations_history": ("im:history", "mpim:history"),
    "conversations_replies": ("im:history", "mpim:history"),
    "conversations_open": ("im:write", "mpim:write"),
}


def test_every_web_api_method_the_outbox_calls_has_its_scope_declared():
    source = (ROOT / "bot" / "outbox.py").read_text()
    called = {
        node.attr
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Attribute)
        and node.value.attr == "client"
        and isinstance(node.value.value, ast.Name)
        and node.value.value.id == "self"
        and node.attr not in ("timeout", "retry_handlers")
    }
    assert called == set(OUTBOX_METHOD_SCOPES)
    needed = {scope for scopes in OUTBOX_METHOD_SCOPES.values() for scope in scopes}
    assert needed <= set(MANIFEST["oauth_config"]["scopes"]["bot"])
