"""Plain records of logged work, as the domain sees them (no database rows, no Slack payloads)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from scoring.money import Money


class Source(StrEnum):
    """Where a figure came from, shown wherever a number is explained (PRODUCT §5)."""

    SLACK_COMMAND = "command"
    MODAL = "modal"
    CSV_IMPORT = "csv"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return {
            Source.SLACK_COMMAND: "self-reported (slash command)",
            Source.MODAL: "self-reported (form)",
            Source.CSV_IMPORT: "imported (CSV)",
            Source.ADMIN: "admin entry",
        }[self]


@dataclass(frozen=True)
class DealRecord:
    number: int
    owner_user_id: str
    customer: str
    money: Money
    product_line: str | None
    signed_on: date
    paid_on: date | None
    note: str | None
    source: Source
    created_at: datetime
    void_reason: str | None = None

    @property
    def ref(self) -> str:
        return f"D-{self.number}"

    @property
    def voided(self) -> bool:
        return self.void_reason is not None

    @property
    def stage(self) -> str:
        return "paid" if self.paid_on is not None else "signed"


@dataclass(frozen=True)
class ActivityRecord:
    number: int
    owner_user_id: str
    kind: str
    count: int
    customer: str | None
    occurred_on: date
    note: str | None
    source: Source
    created_at: datetime
    void_reason: str | None = None

    @property
    def ref(self) -> str:
        return f"A-{self.number}"

    @property
    def voided(self) -> bool:
        return self.void_reason is not None
