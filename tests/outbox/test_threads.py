"""Group DMs and thread replies through the outbox: opened once, in order, never posted twice."""

from __future__ import annotations

import threading

import pytest

from bot.outbox import EVENT_TYPE
from bot.store import outbox
from tests.outbox.helpers import posted_keys, rep, rows, settle, statuses

REP, MANAGER = rep("T1", 0), rep("T1", 1)


@pytest.fixture
def put(db, clock, workspaces):
    """put("key", channel=..., reply_to=...) queues one check-in message in T1 (or `team`)."""

    def enqueue(key, *, channel=None, reply_to=None, team="T1"):
        with db.transaction() as session:
            return outbox.enqueue(
                session,
                workspace_id=workspaces[team],
                key=key,
                kind="checkin",
                channel=channel,
                payload={"text": f"message {key}"},
                now=clock(),
                reply_to=reply_to,
            )

    return enqueue


def texts(messages):
    return [m["text"] for m in messages]


def test_a_group_message_opens_the_conversation_once_and_the_next_to_the_same_people_reuses_it(db, fake, put, sender):
    put("first", channel=f"{MANAGER},{REP}")  # any order: stored sorted
    pacer = sender()
    assert pacer.run_until_idle().sent == 1
    put("second", channel=outbox.group(REP, MANAGER))
    assert pacer.run_until_idle().sent == 1

    group_dm = fake.group_channel(REP, MANAGER)
    [opened] = fake.calls("conversations.open")
    assert opened.args["users"] == f"{REP},{MANAGER}"
    assert [c.args["channel"] for c in fake.calls("chat.postMessage")] == [group_dm, group_dm]
    assert texts(fake.messages(group_dm)) == ["message first", "message second"]
    assert {k: (m.status, m.conversation, m.channel) for k, m in rows(db).items()} == {
        "first": ("sent", group_dm, f"{REP},{MANAGER}"),
        "second": ("sent", group_dm, f"{REP},{MANAGER}"),
    }


def test_a_reply_waits_for_its_parent_and_is_posted_in_its_thread_in_the_parents_conversation(
    db, fake, put, sender, clock
):
    put("parent", channel=outbox.group(REP, MANAGER))
    put("reply", reply_to="parent")
    fake.fail("chat.postMessage", error="service_unavailable")  # the parent must wait a little
    pacer = sender()

    assert pacer.run_until_idle().retried == 1
    assert statuses(db) == {"pending": 2} and len(fake.calls("chat.postMessage")) == 1  # the reply waited
    clock.advance(seconds=3)
    assert pacer.run_until_idle().sent == 2

    group_dm = fake.group_channel(REP, MANAGER)
    parent_ts = rows(db)["parent"].ts
    last = fake.last("chat.postMessage").args
    assert (last["channel"], last["thread_ts"], last["text"]) == (group_dm, parent_ts, "message reply")
    assert texts(fake.messages(group_dm)) == ["message parent", "message reply"]
    assert texts(fake.thread(group_dm, parent_ts)) == ["message reply"]
    assert rows(db)["reply"].conversation == group_dm and rows(db)["reply"].status == "sent"


def test_a_reply_to_a_dm_is_posted_in_the_dms_thread(db, fake, put, sender):
    put("nudge", channel=REP)
    put("more", reply_to="nudge")

    assert sender().run_until_idle().sent == 2

    dm = fake.dm_channel(REP)
    assert texts(fake.thread(dm, rows(db)["nudge"].ts)) == ["message more"]


