"""Metric actuals aggregated in SQL, for one rep or a whole workspace, in one pass per source table.

The definitions are those of `scoring.metrics.compute_actuals` (the pure reference); a property
test checks that both agree on random data, on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, case, distinct, exists, func, literal, select
from sqlmodel import Session

from bot.store.deals import first_with_customer
from bot.store.tables import Activity, CsatResult, Deal, TrainingCompletion
from scoring.metrics import ACTIVITY_KINDS, one_year_before, ratio
from scoring.periods import Period
from scoring.recognition import Rule

CENTS = Decimal(100)

DEAL = Deal.__table__  # type: ignore[attr-defined]
ACTIVITY = Activity.__table__  # type: ignore[attr-defined]
CSAT = CsatResult.__table__  # type: ignore[attr-defined]
TRAINING = TrainingCompletion.__table__  # type: ignore[attr-defined]

Actuals = dict[str, Decimal]


def _ratio(numerator: Decimal | int, denominator: Decimal | int) -> Decimal:
    """The reference's rounding (exact, half up, 4 places); 0 for an empty denominator."""
    return ratio(numerator, denominator) if denominator else Decimal(0)


def actuals(
    session: Session,
    *,
    workspace_id: int,
    period: Period,
    rule: Rule,
    premium_lines: Collection[str],
    required_courses: Collection[str],
    member_ids: Sequence[int] | None = None,
    repurchase_for: Sequence[int] | None = None,
) -> dict[int, Actuals]:
    """Every metric's actual for each member with any record (or each of `member_ids`) in `period`.

    repurchase_rate scans a year of deals, so it is computed only for `repurchase_for` when given
    (the members whose scorecard has it); everyone else gets 0 for it.
    """
    connection = session.connection()
    counted = DEAL.c.signed_on if rule == "signed" else DEAL.c.paid_on
    live = and_(DEAL.c.workspace_id == workspace_id, DEAL.c.voided_at.is_(None))
    owners = DEAL.c.owner_id.in_(member_ids) if member_ids is not None else literal(True)
    in_period = and_(counted >= period.start, counted <= period.end)

    first_deal = first_with_customer(DEAL)
    premium = DEAL.c.product_line.in_(list(premium_lines)) if premium_lines else literal(False)
    # one row per deal counting in the period, with its first-deal flag evaluated once
    counting = (
        select(
            DEAL.c.owner_id.label("owner_id"),
            DEAL.c.customer_id.label("customer_id"),
            DEAL.c.amount_minor.label("amount"),
            case((premium, DEAL.c.amount_minor), else_=0).label("premium_amount"),
            case((first_deal, 1), else_=0).label("first"),
        )
        .where(live, owners, in_period)
        .subquery()
    )
    deal_rows = connection.execute(
        select(
            counting.c.owner_id,
            func.count(),
            func.coalesce(func.sum(counting.c.amount), 0),
            func.coalesce(func.sum(counting.c.premium_amount), 0),
            func.count(distinct(case((counting.c.first == 1, counting.c.customer_id)))),
            func.coalesce(func.sum(case((counting.c.first == 1, counting.c.amount), else_=0)), 0),
        ).group_by(counting.c.owner_id)
    )
    template = _empty(required_courses)
    results: dict[int, Actuals] = defaultdict(template.copy)
    for owner, count, revenue, premium_revenue, new_customers, new_revenue in deal_rows:
        row = results[owner]
        row["deals"] = Decimal(count)
        row["revenue"] = Decimal(revenue) / CENTS
        row["new_customers"] = Decimal(new_customers)
        row["new_customer_revenue"] = Decimal(new_revenue) / CENTS
        row["repeat_revenue"] = Decimal(revenue - new_revenue) / CENTS
        row["premium_share"] = _ratio(premium_revenue, revenue)

    if repurchase_for is None or repurchase_for:
        scope = owners if repurchase_for is None else DEAL.c.owner_id.in_(repurchase_for)
        _repurchase(connection, results, live=live, owners=scope, counted=counted, period=period)
    _activities(connection, results, workspace_id=workspace_id, period=period, member_ids=member_ids)
    _csat(
        connection,
        results,
        workspace_id=workspace_id,
        period=period,
        member_ids=member_ids,
        counted=counted,
        premium_lines=premium_lines,
    )
    _training(
        connection, results, workspace_id=workspace_id, period=period, member_ids=member_ids, required=required_courses
    )
    if member_ids is not None:
        for member_id in member_ids:
            results[member_id]  # noqa: B018  (materialise empty actuals for members with no records)
    return dict(results)


