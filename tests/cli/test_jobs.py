"""`pacer jobs list` and `pacer jobs run <job> [--at <ISO time>]`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from typer.testing import CliRunner

from bot.cli import cli
from bot.jobs import JOBS
from bot.store import outbox
from tests.fakes.slack_api import FakeSlack
from tests.scheduler.helpers import outbox_rows, reminder_rows, schedule, workspace

NINE = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _isolated(tmp_path, monkeypatch):
    """No .env, no Slack credentials, no database but the test's own."""
    monkeypatch.chdir(tmp_path)
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "SLACK_API_URL", "DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("PACER_CONFIG", raising=False)


def pacer(*args: str, **env: str):
    return CliRunner().invoke(cli, list(args), env=env)


def test_jobs_list_shows_every_job_when_it_runs_and_what_it_does_without_slack_credentials():
    result = pacer("jobs", "list")

    assert result.exit_code == 0
    lines = {line.split()[0]: line for line in result.output.splitlines()}
    assert set(lines) == set(JOBS)
    assert lines["reminders"].split()[1:3] == ["every", "minute"] and "Queue due reminders" in lines["reminders"]
    assert lines["outbox"].split()[1:3] == ["on", "demand"] and "Deliver" in lines["outbox"]


def test_jobs_run_reminders_at_a_time_queues_what_is_due_then_and_needs_no_slack_token(database_url, db):
    ws = workspace(db, NINE)
    schedule(db, ws, "checkin:1:self-review", NINE, NINE)
    schedule(db, ws, "checkin:2:self-review", NINE + timedelta(hours=1), NINE)

    half_past = pacer("jobs", "run", "reminders", "--at", "2026-11-24T09:30:00Z", DATABASE_URL=database_url)
    again = pacer("jobs", "run", "reminders", "--at", "2026-11-24T09:30:00Z", DATABASE_URL=database_url)
    ten = pacer("jobs", "run", "reminders", "--at", "2026-11-24T18:00:00+08:00", DATABASE_URL=database_url)

    assert half_past.exit_code == 0, half_past.output
    assert "reminders: 1 queued (at 2026-11-24T09:30:00+00:00)" in half_past.output
    assert "reminders: 0 queued" in again.output
    assert "reminders: 1 queued (at 2026-11-24T10:00:00+00:00)" in ten.output
    assert [r.key for r in outbox_rows(db)] == ["reminder:checkin:1:self-review", "reminder:checkin:2:self-review"]
    assert {r.status for r in reminder_rows(db).values()} == {"queued"}


def test_jobs_run_outbox_at_a_time_delivers_only_what_is_due_then(database_url, db):
    ws = workspace(db, NINE)
    with db.transaction() as session:
        outbox.enqueue(
            session,
            workspace_id=ws,
            key="reminder:appeal:1:deadline",
            kind="appeal_deadline",
            channel="UMGR0001",
            payload={"text": "Appeal 1 is due for a decision tomorrow"},
            now=NINE,
            not_before=NINE + timedelta(hours=2),
        )
    with FakeSlack() as slack:
        env = {"DATABASE_URL": database_url, "SLACK_BOT_TOKEN": slack.token, "SLACK_API_URL": slack.url}
        early = pacer("jobs", "run", "outbox", "--at", "2026-11-24T10:59:59Z", **env)
        early_calls = len(slack.calls("chat.postMessage"))
        due = pacer("jobs", "run", "outbox", "--at", "2026-11-24T11:00:00Z", **env)
        later = pacer("jobs", "run", "outbox", "--at", "2026-11-24T12:00:00Z", **env)
        [call] = slack.calls("chat.postMessage")

    assert early.exit_code == 0 and "outbox: 0 sent" in early.output and early_calls == 0
    assert "outbox: 1 sent (at 2026-11-24T11:00:00+00:00)" in due.output
    assert "outbox: 0 sent" in later.output
    assert call.args["channel"] == "UMGR0001"
    [row] = outbox_rows(db)
    # the job's clock starts at --at and moves on with real time while it runs
    assert row.status == "sent" and timedelta(0) <= row.sent_at - (NINE + timedelta(hours=2)) < timedelta(seconds=5)


def test_an_unknown_job_is_answered_with_the_list_of_jobs_and_exit_code_2():
    result = pacer("jobs", "run", "nudge")

    assert result.exit_code == 2
    assert "no job named 'nudge'" in result.output
    assert "reminders" in result.output and "outbox" in result.output
    assert any(f"For example: pacer jobs run {name}" in result.output for name in JOBS)


def test_jobs_run_without_a_job_is_answered_with_the_list_of_jobs_and_exit_code_2():
    result = pacer("jobs", "run")

    assert result.exit_code == 2
    assert "name the job to run" in result.output and all(name in result.output for name in JOBS)


@pytest.mark.parametrize(
    ("at", "problem"),
    [
        ("yesterday", "is not an ISO 8601 time"),
        ("2026-11-31T09:00Z", "is not an ISO 8601 time"),
        ("2026-11-24T09:00", "has no time zone"),
    ],
)
def test_a_bad_time_is_answered_with_a_correct_example_and_exit_code_2(at, problem):
    result = pacer("jobs", "run", "reminders", "--at", at)

    assert result.exit_code == 2
    assert (
        problem in result.output and "for example: pacer jobs run reminders --at 2026-11-24T09:00:00Z" in result.output
    )


def test_the_outbox_job_asks_for_the_bot_token_it_needs():
    result = pacer("jobs", "run", "outbox")

    assert result.exit_code == 2
    assert "the outbox job calls Slack: set SLACK_BOT_TOKEN" in result.output


def test_jobs_run_refuses_a_database_whose_schema_is_behind(empty_database_url):
    result = pacer("jobs", "run", "reminders", DATABASE_URL=empty_database_url)

    assert result.exit_code == 2
    assert "run `pacer db upgrade` first" in result.output


def test_pacer_scheduler_needs_the_bot_token_and_says_so():
    result = pacer("scheduler")

    assert result.exit_code == 2
    assert "missing SLACK_BOT_TOKEN" in result.output and "manifest.yml" in result.output
