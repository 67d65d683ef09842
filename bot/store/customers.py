"""Customers, matched by a normalised name key within one workspace."""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from sqlalchemy import bindparam, func
from sqlmodel import Session, select

from bot.store.common import insert_returning_id
from bot.store.direct import Tx
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


_KEYS_AND_NAMES = select(Customer.name_key, Customer.name).where(Customer.workspace_id == bindparam("workspace_id"))


def find_ref(session: Tx, *, workspace_id: int, name: str) -> CustomerRef | None:
    """The customer this name means (any spelling), as id and canonical name — one indexed read."""
    found = session.connection().execute(_BY_KEY, {"workspace_id": workspace_id, "name_key": name_key(name)}).first()
    return None if found is None else CustomerRef(int(found[0]), str(found[1]))


def keys_and_names(session: Tx, *, workspace_id: int) -> list[tuple[str, str]]:
    rows = session.connection().execute(_KEYS_AND_NAMES, {"workspace_id": workspace_id})
    return [(key, name) for key, name in rows]


class KeyedCustomer(NamedTuple):
    id: int
    key: str
    name: str


_IN_WORKSPACE = _CUSTOMER.c.workspace_id == bindparam("workspace_id")
_ADDED_AFTER = (
    select(_CUSTOMER.c.id, _CUSTOMER.c.name_key, _CUSTOMER.c.name)
    .where(_IN_WORKSPACE, _CUSTOMER.c.id > bindparam("after"))
    .order_by(_CUSTOMER.c.id)
)
_COUNT_UP_TO = select(func.count()).select_from(_CUSTOMER).where(_IN_WORKSPACE, _CUSTOMER.c.id <= bindparam("last_id"))


def added_after(session: Tx, *, workspace_id: int, after: int) -> list[KeyedCustomer]:
    """The workspace's customers with an id above `after`, oldest first: one range read of
    `ix_customer_workspace_id`, as short as the list of customers added since."""
    rows = session.connection().execute(_ADDED_AFTER, {"workspace_id": workspace_id, "after": after})
    return [KeyedCustomer(int(row[0]), str(row[1]), str(row[2])) for row in rows]


def count_up_to(session: Tx, *, workspace_id: int, last_id: int) -> int:
    """How many of the workspace's customers have an id of `last_id` or less (reads the index only)."""
    found = session.connection().execute(_COUNT_UP_TO, {"workspace_id": workspace_id, "last_id": last_id}).scalar()
    return int(found or 0)


def ensure(
    session: Tx, *, workspace_id: int, name: str, source: str, actor: str, now: datetime
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
