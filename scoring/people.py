"""People and what they may do to each other's records (PRODUCT §2)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Role = Literal["rep", "manager", "reviewer", "admin"]


@dataclass(frozen=True)
class Person:
    user_id: str
    name: str
    role: Role = "rep"
    manager_user_id: str | None = None
    tz: str | None = None


def may_change_records_of(actor: Person, owner: Person) -> bool:
    """Void or mark paid: the owner, the owner's manager, or an admin."""
    return actor.user_id == owner.user_id or owner.manager_user_id == actor.user_id or actor.role == "admin"
