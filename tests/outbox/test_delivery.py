"""The outbox sender against the fake Slack: every due message reaches Slack once, whatever Slack does."""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

import pytest
from slack_sdk import WebClient

from bot.outbox import EVENT_TYPE, MAX_CHECKS, OutboxSender
from bot.store import outbox
from tests.outbox.helpers import posted_keys, rep, rows, settle, statuses


def test_every_queued_dm_is_posted_once_with_its_key_as_metadata_and_its_ts_recorded(db, fake, queue, sender):
    keys = queue("T1", 3) + queue("T2", 2)

    report = sender().run_until_idle()

    assert report.sent == 5
    assert posted_keys(fake) == dict.fromkeys(keys, 1)
    [post] = [c for c in fake.calls("chat.postMessage") if c.args["channel"] == rep("T1", 0)]
    assert post.args["metadata"] == {"event_type": EVENT_TYPE, "event_payload": {"key": keys[0], "kind": "nudge"}}
    stored = rows(db)[keys[0]]
    assert (stored.status, stored.ts) == ("sent", post.response["ts"])
    assert stored.conversation == fake.dm_channel(rep("T1", 0))


def test_a_429_pauses_the_whole_workspace_until_retry_after_and_then_all_is_sent_once(db, fake, queue, sender, clock):
    t1 = queue("T1", 3)
    t2 = queue("T2", 1)
    fake.fail("chat.postMessage", status=429, retry_after=30)
    pacer = sender(workers=1)  # T1 first, so T1 gets the 429

    first = pacer.deliver_due()

    assert (first.retried, first.throttled, first.deferred, first.sent) == (1, 1, 2, 1)
    assert posted_keys(fake) == {t2[0]: 1}  # T2 is served; T1 waits as a whole
    clock.advance(seconds=29)
    assert pacer.run_until_idle().handled == 0
    assert len(fake.calls("chat.postMessage")) == 2
    clock.advance(seconds=2)
    assert pacer.run_until_idle().sent == 3
    assert posted_keys(fake) == dict.fromkeys(t1 + t2, 1)
    assert statuses(db) == {"sent": 4}


def test_many_429s_lose_nothing(db, fake, queue, sender, clock):
    keys = queue("T1", 5)
    fake.fail("chat.postMessage", status=429, retry_after=10, times=12)

    settle(sender(), clock)

    assert posted_keys(fake) == dict.fromkeys(keys, 1)
    assert statuses(db) == {"sent": 5}


def test_a_500_that_posted_nothing_is_looked_up_in_the_dm_and_then_sent_once(db, fake, queue, sender, clock):
    [key] = queue("T1", 1)
    fake.fail("chat.postMessage", status=500)
    pacer = sender()

    assert pacer.deliver_due().reconciling == 1
    assert pacer.run_until_idle().handled == 0  # Slack may still be posting it: wait before looking
    assert fake.calls("conversations.history") == []
    clock.advance(seconds=31)
    report = pacer.run_until_idle()

    assert (report.resent, report.sent, report.found) == (1, 1, 0)
    assert fake.last("conversations.open").args["users"] == rep("T1", 0)
    assert fake.last("conversations.history").args["include_all_metadata"] in ("1", "true", True)
    assert posted_keys(fake) == {key: 1}
    assert rows(db)[key].status == "sent"


def test_a_500_after_slack_posted_is_found_in_the_dm_history_and_not_sent_again(db, fake, queue, sender, clock):
    [key] = queue("T1", 1)
    fake.fail("chat.postMessage", status=500, applied=True)
    pacer = sender()
    pacer.deliver_due()
    clock.advance(seconds=31)

    report = pacer.run_until_idle()

    assert (report.found, report.sent, report.resent) == (1, 0, 0)
    assert len(fake.calls("chat.postMessage")) == 1
    [message] = fake.messages(rep("T1", 0))
    assert rows(db)[key].ts == message["ts"] and rows(db)[key].status == "sent"


def test_a_read_timeout_after_slack_posted_is_found_and_not_sent_again(db, fake, queue, sender, clock):
    [key] = queue("T1", 1)
    fake.fail("chat.postMessage", hang=3)
    pacer = sender(timeout=1)

    assert pacer.deliver_due().reconciling == 1
    assert "read timeout" in (rows(db)[key].error or "")
    settle(pacer, clock)

    assert posted_keys(fake) == {key: 1}
    assert len(fake.calls("chat.postMessage")) == 1
    assert rows(db)[key].status == "sent"


