"""Deals: inserted once (unique source key), voided with a reason, never deleted."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from bot.store.common import from_minor, to_minor
from bot.store.tables import Customer, Deal, Member
from scoring.money import Money
from scoring.periods import Period
from scoring.recognition import Rule
from scoring.records import DealRecord, Source


def insert(
    session: Session,
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
) -> Deal:
    deal = Deal(
        workspace_id=workspace_id,
        number=number,
        owner_id=owner_id,
        customer_id=customer_id,
        amount_minor=to_minor(money),
        currency=money.currency,
        product_line=product_line,
        signed_on=signed_on,
        paid_on=paid_on,
        note=note,
        source=source.value,
        source_key=source_key,
        created_at=now,
    )
    session.add(deal)
    session.flush()
    return deal


def _records_query() -> Any:
    return (
        select(Deal, Customer.name, Member.user_id)
        .join(Customer, col(Customer.id) == Deal.customer_id)
        .join(Member, col(Member.id) == Deal.owner_id)
    )


def _record(row: Any) -> DealRecord:
    deal, customer, owner = row
    return DealRecord(
        number=deal.number,
        owner_user_id=owner,
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
    earlier = session.exec(
        select(func.count())
        .select_from(Deal)
        .where(
            Deal.workspace_id == deal.workspace_id,
            Deal.customer_id == deal.customer_id,
            Deal.id != deal.id,
            col(Deal.voided_at).is_(None),
            or_(
                col(Deal.signed_on) < deal.signed_on,
                (col(Deal.signed_on) == deal.signed_on) & (col(Deal.number) < deal.number),
            ),
        )
    ).one()
    return earlier == 0


def _counting_date(rule: Rule) -> Any:
    return Deal.signed_on if rule == "signed" else Deal.paid_on


def period_totals(session: Session, *, workspace_id: int, owner_id: int, rule: Rule, period: Period) -> tuple[int, int]:
    """(deals, amount in minor units) of the owner's live deals that count in `period` by `rule`."""
    counted = _counting_date(rule)
    count, total = session.exec(
        select(func.count(), func.coalesce(func.sum(Deal.amount_minor), 0)).where(
            Deal.workspace_id == workspace_id,
            Deal.owner_id == owner_id,
            col(Deal.voided_at).is_(None),
            counted >= period.start,
            counted <= period.end,
        )
    ).one()
    return int(count), int(total)


def awaiting_payment(session: Session, *, workspace_id: int, owner_id: int) -> tuple[int, int]:
    count, total = session.exec(
        select(func.count(), func.coalesce(func.sum(Deal.amount_minor), 0)).where(
            Deal.workspace_id == workspace_id,
            Deal.owner_id == owner_id,
            col(Deal.voided_at).is_(None),
            col(Deal.paid_on).is_(None),
        )
    ).one()
    return int(count), int(total)


def snapshot(deal: Deal) -> dict[str, Any]:
    """The audited view of a deal: every field a person could dispute."""
    return {
        "number": deal.number,
        "amount": f"{from_minor(deal.amount_minor, deal.currency).amount:.2f}",
        "currency": deal.currency,
        "customer_id": deal.customer_id,
        "product_line": deal.product_line,
        "signed_on": deal.signed_on.isoformat(),
        "paid_on": deal.paid_on.isoformat() if deal.paid_on else None,
        "note": deal.note,
        "source": deal.source,
        "void_reason": deal.void_reason,
    }