def test_replies_keep_their_queued_order_with_two_senders(db, fake, put, sender, clock):
    threads = {}
    for team in ("T1", "T2"):
        for n in range(4):
            parent = f"{team}:checkin:{n}"
            put(parent, channel=outbox.group(rep(team, 2 * n), rep(team, 2 * n + 1)), team=team)
            threads[parent] = [f"{parent}:reply:{r}" for r in range(4)]
            for reply in threads[parent]:
                put(reply, reply_to=parent, team=team)
    fake.fail("chat.postMessage", hang=0.01, times=40)  # each post takes a moment: the senders overlap
    senders = [sender(batch=3), sender(batch=3)]

    for _ in range(40):
        running = [threading.Thread(target=s.run_until_idle) for s in senders]
        for thread in running:
            thread.start()
        for thread in running:
            thread.join()
        if statuses(db) == {"sent": 40}:
            break
        clock.advance(seconds=1)

    assert statuses(db) == {"sent": 40}
    assert posted_keys(fake) == dict.fromkeys([*threads, *(r for replies in threads.values() for r in replies)], 1)
    stored = rows(db)
    for parent, replies in threads.items():
        in_thread = fake.thread(stored[parent].conversation, stored[parent].ts)
        assert [m["metadata"]["event_payload"]["key"] for m in in_thread] == replies


def test_a_reply_whose_parent_failed_fails_naming_the_parent_and_is_never_posted(db, fake, put, sender):
    put("parent", channel=outbox.group(REP, MANAGER))
    put("reply:1", reply_to="parent")
    put("reply:2", reply_to="parent")
    fake.fail("chat.postMessage", error="channel_not_found")

    report = sender().run_until_idle()

    assert report.failed == 1 and report.sent == 0
    assert len(fake.calls("chat.postMessage")) == 1  # the parent's attempt, nothing at the top level
    for key in ("reply:1", "reply:2"):
        assert rows(db)[key].status == "failed" and "parent" in (rows(db)[key].error or "")
    assert fake.posted() == []


def test_a_reply_whose_parent_ended_unknown_fails_too(db, fake, put, sender):
    put("parent", channel="CWINS0001")  # a channel post can't be looked up: a 503 leaves it unknown
    put("reply", reply_to="parent")
    fake.fail("chat.postMessage", status=503)

    sender().run_until_idle()

    assert (rows(db)["parent"].status, rows(db)["reply"].status) == ("unknown", "failed")
    assert len(fake.calls("chat.postMessage")) == 1


def test_an_ambiguous_reply_that_slack_posted_is_found_in_the_thread_and_not_posted_twice(db, fake, put, sender, clock):
    put("parent", channel=outbox.group(REP, MANAGER))
    put("reply", reply_to="parent")
    fake.fail("chat.postMessage", status=500, applied=True, after=1)  # the parent goes through
    pacer = sender()

    first = pacer.run_until_idle()
    assert (first.sent, first.reconciling) == (1, 1)
    clock.advance(seconds=31)
    report = pacer.run_until_idle()

    group_dm, parent_ts = fake.group_channel(REP, MANAGER), rows(db)["parent"].ts
    assert (report.found, report.sent, report.resent) == (1, 0, 0)
    looked = fake.last("conversations.replies").args
    assert (looked["channel"], looked["ts"]) == (group_dm, parent_ts)
    assert len(fake.calls("chat.postMessage")) == 2 and fake.calls("conversations.history") == []
    [posted] = fake.thread(group_dm, parent_ts)
    assert posted["metadata"] == {"event_type": EVENT_TYPE, "event_payload": {"key": "reply", "kind": "checkin"}}
    assert (rows(db)["reply"].status, rows(db)["reply"].ts) == ("sent", posted["ts"])


def test_an_ambiguous_reply_slack_never_posted_is_sent_again_in_the_thread_before_the_next_reply(
    db, fake, put, sender, clock
):
    put("parent", channel=outbox.group(REP, MANAGER))
    put("reply:1", reply_to="parent")
    put("reply:2", reply_to="parent")
    fake.fail("chat.postMessage", status=500, after=1)

    settle(sender(), clock)

    group_dm, parent_ts = fake.group_channel(REP, MANAGER), rows(db)["parent"].ts
    assert texts(fake.thread(group_dm, parent_ts)) == ["message reply:1", "message reply:2"]
    assert posted_keys(fake) == {"parent": 1, "reply:1": 1, "reply:2": 1}
    assert statuses(db) == {"sent": 3}


