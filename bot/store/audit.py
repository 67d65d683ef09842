"""The audit log: who changed what, when, from which source, with the before and after."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import insert
from sqlmodel import Session

from bot.store.direct import Tx
from bot.store.tables import AuditEntry

_INSERT = insert(AuditEntry.__table__)  # type: ignore[attr-defined]


def record(
    session: Tx,
    *,
    workspace_id: int,
    actor: str,
    action: str,
    entity: str,
    entity_id: int | None,
    source: str,
    at: datetime,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    values = {
        "workspace_id": workspace_id,
        "actor": actor,
        "action": action,
        "entity": entity,
        "entity_id": entity_id,
        "before": before,
        "after": after,
        "source": source,
        "at": at,
    }
    session.connection().execute(_INSERT, values)


def record_many(session: Session, entries: Sequence[dict[str, Any]]) -> None:
    """Several entries in one statement (the keys of `record`'s arguments, `before` and `after` optional)."""
    if entries:
        session.connection().execute(_INSERT, [{"before": None, "after": None, **entry} for entry in entries])
