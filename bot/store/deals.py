"""Deals: inserted once (unique source key), voided with a reason, never deleted."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import partial
from typing import Any

from sqlalchemy import Date, and_, bindparam, exists, func, literal_column, or_
from sqlalchemy import select as core_select
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from bot.store.common import from_minor, insert_returning_id, to_minor
from bot.store.counting import counted_between, counted_on, uniform
from bot.store.customers import CustomerRef
from bot.store.direct import Tx
from bot.store.tables import Customer, Deal, Member
from scoring.customers import name_key
from scoring.money import Money
from scoring.periods import Period
from scoring.recognition import Counting, Rule
from scoring.records import DealRecord, Source

DEAL = Deal.__table__  # type: ignore[attr-defined]
CUSTOMER = Customer.__table__  # type: ignore[attr-defined]
MEMBER = Member.__table__  # type: ignore[attr-defined]

# Statements on the hot path of /deal, built once; values are bound when they run.
_ID_BY_SOURCE_KEY = select(DEAL.c.id).where(
    DEAL.c.workspace_id == bindparam("workspace_id"), DEAL.c.source_key == bindparam("source_key")
)
# Everything logging a deal reads, in one statement (see `before_logging`).
_TWIN = aliased(DEAL, name="twin")
_EARLIER = aliased(DEAL, name="earlier")
_ONE = core_select(literal_column("1").label("one")).subquery("one")
_BEFORE_LOGGING = core_select(
    _ID_BY_SOURCE_KEY.scalar_subquery().label("replay_id"),
    CUSTOMER.c.id.label("customer_id"),
    CUSTOMER.c.name.label("customer_name"),
    exists()
    .where(
        _EARLIER.c.workspace_id == bindparam("workspace_id"),
        _EARLIER.c.customer_id == CUSTOMER.c.id,
        _EARLIER.c.voided_at.is_(None),
        _EARLIER.c.signed_on <= bindparam("day", type_=Date),
    )
    .label("known_before"),
    *(
        _TWIN.c[name]
        for name in (
            "number",
            "amount_minor",
            "currency",
            "product_line",
            "signed_on",
            "paid_on",
            "note",
            "source",
            "created_at",
            "void_reason",
        )
    ),  # fmt: skip
).select_from(
    _ONE.outerjoin(
        CUSTOMER,
        and_(CUSTOMER.c.workspace_id == bindparam("workspace_id"), CUSTOMER.c.name_key == bindparam("name_key")),
    ).outerjoin(
        _TWIN,
        and_(
            _TWIN.c.workspace_id == bindparam("workspace_id"),
            _TWIN.c.customer_id == CUSTOMER.c.id,
            # `+ 0`: look the customer's few deals up by the customer index, not the rep's many
            _TWIN.c.owner_id + 0 == bindparam("owner_id"),
            _TWIN.c.amount_minor == bindparam("amount_minor"),
            _TWIN.c.currency == bindparam("currency"),
            _TWIN.c.created_at >= bindparam("since", type_=DEAL.c.created_at.type),
        ),
    )
)

_SUM = (func.count(), func.coalesce(func.sum(DEAL.c.amount_minor), 0))
_LIVE_OF_OWNER = (
    DEAL.c.workspace_id == bindparam("workspace_id"),
    DEAL.c.owner_id == bindparam("owner_id"),
    DEAL.c.voided_at.is_(None),
)
_COUNTED_IN = {
    rule: select(*_SUM).where(
        *_LIVE_OF_OWNER, column >= bindparam("start", type_=Date), column <= bindparam("end", type_=Date)
    )
    for rule, column in (("signed", DEAL.c.signed_on), ("paid", DEAL.c.paid_on))
}
_AWAITING_PAYMENT = select(*_SUM).where(*_LIVE_OF_OWNER, DEAL.c.paid_on.is_(None))


def values_for(
    *,
    workspace_id: int,
    number: int,
    owner_id: int,
    customer_id: int,
    money: Money,
    product_line: str | None,
    signed_on: date,
    paid_on: date | None,
    note: str | None,
    source: Source,
    source_key: str,
    now: datetime,
) -> dict[str, Any]:
    """The column values of a new deal."""
    return {
        "workspace_id": workspace_id,
        "number": number,
        "owner_id": owner_id,
        "customer_id": customer_id,
        "amount_minor": to_minor(money),
        "currency": money.currency,
        "product_line": product_line,
        "signed_on": signed_on,
        "paid_on": paid_on,
        "note": note,
        "source": source.value,
        "source_key": source_key,
        "created_at": now,
        "voided_at": None,
        "voided_by": None,
        "void_reason": None,
    }


def insert_once(session: Tx, values: dict[str, Any]) -> int | None:
    """Insert the deal unless the workspace already has one with its `source_key`.

    Returns the new id, or None when the source key was taken: the same request was recorded
    already, by a retry or a concurrent copy.
    """
    return insert_returning_id(session, Deal, values, ["workspace_id", "source_key"])


def id_by_source_key(session: Tx, *, workspace_id: int, source_key: str) -> int | None:
    found = (
        session.connection()
        .execute(_ID_BY_SOURCE_KEY, {"workspace_id": workspace_id, "source_key": source_key})
        .first()
    )
    return None if found is None else int(found[0])


@dataclass(frozen=True)
class BeforeLogging:
    """What logging a deal needs to know first (see `before_logging`)."""

    replay_id: int | None  # the deal this request's source key already recorded
    customer: CustomerRef | None  # the customer the name means, any spelling
    known_before: bool  # the customer has a live deal signed on or before the deal's day
    twins: list[DealRecord]  # the owner's deals for this customer and amount created since `since`


def before_logging(
    session: Tx,
    *,
    workspace_id: int,
    source_key: str,
    customer: str,
    owner_id: int,
    owner_user_id: str,
    money: Money,
    day: date,
    since: datetime,
) -> BeforeLogging:
    """Whether this request was recorded already (`id_by_source_key`), the customer the name means
    (`customers.find_ref`), whether they have a live deal signed by `day` (so this one is not their
    first), and the duplicate check's candidates (the owner's deals for this customer and amount
    created since `since`) — one statement of indexed reads for all four: the hot path of `/deal`."""
    parameters = {
        "workspace_id": workspace_id,
        "source_key": source_key,
        "name_key": name_key(customer),
        "day": day,
        "owner_id": owner_id,
        "amount_minor": to_minor(money),
        "currency": money.currency,
        "since": since,
    }
    rows = session.connection().execute(_BEFORE_LOGGING, parameters).all()
    first = rows[0]
    found = None if first.customer_id is None else CustomerRef(int(first.customer_id), str(first.customer_name))
    twins = [
        _as_record(row, customer=row.customer_name, owner_user_id=owner_user_id)
        for row in rows
        if row.number is not None
    ]
    return BeforeLogging(
        replay_id=None if first.replay_id is None else int(first.replay_id),
        customer=found,
        known_before=bool(first.known_before),
        twins=twins,
    )


def _records_query() -> Any:
    return (
        select(Deal, Customer.name, Member.user_id)
        .join(Customer, col(Customer.id) == Deal.customer_id)
        .join(Member, col(Member.id) == Deal.owner_id)
    )


def _record(row: Any) -> DealRecord:
    deal, customer, owner = row
    return _as_record(deal, customer=customer, owner_user_id=owner)


def _as_record(deal: Any, *, customer: str, owner_user_id: str) -> DealRecord:
    """A DealRecord from anything with the deal's column attributes (an ORM row or a Core row)."""
    return DealRecord(
        number=deal.number,
        owner_user_id=owner_user_id,
        customer=customer,
        money=from_minor(deal.amount_minor, deal.currency),
        product_line=deal.product_line,
        signed_on=deal.signed_on,
        paid_on=deal.paid_on,
        note=deal.note,
        source=Source(deal.source),
        created_at=deal.created_at,
        void_reason=deal.void_reason,
    )


