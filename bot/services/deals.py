"""Deal use cases: log, list, void, mark paid — one transaction each, all audited."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from bot.config import PacerConfig
from bot.directory import Caller
from bot.services import changes, customer_index, rules
from bot.store import audit, deals, outbox, pending, workspaces
from bot.store.common import from_minor
from bot.store.customers import CustomerRef
from bot.store.direct import Tx
from bot.store.engine import Database
from bot.store.tables import Deal
from scoring.deals import DUPLICATE_WINDOW, celebration, probable_duplicate
from scoring.errors import NotAllowed, NotFound
from scoring.money import Money
from scoring.periods import month_of
from scoring.recognition import CountingReceipt, counting_receipt
from scoring.records import DealRecord, Source
from scoring.requests import DealRequest
from scoring.rules import RuleBook


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
    announced: bool = False  # the wins-channel post was queued with the deal: wake the outbox sender


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


WinPost = Callable[[DealLogged], dict[str, Any]]
"""The wins-channel message (an outbox payload) for a celebrated deal, rendered by the caller."""


@dataclass(frozen=True)
class Looked:
    """What logging a request needs to know, read before the write lock (see `look`)."""

    request: DealRequest
    source_key: str
    now: datetime
    duplicate_ok: bool
    customer_ok: bool
    book: RuleBook
    replayed: DealLogged | None  # this source key was recorded already: the answer, as it was
    customer: CustomerRef | None  # the customer the name means, any spelling (None: a new name)
    suggestions: list[str]  # a new name close to known ones: ask "did you mean…?"
    twin: DealRecord | None  # the same deal a moment ago: ask "log it again?"
    known_before: bool  # the customer has a live deal signed on or before this one's day


def look(
    session: Tx,
    caller: Caller,
    request: DealRequest,
    *,
    config: PacerConfig,
    source_key: str,
    now: datetime,
    duplicate_ok: bool = False,
    customer_ok: bool = False,
) -> Looked:
    """Everything `log_deal` reads, in a read session (never the write transaction): the rules in force
    (cached per process, `rules.RuleBooks`) and, in one statement, whether this request was recorded
    already, the customer, the duplicate check's candidates and whether the customer is new.

    `session` may be a `Direct` reading (as `/deal`'s): a replayed request's answer is then read in an
    ORM session of its own, `replay_in`."""
    day = request.on or caller.today
    workspace_id = caller.workspace_id
    book = rules.book(session, workspace_id=workspace_id, config=config)
    found = deals.before_logging(
        session,
        workspace_id=workspace_id,
        source_key=source_key,
        customer=request.customer,
        owner_id=caller.member_id,
        owner_user_id=caller.user_id,
        money=request.money,
        day=day,
        since=now - DUPLICATE_WINDOW,
    )
    found_customer = found.customer
    replayed: DealLogged | None = None
    suggestions: list[str] = []
    twin: DealRecord | None = None
    if found.replay_id is not None:
        replayed = replay_in(session, caller, found.replay_id, config=config)
    elif found_customer is None and not customer_ok:
        suggestions = customer_index.suggest(session, workspace_id=workspace_id, name=request.customer, now=now)
    elif found_customer is not None and not duplicate_ok:
        twin = probable_duplicate(
            owner_user_id=caller.user_id, customer=found_customer.name, money=request.money, recent=found.twins, now=now
        )
    return Looked(
        request=request,
        source_key=source_key,
        now=now,
        duplicate_ok=duplicate_ok,
        customer_ok=customer_ok,
        book=book,
        replayed=replayed,
        customer=found_customer,
        suggestions=suggestions,
        twin=twin,
        known_before=found_customer is not None and found.known_before,
    )


def log_deal(
    db: Database,
    caller: Caller,
    request: DealRequest,
    *,
    config: PacerConfig,
    source: Source,
    source_key: str,
    now: datetime,
    duplicate_ok: bool = False,
    customer_ok: bool = False,
    answers: str | None = None,
    win_post: WinPost | None = None,
    looked: Looked | None = None,
) -> DealOutcome:
    """Record a deal once per `source_key`; ask first when it looks like a duplicate or a typo.

    Everything that can be read is read first, without the write lock (`look`, in a read session of
    its own unless the caller passes what it `looked` up in the request's read session, as `/deal`
    does); the write transaction is four short statements (five for a new customer); the answer is
    built from what is already in hand. In the deal's own transaction, all or nothing: the question
    this request `answers` (if any) is marked answered, and a celebrated deal's `win_post` is queued
    for the wins channel.
    """
    if looked is None:
        with db.direct_reading() as session:
            looked = look(
                session,
                caller,
                request,
                config=config,
                source_key=source_key,
                now=now,
                duplicate_ok=duplicate_ok,
                customer_ok=customer_ok,
            )
    asked = (request, source_key, duplicate_ok, customer_ok)
    assert (looked.request, looked.source_key, looked.duplicate_ok, looked.customer_ok) == asked, "looked up another"
    if looked.replayed is not None:
        return looked.replayed
    if looked.suggestions:
        with db.transaction() as session:
            token = _ask(session, caller, "deal_customer", request, source, now, suggestions=looked.suggestions)
        return CustomerUnclear(request=request, suggestions=looked.suggestions, token=token)
    if looked.twin is not None:
        with db.transaction() as session:
            token = _ask(session, caller, "deal_duplicate", request, source, now)
        return DuplicateSuspected(existing=looked.twin, request=request, token=token)

    day = request.on or caller.today
    workspace_id = caller.workspace_id
    book, customer, known_before = looked.book, looked.customer, looked.known_before
    paid_on = day if request.stage == "paid" else None
    receipt = _receipt(book, signed_on=day, paid_on=paid_on)
    with db.direct_transaction() as session:
        if customer is None:
            customer, _ = changes.ensure_customer(session, caller, request.customer, source=source, now=now)
        deal = deals.values_for(
            workspace_id=workspace_id,
            number=workspaces.next_number(session, workspace_id=workspace_id, kind="deal"),
            owner_id=caller.member_id,
            customer_id=customer.id,
            money=request.money,
            product_line=request.product,
            signed_on=day,
            paid_on=paid_on,
            note=request.note,
            source=source,
            source_key=source_key,
            now=now,
        )
        deal_id = deals.insert_once(session, deal)
        if deal_id is None:
            raise IntegrityError("deal source key taken", None, Exception(source_key))  # the unit of work replays
        audit.record(
            session,
            workspace_id=workspace_id,
            actor=caller.user_id,
            action="deal.logged",
            entity="deal",
            entity_id=deal_id,
            source=source.value,
            at=now,
            after=deals.snapshot(deal),
        )
        tally = _tally(session, caller, config=config, book=book, period_day=receipt.counts_on or caller.today)
        first_of_period = receipt.period is not None and tally.deals == 1
        logged = DealLogged(
            record=DealRecord(
                number=deal["number"],
                owner_user_id=caller.user_id,
                customer=customer.name,
                money=request.money,
                product_line=request.product,
                signed_on=day,
                paid_on=paid_on,
                note=request.note,
                source=source,
                created_at=now,
            ),
            new_customer=not known_before,
            receipt=receipt,
            tally=tally,
            celebrate=celebration(
                money=request.money,
                threshold=config.wins.threshold if config.wins else None,
                first_of_period=first_of_period,
                period_label=receipt.period.label if receipt.period else "",
            ),
        )
        if answers is not None:
            pending.mark_answered(session, workspace_id=workspace_id, token=answers, now=now)
        if logged.celebrate and config.wins is not None and win_post is not None:
            queued = outbox.enqueue(
                session,
                workspace_id=workspace_id,
                key=f"win:{logged.record.ref}",
                kind="deal_win",
                channel=config.wins.channel,
                now=now,
                payload=win_post(logged),
            )
            logged = replace(logged, announced=queued)
    return logged


def _ask(
    session: Session, caller: Caller, kind: str, request: DealRequest, source: Source, now: datetime, **extra: Any
) -> str:
    payload = {"request": request.model_dump(mode="json"), "source": source.value, **extra}
    return pending.ask(
        session, workspace_id=caller.workspace_id, user_id=caller.user_id, kind=kind, payload=payload, now=now
    )


def question(session: Session, caller: Caller, token: str) -> tuple[str, DealRequest, Source, dict[str, Any]] | None:
    """The caller's unanswered question with its stored request; None if answered, unknown or not theirs."""
    asked = pending.open_question(session, workspace_id=caller.workspace_id, user_id=caller.user_id, token=token)
    if asked is None:
        return None
    payload = asked.payload
    return asked.kind, DealRequest.model_validate(payload["request"]), Source(payload["source"]), payload


def logged_by(session: Session, caller: Caller, source_key: str, *, config: PacerConfig) -> DealLogged | None:
    """The deal an earlier request with this `source_key` recorded, replayed; None if there is none."""
    deal = deals.by_source_key(session, workspace_id=caller.workspace_id, source_key=source_key)
    return None if deal is None else replay(session, caller, deal, config=config)


def cancel_question(session: Session, caller: Caller, token: str, *, now: datetime) -> None:
    """Drop the caller's open question (duplicate or customer): nothing is logged for it."""
    pending.take(session, workspace_id=caller.workspace_id, user_id=caller.user_id, token=token, now=now)


def replay(session: Session, caller: Caller, deal: Deal, *, config: PacerConfig) -> DealLogged:
    """The answer for a deal that is already recorded, for a repeated request: nothing is celebrated again."""
    record = deals.record_of(session, deal)
    book = rules.book(session, workspace_id=caller.workspace_id, config=config)
    receipt = _receipt(book, signed_on=deal.signed_on, paid_on=deal.paid_on)
    return DealLogged(
        record=record,
        new_customer=deals.is_first_for_customer(session, deal),
        receipt=receipt,
        tally=_tally(session, caller, config=config, book=book, period_day=receipt.counts_on or caller.today),
        celebrate=None,
        replayed=True,
    )


def replay_in(session: Tx, caller: Caller, deal_id: int, *, config: PacerConfig) -> DealLogged:
    """The answer for the recorded deal `deal_id`, read with the ORM: in `session`, or for a `Direct`
    one in a read session of its own (the deal is committed already, and never deleted)."""
    if isinstance(session, Session):
        return replay(session, caller, _deal(session, deal_id), config=config)
    with session.separate_reading() as reading:
        return replay(reading, caller, _deal(reading, deal_id), config=config)


def _deal(session: Session, deal_id: int) -> Deal:
    deal = session.get(Deal, deal_id)
    assert deal is not None
    return deal


def _receipt(book: RuleBook, *, signed_on: date, paid_on: date | None) -> CountingReceipt:
    """Where a deal counts, by the rule in force on the day it was signed."""
    rule = book.counting(until=signed_on).rule_for(signed_on)
    return counting_receipt(rule, signed_on=signed_on, paid_on=paid_on)


def _tally(session: Tx, caller: Caller, *, config: PacerConfig, book: RuleBook, period_day: date) -> PeriodTally:
    period = month_of(period_day)
    counted = deals.tally(
        session,
        workspace_id=caller.workspace_id,
        owner_id=caller.member_id,
        rule=book.counting(until=period.end),
        period=period,
    )
    return PeriodTally(
        label=period.label,
        deals=counted.deals,
        revenue=from_minor(counted.amount_minor, config.currency),
        awaiting_payment=counted.awaiting,
        awaiting_amount=from_minor(counted.awaiting_minor, config.currency),
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
    book = rules.book(session, workspace_id=caller.workspace_id, config=config)
    receipt = _receipt(book, signed_on=deal.signed_on, paid_on=deal.paid_on)
    return deals.record_of(session, deal), changed, receipt