def test_a_connection_reset_is_reconciled_whether_or_not_slack_posted(db, fake, queue, sender, clock):
    lost, posted = queue("T1", 2)
    fake.fail("chat.postMessage", reset=True)
    fake.fail("chat.postMessage", reset=True, applied=True)

    settle(sender(), clock)

    assert posted_keys(fake) == {lost: 1, posted: 1}
    assert len(fake.calls("chat.postMessage")) == 3  # two resets, one resend of the message Slack never had
    assert statuses(db) == {"sent": 2}


def test_a_connection_refused_before_sending_is_retried_with_backoff(db, fake, queue, sender, clock):
    [key] = queue("T1", 1)
    pacer = sender()
    pacer.client = WebClient(token=fake.token, base_url="http://127.0.0.1:9/api/", timeout=1, retry_handlers=[])

    assert pacer.deliver_due().retried == 1
    assert rows(db)[key].status == "pending" and "before Slack had the message" in (rows(db)[key].error or "")
    pacer.client = WebClient(token=fake.token, base_url=fake.url, timeout=1, retry_handlers=[])
    assert pacer.run_until_idle().handled == 0  # backing off
    clock.advance(seconds=3)

    assert pacer.run_until_idle().sent == 1
    assert posted_keys(fake) == {key: 1}


def test_a_channel_post_that_slack_may_have_made_is_unknown_and_counted_for_the_operator(
    db, fake, queue, sender, caplog
):
    [key] = queue("T1", 1, channel="CWINS0001")
    fake.fail("chat.postMessage", status=503)

    with caplog.at_level(logging.WARNING, logger="bot.outbox"):
        report = sender().deliver_due()

    assert (report.unknown, report.unknown_total) == (1, 1)
    assert rows(db)[key].status == "unknown" and "may have posted" in (rows(db)[key].error or "")
    assert any("1 unknown in all" in r.getMessage() for r in caplog.records)
    with db.reading() as session:
        assert outbox.counts(session) == {"unknown": 1}
    assert fake.calls("conversations.history") == []


def test_a_slack_error_fails_the_message_with_that_error(db, fake, queue, sender):
    [key] = queue("T1", 1)
    fake.fail("chat.postMessage", error="user_disabled")

    assert sender().run_until_idle().failed == 1
    assert (rows(db)[key].status, rows(db)[key].error) == ("failed", "user_disabled")


def test_a_dm_whose_history_cannot_be_read_stays_unknown_rather_than_being_resent(db, fake, queue, sender, clock):
    [key] = queue("T1", 1)
    fake.fail("chat.postMessage", status=500)
    fake.fail("conversations.history", error="missing_scope")

    settle(sender(), clock)

    assert rows(db)[key].status == "unknown" and "missing_scope" in (rows(db)[key].error or "")
    assert len(fake.calls("chat.postMessage")) == 1


def test_history_lookups_that_keep_failing_end_unknown(db, fake, queue, sender, clock):
    [key] = queue("T1", 1)
    fake.fail("chat.postMessage", status=500, applied=True)
    fake.fail("conversations.history", status=500, times=MAX_CHECKS)

    settle(sender(), clock, minutes=60)

    assert rows(db)[key].status == "unknown" and len(fake.calls("conversations.history")) == MAX_CHECKS
    assert len(fake.calls("chat.postMessage")) == 1


def test_a_history_lookup_that_fails_once_is_tried_again_and_finds_the_message(db, fake, queue, sender, clock):
    [key] = queue("T1", 1)
    fake.fail("chat.postMessage", status=502, applied=True)
    fake.fail("conversations.history", status=429, retry_after=20)
    fake.fail("conversations.history", reset=True)

    settle(sender(), clock)

    assert rows(db)[key].status == "sent" and posted_keys(fake) == {key: 1}
    assert len(fake.calls("chat.postMessage")) == 1


def test_a_claim_abandoned_before_posting_is_checked_and_sent_once(db, fake, queue, sender, clock):
    [key] = queue("T1", 1)
    with db.transaction() as session:  # a sender claims it, then dies before posting
        assert len(outbox.claim_due(session, now=clock())) == 1
    pacer = sender()
    clock.advance(minutes=1)
    assert pacer.run_until_idle().handled == 0  # still claimed

    clock.advance(minutes=2)
    assert pacer.run_until_idle().handled == 0  # claim expired: wait for Slack to settle, then look
    assert rows(db)[key].status == "reconcile" and fake.calls("conversations.history") == []
    clock.advance(seconds=31)
    report = pacer.run_until_idle()

    assert (report.resent, report.sent) == (1, 1)
    assert posted_keys(fake) == {key: 1}
    assert rows(db)[key].status == "sent"


