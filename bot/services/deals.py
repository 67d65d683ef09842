"""Deal use cases: log, list, void, mark paid — one transaction each, all audited."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlmodel import Session

from bot.config import PacerConfig
from bot.directory import Caller
from bot.services import changes
from bot.store import audit, customers, deals, pending, workspaces
from bot.store.common import from_minor
from bot.store.tables import Deal
from handlers.parse import DealRequest
from scoring.customers import close_matches
from scoring.deals import DUPLICATE_WINDOW, celebration, probable_duplicate
from scoring.errors import NotAllowed, NotFound
from scoring.money import Money
from scoring.periods import month_of
from scoring.recognition import CountingReceipt, counting_receipt
from scoring.records import DealRecord, Source


@dataclass(frozen=True)
class PeriodTally:
    label: str
    deals: int
    revenue: Money
    awaiting_payment: int
    awaiting_amount: Money


@dataclass(frozen=True)
class DealLogged:
    record: DealRecord
    new_customer: bool
    receipt: CountingReceipt
    tally: PeriodTally
    celebrate: str | None
    replayed: bool = False


@dataclass(frozen=True)
class DuplicateSuspected:
    existing: DealRecord
    request: DealRequest
    token: str


@dataclass(frozen=True)
class CustomerUnclear:
    request: DealRequest
    suggestions: list[str]
    token: str


DealOutcome = DealLogged | DuplicateSuspected | CustomerUnclear


def log_deal(
    session: Session,
    caller: Caller,
    request: DealRequest,
    *,
    config: PacerConfig,
    source: Source,
    source_key: str,
    now: datetime,
    duplicate_ok: bool = False,
    customer_ok: bool = False,
) -> DealOutcome:
    """Record a deal once per `source_key`; ask first when it looks like a duplicate or a typo."""
    existing = deals.by_source_key(session, workspace_id=caller.workspace_id, source_key=source_key)
    if existing is not None:
        return _logged(session, caller, existing, config=config, replayed=True)

    customer = customers.find(session, workspace_id=caller.workspace_id, name=request.customer)
    if customer is None and not customer_ok:
        suggestions = close_matches(
            request.customer, customers.keys_and_names(session, workspace_id=caller.workspace_id)
        )
        if suggestions:
            token = _ask(session, caller, "deal_customer", request, source, now, suggestions=suggestions)
            return CustomerUnclear(request=request, suggestions=suggestions, token=token)

    if not duplicate_ok:
        recent = deals.recent(
            session, workspace_id=caller.workspace_id, owner_id=caller.member_id, since=now - DUPLICATE_WINDOW
        )
        twin = probable_duplicate(
            owner_user_id=caller.user_id, customer=request.customer, money=request.money, recent=recent, now=now
        )
        if twin is not None:
            return DuplicateSuspected(
                existing=twin, request=request, token=_ask(session, caller, "deal_duplicate", request, source, now)
            )

    if customer is None:
        customer, _ = changes.ensure_customer(session, caller, request.customer, source=source, now=now)
    assert customer.id is not None
    day = request.on or caller.today
    deal = deals.insert(
        session,
        workspace_id=caller.workspace_id,
        number=workspaces.next_number(session, workspace_id=caller.workspace_id, kind="deal"),
        owner_id=caller.member_id,
        customer_id=customer.id,
        money=request.money,
        product_line=request.product,
        signed_on=day,
        paid_on=day if request.stage == "paid" else None,
        note=request.note,
        source=source,
        source_key=source_key,
        now=now,
    )
    audit.record(
        session,
        workspace_id=caller.workspace_id,
        actor=caller.user_id,
        action="deal.logged",
        entity="deal",
        entity_id=deal.id,
        source=source.value,
        at=now,
        after=deals.snapshot(deal),
    )
    return _logged(session, caller, deal, config=config, replayed=False)


def _ask(
    session: Session, caller: Caller, kind: str, request: DealRequest, source: Source, now: datetime, **extra: Any
) -> str:
    payload = {"request": request.model_dump(mode="json"), "source": source.value, **extra}
    return pending.ask(
        session, workspace_id=caller.workspace_id, user_id=caller.user_id, kind=kind, payload=payload, now=now
    )


def answer(
    session: Session, caller: Caller, token: str, *, now: datetime
) -> tuple[str, DealRequest, Source, dict[str, Any]] | None:
    """Take a pending question's stored request; None when it was already answered or is not theirs."""
    question = pending.take(session, workspace_id=caller.workspace_id, user_id=caller.user_id, token=token, now=now)
    if question is None:
        return None
    return (
        question.kind,
        DealRequest.model_validate(question.payload["request"]),
        Source(question.payload["source"]),
        question.payload,
    )


