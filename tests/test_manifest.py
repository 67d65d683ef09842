"""manifest.yml declares exactly what the code listens to, with least-privilege scopes."""

import ast
from pathlib import Path

import pytest
import yaml

from bot.services import leaderboard as leaderboard_service
from handlers import admin, ids
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


COMMANDS = {c["command"]: c for c in MANIFEST["features"]["slash_commands"]}
USAGE_HINT_MAX = 1000  # Slack's app manifest schema: slash_commands[].usage_hint maxLength
DESCRIPTION_MAX = 2000  # and slash_commands[].description maxLength


def test_the_messages_tab_shows_pacer_s_dms_read_only_because_pacer_does_not_answer_dms():
    app_home = MANIFEST["features"]["app_home"]
    answers_dms = "message.im" in MANIFEST["settings"]["event_subscriptions"]["bot_events"]
    assert app_home["home_tab_enabled"] is True and app_home["messages_tab_enabled"] is True
    assert app_home["messages_tab_read_only_enabled"] is not answers_dms
    assert not answers_dms, "a bot that answers DMs needs messages_tab_read_only_enabled: false"


@pytest.mark.parametrize("command", ids.COMMANDS)
def test_every_usage_hint_and_description_fits_slack_s_limits(command):
    assert 0 < len(COMMANDS[command]["usage_hint"]) <= USAGE_HINT_MAX
    assert 0 < len(COMMANDS[command]["description"]) <= DESCRIPTION_MAX


def test_the_pacer_hint_names_every_subcommand_a_member_may_use(pacer):
    hint = COMMANDS["/pacer"]["usage_hint"]
    words = {word.strip("[]|—,…()") for word in hint.split()}
    assert set(admin.EVERYONE) <= words
    for sub in admin.EVERYONE:  # and each of them answers a rep, not only admins
        reply = pacer.command(REP, "/pacer", sub).text
        assert "Only a Pacer admin" not in reply and "I don't know" not in reply, (sub, reply)


def test_the_goal_and_leaderboard_hints_show_their_optional_arguments(pacer):
    goal = COMMANDS["/goal"]["usage_hint"].split(" | ")
    assert goal == [
        "@member <metric> <value> [period]",
        "@member [period]",
        "list [period]",
        "team [team] <metric> <value> [period] [weighted]",
        "help",
    ]
    for keyword in ("list", "team", "help"):  # words /goal reads as such, not as a missing @-mention
        assert "Who is the goal for?" not in pacer.command(REP, "/goal", keyword).text

    leaderboard = COMMANDS["/leaderboard"]["usage_hint"]
    metrics, periods, *_ = leaderboard.split(" ")
    assert leaderboard.endswith(" [team (admins)] | help")
    for metric in metrics.strip("[]").split("|")[:-1]:  # every one named before the …
        assert leaderboard_service.metric_name(metric) is not None or metric == leaderboard_service.SCORE
    for period in periods.strip("[]").split("|"):
        assert "isn't a period" not in pacer.command(REP, "/leaderboard", f"score {period}").text


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
