"""Metric actuals aggregated in SQL, for one rep or a whole workspace, in one pass per source table.

The definitions are those of `scoring.metrics.compute_actuals` (the pure reference); a property
test checks that both agree on random data, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import gc
from collections import defaultdict
from collections.abc import Callable, Collection, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from decimal import Decimal
from functools import lru_cache
from typing import Any, Literal

from sqlalchemy import (
    BindParameter,
    Connection,
    Date,
    Select,
    and_,
    bindparam,
    case,
    distinct,
    exists,
    func,
    literal,
    select,
    text,
)
from sqlmodel import Session

from bot.store.counting import counted_between, counted_on
from bot.store.deals import first_with_customer
from bot.store.tables import Activity, CsatResult, Deal, TrainingCompletion
from scoring.metrics import ACTIVITY_KINDS, one_year_before, ratio
from scoring.periods import Period
from scoring.recognition import Counting, Rule

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
    rule: Rule | Counting,
    premium_lines: Collection[str],
    required_courses: Collection[str],
    member_ids: Sequence[int] | None = None,
    repurchase_for: Sequence[int] | None = None,
    concurrent: bool = False,
) -> dict[int, Actuals]:
    """Every metric's actual for each member with any record (or each of `member_ids`) in `period`.

    repurchase_rate scans a year of deals, so it is computed only for `repurchase_for` when given
    (the members whose scorecard has it); everyone else gets 0 for it.

    The deals, repurchase, activities and surveys-and-courses queries are independent. With
    `concurrent`, each runs on a connection of its own in a thread (SQLite and psycopg release the
    GIL while the database works), for workspace-wide reads from a `Database.reading()` session only:
    on PostgreSQL every connection reads the session's snapshot (`SET TRANSACTION SNAPSHOT`), on
    SQLite each reads the latest commit when it starts.
    """
    scope: Literal["all", "members", "others", "nobody"] = (
        ("all" if member_ids is None else "members")
        if repurchase_for is None
        else ("others" if repurchase_for else "nobody")
    )
    parts = _parts(rule=rule, members=member_ids is not None, repurchase=scope, training=bool(required_courses))
    params = {
        "workspace_id": workspace_id,
        "start": period.start,
        "end": period.end,
        "window_start": one_year_before(period.start),
        "members": list(member_ids or ()),
        "repurchase_members": list(repurchase_for or ()),
        "premium_lines": sorted(premium_lines),
        "courses": sorted(set(required_courses)),
    }
    connection = session.connection()
    statements = [statement for statement, _ in parts]
    template = _empty(required_courses)
    results: dict[int, Actuals] = defaultdict(template.copy)
    # workspace-wide, this builds ~40,000 rows and 10,000 dicts without a reference cycle among them: the
    # cyclic garbage collector would walk every live object several times over for nothing (~50 ms of 0.5 s)
    pause_gc = member_ids is None and gc.isenabled()
    if pause_gc:
        gc.disable()
    try:
        if concurrent and _shared(connection):
            found = _run_concurrently(connection, statements, params)
        else:
            found = _run(connection, statements, params)
        for index, rows in found:
            parts[index][1](results, rows, params)
    finally:
        if pause_gc:
            gc.enable()
    if member_ids is not None:
        for member_id in member_ids:
            results[member_id]  # noqa: B018  (materialise empty actuals for members with no records)
    return dict(results)


Fold = Callable[[dict[int, Actuals], Sequence[Any], dict[str, Any]], None]
_WORKSPACE: BindParameter[Any] = bindparam("workspace_id")
_START = bindparam("start", type_=Date)
_END = bindparam("end", type_=Date)
_WINDOW_START = bindparam("window_start", type_=Date)
_MEMBERS: BindParameter[Any] = bindparam("members", expanding=True)


@lru_cache(maxsize=64)
def _parts(
    *, rule: Rule | Counting, members: bool, repurchase: Literal["all", "members", "others", "nobody"], training: bool
) -> list[tuple[Select[Any], Fold]]:
    """The independent queries behind `actuals` (built once per shape; dates, ids and names are bound
    parameters), each with the function that folds its rows into the results."""
    live = and_(DEAL.c.workspace_id == _WORKSPACE, DEAL.c.voided_at.is_(None))
    owners = DEAL.c.owner_id.in_(_MEMBERS) if members else literal(True)
    parts: list[tuple[Select[Any], Fold]] = [_deals(live=live, owners=owners, rule=rule)]
    if repurchase != "nobody":
        scope = (
            DEAL.c.owner_id.in_(bindparam("repurchase_members", expanding=True)) if repurchase == "others" else owners
        )
        parts.append(_repurchase(live=live, owners=scope, rule=rule))
    parts.append(_activities(members=members))
    parts.append(_csat(members=members, rule=rule))
    if training:
        parts.append(_training(members=members))
    return parts


def _shared(connection: Connection) -> bool:
    """Whether other connections of this engine see the same data (not so for an in-memory SQLite database)."""
    url = connection.engine.url
    return url.get_backend_name() != "sqlite" or url.database not in (None, "", ":memory:")


def _run(
    connection: Connection, statements: Sequence[Select[Any]], params: dict[str, Any]
) -> Iterator[tuple[int, Any]]:
    for index, statement in enumerate(statements):
        yield index, connection.execute(statement, params).all()


def _run_concurrently(
    connection: Connection, statements: Sequence[Select[Any]], params: dict[str, Any]
) -> Iterator[tuple[int, Sequence[Any]]]:
    """Each statement on its own connection of the session's engine, all at once; (index, rows) as each
    finishes, so the caller folds one result while the database still works on the others."""
    engine = connection.engine
    snapshot: str | None = None
    if engine.dialect.name == "postgresql":
        snapshot = connection.execute(text("SELECT pg_export_snapshot()")).scalar_one()

    def run(statement: Select[Any]) -> Sequence[Any]:
        with engine.connect() as own:
            if snapshot is not None:
                own.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ"))
                own.execute(text(f"SET TRANSACTION SNAPSHOT '{snapshot}'"))
                own.execute(_ANALYTIC_SETTINGS)
            found = own.execute(statement, params).all()
            own.rollback()
            return found

    with ThreadPoolExecutor(max_workers=len(statements), thread_name_prefix="metrics") as pool:
        futures = {pool.submit(run, statement): index for index, statement in enumerate(statements)}
        for future in as_completed(futures):
            yield futures[future], future.result()


_ANALYTIC_SETTINGS = text("SELECT set_config('jit', 'off', true), set_config('work_mem', '32MB', true)")
"""For the workspace-wide aggregates on PostgreSQL, in their own transactions only. JIT compiles each of them
for ~0.1 s and then runs them no faster: they are short index scans with a per-row probe, not long
expression-heavy scans. The repurchase query sorts ~170,000 (rep, customer) rows of 12 bytes for a month at
10,000 reps, which spills to disk under the default 4 MB work_mem."""


def _unflattened(statement: Select[Any]) -> Any:
    """`statement` as a subquery the planner keeps whole (OFFSET 0 is a fence on SQLite and PostgreSQL), so
    an expression it computes once per row (a correlated EXISTS) is not copied into every outer aggregate
    that reads it and evaluated again there."""
    return statement.offset(0).subquery()


def _deals(*, live: Any, owners: Any, rule: Rule | Counting) -> tuple[Select[Any], Fold]:
    """Per rep: deals, revenue, premium revenue, new customers and their revenue, of the deals counting in the
    period. A customer has exactly one first deal, so new customers = the number of first deals."""
    premium = DEAL.c.product_line.in_(bindparam("premium_lines", expanding=True))
    counting = _unflattened(
        select(
            DEAL.c.owner_id.label("owner_id"),
            DEAL.c.amount_minor.label("amount"),
            case((premium, DEAL.c.amount_minor), else_=0).label("premium_amount"),
            case((first_with_customer(DEAL), 1), else_=0).label("first"),
        ).where(live, owners, counted_between(rule, _START, _END))
    )
    query = select(
        counting.c.owner_id,
        func.count(),
        func.sum(counting.c.amount),
        func.sum(counting.c.premium_amount),
        func.sum(counting.c.first),
        func.sum(counting.c.first * counting.c.amount),
    ).group_by(counting.c.owner_id)

    def fold(results: dict[int, Actuals], rows: Sequence[Any], _params: dict[str, Any]) -> None:
        for owner, count, revenue, premium_revenue, new_customers, new_revenue in rows:
            row = results[owner]
            row["deals"] = Decimal(count)
            row["revenue"] = Decimal(revenue) / CENTS
            row["new_customers"] = Decimal(new_customers)
            row["new_customer_revenue"] = Decimal(new_revenue) / CENTS
            row["repeat_revenue"] = Decimal(revenue - new_revenue) / CENTS
            row["premium_share"] = _ratio(premium_revenue, revenue)

    return query, fold


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


def _repurchase(*, live: Any, owners: Any, rule: Rule | Counting) -> tuple[Select[Any], Fold]:
    """Of the rep's customers who bought in the 12 months before the period, the share who bought in it.

    One range scan over the 12 months and the period, grouped by rep only: with B the customers who
    bought before and D those who bought during, |B ∩ D| = |B| + |D| - |B ∪ D|, three distinct counts
    (cheaper than grouping by rep and customer first, on both databases).
    """
    customer = DEAL.c.customer_id
    counted = counted_on(rule)
    query = (
        select(
            DEAL.c.owner_id,
            func.count(distinct(case((counted < _START, customer)))),
            func.count(distinct(case((counted >= _START, customer)))),
            func.count(distinct(customer)),
        )
        .where(live, owners, counted_between(rule, _WINDOW_START, _END))
        .group_by(DEAL.c.owner_id)
    )

    def fold(results: dict[int, Actuals], rows: Sequence[Any], _params: dict[str, Any]) -> None:
        for owner, before, during, either in rows:
            if before:
                results[owner]["repurchase_rate"] = _ratio(before + during - either, before)

    return query, fold


def _activities(*, members: bool) -> tuple[Select[Any], Fold]:
    """Activities per rep and type, one row per rep (a column per type) so few rows cross to Python."""
    per_kind = [func.sum(case((ACTIVITY.c.kind == kind, ACTIVITY.c.count), else_=0)) for kind in ACTIVITY_KINDS]
    query = (
        select(ACTIVITY.c.owner_id, *per_kind)
        .where(
            ACTIVITY.c.workspace_id == _WORKSPACE,
            ACTIVITY.c.voided_at.is_(None),
            ACTIVITY.c.occurred_on >= _START,
            ACTIVITY.c.occurred_on <= _END,
        )
        .group_by(ACTIVITY.c.owner_id)
    )
    if members:
        query = query.where(ACTIVITY.c.owner_id.in_(_MEMBERS))
    names = [f"activities:{kind}" for kind in ACTIVITY_KINDS]

    def fold(results: dict[int, Actuals], rows: Sequence[Any], _params: dict[str, Any]) -> None:
        for owner, *totals in rows:
            row = results[owner]
            counts = [total or 0 for total in totals]
            row.update(zip(names, map(Decimal, counts), strict=True))
            row["activities"] = Decimal(sum(counts))
            row["new_leads"] = row["activities:lead"]

    return query, fold


def _premium_customer(customer_id: Any, *, workspace_id: Any, rule: Rule | Counting) -> Any:
    """SQL: `customer_id` is one of the period's premium customers — a live deal of theirs (anyone's) on a
    premium line counts from 12 months before the period to its end (`scoring.metrics.premium_customers`)."""
    premium_deal = DEAL.alias("premium_deal")
    return exists().where(
        premium_deal.c.workspace_id == workspace_id,
        premium_deal.c.customer_id == customer_id,
        premium_deal.c.product_line.in_(bindparam("premium_lines", expanding=True)),
        counted_between(rule, _WINDOW_START, _END, premium_deal),
        premium_deal.c.voided_at.is_(None),
    )


def _csat(*, members: bool, rule: Rule | Counting) -> tuple[Select[Any], Fold]:
    """csat and premium_csat: all surveys in the period, and those from the period's premium customers."""
    premium = _premium_customer(CSAT.c.customer_id, workspace_id=CSAT.c.workspace_id, rule=rule)
    surveys = select(
        CSAT.c.member_id.label("member_id"),
        CSAT.c.score.label("score"),
        case((premium, 1), else_=0).label("premium"),
    ).where(
        CSAT.c.workspace_id == _WORKSPACE,
        CSAT.c.voided_at.is_(None),
        CSAT.c.surveyed_on >= _START,
        CSAT.c.surveyed_on <= _END,
    )
    if members:
        surveys = surveys.where(CSAT.c.member_id.in_(_MEMBERS))
    rows = _unflattened(surveys)
    query = select(
        rows.c.member_id,
        func.count(),
        func.sum(rows.c.score),
        func.sum(rows.c.premium),
        func.sum(rows.c.premium * rows.c.score),
    ).group_by(rows.c.member_id)

    def fold(results: dict[int, Actuals], found: Sequence[Any], _params: dict[str, Any]) -> None:
        for member, count, total, premium_count, premium_total in found:
            row = results[member]
            row["csat"] = _ratio(total, count)
            row["premium_csat"] = _ratio(premium_total, premium_count)

    return query, fold