def _empty(required_courses: Collection[str]) -> Actuals:
    values = {
        name: Decimal(0)
        for name in (
            "revenue",
            "deals",
            "new_customers",
            "new_customer_revenue",
            "repeat_revenue",
            "repurchase_rate",
            "premium_share",
            "activities",
            "new_leads",
            "csat",
            "premium_csat",
            "training",
        )
    }
    values.update({f"activities:{kind}": Decimal(0) for kind in ACTIVITY_KINDS})
    values["training"] = Decimal(1) if not required_courses else Decimal(0)
    return values


def _repurchase(connection, results, *, live, owners, counted, period) -> None:  # type: ignore[no-untyped-def]
    """Of the rep's customers who bought in the 12 months before the period, the share who bought in it.

    One range scan over the 12 months and the period: per (rep, customer), did they buy before, and
    did they buy during.
    """
    window_start = one_year_before(period.start)
    pairs = (
        select(
            DEAL.c.owner_id.label("owner_id"),
            func.max(case((counted < period.start, 1), else_=0)).label("before"),
            func.max(case((counted >= period.start, 1), else_=0)).label("during"),
        )
        .where(live, owners, counted >= window_start, counted <= period.end)
        .group_by(DEAL.c.owner_id, DEAL.c.customer_id)
        .subquery()
    )
    rows = connection.execute(
        select(pairs.c.owner_id, func.sum(pairs.c.before), func.sum(pairs.c.before * pairs.c.during)).group_by(
            pairs.c.owner_id
        )
    )
    for owner, customers, came_back in rows:
        if customers:
            results[owner]["repurchase_rate"] = _ratio(came_back, customers)


def _activities(connection, results, *, workspace_id, period, member_ids) -> None:  # type: ignore[no-untyped-def]
    """Activities per rep and type, one row per rep (a column per type) so few rows cross to Python."""
    per_kind = [func.sum(case((ACTIVITY.c.kind == kind, ACTIVITY.c.count), else_=0)) for kind in ACTIVITY_KINDS]
    query = (
        select(ACTIVITY.c.owner_id, *per_kind)
        .where(
            ACTIVITY.c.workspace_id == workspace_id,
            ACTIVITY.c.voided_at.is_(None),
            ACTIVITY.c.occurred_on >= period.start,
            ACTIVITY.c.occurred_on <= period.end,
        )
        .group_by(ACTIVITY.c.owner_id)
    )
    if member_ids is not None:
        query = query.where(ACTIVITY.c.owner_id.in_(member_ids))
    for owner, *totals in connection.execute(query):
        row = results[owner]
        for kind, total in zip(ACTIVITY_KINDS, totals, strict=True):
            row[f"activities:{kind}"] = Decimal(total or 0)
        row["activities"] = Decimal(sum(total or 0 for total in totals))
        row["new_leads"] = row["activities:lead"]


def premium_customer(
    customer_id: Any, *, workspace_id: Any, counted: Any, premium_lines: Collection[str], period: Period
) -> Any:
    """SQL: `customer_id` is one of the period's premium customers — a live deal of theirs (anyone's) on a
    premium line counts from 12 months before the period to its end (`scoring.metrics.premium_customers`)."""
    if not premium_lines:
        return literal(False)
    premium_deal = DEAL.alias("premium_deal")
    counted_on = premium_deal.c[counted.name]
    return exists().where(
        premium_deal.c.workspace_id == workspace_id,
        premium_deal.c.customer_id == customer_id,
        premium_deal.c.voided_at.is_(None),
        premium_deal.c.product_line.in_(list(premium_lines)),
        counted_on >= one_year_before(period.start),
        counted_on <= period.end,
    )


