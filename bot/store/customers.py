"""Customers, matched by a normalised name key within one workspace."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, select

from bot.store.common import insert_ignoring_conflict
from bot.store.tables import Customer
from scoring.customers import name_key


def find(session: Session, *, workspace_id: int, name: str) -> Customer | None:
    return session.exec(
        select(Customer).where(Customer.workspace_id == workspace_id, Customer.name_key == name_key(name))
    ).first()


def keys_and_names(session: Session, *, workspace_id: int) -> list[tuple[str, str]]:
    rows = session.exec(select(Customer.name_key, Customer.name).where(Customer.workspace_id == workspace_id))
    return [(key, name) for key, name in rows]


def ensure(
    session: Session, *, workspace_id: int, name: str, source: str, actor: str, now: datetime
) -> tuple[Customer, bool]:
    """The customer with this name's key, created if missing; True when created by this call."""
    created = insert_ignoring_conflict(
        session,
        Customer,
        {
            "workspace_id": workspace_id,
            "name": name,
            "name_key": name_key(name),
            "source": source,
            "created_by": actor,
            "created_at": now,
        },
        ["workspace_id", "name_key"],
    )
    customer = find(session, workspace_id=workspace_id, name=name)
    assert customer is not None
    return customer, created
