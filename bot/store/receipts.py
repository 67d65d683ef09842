"""Request receipts: the unique key of each Slack request that had an effect, with its answer.

A receipt is written in the same transaction as the effect, so a retry either finds it (and
gets the same answer) or the effect never happened. The unique key is enforced by the database.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session

from bot.store.tables import RequestReceipt


def find(session: Session, *, workspace_id: int, key: str) -> RequestReceipt | None:
    return session.get(RequestReceipt, (workspace_id, key))


def save(session: Session, *, workspace_id: int, key: str, response: dict[str, Any] | None, now: datetime) -> None:
    session.add(RequestReceipt(workspace_id=workspace_id, key=key, response=response, created_at=now))
    session.flush()
