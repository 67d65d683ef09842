"""Check-in conversations: the parent message of each evaluation's check-in, its self-review and
feedback versions, its improvement plan items and the thread's comments (see bot.services.checkins).

Entries and plan items are only inserted: an edit is the next version. A check-in is opened once per
evaluation (`mark_opened` only sets an unset key).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from bot.store.tables import CheckinComment, CheckinEntry, Evaluation, PlanItem


def evaluation(session: Session, *, workspace_id: int, evaluation_id: int) -> Evaluation | None:
    row = session.get(Evaluation, evaluation_id)
    return row if row is not None and row.workspace_id == workspace_id else None


def mark_opened(session: Session, *, evaluation_id: int, key: str, channel: str, opened_by: str, now: datetime) -> bool:
    """Record the check-in's parent message once; False when it was already opened."""
    result = session.exec(
        update(Evaluation)
        .where(col(Evaluation.id) == evaluation_id, col(Evaluation.checkin_key).is_(None))
        .values(checkin_key=key, checkin_channel=channel, checkin_opened_at=now, checkin_opened_by=opened_by)
    )
    return int(result.rowcount) == 1


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
