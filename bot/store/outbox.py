"""The outbox table: messages owed to Slack, claimed by one sender at a time, paced per workspace.

Pacing lives here, in the database, so every sender of every process shares one budget per
workspace: a message counts against its workspace's budget from the moment it is claimed for
posting (`attempted_at`), over a sliding minute; a 429 stamps `throttled_until` on the row that
got it, and no row of that workspace is claimed before then.

Claims on PostgreSQL: a transaction-scoped advisory lock per workspace serialises the "count the
budget, then claim" step (held for the milliseconds of one claim), and the rows themselves are
taken with `FOR UPDATE SKIP LOCKED`. SQLite has one writer at a time
(`BEGIN IMMEDIATE`), which serialises the same step.

Addressing: `channel` is a channel id, a user id (the DM with them), or a group of people
(`group("U2", "U1")` → "U1,U2") whose private group DM the sender opens with `conversations.open`
and records in `conversation`; later messages to the same people reuse that id.

Thread replies (`reply_to` = the parent's key, same workspace): a reply is claimed only once its
parent is `sent` with a ts, and once every earlier reply to that parent (lower id) has ended
(`sent`, `failed` or `unknown`) — so replies reach the thread in the order they were queued, whatever
the number of senders. A reply whose parent ended without a ts (`failed`, `unknown`) fails itself
and is never posted at the top level.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import and_, bindparam, exists, func, or_, text, true, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from bot.store.common import insert_ignoring_conflict
from bot.store.direct import Tx
from bot.store.tables import OutboxMessage, Workspace

CLAIM_FOR = timedelta(minutes=2)
PACING_WINDOW = timedelta(minutes=1)
#: Slack allows chat.postMessage "several hundred per minute" per workspace; stay well inside.
DEFAULT_PER_MINUTE = 180
#: Ambiguous messages checked against the DM history per workspace and pass.
CHECKS_PER_PASS = 10
#: Hashed (with the schema) into the first key of the two-integer PostgreSQL advisory lock taken
#: while claiming for a workspace; the second is the workspace id. Two-integer keys never collide
#: with single-bigint ones.
ADVISORY_LOCK_NAME = "pacer.outbox:"

#: Statuses a message can end in; everything else is still in flight.
FINAL = ("sent", "failed", "unknown")
#: A payload's "op" for a message that rewrites another (see `rewrite`).
UPDATE = "update"


#: Slack's conversations.open takes at most 8 people besides the caller.
MAX_GROUP = 8
_USER_ID = re.compile(r"[UW][A-Z0-9]{2,20}")


def group(*users: str) -> str:
    """The `channel` of the private group DM of `users` and the bot: their ids sorted and
    comma-separated, as `conversations.open(users=...)` takes them. One person is their DM."""
    people = sorted(set(users))
    if not people or len(people) > MAX_GROUP or not all(_USER_ID.fullmatch(u) for u in people):
        raise ValueError(f"a group conversation is 1 to {MAX_GROUP} user ids (U… or W…), not {users!r}")
    return ",".join(people)


def rewrite(payload: dict[str, Any]) -> dict[str, Any]:
    """The payload of a message that rewrites an earlier one (`chat.update`) instead of posting.

    Queue it with `reply_to` = the key of the message to rewrite (a parent or a reply): it is sent
    once that message has its ts, after every earlier update of it, in its conversation. Rewriting a
    message with the same content twice changes nothing, so an ambiguous failure is simply retried.
    Give the whole new message (text and blocks), not a difference."""
    return {**payload, "op": UPDATE}


def is_rewrite(payload: dict[str, Any]) -> bool:
    return payload.get("op") == UPDATE


def is_group(channel: str) -> bool:
    """A group of people (see `group`), opened as a group DM before posting."""
    return "," in channel


def _normalised(channel: str) -> str:
    return group(*channel.split(",")) if is_group(channel) else channel


def can_reconcile(channel: str) -> bool:
    """Messages to a user (posted to the DM) or a group of people (the group DM) can be looked up
    in the conversation's history (or, for a thread reply, the thread) afterwards.

    Channel posts cannot: reading a channel's history needs channels:history, which lets the bot
    read every message of every channel it is in — too much to ask for a rare ambiguity.
    """
    return channel[:1] in ("U", "W", "D") or is_group(channel)


@dataclass(frozen=True)
class Claim:
    """One claimed row: `purpose` is "post" (send it) or "check" (look for it in the DM history).

    `conversation` is where it goes or went: recorded by an earlier attempt, the group DM an earlier
    message to the same people was posted in, or, for a reply, the parent's. `thread_ts` is the
    parent's ts for a reply (None otherwise)."""

    id: int
    workspace_id: int
    team_id: str
    key: str
    kind: str
    channel: str
    payload: dict[str, Any]
    attempts: int
    checks: int
    created_at: datetime
    conversation: str | None
    claimed_until: datetime
    purpose: str
    reply_to: str | None = None
    thread_ts: str | None = None


