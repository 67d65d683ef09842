"""Rules about individual deals: probable duplicates and what deserves a celebration."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from decimal import Decimal

from scoring.customers import name_key
from scoring.money import Money
from scoring.records import DealRecord

DUPLICATE_WINDOW = timedelta(minutes=10)


def probable_duplicate(
    *, owner_user_id: str, customer: str, money: Money, recent: Iterable[DealRecord], now: datetime
) -> DealRecord | None:
    """The rep's own live deal for the same customer and amount logged within the last 10 minutes."""
    key = name_key(customer)
    for deal in recent:
        if (
            not deal.voided
            and deal.owner_user_id == owner_user_id
            and deal.money == money
            and name_key(deal.customer) == key
            and timedelta(0) <= now - deal.created_at <= DUPLICATE_WINDOW
        ):
            return deal
    return None


def celebration(*, money: Money, threshold: Decimal | None, first_of_period: bool, period_label: str) -> str | None:
    """Why a deal is announced in the wins channel, or None. Big deals win over firsts."""
    if threshold is not None and money.amount >= threshold:
        return "big deal"
    if first_of_period:
        return f"first deal of {period_label}"
    return None
