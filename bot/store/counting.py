"""The recognition rule in SQL: the day each deal counts on, under one rule or a change of rule."""

from __future__ import annotations

from datetime import date

from sqlalchemy import ColumnElement, Table, and_, case, or_

from bot.store.tables import Deal
from scoring.recognition import Counting, Rule

DEAL: Table = Deal.__table__  # type: ignore[attr-defined]


def uniform(rule: Rule | Counting) -> Rule | None:
    return rule if isinstance(rule, str) else rule.uniform


def counted_on(rule: Rule | Counting) -> ColumnElement[date]:
    """signed_on or paid_on; after a change of rule, chosen per deal by the day it was signed."""
    one = uniform(rule)
    if one is not None:
        return DEAL.c.signed_on if one == "signed" else DEAL.c.paid_on
    assert isinstance(rule, Counting)
    spans = rule.spans()
    whens = [
        (DEAL.c.signed_on < start, _column(previous))
        for (start, _), (_, previous) in zip(spans[1:], spans, strict=False)
        if start is not None
    ]
    return case(*whens, else_=_column(spans[-1][1]))


def counted_between(rule: Rule | Counting, start: date, end: date) -> ColumnElement[bool]:
    """The deal counts between two days (inclusive). Under a change of rule the per-deal day is
    not indexable, so the ranges on both indexed days narrow the rows first."""
    day = counted_on(rule)
    exact = and_(day >= start, day <= end)
    if uniform(rule) is not None:
        return exact
    either = or_(
        and_(DEAL.c.signed_on >= start, DEAL.c.signed_on <= end), and_(DEAL.c.paid_on >= start, DEAL.c.paid_on <= end)
    )
    return and_(either, exact)


def _column(rule: Rule) -> ColumnElement[date]:
    return DEAL.c.signed_on if rule == "signed" else DEAL.c.paid_on
