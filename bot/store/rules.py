"""Stored versions of the workspace's published rules (see scoring.rules)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, select
from sqlmodel import Session

from bot.store.common import insert_returning_id
from bot.store.direct import Tx
from bot.store.tables import RuleVersion
from scoring.recognition import Rule
from scoring.rules import ProductLine, RuleSet

RULE_VERSION = RuleVersion.__table__  # type: ignore[attr-defined]
_OF_WORKSPACE = RULE_VERSION.c.workspace_id == bindparam("workspace_id")
_VERSIONS = (
    select(
        RULE_VERSION.c.version,
        RULE_VERSION.c.effective_from,
        RULE_VERSION.c.recognition,
        RULE_VERSION.c.product_lines,
    )
    .where(_OF_WORKSPACE)
    .order_by(RULE_VERSION.c.version)
)
_STAMP = select(func.count(), func.coalesce(func.max(RULE_VERSION.c.version), 0)).where(_OF_WORKSPACE)

Stamp = tuple[int, int]
"""How many versions a workspace has published, and the latest one's number."""


def versions(session: Tx, *, workspace_id: int) -> list[RuleSet]:
    rows = session.connection().execute(_VERSIONS, {"workspace_id": workspace_id})
    return [_rule_set(row) for row in rows]


def stamp(session: Tx, *, workspace_id: int) -> Stamp:
    """What changes whenever the workspace publishes a version (rows are never changed or deleted):
    one read of the (workspace_id, version) index."""
    count, latest = session.connection().execute(_STAMP, {"workspace_id": workspace_id}).one()
    return int(count), int(latest)


def stamp_of(rule_sets: list[RuleSet]) -> Stamp:
    """The stamp of these stored versions (as `versions` returns them)."""
    return len(rule_sets), max((r.version for r in rule_sets), default=0)


def add(session: Session, *, workspace_id: int, rules: RuleSet, set_by: str, source: str, now: datetime) -> int | None:
    """Store a new version; None when another change took that version number first."""
    return insert_returning_id(
        session,
        RuleVersion,
        {
            "workspace_id": workspace_id,
            "version": rules.version,
            "effective_from": rules.effective_from,
            "recognition": rules.recognition,
            "product_lines": snapshot(rules)["product_lines"],
            "set_by": set_by,
            "source": source,
            "created_at": now,
        },
        ["workspace_id", "version"],
    )


def snapshot(rules: RuleSet) -> dict[str, object]:
    return {
        "version": rules.version,
        "effective_from": rules.effective_from.isoformat() if rules.effective_from else None,
        "recognition": rules.recognition,
        "product_lines": [{"name": line.name, "premium": line.premium} for line in rules.product_lines],
    }


def _rule_set(row: Any) -> RuleSet:
    recognition: Rule = "paid" if row.recognition == "paid" else "signed"
    return RuleSet(
        version=row.version,
        effective_from=row.effective_from,
        recognition=recognition,
        product_lines=tuple(
            ProductLine(name=line["name"], premium=bool(line["premium"])) for line in row.product_lines
        ),
    )
