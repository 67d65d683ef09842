"""Appeal rows as a decision or a reassignment changes them, and the messages and reminders those touch
(see bot.services.appeal_decisions). An appeal leaves `open` once: every write here is guarded by
`status = 'open'` and reports whether it changed the row."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import update
from sqlmodel import Session, col, select

from bot.store.tables import Appeal, AuditEntry, OutboxMessage, Reminder

PENDING = "pending"  # a reminder not yet queued (bot.store.reminders.PENDING)


def locked(session: Session, *, workspace_id: int, appeal_id: int) -> Appeal | None:
    """The appeal as stored now, its row locked until the transaction ends (PostgreSQL; SQLite has one
    writer at a time): a decision, a withdrawal and a reassignment of one appeal never interleave."""
    query = select(Appeal).where(col(Appeal.id) == appeal_id).execution_options(populate_existing=True)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    row = session.exec(query).first()
    return row if row is not None and row.workspace_id == workspace_id else None


def record_decision(
    session: Session,
    *,
    appeal_id: int,
    status: str,
    decided_by: str,
    decided_at: datetime,
    rationale: str,
    corrected: dict[str, Decimal],
    result_version: int | None,
) -> bool:
    """Close an open appeal with its decision (its evaluation may get another appeal from now on);
    False when it was no longer open."""
    result = session.exec(
        update(Appeal)
        .where(col(Appeal.id) == appeal_id, col(Appeal.status) == "open")
        .values(
            status=status,
            decided_by=decided_by,
            decided_at=decided_at,
            rationale=rationale,
            corrected={metric: str(value) for metric, value in corrected.items()},
            result_version=result_version,
            open_evaluation_id=None,
        )
    )
    return int(result.rowcount) == 1


def reassign(session: Session, *, appeal_id: int, reviewer_user_id: str, reason: str, now: datetime) -> bool:
    """Give an open appeal another reviewer (its due date stays); False when it was no longer open."""
    result = session.exec(
        update(Appeal)
        .where(col(Appeal.id) == appeal_id, col(Appeal.status) == "open")
        .values(reviewer_user_id=reviewer_user_id, assigned_reason=reason[:300], assigned_at=now)
    )
    return int(result.rowcount) == 1


def case_keys(session: Session, *, workspace_id: int, appeal_id: int) -> list[tuple[str, str]]:
    """(key, recipient) of every case message queued for the appeal (`appeal:<id>:case:<user>`, not its
    rewrites), oldest first."""
    prefix = f"appeal:{appeal_id}:case:"
    rows = session.exec(
        select(OutboxMessage.key, OutboxMessage.channel)
        .where(
            col(OutboxMessage.workspace_id) == workspace_id,
            col(OutboxMessage.key).startswith(prefix, autoescape=True),
            col(OutboxMessage.reply_to).is_(None),
        )
        .order_by(col(OutboxMessage.id))
    )
    return [(key, channel) for key, channel in rows if "@" not in key]


def pending_reminders(session: Session, *, workspace_id: int, prefix: str) -> list[Reminder]:
    """The reminders not yet queued whose key starts with `prefix` (`appeal:7:due-soon`), oldest first."""
    return list(
        session.exec(
            select(Reminder)
            .where(
                col(Reminder.workspace_id) == workspace_id,
                col(Reminder.key).startswith(prefix, autoescape=True),
                col(Reminder.status) == PENDING,
            )
            .order_by(col(Reminder.id))
        )
    )


def reminders_named(session: Session, *, workspace_id: int, prefix: str) -> int:
    """How many reminders (in any state) have a key starting with `prefix`: the next one's number."""
    return len(
        list(
            session.exec(
                select(Reminder.id).where(
                    col(Reminder.workspace_id) == workspace_id,
                    col(Reminder.key).startswith(prefix, autoescape=True),
                )
            )
        )
    )


def reassignments(session: Session, *, workspace_id: int, appeal_id: int) -> int:
    """How many times the appeal was reassigned (its `appeal.reassigned` audit entries)."""
    return len(
        list(
            session.exec(
                select(AuditEntry.id).where(
                    col(AuditEntry.workspace_id) == workspace_id,
                    col(AuditEntry.entity) == "appeal",
                    col(AuditEntry.entity_id) == appeal_id,
                    col(AuditEntry.action) == "appeal.reassigned",
                )
            )
        )
    )
