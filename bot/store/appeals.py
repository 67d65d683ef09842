"""Appeals: inserting one (at most one open per evaluation), the reviewers' loads, the rep's reporting
line, and the reads `/appeal status` and the check-in thread need (see bot.services.appeals)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, update
from sqlmodel import Session, col, select

from bot.store.common import insert_returning_id
from bot.store.tables import Appeal, Evaluation, Member

REPORTING_LINE_MAX = 20
"""Managers followed upwards at most (a loop in the data stops here)."""


def insert_open(session: Session, *, values: dict[str, Any]) -> int | None:
    """Insert an open appeal; its id, or None when the evaluation already has an open one (the unique
    `open_evaluation_id`, which a concurrent submit may have taken a moment ago)."""
    return insert_returning_id(
        session,
        Appeal,
        {**values, "status": "open", "open_evaluation_id": values["evaluation_id"]},
        ["open_evaluation_id"],
    )


def get(session: Session, *, workspace_id: int, appeal_id: int) -> Appeal | None:
    row = session.get(Appeal, appeal_id)
    return row if row is not None and row.workspace_id == workspace_id else None


def locked(session: Session, *, workspace_id: int, appeal_id: int) -> Appeal | None:
    """The appeal as stored now, locked until the transaction ends (PostgreSQL; SQLite has one writer)."""
    query = select(Appeal).where(col(Appeal.id) == appeal_id).execution_options(populate_existing=True)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    row = session.exec(query).first()
    return row if row is not None and row.workspace_id == workspace_id else None


def open_on(session: Session, *, evaluation_id: int) -> Appeal | None:
    return session.exec(select(Appeal).where(col(Appeal.open_evaluation_id) == evaluation_id)).first()


def latest_standing(session: Session, *, evaluation_ids: Collection[int]) -> dict[int, Appeal]:
    """Each evaluation's latest appeal that was not withdrawn (open or decided), by evaluation id."""
    if not evaluation_ids:
        return {}
    rows = session.exec(
        select(Appeal)
        .where(col(Appeal.evaluation_id).in_(sorted(evaluation_ids)), col(Appeal.status) != "withdrawn")
        .order_by(col(Appeal.id))
    )
    return {row.evaluation_id: row for row in rows}


def of_member(session: Session, *, workspace_id: int, member_id: int) -> list[Appeal]:
    """A rep's appeals, newest first."""
    return list(
        session.exec(
            select(Appeal)
            .where(col(Appeal.workspace_id) == workspace_id, col(Appeal.member_id) == member_id)
            .order_by(col(Appeal.id).desc())
        )
    )


def loads(session: Session, *, workspace_id: int, user_ids: Collection[str]) -> dict[str, tuple[int, datetime | None]]:
    """Each reviewer's undecided appeals and last assignment: user id → (open count, last assigned_at)."""
    if not user_ids:
        return {}
    found: dict[str, tuple[int, datetime | None]] = dict.fromkeys(user_ids, (0, None))
    rows = session.exec(
        select(
            Appeal.reviewer_user_id,
            func.sum(case((col(Appeal.status) == "open", 1), else_=0)),
            func.max(Appeal.assigned_at),
        )
        .where(col(Appeal.workspace_id) == workspace_id, col(Appeal.reviewer_user_id).in_(sorted(user_ids)))
        .group_by(col(Appeal.reviewer_user_id))
    )
    for user, open_count, last in rows:
        if user is not None:
            found[user] = (int(open_count or 0), last)
    return found


def reporting_line(session: Session, *, workspace_id: int, user_id: str) -> list[str]:
    """The member's managers upwards (their manager, that manager's manager…), as Pacer knows them."""
    line: list[str] = []
    current = user_id
    for _ in range(REPORTING_LINE_MAX):
        manager = session.exec(
            select(Member.manager_user_id).where(
                col(Member.workspace_id) == workspace_id, col(Member.user_id) == current
            )
        ).first()
        if not manager or manager in line or manager == user_id:
            break
        line.append(manager)
        current = manager
    return line


def evaluations_of(session: Session, *, workspace_id: int, member_id: int) -> list[Evaluation]:
    """A rep's evaluations, latest period first."""
    return list(
        session.exec(
            select(Evaluation)
            .where(col(Evaluation.workspace_id) == workspace_id, col(Evaluation.member_id) == member_id)
            .order_by(col(Evaluation.period_end).desc(), col(Evaluation.id).desc())
        )
    )


def withdraw(session: Session, *, appeal_id: int, now: datetime) -> bool:
    """Open → withdrawn (once): False when it was not open any more."""
    result = session.exec(
        update(Appeal)
        .where(col(Appeal.id) == appeal_id, col(Appeal.status) == "open")
        .values(status="withdrawn", withdrawn_at=now, open_evaluation_id=None)
    )
    return int(result.rowcount) == 1
