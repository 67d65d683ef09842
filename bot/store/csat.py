"""CSAT survey results: one row per survey (unique source key), attributed to a rep; never deleted."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import bindparam, select
from sqlmodel import Session

from bot.store.common import insert_returning_id
from bot.store.tables import CsatResult, Deal

CSAT = CsatResult.__table__  # type: ignore[attr-defined]
DEAL = Deal.__table__  # type: ignore[attr-defined]

_ID_BY_SOURCE_KEY = select(CSAT.c.id).where(
    CSAT.c.workspace_id == bindparam("workspace_id"), CSAT.c.source_key == bindparam("source_key")
)
_LAST_OWNER = (
    select(DEAL.c.owner_id)
    .where(
        DEAL.c.workspace_id == bindparam("workspace_id"),
        DEAL.c.customer_id == bindparam("customer_id"),
        DEAL.c.voided_at.is_(None),
    )
    .order_by(DEAL.c.signed_on.desc(), DEAL.c.number.desc())
    .limit(1)
)


def values_for(
    *,
    workspace_id: int,
    member_id: int,
    customer_id: int,
    score: int,
    surveyed_on: date,
    source: str,
    source_key: str,
    recorded_by: str,
    now: datetime,
) -> dict[str, Any]:
    return {
        "workspace_id": workspace_id,
        "member_id": member_id,
        "customer_id": customer_id,
        "score": score,
        "surveyed_on": surveyed_on,
        "source": source,
        "source_key": source_key,
        "recorded_by": recorded_by,
        "created_at": now,
        "voided_at": None,
        "void_reason": None,
    }


def insert_once(session: Session, values: dict[str, Any]) -> int | None:
    """Insert unless the workspace already has a result with this `source_key`; the new id or None."""
    return insert_returning_id(session, CsatResult, values, ["workspace_id", "source_key"])


def id_by_source_key(session: Session, *, workspace_id: int, source_key: str) -> int | None:
    found = (
        session.connection()
        .execute(_ID_BY_SOURCE_KEY, {"workspace_id": workspace_id, "source_key": source_key})
        .first()
    )
    return None if found is None else int(found[0])


def get(session: Session, result_id: int) -> CsatResult | None:
    return session.get(CsatResult, result_id)


def owner_of_latest_deal(session: Session, *, workspace_id: int, customer_id: int) -> int | None:
    """The member id owning the customer's most recent live deal (latest signing date, then number)."""
    found = (
        session.connection().execute(_LAST_OWNER, {"workspace_id": workspace_id, "customer_id": customer_id}).first()
    )
    return None if found is None else int(found[0])


def snapshot(values: CsatResult | dict[str, Any]) -> dict[str, Any]:
    """The audited view of a survey result."""
    get_: Any = values.get if isinstance(values, dict) else (lambda key: getattr(values, key))
    return {
        "member_id": get_("member_id"),
        "customer_id": get_("customer_id"),
        "score": get_("score"),
        "surveyed_on": get_("surveyed_on").isoformat(),
        "source": get_("source"),
    }