def record_of(session: Session, deal: Deal) -> DealRecord:
    return _record(session.exec(_records_query().where(Deal.id == deal.id)).one())


def get(session: Session, *, workspace_id: int, number: int) -> Deal | None:
    return session.exec(select(Deal).where(Deal.workspace_id == workspace_id, Deal.number == number)).first()


def by_source_key(session: Session, *, workspace_id: int, source_key: str) -> Deal | None:
    return session.exec(select(Deal).where(Deal.workspace_id == workspace_id, Deal.source_key == source_key)).first()


def recent(
    session: Session, *, workspace_id: int, owner_id: int, limit: int = 10, since: datetime | None = None
) -> list[DealRecord]:
    query = _records_query().where(Deal.workspace_id == workspace_id, Deal.owner_id == owner_id)
    if since is not None:
        query = query.where(Deal.created_at >= since)
    rows = session.exec(query.order_by(col(Deal.number).desc()).limit(limit))
    return [_record(row) for row in rows]


def is_first_for_customer(session: Session, deal: Deal) -> bool:
    """No other live deal with this customer was signed before this one (ties broken by number)."""
    return not _earlier_live_deal(
        session,
        workspace_id=deal.workspace_id,
        customer_id=deal.customer_id,
        signed_on=deal.signed_on,
        number=deal.number,
    )


