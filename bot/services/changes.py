"""Changing recorded work: who may, and the audited change itself (shared by deals and activities)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlmodel import Session

from bot.directory import Caller
from bot.store import audit, customers, members
from bot.store.direct import Tx
from bot.store.tables import Activity, Deal, Member
from scoring.errors import NotAllowed
from scoring.people import may_change_records_of
from scoring.records import Source

Record = Deal | Activity


def ensure_may_change(session: Session, caller: Caller, row: Record, *, ref: str, example: str) -> None:
    """Only the owner, the owner's manager or an admin may void or correct a record."""
    owner = session.get(Member, row.owner_id)
    assert owner is not None
    if not may_change_records_of(caller.person, members.as_person(owner)):
        raise NotAllowed(
            f"{ref} belongs to {owner.name}; only they, their manager or an admin can change it.", example=example
        )


def audited(
    session: Session,
    caller: Caller,
    row: Record,
    *,
    action: str,
    snapshot: Callable[[Any], dict[str, Any]],
    source: Source,
    now: datetime,
    change: Callable[[], None],
) -> None:
    """Apply `change` to `row` and write the audit entry with the before and after snapshots."""
    before = snapshot(row)
    change()
    session.add(row)
    audit.record(
        session,
        workspace_id=caller.workspace_id,
        actor=caller.user_id,
        action=action,
        entity=action.split(".")[0],
        entity_id=row.id,
        source=source.value,
        at=now,
        before=before,
        after=snapshot(row),
    )


def void(
    session: Session,
    caller: Caller,
    row: Record,
    *,
    reason: str,
    snapshot: Callable[[Any], dict[str, Any]],
    source: Source,
    now: datetime,
) -> bool:
    """Void with a reason; False (and nothing written) when it was already void."""
    if row.voided_at is not None:
        return False

    def change() -> None:
        row.voided_at, row.voided_by, row.void_reason = now, caller.user_id, reason

    entity = "deal" if isinstance(row, Deal) else "activity"
    audited(session, caller, row, action=f"{entity}.voided", snapshot=snapshot, source=source, now=now, change=change)
    return True


def ensure_customer(
    session: Tx, caller: Caller, name: str, *, source: Source, now: datetime
) -> tuple[customers.CustomerRef, bool]:
    """The workspace's customer with this name (any spelling of it), created and audited if new."""
    customer, created = customers.ensure(
        session, workspace_id=caller.workspace_id, name=name, source=source.value, actor=caller.user_id, now=now
    )
    if created:
        audit.record(
            session,
            workspace_id=caller.workspace_id,
            actor=caller.user_id,
            action="customer.created",
            entity="customer",
            entity_id=customer.id,
            source=source.value,
            at=now,
            after={"name": customer.name},
        )
    return customer, created