def test_an_ambiguous_group_message_is_found_in_the_group_dm_history_and_not_posted_twice(db, fake, put, sender, clock):
    put("parent", channel=outbox.group(REP, MANAGER))
    fake.fail("chat.postMessage", reset=True, applied=True)

    settle(sender(), clock)

    group_dm = fake.group_channel(REP, MANAGER)
    assert fake.last("conversations.history").args["channel"] == group_dm
    assert len(fake.calls("chat.postMessage")) == 1 and len(fake.calls("conversations.open")) == 1
    [message] = fake.messages(group_dm)
    assert (rows(db)["parent"].status, rows(db)["parent"].ts) == ("sent", message["ts"])


def test_a_429_opening_a_group_dm_pauses_the_whole_workspace(fake, put, queue, sender, clock):
    put("checkin", channel=outbox.group(REP, MANAGER))
    nudges = queue("T1", 2, first=5)
    fake.fail("conversations.open", status=429, retry_after=30)
    pacer = sender(workers=1)

    first = pacer.deliver_due()

    assert (first.throttled, first.deferred) == (1, 2)
    assert fake.calls("chat.postMessage") == []
    clock.advance(seconds=29)
    assert pacer.run_until_idle().handled == 0
    clock.advance(seconds=2)
    assert pacer.run_until_idle().sent == 3
    assert posted_keys(fake) == dict.fromkeys(["checkin", *nudges], 1)


def test_a_429_on_a_reply_pauses_the_whole_workspace_and_the_reply_still_goes_in_the_thread(
    db, fake, put, queue, sender, clock
):
    put("parent", channel=outbox.group(REP, MANAGER))
    assert sender().run_until_idle().sent == 1
    put("reply", reply_to="parent")
    nudges = queue("T1", 2, first=5)
    fake.fail("chat.postMessage", status=429, retry_after=20)
    pacer = sender(workers=1)

    assert pacer.deliver_due().throttled == 1
    assert len(fake.calls("chat.postMessage")) == 2  # the parent, and the reply's 429: the nudges wait
    clock.advance(seconds=21)
    assert pacer.run_until_idle().sent == 3

    group_dm = fake.group_channel(REP, MANAGER)
    assert texts(fake.thread(group_dm, rows(db)["parent"].ts)) == ["message reply"]
    assert posted_keys(fake) == dict.fromkeys(["parent", "reply", *nudges], 1)


def test_a_group_whose_dm_cannot_be_opened_fails_with_slacks_error(db, fake, put, sender):
    put("checkin", channel=outbox.group(REP, MANAGER))
    fake.fail("conversations.open", error="user_disabled")

    assert sender().run_until_idle().failed == 1
    assert rows(db)["checkin"].status == "failed" and "user_disabled" in (rows(db)["checkin"].error or "")
    assert fake.calls("chat.postMessage") == []


# --- rewrites (chat.update) ---------------------------------------------------------------------------


@pytest.fixture
def rewrite(db, clock, workspaces):
    """rewrite("key", of="parent", text=...) queues a chat.update of an earlier message."""

    def enqueue(key, *, of, text):
        with db.transaction() as session:
            return outbox.enqueue(
                session,
                workspace_id=workspaces["T1"],
                key=key,
                kind="checkin",
                channel=None,
                payload=outbox.rewrite({"text": text}),
                now=clock(),
                reply_to=of,
            )

    return enqueue


def test_a_rewrite_updates_its_message_in_place_after_it_is_posted_and_posts_nothing(db, fake, put, rewrite, sender):
    put("parent", channel=outbox.group(REP, MANAGER))
    rewrite("parent@1", of="parent", text="status: self-review in")
    assert sender().run_until_idle().sent == 2

    group_dm = fake.group_channel(REP, MANAGER)
    parent_ts = rows(db)["parent"].ts
    [update] = fake.calls("chat.update")
    assert (update.args["channel"], update.args["ts"], update.args["text"]) == (
        group_dm,
        parent_ts,
        "status: self-review in",
    )
    assert "op" not in update.args
    assert len(fake.calls("chat.postMessage")) == 1
    assert texts(fake.messages(group_dm)) == ["status: self-review in"]
    assert rows(db)["parent@1"].status == "sent" and rows(db)["parent@1"].ts is None  # it posted nothing of its own


