"""Helpers for the outbox tests: who the reps are, and what reached Slack."""

from __future__ import annotations

from collections import Counter

from sqlmodel import select

from bot.outbox import OutboxSender
from bot.store.engine import Database
from bot.store.tables import OutboxMessage
from tests.fakes.slack_api import FakeSlack
from tests.support.clock import FakeClock

TEAMS = ("T1", "T2")
REPS_PER_TEAM = 30


def rep(team: str, n: int) -> str:
    return f"U{team}R{n:03d}"


def posted_keys(fake: FakeSlack) -> Counter[str]:
    """How many times each outbox key reached Slack (posts that Slack really made)."""
    return Counter(m["metadata"]["event_payload"]["key"] for m in fake.posted() if "metadata" in m)


def rows(db: Database) -> dict[str, OutboxMessage]:
    with db.reading() as session:
        return {m.key: m for m in session.exec(select(OutboxMessage))}


def statuses(db: Database) -> Counter[str]:
    return Counter(m.status for m in rows(db).values())


def settle(sender: OutboxSender, clock: FakeClock, *, minutes: int = 10) -> None:
    """Deliver until nothing is left in flight, moving the clock a few seconds at a time."""
    for _ in range(minutes * 12):
        sender.run_until_idle()
        if set(statuses(sender.db)) <= {"sent", "failed", "unknown"}:
            return
        clock.advance(seconds=5)
    raise AssertionError(f"still in flight after {minutes} minutes: {statuses(sender.db)}")
