"""The recognition rule: a deal counts when it is signed, or when its prepayment is received."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

from scoring.periods import Period, month_of

Rule = Literal["signed", "paid"]


@dataclass(frozen=True)
class CountingReceipt:
    """Which rule applied to a deal and where it counts; `period` is None while it waits for payment."""

    rule: Rule
    counts_on: date | None
    period: Period | None

    @property
    def waiting_for_payment(self) -> bool:
        return self.counts_on is None

    def describe(self) -> str:
        if self.period is None or self.counts_on is None:
            return "Counts when payment is received (rule: deals count when paid)."
        why = "signed" if self.rule == "signed" else "paid"
        return f"Counts in {self.period.label}: {why} on {self.counts_on.isoformat()} (rule: deals count when {why})."


def counting_receipt(rule: Rule, *, signed_on: date, paid_on: date | None) -> CountingReceipt:
    counts_on = signed_on if rule == "signed" else paid_on
    return CountingReceipt(rule=rule, counts_on=counts_on, period=None if counts_on is None else month_of(counts_on))