def _training(*, members: bool) -> tuple[Select[Any], Fold]:
    query = (
        select(TRAINING.c.member_id, func.count(distinct(TRAINING.c.course)))
        .where(
            TRAINING.c.workspace_id == _WORKSPACE,
            TRAINING.c.course.in_(bindparam("courses", expanding=True)),
            TRAINING.c.completed_on <= _END,
        )
        .group_by(TRAINING.c.member_id)
    )
    if members:
        query = query.where(TRAINING.c.member_id.in_(_MEMBERS))

    def fold(results: dict[int, Actuals], rows: Sequence[Any], params: dict[str, Any]) -> None:
        courses = len(params["courses"])
        for member, done in rows:
            results[member]["training"] = _ratio(done, courses)

    return query, fold


PaidDeal = tuple[int, Decimal, str | None, bool, bool]
"""(number, amount, product line, premium, first deal with the customer)."""


def paid_deals(
    session: Session,
    *,
    workspace_id: int,
    member_ids: Sequence[int],
    period: Period,
    rule: Rule | Counting,
    premium_lines: Collection[str],
) -> dict[int, list[PaidDeal]]:
    """Each member's deals counting in the period, in the order they counted — what the incentive plan
    pays on — in one query for all of them (a member with none is absent)."""
    rows = session.connection().execute(
        _paid_deals(rule),
        {"workspace_id": workspace_id, "members": list(member_ids), "start": period.start, "end": period.end},
    )
    found: dict[int, list[PaidDeal]] = defaultdict(list)
    for owner, number, minor, line, first in rows:
        found[owner].append((number, Decimal(minor) / CENTS, line, line in premium_lines, bool(first)))
    return dict(found)


