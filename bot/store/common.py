"""Small helpers shared by the store modules."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, SQLModel

from scoring.money import Money

MINOR_UNITS = Decimal(100)


def to_minor(money: Money) -> int:
    return int(money.amount * MINOR_UNITS)


def from_minor(amount_minor: int, currency: str) -> Money:
    return Money(amount=Decimal(amount_minor) / MINOR_UNITS, currency=currency)


def insert_ignoring_conflict(session: Session, table: type[SQLModel], values: dict[str, Any], keys: list[str]) -> bool:
    """INSERT … ON CONFLICT DO NOTHING on the unique `keys`; True when a row was inserted.

    Concurrent first contacts (two requests creating the same workspace or member) race safely.
    """
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table_ = table.__table__  # type: ignore[attr-defined]
    statement = (
        insert(table_).values(**values).on_conflict_do_nothing(index_elements=keys).returning(*table_.primary_key)
    )
    # RETURNING, not rowcount: psycopg reports a rowcount of 1 for a conflicting ON CONFLICT DO NOTHING.
    return session.exec(statement).first() is not None
