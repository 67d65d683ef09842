"""Outbox fixtures: two workspaces of reps, a fake Slack on the test's clock, and senders."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from slack_sdk import WebClient

from bot.outbox import OutboxSender
from bot.store import outbox
from bot.store.engine import Database
from bot.store.workspaces import ensure_workspace
from tests.fakes.slack_api import FakeSlack
from tests.outbox.helpers import REPS_PER_TEAM, TEAMS, rep
from tests.support.clock import FakeClock


@pytest.fixture
def fake(clock: FakeClock) -> Iterator[FakeSlack]:
    with FakeSlack(clock=clock) as server:
        for team in TEAMS:
            for n in range(REPS_PER_TEAM):
                server.add_user(rep(team, n), team_id=team)
        yield server


@pytest.fixture
def workspaces(db: Database, clock: FakeClock) -> dict[str, int]:
    with db.transaction() as session:
        found = {team: ensure_workspace(session, team_id=team, now=clock()).id for team in TEAMS}
    return {team: workspace_id for team, workspace_id in found.items() if workspace_id is not None}


@pytest.fixture
def queue(db: Database, clock: FakeClock, workspaces: dict[str, int]) -> Callable[..., list[str]]:
    """queue("T1", 3) queues nudges to the first three reps of T1; returns their keys."""

    def enqueue(team: str, count: int, *, channel: str | None = None, first: int = 0) -> list[str]:
        keys = []
        with db.transaction() as session:
            for n in range(first, first + count):
                user = rep(team, n)
                key = f"nudge:{user}:{clock().date().isoformat()}"
                outbox.enqueue(
                    session,
                    workspace_id=workspaces[team],
                    key=key,
                    kind="nudge",
                    channel=channel or user,
                    payload={"text": f"Good morning {user}", "blocks": [{"type": "divider"}]},
                    now=clock(),
                )
                keys.append(key)
        return keys

    return enqueue


@pytest.fixture
def sender(db: Database, fake: FakeSlack, clock: FakeClock) -> Callable[..., OutboxSender]:
    def make(**options: Any) -> OutboxSender:
        timeout = options.pop("timeout", 1)
        client = WebClient(token=fake.token, base_url=fake.url, timeout=timeout, retry_handlers=[])
        return OutboxSender(db=db, client=client, clock=clock, **options)

    return make