@lru_cache(maxsize=16)
def _paid_deals(rule: Rule | Counting) -> Select[Any]:
    counted = counted_on(rule)
    return (
        select(DEAL.c.owner_id, DEAL.c.number, DEAL.c.amount_minor, DEAL.c.product_line, first_with_customer(DEAL))
        .where(
            DEAL.c.workspace_id == _WORKSPACE,
            DEAL.c.owner_id.in_(_MEMBERS),
            DEAL.c.voided_at.is_(None),
            counted_between(rule, _START, _END),
        )
        .order_by(DEAL.c.owner_id, counted, DEAL.c.number)
    )


def sources(
    session: Session, *, workspace_id: int, member_ids: Sequence[int], period: Period, rule: Rule | Counting
) -> dict[int, dict[str, dict[str, int]]]:
    """For each member: how many of their deals, activities, surveys and courses in the period came from
    each source (`{"deals": {"command": 3}, "activities": {}, …}`); one query per kind of record for all of them."""
    connection = session.connection()
    params = {"workspace_id": workspace_id, "members": list(member_ids), "start": period.start, "end": period.end}
    statements = _sources(rule)
    found: dict[int, dict[str, dict[str, int]]] = {m: {kind: {} for kind in statements} for m in member_ids}
    for kind, statement in statements.items():
        for member_id, source, n in connection.execute(statement, params):
            found[member_id][kind][source] = int(n or 0)
    return found


@lru_cache(maxsize=16)
def _sources(rule: Rule | Counting) -> dict[str, Select[Any]]:
    # (table, whose column, how many, date filters) per kind of figure
    kinds = {
        "deals": (DEAL, DEAL.c.owner_id, func.count(), [counted_between(rule, _START, _END)]),
        "activities": (
            ACTIVITY,
            ACTIVITY.c.owner_id,
            func.sum(ACTIVITY.c.count),
            [ACTIVITY.c.occurred_on >= _START, ACTIVITY.c.occurred_on <= _END],
        ),
        "surveys": (CSAT, CSAT.c.member_id, func.count(), [CSAT.c.surveyed_on >= _START, CSAT.c.surveyed_on <= _END]),
        "courses": (TRAINING, TRAINING.c.member_id, func.count(), [TRAINING.c.completed_on <= _END]),
    }
    statements: dict[str, Select[Any]] = {}
    for kind, (table, member, amount, dates) in kinds.items():
        live = [table.c.voided_at.is_(None)] if "voided_at" in table.c else []
        statements[kind] = (
            select(member, table.c.source, amount)
            .where(table.c.workspace_id == _WORKSPACE, member.in_(_MEMBERS), *live, *dates)
            .group_by(member, table.c.source)
        )
    return statements
