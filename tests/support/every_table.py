"""A row in every table for a workspace, read from the models' metadata — so a table added later is
filled too, and a test of "every table" cannot forget it.

Each column gets a plain value of its type; a foreign key points at the row made for the same
workspace in the table it refers to; nullable columns without a foreign key stay NULL.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Integer,
    String,
    Table,
    Text,
    TypeDecorator,
    select,
)
from sqlmodel import SQLModel

from bot.store.engine import Database
from bot.store.tables import ExactDecimal

UNSCOPED = {"scheduler_lease"}  # the one table (besides `workspace`) that no workspace owns
WHEN = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)


def fill_every_table(db: Database, *, team_id: str) -> int:
    """One row in every table for a new workspace `team_id`; returns the workspace's id."""
    made: dict[str, Any] = {}
    with db.engine.begin() as connection:
        for table in SQLModel.metadata.sorted_tables:  # referred-to tables first
            if table.name in UNSCOPED:
                continue
            values = {column.name: _value(table, column, team_id, made) for column in table.columns}
            values = {name: value for name, value in values.items() if value is not _SKIP}
            connection.execute(table.insert().values(values))
            key = list(table.primary_key.columns)
            if len(key) == 1 and key[0].name not in values:  # an id the database chose: read it back
                newest = connection.execute(select(key[0]).order_by(key[0].desc()).limit(1)).scalar_one()
                made[table.name] = newest
            elif len(key) == 1:
                made[table.name] = values[key[0].name]
    return int(made["workspace"])


_SKIP = object()


def _value(table: Table, column: Column[Any], team_id: str, made: dict[str, Any]) -> Any:
    generated = column.autoincrement in (True, "auto") and isinstance(column.type, Integer)
    if column.primary_key and generated and len(table.primary_key.columns) == 1:
        return _SKIP
    foreign = next(iter(column.foreign_keys), None)
    if foreign is not None:
        return made[foreign.column.table.name]
    if column.nullable:
        return None
    kind = column.type
    if isinstance(kind, ExactDecimal):
        return Decimal("1.5")
    if isinstance(kind, TypeDecorator):  # sqlmodel's AutoString: a String underneath
        kind = kind.impl_instance
    if isinstance(kind, Boolean):
        return False
    if isinstance(kind, (BigInteger, Integer)):
        return 1
    if isinstance(kind, DateTime):
        return WHEN
    if isinstance(kind, Date):
        return WHEN.date()
    if isinstance(kind, JSON):
        return {}
    if isinstance(kind, (String, Text)):
        text = team_id if column.name == "team_id" else f"{team_id}-{table.name}-{column.name}"
        length = getattr(kind, "length", None)
        return text[:length] if length else text
    raise AssertionError(
        f"{table.name}.{column.name}: no test value for {kind!r}; add one to tests/support/every_table.py"
    )
