"""Queueing group and thread messages: normalised, checked, and each key at most once."""

from __future__ import annotations

import pytest

from bot.store import outbox
from tests.outbox.helpers import rep, rows

REP, MANAGER = rep("T1", 0), rep("T1", 1)


def test_a_group_is_its_people_sorted_without_repeats_and_one_person_is_their_dm():
    assert outbox.group("U02", "W01", "U02") == "U02,W01"
    assert outbox.group("U01") == "U01"
    for bad in ((), ("C0123",), tuple(f"U{n:03d}" for n in range(9)), ("U01,U02",)):
        with pytest.raises(ValueError, match="user ids"):
            outbox.group(*bad)


def test_replies_take_their_parents_channel_and_each_key_is_queued_once(db, clock, workspaces):
    with db.transaction() as session:
        args = {"session": session, "workspace_id": workspaces["T1"], "kind": "checkin", "now": clock()}
        assert outbox.enqueue(key="parent", channel=f"{MANAGER},{REP}", payload={"text": "p"}, **args)
        assert not outbox.enqueue(key="parent", channel=REP, payload={"text": "again"}, **args)
        inserted = outbox.enqueue_many(
            messages=[
                ("r1", None, {"text": "1"}, "parent"),
                ("r2", outbox.group(REP, MANAGER), {"text": "2"}, "parent"),
            ],
            **{k: v for k, v in args.items() if k != "session"},
            session=session,
        )
        again = outbox.enqueue_many(messages=[("r1", None, {"text": "1"}, "parent")], **args)

    assert (inserted, again) == ({"r1", "r2"}, set())
    stored = rows(db)
    assert {k: (m.channel, m.reply_to) for k, m in stored.items()} == {
        "parent": (f"{REP},{MANAGER}", None),
        "r1": (f"{REP},{MANAGER}", "parent"),
        "r2": (f"{REP},{MANAGER}", "parent"),
    }
    assert stored["r1"].id < stored["r2"].id and stored["parent"].payload == {"text": "p"}


@pytest.mark.parametrize(
    ("key", "channel", "reply_to", "problem"),
    [
        ("orphan", None, "nowhere", "not queued in this workspace"),
        ("deeper", None, "reply", "itself a reply"),
        ("elsewhere", "C0OTHER", "parent", "not in C0OTHER"),
        ("nowhere", None, None, "no channel"),
    ],
)
def test_a_reply_must_name_a_queued_top_level_message_and_its_conversation(
    db, clock, workspaces, key, channel, reply_to, problem
):
    with db.transaction() as session:
        args = {"session": session, "workspace_id": workspaces["T1"], "kind": "checkin", "now": clock()}
        outbox.enqueue(key="parent", channel=outbox.group(REP, MANAGER), payload={"text": "p"}, **args)
        outbox.enqueue(key="reply", channel=None, payload={"text": "r"}, reply_to="parent", **args)
        with pytest.raises(ValueError, match=problem):
            outbox.enqueue(key=key, channel=channel, payload={"text": "x"}, reply_to=reply_to, **args)


def test_a_reply_cannot_name_a_parent_of_another_workspace(db, clock, workspaces):
    with db.transaction() as session:
        now = clock()
        outbox.enqueue(
            session, workspace_id=workspaces["T2"], key="parent", kind="checkin", channel="U1", payload={}, now=now
        )
        with pytest.raises(ValueError, match="not queued in this workspace"):
            outbox.enqueue_many(
                session, workspace_id=workspaces["T1"], kind="checkin", messages=[("r", None, {}, "parent")], now=now
            )