def replay(session: Session, caller: Caller, deal: Deal, *, config: PacerConfig) -> DealLogged:
    """The answer already given for a deal, for a repeated request."""
    return _logged(session, caller, deal, config=config, replayed=True)


def _logged(session: Session, caller: Caller, deal: Deal, *, config: PacerConfig, replayed: bool) -> DealLogged:
    record = deals.record_of(session, deal)
    receipt = counting_receipt(config.recognition, signed_on=deal.signed_on, paid_on=deal.paid_on)
    tally = tally_for(session, caller, config=config, period_day=receipt.counts_on or caller.today)
    first = receipt.period is not None and tally.deals == 1 and tally.label == receipt.period.label
    reason = celebration(
        money=record.money,
        threshold=config.wins.threshold if config.wins else None,
        first_of_period=first,
        period_label=receipt.period.label if receipt.period else "",
    )
    return DealLogged(
        record=record,
        new_customer=deals.is_first_for_customer(session, deal),
        receipt=receipt,
        tally=tally,
        celebrate=None if record.voided else reason,
        replayed=replayed,
    )


def tally_for(session: Session, caller: Caller, *, config: PacerConfig, period_day: date) -> PeriodTally:
    period = month_of(period_day)
    count, total = deals.period_totals(
        session, workspace_id=caller.workspace_id, owner_id=caller.member_id, rule=config.recognition, period=period
    )
    waiting, waiting_total = deals.awaiting_payment(
        session, workspace_id=caller.workspace_id, owner_id=caller.member_id
    )
    return PeriodTally(
        label=period.label,
        deals=count,
        revenue=from_minor(total, config.currency),
        awaiting_payment=waiting if config.recognition == "paid" else 0,
        awaiting_amount=from_minor(waiting_total if config.recognition == "paid" else 0, config.currency),
    )


def recent_deals(session: Session, caller: Caller, *, limit: int = 10) -> list[DealRecord]:
    return deals.recent(session, workspace_id=caller.workspace_id, owner_id=caller.member_id, limit=limit)


def _changeable(session: Session, caller: Caller, number: int) -> Deal:
    deal = deals.get(session, workspace_id=caller.workspace_id, number=number)
    if deal is None:
        raise NotFound(f"There is no deal D-{number} in this workspace.", example="/deal list")
    changes.ensure_may_change(session, caller, deal, ref=f"D-{number}", example="/deal list")
    return deal


def void_deal(
    session: Session, caller: Caller, *, number: int, reason: str, source: Source, now: datetime
) -> tuple[DealRecord, bool]:
    """Void with a reason; (record, changed). Voiding twice changes nothing the second time."""
    deal = _changeable(session, caller, number)
    changed = changes.void(session, caller, deal, reason=reason, snapshot=deals.snapshot, source=source, now=now)
    return deals.record_of(session, deal), changed


def mark_paid(
    session: Session,
    caller: Caller,
    *,
    number: int,
    on: date | None,
    config: PacerConfig,
    source: Source,
    now: datetime,
) -> tuple[DealRecord, bool, CountingReceipt]:
    deal = _changeable(session, caller, number)
    if deal.voided_at is not None:
        raise NotAllowed(
            f"D-{number} was voided ({deal.void_reason}); log a new deal instead.",
            example="/deal 12500 Acme Corp stage:paid",
        )
    day = on or caller.today
    if day < deal.signed_on:
        raise NotAllowed(
            f"D-{number} was signed on {deal.signed_on.isoformat()}; payment can't come before that.",
            example=f"/deal paid D-{number} {deal.signed_on.isoformat()}",
        )
    changed = deal.paid_on is None
    if changed:

        def pay() -> None:
            deal.paid_on = day

        changes.audited(
            session, caller, deal, action="deal.paid", snapshot=deals.snapshot, source=source, now=now, change=pay
        )
    receipt = counting_receipt(config.recognition, signed_on=deal.signed_on, paid_on=deal.paid_on)
    return deals.record_of(session, deal), changed, receipt
