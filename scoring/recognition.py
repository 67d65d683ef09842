"""The recognition rule: a deal counts when it is signed, or when its prepayment is received."""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from datetime import date
from typing import Literal

from scoring.periods import Period, month_of

Rule = Literal["signed", "paid"]


@dataclass(frozen=True)
class Counting:
    """Which rule governs each deal: the rule in force on the day it was signed.

    A change of rule applies to deals signed from its first day on, so no deal counts twice (signed
    in one period under "signed", paid in the next under "paid") and none is never counted.
    `changes` are (first day, rule) in ascending order; `base` governs deals signed before them.
    """

    base: Rule
    changes: tuple[tuple[date, Rule], ...] = ()

    def rule_for(self, signed_on: date) -> Rule:
        index = bisect_right([start for start, _ in self.changes], signed_on)
        return self.base if index == 0 else self.changes[index - 1][1]

    @property
    def uniform(self) -> Rule | None:
        """The one rule every deal is counted by, or None when deals signed at different times differ."""
        rules = {self.base, *(rule for _, rule in self.changes)}
        return self.base if len(rules) == 1 else None

    def spans(self) -> list[tuple[date | None, Rule]]:
        """(first signing day or None for "from the start", rule), merging repeats: for SQL CASE expressions."""
        merged: list[tuple[date | None, Rule]] = [(None, self.base)]
        for start, rule in self.changes:
            if rule != merged[-1][1]:
                merged.append((start, rule))
        return merged


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