def _signed_before(table: Any, *, signed_on: Any, number: Any) -> Any:
    """SQL: a deal of `table` was signed before (signed_on, number) — the order that decides a first deal."""
    return or_(table.c.signed_on < signed_on, and_(table.c.signed_on == signed_on, table.c.number < number))


def first_with_customer(deal: Any) -> Any:
    """SQL: `deal` (the deal table or an alias) is its customer's first live deal in the workspace."""
    earlier = aliased(DEAL)
    return ~exists().where(
        earlier.c.workspace_id == deal.c.workspace_id,
        earlier.c.customer_id == deal.c.customer_id,
        earlier.c.voided_at.is_(None),
        _signed_before(earlier, signed_on=deal.c.signed_on, number=deal.c.number),
    )


def _earlier_live_deal(session: Session, *, workspace_id: int, customer_id: int, signed_on: date, number: int) -> bool:
    query = (
        select(DEAL.c.id)
        .where(
            DEAL.c.workspace_id == workspace_id,
            DEAL.c.customer_id == customer_id,
            DEAL.c.voided_at.is_(None),
            _signed_before(DEAL, signed_on=signed_on, number=number),
        )
        .limit(1)
    )
    return session.connection().execute(query).first() is not None


@dataclass(frozen=True)
class Tally:
    """A rep's live deals counting in a period, and (under the paid rule) those awaiting payment."""

    deals: int
    amount_minor: int
    awaiting: int
    awaiting_minor: int


def tally(session: Tx, *, workspace_id: int, owner_id: int, rule: Rule | Counting, period: Period) -> Tally:
    connection = session.connection()
    owner = {"workspace_id": workspace_id, "owner_id": owner_id}
    one = uniform(rule)
    if one is None:  # a change of rule: each deal by the rule it was signed under (rare; not prepared)
        live = select(*_SUM).where(*_LIVE_OF_OWNER)
        counted = live.where(counted_between(rule, period.start, period.end))
        count, total = connection.execute(counted, owner).one()
        waiting, waiting_total = connection.execute(live.where(counted_on(rule).is_(None)), owner).one()
        return Tally(int(count), int(total), int(waiting), int(waiting_total))
    count, total = connection.execute(_COUNTED_IN[one], {**owner, "start": period.start, "end": period.end}).one()
    waiting, waiting_total = connection.execute(_AWAITING_PAYMENT, owner).one() if one == "paid" else (0, 0)
    return Tally(int(count), int(total), int(waiting), int(waiting_total))


def snapshot(deal: Deal | dict[str, Any]) -> dict[str, Any]:
    """The audited view of a deal (a row or its column values): every field a person could dispute."""
    get: Any = deal.get if isinstance(deal, dict) else partial(getattr, deal)
    paid_on = get("paid_on")
    return {
        "number": get("number"),
        "amount": f"{from_minor(get('amount_minor'), get('currency')).amount:.2f}",
        "currency": get("currency"),
        "customer_id": get("customer_id"),
        "product_line": get("product_line"),
        "signed_on": get("signed_on").isoformat(),
        "paid_on": paid_on.isoformat() if paid_on else None,
        "note": get("note"),
        "source": get("source"),
        "void_reason": get("void_reason"),
    }