def test_rewrites_and_replies_of_one_parent_go_in_the_order_they_were_queued(fake, put, rewrite, sender):
    put("parent", channel=outbox.group(REP, MANAGER))
    put("reply", reply_to="parent")
    rewrite("parent@1", of="parent", text="first status")
    rewrite("parent@2", of="parent", text="second status")
    sender().run_until_idle()

    assert [c.method for c in fake.calls() if c.method in ("chat.postMessage", "chat.update")] == [
        "chat.postMessage",
        "chat.postMessage",
        "chat.update",
        "chat.update",
    ]
    assert [c.args["text"] for c in fake.calls("chat.update")] == ["first status", "second status"]
    assert texts(fake.messages(fake.group_channel(REP, MANAGER))) == ["second status", "message reply"]


def test_a_reply_can_be_rewritten_though_threads_are_one_level_deep(db, fake, put, rewrite, sender):
    put("parent", channel=outbox.group(REP, MANAGER))
    put("reply", reply_to="parent")
    rewrite("reply@1", of="reply", text="the reply, edited")
    sender().run_until_idle()

    group_dm = fake.group_channel(REP, MANAGER)
    assert fake.last("chat.update").args["ts"] == rows(db)["reply"].ts
    assert texts(fake.thread(group_dm, rows(db)["parent"].ts)) == ["the reply, edited"]


def test_a_rewrite_that_meets_a_5xx_is_tried_again_and_updates_once_slack_recovers(
    db, fake, put, rewrite, sender, clock
):
    put("parent", channel=outbox.group(REP, MANAGER))
    rewrite("parent@1", of="parent", text="new status")
    fake.fail("chat.update", status=500)
    pacer = sender()
    report = pacer.run_until_idle()
    assert (report.sent, report.retried, report.unknown) == (1, 1, 0)
    assert rows(db)["parent@1"].status == "pending"
    clock.advance(seconds=5)
    assert pacer.run_until_idle().sent == 1
    assert texts(fake.messages(fake.group_channel(REP, MANAGER))) == ["new status"]


def test_a_rewrite_of_a_message_that_failed_fails_and_slack_is_not_asked(db, fake, put, rewrite, sender):
    put("parent", channel=outbox.group(REP, MANAGER))
    rewrite("parent@1", of="parent", text="new status")
    fake.fail("chat.postMessage", error="channel_not_found")
    sender().run_until_idle()
    assert rows(db)["parent"].status == "failed" and rows(db)["parent@1"].status == "failed"
    assert fake.calls("chat.update") == []


def test_a_rewrite_must_name_the_message_it_rewrites(db, clock, workspaces):
    with db.transaction() as session, pytest.raises(ValueError, match="reply_to must name"):
        outbox.enqueue(
            session,
            workspace_id=workspaces["T1"],
            key="loose",
            kind="checkin",
            channel=outbox.group(REP, MANAGER),
            payload=outbox.rewrite({"text": "x"}),
            now=clock(),
        )


def test_a_rewritten_message_keeps_the_metadata_naming_its_own_key(db, fake, put, rewrite, sender):
    put("parent", channel=outbox.group(REP, MANAGER))
    rewrite("parent@1", of="parent", text="new status")
    sender().run_until_idle()
    [message] = fake.messages(fake.group_channel(REP, MANAGER))
    assert message["metadata"] == {"event_type": EVENT_TYPE, "event_payload": {"key": "parent", "kind": "checkin"}}
    assert rows(db)["parent@1"].status == "sent"