def _csat(connection, results, *, workspace_id, period, member_ids, counted, premium_lines) -> None:  # type: ignore[no-untyped-def]
    """csat and premium_csat: all surveys in the period, and those from the period's premium customers."""
    premium = premium_customer(
        CSAT.c.customer_id,
        workspace_id=CSAT.c.workspace_id,
        counted=counted,
        premium_lines=premium_lines,
        period=period,
    )
    surveys = select(
        CSAT.c.member_id.label("member_id"),
        CSAT.c.score.label("score"),
        case((premium, 1), else_=0).label("premium"),  # evaluated once per survey
    ).where(
        CSAT.c.workspace_id == workspace_id,
        CSAT.c.voided_at.is_(None),
        CSAT.c.surveyed_on >= period.start,
        CSAT.c.surveyed_on <= period.end,
    )
    if member_ids is not None:
        surveys = surveys.where(CSAT.c.member_id.in_(member_ids))
    rows = surveys.subquery()
    query = select(
        rows.c.member_id,
        func.count(),
        func.sum(rows.c.score),
        func.sum(rows.c.premium),
        func.sum(rows.c.premium * rows.c.score),
    ).group_by(rows.c.member_id)
    for member, count, total, premium_count, premium_total in connection.execute(query):
        results[member]["csat"] = _ratio(total, count)
        results[member]["premium_csat"] = _ratio(premium_total, premium_count)


def _training(connection, results, *, workspace_id, period, member_ids, required) -> None:  # type: ignore[no-untyped-def]
    if not required:
        return
    query = (
        select(TRAINING.c.member_id, func.count(distinct(TRAINING.c.course)))
        .where(
            TRAINING.c.workspace_id == workspace_id,
            TRAINING.c.course.in_(list(required)),
            TRAINING.c.completed_on <= period.end,
        )
        .group_by(TRAINING.c.member_id)
    )
    if member_ids is not None:
        query = query.where(TRAINING.c.member_id.in_(member_ids))
    for member, done in connection.execute(query):
        results[member]["training"] = _ratio(done, len(set(required)))


def paid_deals(
    session: Session, *, workspace_id: int, member_id: int, period: Period, rule: Rule, premium_lines: Collection[str]
) -> list[tuple[int, Decimal, str | None, bool, bool]]:
    """(number, amount, product line, premium, first deal with the customer) of the member's deals
    counting in the period, in the order they counted — what the incentive plan pays on."""
    counted = DEAL.c.signed_on if rule == "signed" else DEAL.c.paid_on
    first_deal = first_with_customer(DEAL)
    rows = session.connection().execute(
        select(DEAL.c.number, DEAL.c.amount_minor, DEAL.c.product_line, first_deal)
        .where(
            DEAL.c.workspace_id == workspace_id,
            DEAL.c.owner_id == member_id,
            DEAL.c.voided_at.is_(None),
            counted >= period.start,
            counted <= period.end,
        )
        .order_by(counted, DEAL.c.number)
    )
    return [
        (number, Decimal(minor) / CENTS, line, line in premium_lines, bool(first))
        for number, minor, line, first in rows
    ]


def sources(
    session: Session, *, workspace_id: int, member_id: int, period: Period, rule: Rule
) -> dict[str, dict[str, int]]:
    """How many of the member's deals, activities, surveys and courses in the period came from each source."""
    counted = DEAL.c.signed_on if rule == "signed" else DEAL.c.paid_on
    connection = session.connection()
    # (table, whose column, how many, date filters) per kind of figure
    kinds = {
        "deals": (DEAL, DEAL.c.owner_id, func.count(), [counted >= period.start, counted <= period.end]),
        "activities": (
            ACTIVITY,
            ACTIVITY.c.owner_id,
            func.sum(ACTIVITY.c.count),
            [ACTIVITY.c.occurred_on >= period.start, ACTIVITY.c.occurred_on <= period.end],
        ),
        "surveys": (
            CSAT,
            CSAT.c.member_id,
            func.count(),
            [CSAT.c.surveyed_on >= period.start, CSAT.c.surveyed_on <= period.end],
        ),
        "courses": (TRAINING, TRAINING.c.member_id, func.count(), [TRAINING.c.completed_on <= period.end]),
    }
    found: dict[str, dict[str, int]] = {}
    for kind, (table, member, amount, dates) in kinds.items():
        live = [table.c.voided_at.is_(None)] if "voided_at" in table.c else []
        rows = connection.execute(
            select(table.c.source, amount)
            .where(table.c.workspace_id == workspace_id, member == member_id, *live, *dates)
            .group_by(table.c.source)
        )
        found[kind] = {source: int(n or 0) for source, n in rows}
    return found
