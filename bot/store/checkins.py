"""Check-in conversations: the parent message of each evaluation's check-in, its self-review and
feedback versions, its improvement plan items and the thread's comments (see bot.services.checkins).

Entries and plan items are only inserted: an edit is the next version. A check-in is opened once per
evaluation (`mark_opened` only sets an unset key).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, update
from sqlmodel import Session, col, select

from bot.store.common import insert_returning_id
from bot.store.tables import (
    Appeal,
    CheckinComment,
    CheckinEntry,
    Evaluation,
    Member,
    NudgeSchedule,
    OutboxMessage,
    PlanItem,
    Workspace,
)

KIND = "checkin"  # the outbox kind of check-in messages (bot.services.checkins.KIND)


def evaluation(session: Session, *, workspace_id: int, evaluation_id: int) -> Evaluation | None:
    row = session.get(Evaluation, evaluation_id)
    return row if row is not None and row.workspace_id == workspace_id else None


def locked(session: Session, *, workspace_id: int, evaluation_id: int) -> Evaluation | None:
    """The evaluation as stored now, its row locked until the transaction ends (PostgreSQL; SQLite has one
    writer at a time): a submission, an edit and an acknowledgement of one check-in never interleave."""
    query = select(Evaluation).where(col(Evaluation.id) == evaluation_id).execution_options(populate_existing=True)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    row = session.exec(query).first()
    return row if row is not None and row.workspace_id == workspace_id else None


def mark_opened(session: Session, *, evaluation_id: int, key: str, channel: str, opened_by: str, now: datetime) -> bool:
    """Record the check-in's parent message once; False when it was already opened."""
    result = session.exec(
        update(Evaluation)
        .where(col(Evaluation.id) == evaluation_id, col(Evaluation.checkin_key).is_(None))
        .values(checkin_key=key, checkin_channel=channel, checkin_opened_at=now, checkin_opened_by=opened_by)
    )
    return int(result.rowcount) == 1


def mark_opened_many(
    session: Session, *, opening: Sequence[tuple[int, str, str]], opened_by: str, now: datetime
) -> set[int]:
    """`mark_opened` for many (evaluation id, key, channel) at once: the ids this call opened (those
    already opened are left as they are). The unopened rows are locked first (PostgreSQL; SQLite has
    one writer), then updated by one prepared statement executed per row."""
    if not opening:
        return set()
    wanted = {evaluation_id: (key, channel) for evaluation_id, key, channel in opening}
    unopened = {
        evaluation_id
        for evaluation_id in session.exec(
            select(Evaluation.id)
            .where(col(Evaluation.id).in_(list(wanted)), col(Evaluation.checkin_key).is_(None))
            .with_for_update()
        )
        if evaluation_id is not None
    }
    if unopened:
        session.connection().execute(
            _MARK_OPENED,
            [
                {"evaluation_id": i, "key": wanted[i][0], "channel": wanted[i][1], "by": opened_by, "at": now}
                for i in sorted(unopened)
            ],
        )
    return unopened


_MARK_OPENED = (
    update(Evaluation)
    .where(col(Evaluation.id) == bindparam("evaluation_id"), col(Evaluation.checkin_key).is_(None))
    .values(
        checkin_key=bindparam("key"),
        checkin_channel=bindparam("channel"),
        checkin_opened_at=bindparam("at"),
        checkin_opened_by=bindparam("by"),
    )
)


def set_manager(session: Session, *, evaluation_id: int, manager_user_id: str) -> None:
    """Give an evaluation frozen without a manager the manager its check-in is opened with."""
    session.exec(
        update(Evaluation)
        .where(col(Evaluation.id) == evaluation_id, col(Evaluation.manager_user_id).is_(None))
        .values(manager_user_id=manager_user_id)
    )


@dataclass(frozen=True)
class LocalTime:
    """A member's Slack time zone (None: not known) and local nudge time ("HH:MM")."""

    tz: str | None
    local_time: str