@dataclass(frozen=True)
class Expired:
    reconcile: int = 0
    unknown: int = 0


def enqueue(
    session: Tx,
    *,
    workspace_id: int,
    key: str,
    kind: str,
    channel: str | None,
    payload: dict[str, Any],
    now: datetime,
    not_before: datetime | None = None,
    reply_to: str | None = None,
) -> bool:
    """Queue a message once per (workspace, key); False when that key was already queued.

    `channel`: a channel id, a user id, or a group of people (`group(...)`; normalised here).
    `reply_to`: the key of a message already queued in this workspace (not itself a reply): this
    one goes in its thread, in its conversation. A reply's `channel` may be None (the parent's);
    given, it must be the parent's."""
    [row] = _rows(session, workspace_id, kind, [(key, channel, payload, reply_to)], now=now, not_before=not_before)
    return insert_ignoring_conflict(session, OutboxMessage, row, ["workspace_id", "key"])


#: (key, channel, payload) or (key, channel, payload, reply_to); see `enqueue`.
Outgoing = tuple[str, str | None, dict[str, Any]] | tuple[str, str | None, dict[str, Any], str | None]


def _rows(
    session: Tx,
    workspace_id: int,
    kind: str,
    messages: Sequence[Outgoing],
    *,
    now: datetime,
    not_before: datetime | None = None,
) -> list[dict[str, Any]]:
    """Rows for (key, channel, payload[, reply_to]) messages, replies checked against their parents."""
    wanted = {m[3] for m in messages if len(m) > 3 and m[3] is not None}
    parents = _parents(session, workspace_id, wanted)
    rows = []
    for message in messages:
        key, channel, payload = message[0], message[1], message[2]
        reply_to = message[3] if len(message) > 3 else None
        if reply_to is not None:
            parent = parents.get(reply_to)
            if parent is None:
                raise ValueError(f"{key!r} replies to {reply_to!r}, which is not queued in this workspace")
            parent_channel, parent_reply_to = parent
            if parent_reply_to is not None and not is_rewrite(payload):
                raise ValueError(f"{key!r} replies to {reply_to!r}, itself a reply: threads are one level deep")
            if channel is not None and _normalised(channel) != parent_channel:
                raise ValueError(f"{key!r} replies to {reply_to!r} in {parent_channel}, not in {channel}")
            channel = parent_channel
        if channel is None:
            raise ValueError(f"{key!r} has no channel: only a reply takes its parent's")
        if is_rewrite(payload) and reply_to is None:
            raise ValueError(f"{key!r} is an update: reply_to must name the message it rewrites")
        row = _row(workspace_id, key, kind, _normalised(channel), payload, now=now, not_before=not_before)
        row["reply_to"] = reply_to
        rows.append(row)
    return rows


def _parents(session: Tx, workspace_id: int, keys: Iterable[str]) -> dict[str, tuple[str, str | None]]:
    """key → (channel, reply_to) of the queued messages among `keys` (500 keys per query)."""
    wanted = sorted(keys)
    found: dict[str, tuple[str, str | None]] = {}
    for start in range(0, len(wanted), 500):
        rows = session.connection().execute(
            select(OutboxMessage.key, OutboxMessage.channel, OutboxMessage.reply_to).where(
                col(OutboxMessage.workspace_id) == workspace_id, col(OutboxMessage.key).in_(wanted[start : start + 500])
            )
        )
        found.update({key: (channel, reply_to) for key, channel, reply_to in rows})
    return found


def _row(
    workspace_id: int,
    key: str,
    kind: str,
    channel: str,
    payload: dict[str, Any],
    *,
    now: datetime,
    not_before: datetime | None = None,
) -> dict[str, Any]:
    """A new outbox row's values (for Core inserts: every column without a database default)."""
    return {
        "workspace_id": workspace_id,
        "key": key,
        "kind": kind,
        "channel": channel,
        "payload": payload,
        "status": "pending",
        "attempts": 0,
        "checks": 0,
        "not_before": not_before or now,
        "created_at": now,
    }


