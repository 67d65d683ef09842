"""The recognition rule in SQL: the day each deal counts on, under one rule or a change of rule."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, FromClause, Table, and_, case, or_

from bot.store.tables import Deal
from scoring.recognition import Counting, Rule

DEAL: Table = Deal.__table__  # type: ignore[attr-defined]

Bound = date | ColumnElement[Any]  # a day, or a bound parameter standing for one


def uniform(rule: Rule | Counting) -> Rule | None:
    return rule if isinstance(rule, str) else rule.uniform


def counted_on(rule: Rule | Counting, deal: FromClause = DEAL) -> ColumnElement[date]:
    """signed_on or paid_on of `deal` (the deal table or an alias of it); after a change of rule,
    chosen per deal by the day it was signed."""
    one = uniform(rule)
    if one is not None:
        return _column(one, deal)
    assert isinstance(rule, Counting)
    spans = rule.spans()
    whens = [
        (deal.c.signed_on < start, _column(previous, deal))
        for (start, _), (_, previous) in zip(spans[1:], spans, strict=False)
        if start is not None
    ]
    return case(*whens, else_=_column(spans[-1][1], deal))


def counted_between(rule: Rule | Counting, start: Bound, end: Bound, deal: FromClause = DEAL) -> ColumnElement[bool]:
    """The deal counts between two days (inclusive). Under a change of rule the per-deal day is
    not indexable, so the ranges on both indexed days narrow the rows first."""
    day = counted_on(rule, deal)
    exact = and_(day >= start, day <= end)
    if uniform(rule) is not None:
        return exact
    signed, paid = deal.c.signed_on, deal.c.paid_on
    either = or_(and_(signed >= start, signed <= end), and_(paid >= start, paid <= end))
    return and_(either, exact)


def _column(rule: Rule, deal: FromClause) -> ColumnElement[date]:
    column: ColumnElement[date] = deal.c.signed_on if rule == "signed" else deal.c.paid_on
    return column
