"""Who a `users.info` user is for a workspace, and the directory remembering Slack's answers about mentions."""

from __future__ import annotations

from typing import Any

import pytest

from bot.config import PacerConfig
from bot.directory import Directory, LookupFailed
from bot.store.members import SlackUser


def user(**fields: Any) -> dict[str, Any]:
    return {"id": "U1", "name": "dana", "profile": {"display_name": "Dana"}, "team_id": "T1", **fields}


@pytest.mark.parametrize(
    ("fields", "outside"),
    [
        ({}, False),
        ({"team_id": "T2"}, True),
        ({"team_id": "T2", "teams": ["T2", "T1"]}, False),
        ({"team_id": "THOME", "enterprise_user": {"enterprise_id": "E1", "teams": ["THOME", "T1"]}}, False),
        ({"team_id": "THOME", "enterprise_user": {"enterprise_id": "E1", "teams": ["THOME"]}}, True),
        ({"team_id": "THOME", "enterprise_user": {"enterprise_id": "E1"}}, False),  # Slack didn't list them
        ({"team_id": None}, False),
        ({"team_id": None, "is_stranger": True}, True),
    ],
)
def test_only_someone_clearly_of_another_workspace_is_outside_it(fields, outside):
    assert SlackUser.from_api(user(**fields)).outside("T1") is outside


@pytest.mark.parametrize("fields", [{"is_bot": True}, {"is_workflow_bot": True}, {"id": "USLACKBOT", "is_bot": False}])
def test_apps_workflow_bots_and_slackbot_are_not_people(fields):
    assert SlackUser.from_api(user(**fields)).is_bot


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_slacks_answers_about_a_mention_are_remembered_for_the_ttl_but_failures_to_ask_are_not():
    answers: dict[str, list[SlackUser | LookupFailed]] = {
        "UNOSUCH": [LookupFailed("user_not_found"), LookupFailed("user_not_found")],
        "UREAL": [LookupFailed("unreachable"), LookupFailed("ratelimited"), SlackUser(user_id="UREAL", name="Kim")],
    }
    asked: list[str] = []

    def lookup(user_id: str) -> SlackUser | LookupFailed:
        asked.append(user_id)
        return answers[user_id].pop(0)

    clock = Clock()
    directory = Directory(config=PacerConfig(), lookup=lookup, ttl=60, monotonic=clock)

    assert directory.resolve(team_id="T1", user_id="UNOSUCH") == LookupFailed("user_not_found")
    assert directory.resolve(team_id="T1", user_id="UNOSUCH").unknown_user
    assert not directory.resolve(team_id="T1", user_id="UREAL").unknown_user  # unreachable: not kept
    assert directory.resolve(team_id="T1", user_id="UREAL") == LookupFailed("ratelimited")
    assert directory.resolve(team_id="T1", user_id="UREAL") == SlackUser(user_id="UREAL", name="Kim")
    assert directory.resolve(team_id="T1", user_id="UREAL") == SlackUser(user_id="UREAL", name="Kim")
    assert asked == ["UNOSUCH", "UREAL", "UREAL", "UREAL"]

    clock.now = 61
    directory.resolve(team_id="T1", user_id="UNOSUCH")
    assert asked[-1] == "UNOSUCH" and len(asked) == 5