def local_times(session: Session, *, workspace_id: int, user_ids: Collection[str]) -> dict[str, LocalTime]:
    """Each member's zone and nudge time (09:00 without a schedule), by user id (500 per query)."""
    wanted = sorted(set(user_ids))
    found: dict[str, LocalTime] = {}
    for start in range(0, len(wanted), 500):
        rows = session.exec(
            select(Member.user_id, Member.tz, NudgeSchedule.local_time)
            .outerjoin(NudgeSchedule, col(NudgeSchedule.member_id) == col(Member.id))
            .where(col(Member.workspace_id) == workspace_id, col(Member.user_id).in_(wanted[start : start + 500]))
        )
        found.update({user_id: LocalTime(tz, local_time or "09:00") for user_id, tz, local_time in rows})
    return found


@dataclass(frozen=True)
class Posted:
    """Where a queued message stands: its status and, once posted, its conversation and ts."""

    status: str
    conversation: str | None
    ts: str | None


def posted(session: Session, *, workspace_id: int, key: str) -> Posted | None:
    """The outbox state of the message queued under `key` (the check-in's parent), or None."""
    row = session.exec(
        select(OutboxMessage.status, OutboxMessage.conversation, OutboxMessage.ts).where(
            col(OutboxMessage.workspace_id) == workspace_id, col(OutboxMessage.key) == key
        )
    ).first()
    return None if row is None else Posted(*row)


def bump_revision(session: Session, *, evaluation_id: int, **facts: Any) -> int:
    """Add one to the evaluation's revision (setting any step `facts`, e.g. self_review_at=now) and
    return the new revision: the number in the keys of the parent's and next step's rewrites."""
    session.exec(
        update(Evaluation)
        .where(col(Evaluation.id) == evaluation_id)
        .values(revision=col(Evaluation.revision) + 1, **facts)
    )
    revision = session.exec(select(Evaluation.revision).where(col(Evaluation.id) == evaluation_id)).one()
    return int(revision)


def entries(session: Session, *, evaluation_id: int) -> list[CheckinEntry]:
    """Every version of the evaluation's self-review and feedback, oldest first."""
    return list(
        session.exec(
            select(CheckinEntry)
            .where(col(CheckinEntry.evaluation_id) == evaluation_id)
            .order_by(col(CheckinEntry.kind), col(CheckinEntry.version))
        )
    )


def latest_version(session: Session, *, evaluation_id: int, kind: str) -> int:
    """The latest version of the evaluation's entry of `kind` (0: none yet)."""
    found = session.exec(
        select(func.max(CheckinEntry.version)).where(
            col(CheckinEntry.evaluation_id) == evaluation_id, col(CheckinEntry.kind) == kind
        )
    ).one()
    return int(found or 0)


def plan(session: Session, *, evaluation_id: int) -> list[PlanItem]:
    """The improvement plan in force: the items of the evaluation's latest feedback version, in order."""
    latest = session.exec(
        select(func.max(PlanItem.feedback_version)).where(col(PlanItem.evaluation_id) == evaluation_id)
    ).one()
    if latest is None:
        return []
    return list(
        session.exec(
            select(PlanItem)
            .where(col(PlanItem.evaluation_id) == evaluation_id, col(PlanItem.feedback_version) == latest)
            .order_by(col(PlanItem.position))
        )
    )


def comments(session: Session, *, evaluation_id: int) -> list[CheckinComment]:
    return list(
        session.exec(
            select(CheckinComment)
            .where(col(CheckinComment.evaluation_id) == evaluation_id)
            .order_by(col(CheckinComment.id))
        )
    )


def add_entry(
    session: Session,
    *,
    workspace_id: int,
    evaluation_id: int,
    kind: str,
    version: int,
    author_user_id: str,
    content: dict[str, Any],
    source: str,
    now: datetime,
) -> bool:
    """Insert version `version` of the evaluation's `kind` entry; False when that version exists already."""
    values = {
        "workspace_id": workspace_id,
        "evaluation_id": evaluation_id,
        "kind": kind,
        "version": version,
        "author_user_id": author_user_id,
        "content": content,
        "source": source,
        "created_at": now,
    }
    return insert_returning_id(session, CheckinEntry, values, ["evaluation_id", "kind", "version"]) is not None


