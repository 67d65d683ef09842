"""Stored versions of the workspace's published rules (see scoring.rules)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from bot.store.common import insert_returning_id
from bot.store.tables import RuleVersion
from scoring.recognition import Rule
from scoring.rules import ProductLine, RuleSet


def versions(session: Session, *, workspace_id: int) -> list[RuleSet]:
    rows = session.exec(
        select(RuleVersion).where(col(RuleVersion.workspace_id) == workspace_id).order_by(col(RuleVersion.version))
    )
    return [_rule_set(row) for row in rows]


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


def _rule_set(row: RuleVersion) -> RuleSet:
    recognition: Rule = "paid" if row.recognition == "paid" else "signed"
    return RuleSet(
        version=row.version,
        effective_from=row.effective_from,
        recognition=recognition,
        product_lines=tuple(
            ProductLine(name=line["name"], premium=bool(line["premium"])) for line in row.product_lines
        ),
    )