def test_a_claim_abandoned_after_posting_is_found_and_not_sent_again(db, fake, queue, sender, clock):
    [key] = queue("T1", 1)
    with db.transaction() as session:  # a sender claims it, posts it, and dies before recording it
        [claim] = outbox.claim_due(session, now=clock())
    client = WebClient(token=fake.token, base_url=fake.url, retry_handlers=[])
    posted = client.chat_postMessage(
        channel=claim.channel, text="hi", metadata={"event_type": EVENT_TYPE, "event_payload": {"key": key}}
    )
    clock.advance(minutes=3)

    settle(sender(), clock)

    assert len(fake.calls("chat.postMessage")) == 1
    assert (rows(db)[key].status, rows(db)[key].ts) == ("sent", posted["ts"])


def test_no_workspace_gets_more_than_its_budget_in_a_minute_even_from_two_senders(fake, queue, sender, clock):
    t1 = queue("T1", 12)
    t2 = queue("T2", 3)
    fake.rate_limit("chat.postMessage", per_minute=5)
    senders = [sender(per_minute=5, batch=2), sender(per_minute=5, batch=2)]

    def run_both() -> None:
        threads = [threading.Thread(target=s.run_until_idle) for s in senders]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    per_minute = []
    for _ in range(3):
        before = posted_keys(fake)
        run_both()
        per_minute.append(_new_posts(before, posted_keys(fake), t1, t2))
        clock.advance(seconds=60)

    assert per_minute == [(5, 3), (5, 0), (2, 0)]
    assert [c.outcome for c in fake.calls("chat.postMessage")] == ["ok"] * 15  # never a 429
    assert posted_keys(fake) == dict.fromkeys(t1 + t2, 1)


def _new_posts(before, after, t1, t2):
    new = after - before
    return sum(new[k] for k in t1), sum(new[k] for k in t2)


def test_the_budget_is_a_sliding_minute(queue, sender, clock):
    queue("T1", 10)
    pacer = sender(per_minute=4)
    assert pacer.run_until_idle().sent == 4
    clock.advance(seconds=59)
    assert pacer.run_until_idle().sent == 0
    clock.advance(seconds=2)
    assert pacer.run_until_idle().sent == 4


def test_two_senders_in_threads_never_post_one_message_twice(db, fake, queue, sender):
    keys = queue("T1", 30) + queue("T2", 30)
    senders = [sender(batch=3) for _ in range(4)]
    threads = [threading.Thread(target=s.run_until_idle) for s in senders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert posted_keys(fake) == dict.fromkeys(keys, 1)
    assert len(fake.calls("chat.postMessage")) == 60
    assert statuses(db) == {"sent": 60}


def test_a_sender_whose_claim_would_run_out_gives_the_rest_back_unposted(db, fake, queue, sender, clock):
    queue("T1", 3)
    pacer = sender(claim_for=timedelta(seconds=8), claim_margin=timedelta(seconds=2), timeout=1)
    real_post = pacer._post

    def slow_post(claim):
        clock.advance(seconds=3)  # each post takes 3 s of the 8 s claim
        return real_post(claim)

    pacer._post = slow_post  # type: ignore[method-assign]
    report = pacer.deliver_due()

    assert (report.sent, report.deferred) == (2, 1)
    assert statuses(db) == {"sent": 2, "pending": 1}
    assert len(fake.calls("chat.postMessage")) == 2


def test_a_client_that_retries_on_its_own_is_refused(db, fake, clock):
    with pytest.raises(ValueError, match="retry_handlers"):
        OutboxSender(db=db, client=WebClient(token=fake.token, base_url=fake.url), clock=clock)


def test_a_429_seen_by_one_sender_holds_back_every_sender_of_that_workspace(fake, queue, sender, clock):
    t1 = queue("T1", 4)
    fake.fail("chat.postMessage", status=429, retry_after=20)
    first, second = sender(batch=1), sender()

    assert first.deliver_due().throttled == 1
    assert second.run_until_idle().handled == 0  # the pause is in the database, not in the first sender
    assert len(fake.calls("chat.postMessage")) == 1
    clock.advance(seconds=21)

    assert second.run_until_idle().sent == 4
    assert posted_keys(fake) == dict.fromkeys(t1, 1)


def test_a_queued_messages_fallback_text_is_escaped_on_its_way_to_slack(db, fake, workspaces, sender, clock):
    payload = {"text": "<!channel> Acme & Co <@U123> won", "blocks": [{"type": "divider"}]}
    with db.transaction() as session:
        outbox.enqueue(
            session,
            workspace_id=workspaces["T1"],
            key="win:1",
            kind="win",
            channel=rep("T1", 0),
            payload=payload,
            now=clock(),
        )

    assert sender().run_until_idle().sent == 1

    [post] = fake.calls("chat.postMessage")
    assert post.args["text"] == "&lt;!channel&gt; Acme &amp; Co &lt;@U123&gt; won"
    assert rows(db)["win:1"].payload == payload  # stored as plain text, escaped once when sent