def add_plan(
    session: Session,
    *,
    workspace_id: int,
    evaluation_id: int,
    member_id: int,
    feedback_version: int,
    items: list[dict[str, Any]],
    now: datetime,
) -> None:
    """The plan items of one feedback version (`items`: action, metric, target, due), numbered from 1."""
    for position, item in enumerate(items, start=1):
        session.add(
            PlanItem(
                workspace_id=workspace_id,
                evaluation_id=evaluation_id,
                member_id=member_id,
                feedback_version=feedback_version,
                position=position,
                action=item["action"],
                metric=item["metric"],
                target=item["target"],
                due=item["due"],
                created_at=now,
            )
        )
    session.flush()


def mark_acknowledged(session: Session, *, evaluation_id: int, now: datetime) -> bool:
    """Record the rep's acknowledgement once; False when it was already recorded."""
    result = session.exec(
        update(Evaluation)
        .where(col(Evaluation.id) == evaluation_id, col(Evaluation.acknowledged_at).is_(None))
        .values(acknowledged_at=now)
    )
    return int(result.rowcount) == 1


def thread_of(session: Session, *, team_id: str, conversation: str, ts: str) -> tuple[int, int] | None:
    """(workspace id, evaluation id) of the check-in whose parent message is `ts` in `conversation`, or None
    when that message is no check-in's parent (ix_outbox_workspace_ts)."""
    rows = session.exec(
        select(OutboxMessage.workspace_id, OutboxMessage.key)
        .join(Workspace, col(Workspace.id) == col(OutboxMessage.workspace_id))
        .where(
            col(Workspace.team_id) == team_id,
            col(OutboxMessage.ts) == ts,
            col(OutboxMessage.conversation) == conversation,
            col(OutboxMessage.reply_to).is_(None),
            col(OutboxMessage.kind) == KIND,
        )
    ).all()
    for workspace_id, key in rows:
        prefix, _, number = key.partition(":")
        if prefix == KIND and number.isdigit():
            return int(workspace_id), int(number)
    return None


def add_comment(
    session: Session,
    *,
    workspace_id: int,
    evaluation_id: int,
    user_id: str,
    channel: str,
    ts: str,
    text: str,
    now: datetime,
) -> int | None:
    """Record a thread reply once per (workspace, channel, ts); the new comment's id, or None if recorded before."""
    values = {
        "workspace_id": workspace_id,
        "evaluation_id": evaluation_id,
        "user_id": user_id,
        "channel": channel,
        "ts": ts,
        "text": text,
        "created_at": now,
    }
    return insert_returning_id(session, CheckinComment, values, ["workspace_id", "channel", "ts"])


def closable(session: Session, *, opened_before: datetime) -> list[tuple[Evaluation, str | None]]:
    """Acknowledged check-ins not closed yet, opened before `opened_before`, with no appeal open on them —
    each with the rep's time zone (the appeal window ends in it)."""
    open_appeal = select(Appeal.id).where(col(Appeal.open_evaluation_id) == col(Evaluation.id)).exists()
    rows = session.exec(
        select(Evaluation, Member.tz)
        .join(Member, col(Member.id) == col(Evaluation.member_id))
        .where(
            col(Evaluation.checkin_opened_at).is_not(None),
            col(Evaluation.checkin_opened_at) < opened_before,
            col(Evaluation.acknowledged_at).is_not(None),
            col(Evaluation.closed_at).is_(None),
            ~open_appeal,
        )
        .order_by(col(Evaluation.id))
    )
    return [(evaluation, tz) for evaluation, tz in rows]


def mark_closed(session: Session, *, evaluation_id: int, now: datetime) -> bool:
    """Close the check-in once; False when it was closed already."""
    result = session.exec(
        update(Evaluation)
        .where(col(Evaluation.id) == evaluation_id, col(Evaluation.closed_at).is_(None))
        .values(closed_at=now)
    )
    return int(result.rowcount) == 1
