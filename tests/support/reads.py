"""Reading what Pacer stored, for assertions."""

from __future__ import annotations

from typing import Any

from sqlmodel import col, select

from bot.store.engine import Database
from bot.store.tables import Activity, AuditEntry, Customer, Deal, Member, OutboxMessage, Workspace


def _all(db: Database, query: Any) -> list[Any]:
    with db.transaction() as session:
        return list(session.exec(query))


def deals(db: Database, team_id: str = "T1") -> list[Deal]:
    return _all(db, select(Deal).join(Workspace).where(Workspace.team_id == team_id).order_by(col(Deal.number)))


def activities(db: Database, team_id: str = "T1") -> list[Activity]:
    return _all(db, select(Activity).join(Workspace).where(Workspace.team_id == team_id).order_by(col(Activity.number)))


def customers(db: Database, team_id: str = "T1") -> list[Customer]:
    return _all(db, select(Customer).join(Workspace).where(Workspace.team_id == team_id).order_by(col(Customer.id)))


def customer_name(db: Database, customer_id: int | None) -> str | None:
    with db.transaction() as session:
        customer = session.get(Customer, customer_id) if customer_id else None
        return customer.name if customer else None


def member(db: Database, user_id: str, team_id: str = "T1") -> Member | None:
    rows = _all(db, select(Member).join(Workspace).where(Workspace.team_id == team_id, Member.user_id == user_id))
    return rows[0] if rows else None


def audit(db: Database, action: str | None = None) -> list[AuditEntry]:
    query = select(AuditEntry).order_by(col(AuditEntry.id))
    if action:
        query = query.where(AuditEntry.action == action)
    return _all(db, query)


def outbox(db: Database) -> list[OutboxMessage]:
    return _all(db, select(OutboxMessage).order_by(col(OutboxMessage.id)))
