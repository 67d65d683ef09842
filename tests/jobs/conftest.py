"""Driving the scheduled jobs with a fixed clock, and a small coaching catalogue to plug into them."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta

import pytest

from bot.config import CalendarConfig, PacerConfig, ProductLine, Team
from bot.jobs import digest, nudges
from bot.jobs.base import JobContext, JobResult
from bot.services.nudges import CoachingPrompt, RepFacts
from scoring.periods import Calendar, working_days
from tests.conftest import ADMIN, MANAGER, REP, REP2
from tests.support.harness import Pacer

HOLIDAY = date(2026, 3, 31)  # a Tuesday: nobody is nudged on it
NEWCOMER = "UNEW00001"  # in the team in pacer.yml, has never used Pacer


@pytest.fixture
def config() -> PacerConfig:
    return PacerConfig(
        currency="USD",
        recognition="signed",
        timezone="Asia/Kolkata",  # for members whose Slack profile has no tz
        product_lines=[ProductLine(name="Core"), ProductLine(name="Enterprise", premium=True)],
        teams=[Team(name="East", manager=MANAGER, members=[REP, REP2, NEWCOMER])],
        admins=[ADMIN],
        calendar=CalendarConfig(holidays=[HOLIDAY]),
    )


def at(pacer: Pacer, now: datetime, job: Callable[..., JobResult] = nudges.run, **kwargs: object) -> JobResult:
    """Run a job as the scheduler would at `now` (and move the app's clock there too)."""
    pacer.clock.now = now
    context = JobContext(db=pacer.db, config=pacer.deps.config, client=pacer.deps.client, now=now)
    return job(context, **kwargs)


def digest_at(pacer: Pacer, now: datetime, **kwargs: object) -> JobResult:
    return at(pacer, now, digest.run, **kwargs)


def deliver(pacer: Pacer) -> int:
    """Send every due outbox message to the fake Slack; how many were sent."""
    sent = 0
    while True:
        report = pacer.deliver_outbox()
        sent += report.sent
        if not report.handled:
            return sent


def register(pacer: Pacer, *user_ids: str) -> None:
    for user_id in user_ids:
        response = pacer.command(user_id, "/pacer", "help")
        assert response.status == 200


class RecordingCoach:
    """A tiny stand-in catalogue with the real one's contract: one prompt per rep, chosen from their
    signals, never the same rule within 5 working days (the shown history comes from the job)."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, date, list[tuple[date, str]]]] = []

    def __call__(self, facts: RepFacts, shown: Sequence[tuple[date, str]], calendar: Calendar) -> CoachingPrompt:
        self.calls.append((facts.standing.user_id, facts.today, list(shown)))
        recent = {rule for on, rule in shown if working_days(on, facts.today - timedelta(days=1), calendar) < 5}
        if facts.working_days_idle >= 3 and "idle" not in recent:
            return CoachingPrompt(
                rule="idle",
                headline="Get back in touch with your pipeline",
                evidence=f"{facts.working_days_idle} working days without a logged activity",
                suggestion="Book two customer calls before noon.",
                manager_suggestion=f"Check in with {facts.standing.name}: ask what is blocking outreach.",
            )
        return CoachingPrompt(
            rule="pace" if "pace" not in recent else "habit",
            headline="Keep the pace",
            evidence=f"score {facts.standing.score.total} pts",
            suggestion="Log today's calls as you make them.",
            manager_suggestion=f"Review the week's plan with {facts.standing.name}.",
        )