def expire_abandoned(session: Session, *, now: datetime, check_after: timedelta = timedelta(0)) -> Expired:
    """Claims that outlived their sender (a crash, a kill).

    A post claim is ambiguous — the sender may have posted before it died: a DM is looked up in
    its history (status `reconcile`) `check_after` from now, once Slack has settled; a channel
    post becomes `unknown`. An abandoned history check is simply checked again.
    """
    abandoned = session.exec(
        select(OutboxMessage.id, OutboxMessage.channel).where(
            col(OutboxMessage.status) == "sending", col(OutboxMessage.claimed_until) < now
        )
    ).all()
    to_check = [message_id for message_id, channel in abandoned if can_reconcile(channel)]
    lost = [message_id for message_id, channel in abandoned if not can_reconcile(channel)]
    if to_check:
        session.exec(
            update(OutboxMessage)
            .where(col(OutboxMessage.id).in_(to_check), col(OutboxMessage.status) == "sending")
            .values(
                status="reconcile",
                claimed_until=None,
                not_before=now + check_after,
                error="the sender stopped mid-send: checking whether Slack posted it",
            )
        )
    if lost:
        session.exec(
            update(OutboxMessage)
            .where(col(OutboxMessage.id).in_(lost), col(OutboxMessage.status) == "sending")
            .values(status="unknown", claimed_until=None, error="the sender stopped mid-send: Slack may have posted it")
        )
    session.exec(
        update(OutboxMessage)
        .where(col(OutboxMessage.status) == "checking", col(OutboxMessage.claimed_until) < now)
        .values(status="reconcile", claimed_until=None, not_before=now)
    )
    return Expired(reconcile=len(to_check), unknown=len(lost))


