"""Customers, matched by a normalised name key within one workspace."""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from sqlalchemy import bindparam
from sqlmodel import Session, select

from bot.store.common import insert_returning_id
from bot.store.tables import Customer
from scoring.customers import name_key


def find(session: Session, *, workspace_id: int, name: str) -> Customer | None:
    return session.exec(
        select(Customer).where(Customer.workspace_id == workspace_id, Customer.name_key == name_key(name))
    ).first()


_CUSTOMER = Customer.__table__  # type: ignore[attr-defined]
_BY_KEY = select(_CUSTOMER.c.id, _CUSTOMER.c.name).where(
    _CUSTOMER.c.workspace_id == bindparam("workspace_id"), _CUSTOMER.c.name_key == bindparam("name_key")
)


class CustomerRef(NamedTuple):
    id: int
    name: str


def find_ref(session: Session, *, workspace_id: int, name: str) -> CustomerRef | None:
    """The customer this name means (any spelling), as id and canonical name — one indexed read."""
    found = session.connection().execute(_BY_KEY, {"workspace_id": workspace_id, "name_key": name_key(name)}).first()
    return None if found is None else CustomerRef(int(found[0]), str(found[1]))


def keys_and_names(session: Session, *, workspace_id: int) -> list[tuple[str, str]]:
    rows = session.exec(select(Customer.name_key, Customer.name).where(Customer.workspace_id == workspace_id))
    return [(key, name) for key, name in rows]


def ensure(
    session: Session, *, workspace_id: int, name: str, source: str, actor: str, now: datetime
) -> tuple[CustomerRef, bool]:
    """The customer with this name's key, created if missing; True when created by this call."""
    values = {
        "workspace_id": workspace_id,
        "name": name,
        "name_key": name_key(name),
        "source": source,
        "created_by": actor,
        "created_at": now,
    }
    new_id = insert_returning_id(session, Customer, values, ["workspace_id", "name_key"])
    if new_id is not None:
        return CustomerRef(new_id, name), True
    existing = find_ref(session, workspace_id=workspace_id, name=name)
    assert existing is not None
    return existing, False
