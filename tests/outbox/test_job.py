"""`pacer jobs run outbox [--at …]`: one run delivers what is due at the job's clock."""

from __future__ import annotations

from datetime import timedelta

from slack_sdk import WebClient

from bot.jobs.base import JobContext
from bot.outbox import deliver_job
from tests.outbox.helpers import posted_keys, statuses


def test_the_outbox_job_sends_what_is_due_at_its_clock_and_says_so(db, fake, queue, clock, config):
    keys = queue("T1", 2)
    client = WebClient(token=fake.token, base_url=fake.url)  # the app's client, retries and all

    early = deliver_job(JobContext(db=db, config=config, client=client, now=clock() - timedelta(minutes=1)))
    result = deliver_job(JobContext(db=db, config=config, client=client, now=clock()))

    assert early.summary() == "outbox: 0 sent"  # it ran, and nothing was due
    assert result.summary() == "outbox: 2 sent"
    assert posted_keys(fake) == dict.fromkeys(keys, 1)
    assert statuses(db) == {"sent": 2}


def test_the_outbox_job_reports_unknown_messages_for_the_operator(db, fake, queue, clock, config):
    queue("T1", 1, channel="CWINS0001")
    fake.fail("chat.postMessage", status=500)
    client = WebClient(token=fake.token, base_url=fake.url)

    result = deliver_job(JobContext(db=db, config=config, client=client, now=clock()))

    assert result.summary() == "outbox: 1 unknown, 1 unknown in all"
