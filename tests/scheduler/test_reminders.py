"""Reminders: scheduled once, queued into the outbox once when due, never when cancelled."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from slack_sdk import WebClient

from bot.jobs import JOBS, JobContext
from bot.store import outbox
from tests.fakes.slack_api import FakeSlack
from tests.scheduler.helpers import cancel, outbox_rows, reminder_rows, schedule, workspace


def run_job(name, db, config, now, client=None):
    client = client or WebClient(token="xoxb-unused", base_url="http://127.0.0.1:9/")
    return JOBS[name].run(JobContext(db=db, config=config, client=client, now=now))


def test_due_reminders_become_one_outbox_row_each_even_when_the_job_runs_twice(db, config, clock):
    ws = workspace(db, clock.now)
    schedule(db, ws, "checkin:1:self-review", clock.now - timedelta(hours=1), clock.now)
    schedule(db, ws, "appeal:7:deadline", clock.now, clock.now, recipient="UMGR0001", kind="appeal_deadline")
    schedule(db, ws, "checkin:2:self-review", clock.now + timedelta(minutes=1), clock.now)

    first = run_job("reminders", db, config, clock.now)
    second = run_job("reminders", db, config, clock.now)

    assert first.counts == {"queued": 2} and second.counts == {"queued": 0}
    rows = outbox_rows(db)
    assert [(r.key, r.channel, r.kind) for r in rows] == [
        ("reminder:checkin:1:self-review", "UREP0001", "checkin_reminder"),
        ("reminder:appeal:7:deadline", "UMGR0001", "appeal_deadline"),
    ]
    assert rows[0].payload["text"] == "Reminder checkin:1:self-review" and rows[0].status == "pending"
    reminders = reminder_rows(db)
    assert reminders["checkin:1:self-review"].status == "queued"
    assert reminders["checkin:1:self-review"].done_at == clock.now
    assert reminders["checkin:2:self-review"].status == "pending"


def test_a_future_reminder_waits_until_its_time(db, config, clock):
    ws = workspace(db, clock.now)
    due = clock.now + timedelta(days=2, minutes=30)
    schedule(db, ws, "appeal:9:deadline", due, clock.now)

    before = run_job("reminders", db, config, due - timedelta(seconds=1))
    at = run_job("reminders", db, config, due)

    assert before.counts == {"queued": 0} and at.counts == {"queued": 1}
    [row] = outbox_rows(db)
    assert row.not_before == due


def test_a_cancelled_reminder_never_sends(db, config, clock):
    ws = workspace(db, clock.now)
    schedule(db, ws, "checkin:3:feedback", clock.now + timedelta(hours=1), clock.now)

    assert cancel(db, ws, "checkin:3:feedback", clock.now) is True
    assert cancel(db, ws, "checkin:3:feedback", clock.now) is False
    result = run_job("reminders", db, config, clock.now + timedelta(days=30))

    assert result.counts == {"queued": 0}
    assert outbox_rows(db) == []
    assert reminder_rows(db)["checkin:3:feedback"].status == "cancelled"


def test_a_reminder_already_queued_cannot_be_cancelled_and_stays_queued_once(db, config, clock):
    ws = workspace(db, clock.now)
    schedule(db, ws, "checkin:4:ack", clock.now, clock.now)
    run_job("reminders", db, config, clock.now)

    assert cancel(db, ws, "checkin:4:ack", clock.now) is False
    assert [r.key for r in outbox_rows(db)] == ["reminder:checkin:4:ack"]


def test_scheduling_a_key_again_changes_nothing(db, config, clock):
    ws = workspace(db, clock.now)
    assert schedule(db, ws, "checkin:5:self-review", clock.now, clock.now, text="first") is True
    assert schedule(db, ws, "checkin:5:self-review", clock.now + timedelta(days=1), clock.now, text="again") is False

    run_job("reminders", db, config, clock.now)
    run_job("reminders", db, config, clock.now + timedelta(days=2))

    [row] = outbox_rows(db)
    assert row.payload["text"] == "first"


def test_the_same_key_in_two_workspaces_is_two_reminders(db, config, clock):
    one, two = workspace(db, clock.now, "T1"), workspace(db, clock.now, "T2")
    schedule(db, one, "appeal:1:deadline", clock.now, clock.now)
    schedule(db, two, "appeal:1:deadline", clock.now, clock.now)

    assert run_job("reminders", db, config, clock.now).counts == {"queued": 2}
    assert sorted(r.workspace_id for r in outbox_rows(db)) == sorted([one, two])


def test_reminders_are_queued_once_when_two_jobs_run_at_the_same_time(db, config, clock):
    ws = workspace(db, clock.now)
    for i in range(300):
        schedule(db, ws, f"checkin:{i}:self-review", clock.now - timedelta(seconds=i), clock.now)
    start = threading.Barrier(2)
    counts: list[int] = []

    def run() -> None:
        start.wait()
        counts.append(run_job("reminders", db, config, clock.now).counts["queued"])

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    keys = [r.key for r in outbox_rows(db)]
    assert len(keys) == len(set(keys)) == 300
    assert sum(counts) == 300
    assert {r.status for r in reminder_rows(db).values()} == {"queued"}


def test_a_crash_while_queueing_leaves_every_reminder_pending_and_a_rerun_queues_each_once(
    db, config, clock, monkeypatch
):
    ws = workspace(db, clock.now)
    for i in range(3):
        schedule(db, ws, f"appeal:{i}:deadline", clock.now, clock.now)
    real_enqueue = outbox.enqueue
    calls = {"n": 0}

    def crash_on_the_second(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise ConnectionError("the database went away")
        return real_enqueue(*args, **kwargs)

    monkeypatch.setattr(outbox, "enqueue", crash_on_the_second)
    with pytest.raises(ConnectionError):
        run_job("reminders", db, config, clock.now)
    assert outbox_rows(db) == []
    assert {r.status for r in reminder_rows(db).values()} == {"pending"}

    monkeypatch.setattr(outbox, "enqueue", real_enqueue)
    assert run_job("reminders", db, config, clock.now).counts == {"queued": 3}
    assert sorted(r.key for r in outbox_rows(db)) == [f"reminder:appeal:{i}:deadline" for i in range(3)]


def test_a_due_reminder_reaches_slack_once_through_the_outbox_job(db, config, clock):
    ws = workspace(db, clock.now)
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "Your self-review is due *today*."}}]
    schedule(db, ws, "checkin:8:self-review", clock.now, clock.now, text="Your self-review is due today", blocks=blocks)
    with FakeSlack() as slack:
        client = WebClient(token=slack.token, base_url=slack.url)
        run_job("reminders", db, config, clock.now)
        sent = run_job("outbox", db, config, clock.now, client)
        again = run_job("outbox", db, config, clock.now + timedelta(hours=1), client)

        [call] = slack.calls("chat.postMessage")
    assert sent.counts["sent"] == 1 and again.counts["sent"] == 0
    assert call.args["channel"] == "UREP0001" and call.args["text"] == "Your self-review is due today"
    assert call.args["blocks"] == blocks
    [row] = outbox_rows(db)
    assert row.status == "sent" and row.ts


def test_scheduling_refuses_a_naive_due_time(db, clock):
    ws = workspace(db, clock.now)
    with pytest.raises(ValueError, match="timezone-aware"):
        schedule(db, ws, "checkin:9:ack", clock.now.replace(tzinfo=None), clock.now)