def claim_due(
    session: Session,
    *,
    now: datetime,
    limit: int = 50,
    per_minute: int = DEFAULT_PER_MINUTE,
    claim_for: timedelta = CLAIM_FOR,
) -> list[Claim]:
    """Claim due messages within each workspace's budget, plus ambiguous ones to check.

    A workspace that is throttled (a 429's Retry-After has not passed) or whose budget for the
    last minute is spent is left for later; the others are served.
    """
    postgres = session.connection().dialect.name == "postgresql"
    claimed_until = now + claim_for
    claims: list[Claim] = []
    workspaces = session.exec(select(Workspace.id, Workspace.team_id).order_by(col(Workspace.id))).all()
    share = -(-limit // max(1, len(workspaces)))  # each workspace's fair part of this pass
    for workspace_id, team_id in workspaces:
        assert workspace_id is not None
        room = min(share, limit - len(claims))
        if room <= 0:
            break
        if postgres:
            _lock_workspace(session, workspace_id)
        checks = _claim(session, workspace_id, "reconcile", "checking", min(room, CHECKS_PER_PASS), now, claimed_until)
        claims += _claims(session, checks, team_id, "check", claimed_until)
        if throttled_until(session, workspace_id=workspace_id, now=now) is not None:
            continue
        orphaned_replies(session, workspace_id=workspace_id)
        budget = per_minute - sent_in_window(session, workspace_id=workspace_id, now=now)
        posts = _claim(session, workspace_id, "pending", "sending", min(room - len(checks), budget), now, claimed_until)
        claims += _claims(session, posts, team_id, "post", claimed_until)
    return claims


def _lock_workspace(session: Session, workspace_id: int) -> None:
    """Wait for (at most one other sender's few-millisecond claim on) this workspace's budget.

    Senders take these locks in workspace order, so they cannot deadlock. The key names the
    schema too, so databases in different schemas of one server (tests) never wait for each other.
    """
    statement = text("SELECT pg_advisory_xact_lock(hashtext(:name || current_schema()), CAST(:workspace AS integer))")
    session.connection().execute(statement, {"name": ADVISORY_LOCK_NAME, "workspace": workspace_id})


def _claim(
    session: Session,
    workspace_id: int,
    status: str,
    claimed_status: str,
    count: int,
    now: datetime,
    claimed_until: datetime,
) -> list[int]:
    if count <= 0:
        return []
    ids = list(
        session.exec(
            select(OutboxMessage.id)
            .where(
                col(OutboxMessage.workspace_id) == workspace_id,
                col(OutboxMessage.status) == status,
                col(OutboxMessage.not_before) <= now,
                _thread_ready() if status == "pending" else true(),
            )
            .order_by(col(OutboxMessage.not_before), col(OutboxMessage.id))
            .limit(count)
            .with_for_update(skip_locked=True)
        ).all()
    )
    if not ids:
        return []
    values: dict[str, Any] = {"status": claimed_status, "claimed_until": claimed_until}
    if claimed_status == "sending":
        values.update(attempted_at=now, attempts=OutboxMessage.attempts + 1)
    else:
        values.update(checks=OutboxMessage.checks + 1)
    claimed = session.exec(
        update(OutboxMessage)
        .where(col(OutboxMessage.id).in_(ids), col(OutboxMessage.status) == status)
        .values(**values)
        .returning(col(OutboxMessage.id))
    )
    return sorted(message_id for (message_id,) in claimed)


def _thread_ready() -> Any:
    """A pending message may be claimed: it is no reply, or its parent is sent with a ts and no
    earlier reply to that parent is still in flight (the rule in the module docstring)."""
    parent = aliased(OutboxMessage)
    earlier = aliased(OutboxMessage)
    parent_sent = exists().where(
        col(parent.workspace_id) == col(OutboxMessage.workspace_id),
        col(parent.key) == col(OutboxMessage.reply_to),
        col(parent.status) == "sent",
        col(parent.ts).is_not(None),
    )
    earlier_in_flight = exists().where(
        col(earlier.workspace_id) == col(OutboxMessage.workspace_id),
        col(earlier.reply_to) == col(OutboxMessage.reply_to),
        col(earlier.id) < col(OutboxMessage.id),
        col(earlier.status).not_in(FINAL),
    )
    return or_(col(OutboxMessage.reply_to).is_(None), and_(parent_sent, ~earlier_in_flight))


def orphaned_replies(session: Session, *, workspace_id: int) -> int:
    """Fail the workspace's pending replies whose parent ended without a ts (`failed`, or
    `unknown` / settled by an operator with no ts): a reply is never posted at the top level."""
    parent = aliased(OutboxMessage)
    orphaned = session.exec(
        select(OutboxMessage.id, OutboxMessage.reply_to)
        .join(parent, and_(col(parent.workspace_id) == workspace_id, col(parent.key) == col(OutboxMessage.reply_to)))
        .where(
            col(OutboxMessage.workspace_id) == workspace_id,
            col(OutboxMessage.status) == "pending",
            col(OutboxMessage.reply_to).is_not(None),
            col(parent.status).in_(FINAL),
            col(parent.ts).is_(None),
        )
    ).all()
    for message_id, reply_to in orphaned:
        session.exec(
            update(OutboxMessage)
            .where(col(OutboxMessage.id) == message_id, col(OutboxMessage.status) == "pending")
            .values(status="failed", error=f"its parent {reply_to} was never posted, so this reply is not sent"[:300])
        )
    return len(orphaned)


def _claims(session: Session, ids: list[int], team_id: str, purpose: str, claimed_until: datetime) -> list[Claim]:
    if not ids:
        return []
    rows = list(
        session.exec(select(OutboxMessage).where(col(OutboxMessage.id).in_(ids)).order_by(col(OutboxMessage.id)))
    )
    workspace_id = rows[0].workspace_id
    parents = _sent_parents(session, workspace_id, {m.reply_to for m in rows if m.reply_to is not None})
    groups = _group_conversations(
        session, workspace_id, {m.channel for m in rows if m.conversation is None and is_group(m.channel)}
    )
    return [
        Claim(
            id=m.id or 0,
            workspace_id=m.workspace_id,
            team_id=team_id,
            key=m.key,
            kind=m.kind,
            channel=m.channel,
            payload=dict(m.payload),
            attempts=m.attempts,
            checks=m.checks,
            created_at=m.created_at,
            conversation=m.conversation or parents.get(m.reply_to or "", (None, None))[0] or groups.get(m.channel),
            claimed_until=claimed_until,
            purpose=purpose,
            reply_to=m.reply_to,
            thread_ts=parents.get(m.reply_to or "", (None, None))[1],
        )
        for m in rows
    ]


def _sent_parents(session: Session, workspace_id: int, keys: set[str]) -> dict[str, tuple[str | None, str | None]]:
    """key → (conversation, ts) of the parents among `keys` that Slack posted."""
    if not keys:
        return {}
    rows = session.exec(
        select(OutboxMessage.key, OutboxMessage.conversation, OutboxMessage.ts).where(
            col(OutboxMessage.workspace_id) == workspace_id,
            col(OutboxMessage.key).in_(sorted(keys)),
            col(OutboxMessage.ts).is_not(None),
        )
    )
    return {key: (conversation, ts) for key, conversation, ts in rows}


def _group_conversations(session: Session, workspace_id: int, channels: set[str]) -> dict[str, str]:
    """group → the conversation id an earlier message to those people recorded."""
    if not channels:
        return {}
    rows = session.exec(
        select(OutboxMessage.channel, func.max(OutboxMessage.conversation))
        .where(
            col(OutboxMessage.workspace_id) == workspace_id,
            col(OutboxMessage.channel).in_(sorted(channels)),
            col(OutboxMessage.conversation).is_not(None),
        )
        .group_by(col(OutboxMessage.channel))
    )
    return {channel: conversation for channel, conversation in rows if conversation is not None}


def sent_in_window(session: Session, *, workspace_id: int, now: datetime) -> int:
    """Messages of the workspace claimed for posting in the last minute: its budget used."""
    return int(
        session.exec(
            select(func.count())
            .select_from(OutboxMessage)
            .where(
                col(OutboxMessage.workspace_id) == workspace_id,
                col(OutboxMessage.attempted_at) > now - PACING_WINDOW,
            )
        ).one()
    )


def throttled_until(session: Session, *, workspace_id: int, now: datetime) -> datetime | None:
    """When Slack last asked this workspace to wait (429 Retry-After), if that is still ahead."""
    return session.exec(
        select(func.max(OutboxMessage.throttled_until)).where(
            col(OutboxMessage.workspace_id) == workspace_id, col(OutboxMessage.throttled_until) > now
        )
    ).one()


def finish(
    session: Session,
    *,
    message_id: int,
    status: str,
    now: datetime,
    claimed_until: datetime | None = None,
    ts: str | None = None,
    error: str | None = None,
    retry_at: datetime | None = None,
    throttled_until: datetime | None = None,
    conversation: str | None = None,
) -> bool:
    """Record an outcome: `sent` (with ts), `failed`/`unknown` (with error), or back to `pending` /
    `reconcile` at `retry_at`. With `claimed_until`, only while that claim still holds (a sender
    whose claim expired and was taken over records nothing). True when recorded.

    One statement built once and bound per call: this runs once per message sent."""
    result = session.connection().execute(
        _finish_statement(guarded=claimed_until is not None),
        {
            "message_id": message_id,
            "claimed": claimed_until,
            "new_status": status,
            "new_error": error[:300] if error else None,
            "new_ts": ts,
            "new_sent_at": now if status == "sent" else None,
            "new_not_before": retry_at,
            "new_throttled_until": throttled_until,
            "new_conversation": conversation,
        },
    )
    return int(result.rowcount) == 1


@lru_cache(maxsize=2)
def _finish_statement(*, guarded: bool) -> Any:
    table = OutboxMessage.__table__  # type: ignore[attr-defined]
    c = table.c
    statement = update(table).where(c.id == bindparam("message_id"))
    if guarded:
        statement = statement.where(
            c.status.in_(("sending", "checking")), c.claimed_until == bindparam("claimed", type_=c.claimed_until.type)
        )

    def keep_unless_given(name: str) -> Any:
        return func.coalesce(bindparam(f"new_{name}", type_=c[name].type), c[name])

    return statement.values(
        status=bindparam("new_status"),
        claimed_until=None,
        error=bindparam("new_error"),
        ts=keep_unless_given("ts"),
        sent_at=keep_unless_given("sent_at"),
        not_before=keep_unless_given("not_before"),
        throttled_until=keep_unless_given("throttled_until"),
        conversation=keep_unless_given("conversation"),
    )


def release(session: Session, *, claims: list[Claim], not_before: datetime) -> int:
    """Give back claimed rows that were not posted (their workspace got a 429, or the claim would
    run out before they could be): pending again, the attempt and its budget share returned."""
    released = 0
    for claim in claims:
        result = session.exec(
            update(OutboxMessage)
            .where(
                col(OutboxMessage.id) == claim.id,
                col(OutboxMessage.status) == "sending",
                col(OutboxMessage.claimed_until) == claim.claimed_until,
            )
            .values(
                status="pending",
                claimed_until=None,
                not_before=not_before,
                attempted_at=None,
                attempts=OutboxMessage.attempts - 1,
            )
        )
        released += int(result.rowcount)
    return released


def counts(session: Session) -> dict[str, int]:
    """Messages per status, for operators (`unknown` ones need a human to look)."""
    rows = session.exec(select(OutboxMessage.status, func.count()).group_by(col(OutboxMessage.status)))
    return {status: int(count) for status, count in rows}


def count_unknown(session: Session) -> int:
    return int(
        session.exec(
            select(func.count()).select_from(OutboxMessage).where(col(OutboxMessage.status) == "unknown")
        ).one()
    )


def enqueue_many(
    session: Session,
    *,
    workspace_id: int,
    kind: str,
    messages: Sequence[Outgoing],
    now: datetime,
) -> set[str]:
    """Queue (key, channel, payload[, reply_to]) messages of one workspace in one statement, each key
    at most once (the rows `enqueue` writes, checked as it checks them); returns the keys this call
    inserted. A reply names a parent queued before this call (by an earlier call or `enqueue`)."""
    if not messages:
        return set()
    connection = session.connection()
    rows = _rows(session, workspace_id, kind, messages, now=now)
    return {key for (key,) in connection.execute(_insert_keys(connection.dialect.name), rows)}


def enqueue_all(
    session: Session,
    *,
    workspace_id: int,
    kind: str,
    messages: Sequence[Outgoing],
    now: datetime,
) -> None:
    """`enqueue_many` for bulk work that needs no answer (a close queuing 10,000 check-ins): the same
    rows, checked the same way, each key at most once, but sent as one prepared statement executed per
    row (psycopg's executemany) rather than a multi-row INSERT … RETURNING, whose huge query text
    PostgreSQL's driver must parse per page."""
    if not messages:
        return
    connection = session.connection()
    connection.execute(_insert_quietly(connection.dialect.name), _rows(session, workspace_id, kind, messages, now=now))


@lru_cache(maxsize=2)
def _insert_quietly(dialect: str) -> Any:
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = OutboxMessage.__table__  # type: ignore[attr-defined]
    return insert(table).on_conflict_do_nothing(index_elements=["workspace_id", "key"])


@lru_cache(maxsize=2)
def _insert_keys(dialect: str) -> Any:
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = OutboxMessage.__table__  # type: ignore[attr-defined]
    return insert(table).on_conflict_do_nothing(index_elements=["workspace_id", "key"]).returning(table.c.key)


def unknown_messages(session: Session, *, limit: int) -> list[tuple[OutboxMessage, str]]:
    """The oldest messages that ended `unknown`, with their workspaces' team ids (for an operator)."""
    rows = session.exec(
        select(OutboxMessage, Workspace.team_id)
        .join(Workspace)
        .where(col(OutboxMessage.status) == "unknown")
        .order_by(col(OutboxMessage.id))
        .limit(limit)
    )
    return [(message, team_id) for message, team_id in rows]


@dataclass(frozen=True)
class FailedKind:
    """Messages that ended `failed` with one error, and the newest of them (for an operator)."""

    error: str
    count: int
    newest: OutboxMessage
    team_id: str


def failed_by_error(session: Session, *, limit: int) -> list[FailedKind]:
    """The errors `failed` messages ended with, the most frequent first, each with its newest message."""
    groups = session.exec(
        select(OutboxMessage.error, func.count(), func.max(OutboxMessage.id))
        .where(col(OutboxMessage.status) == "failed")
        .group_by(col(OutboxMessage.error))
        .order_by(func.count().desc(), func.max(OutboxMessage.id).desc())
        .limit(limit)
    ).all()
    found = []
    for error, count, newest_id in groups:
        newest, team_id = session.exec(
            select(OutboxMessage, Workspace.team_id).join(Workspace).where(col(OutboxMessage.id) == newest_id)
        ).one()
        found.append(FailedKind(error=error or "no detail", count=int(count), newest=newest, team_id=team_id))
    return found


def resolve_unknown(
    session: Session, *, message_id: int, status: str, note: str, now: datetime
) -> OutboxMessage | None:
    """An operator settles an `unknown` message after looking in Slack: `sent` or `failed`.

    Returns the message, or None when there is no `unknown` message with that id.
    """
    message = session.get(OutboxMessage, message_id)
    if message is None or message.status != "unknown":
        return None
    message.status = status
    message.error = f"{message.error or ''} — resolved by an operator: {note}"[:300]
    if status == "sent":
        message.sent_at = now
    session.add(message)
    return message
