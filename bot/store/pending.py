"""Pending questions ("log it again?", "did you mean…?") that a button answers at most once."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, update
from sqlmodel import Session, col

from bot.store.direct import Tx
from bot.store.tables import PendingAction


def ask(session: Session, *, workspace_id: int, user_id: str, kind: str, payload: dict[str, Any], now: datetime) -> str:
    token = secrets.token_hex(12)
    session.add(
        PendingAction(id=token, workspace_id=workspace_id, user_id=user_id, kind=kind, payload=payload, created_at=now)
    )
    return token


def take(session: Session, *, workspace_id: int, user_id: str, token: str, now: datetime) -> PendingAction | None:
    """Mark the question answered and return it; None if unknown, someone else's, or already answered."""
    result = session.exec(
        update(PendingAction)
        .where(
            col(PendingAction.id) == token,
            col(PendingAction.workspace_id) == workspace_id,
            col(PendingAction.user_id) == user_id,
            col(PendingAction.answered_at).is_(None),
        )
        .values(answered_at=now)
    )
    if result.rowcount != 1:
        return None
    return session.get(PendingAction, token)


def open_question(session: Session, *, workspace_id: int, user_id: str, token: str) -> PendingAction | None:
    """The question if it is this user's and still unanswered."""
    question = session.get(PendingAction, token)
    if question is None or question.workspace_id != workspace_id or question.user_id != user_id:
        return None
    return None if question.answered_at is not None else question


_PENDING = PendingAction.__table__  # type: ignore[attr-defined]
_MARK_ANSWERED = (
    update(_PENDING)
    .where(_PENDING.c.id == bindparam("token"), _PENDING.c.workspace_id == bindparam("of_workspace"))
    .values(answered_at=bindparam("now", type_=_PENDING.c.answered_at.type))
)


def mark_answered(session: Tx, *, workspace_id: int, token: str, now: datetime) -> None:
    session.connection().execute(_MARK_ANSWERED, {"token": token, "of_workspace": workspace_id, "now": now})
