"""Small helpers shared by the store modules."""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import SQLModel

from bot.store.direct import Tx
from scoring.money import Money

MINOR_UNITS = Decimal(100)


def to_minor(money: Money) -> int:
    return int(money.amount * MINOR_UNITS)


def from_minor(amount_minor: int, currency: str) -> Money:
    return Money(amount=Decimal(amount_minor) / MINOR_UNITS, currency=currency)


def insert_ignoring_conflict(session: Tx, table: type[SQLModel], values: dict[str, Any], keys: list[str]) -> bool:
    """INSERT … ON CONFLICT DO NOTHING on the unique `keys`; True when a row was inserted.

    Concurrent first contacts (two requests creating the same workspace or member) race safely.
    """
    return insert_returning_id(session, table, values, keys) is not None


@lru_cache(maxsize=64)
def _insert_or_nothing(dialect: str, table: Table, keys: tuple[str, ...]) -> Any:
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    primary_key = next(iter(table.primary_key))
    return insert(table).on_conflict_do_nothing(index_elements=list(keys)).returning(primary_key)


def insert_returning_id(session: Tx, table: type[SQLModel], values: dict[str, Any], keys: list[str]) -> int | None:
    """Insert unless the unique `keys` already exist; the new row's id, or None on conflict.

    RETURNING, not rowcount: psycopg reports a rowcount of 1 for a conflicting ON CONFLICT DO NOTHING.
    The statement is built once per table and dialect and the values are bound at execution: on
    the hot path of every logged deal, building SQLAlchemy statements costs more than running them.
    """
    connection = session.connection()
    statement = _insert_or_nothing(connection.dialect.name, table.__table__, tuple(keys))  # type: ignore[attr-defined]
    found = connection.execute(statement, values).first()
    return None if found is None else found[0]
