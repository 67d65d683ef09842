"""`/deal`: quick syntax, list, void, paid, the modal, and the buttons on every deal reply."""

from __future__ import annotations

import re
from functools import partial
from typing import Any

from slack_bolt import Ack, App, Respond
from sqlmodel import Session

from bot.deps import Deps
from bot.directory import Caller
from bot.services import deals as service
from bot.services import rules
from handlers import ids
from handlers.blocks import deals as blocks
from handlers.blocks.common import as_dicts
from handlers.envelope import button_number, button_value
from handlers.parse import (
    DealHelp,
    ListDeals,
    LogDeal,
    MarkDealPaid,
    OpenDealModal,
    VoidDeal,
    parse_deal_command,
)
from handlers.replies import Reply, answer_action, answer_command, run, transactional
from handlers.views import field_values, view_errors
from scoring.errors import FieldErrors, PacerError
from scoring.money import format_amount
from scoring.records import Source
from scoring.requests import DealRequest, deal_from_fields

UNDO_REASON = "undone with the Undo button"


def register(app: App, deps: Deps) -> None:
    app.command(ids.DEAL)(partial(deal_command, deps=deps))
    app.view(ids.DEAL_MODAL)(partial(deal_modal_submitted, deps=deps))
    app.action(ids.DEAL_UNDO)(partial(undo_clicked, deps=deps))
    app.action(ids.DEAL_MARK_PAID)(partial(mark_paid_clicked, deps=deps))
    app.action(ids.DEAL_LOG_AGAIN)(partial(answer_clicked, deps=deps))
    app.action(ids.DEAL_NEW_CUSTOMER)(partial(answer_clicked, deps=deps))
    app.action(re.compile(rf"^{ids.DEAL_PICK_CUSTOMER}_\d+$"))(partial(answer_clicked, deps=deps))
    app.action(ids.DEAL_CANCEL)(partial(cancel_clicked, deps=deps))


def deal_command(ack: Ack, command: dict[str, Any], *, deps: Deps) -> None:
    config = deps.config

    def work(caller: Caller) -> Reply:
        now = deps.clock()
        # One read for the command, closed before any write: the product lines in force, then
        # everything logging the deal needs to know.
        with deps.db.direct_reading() as reading:
            products = rules.product_names(reading, caller, config=config)
            parsed = parse_deal_command(
                command.get("text") or "", today=caller.today, currency=config.currency, product_lines=products
            )
            source_key = f"command:{command['trigger_id']}"
            looked = (
                service.look(reading, caller, parsed.request, config=config, source_key=source_key, now=now)
                if isinstance(parsed, LogDeal)
                else None
            )
        match parsed:
            case LogDeal(request=request):
                return log(
                    caller, request, deps=deps, source=Source.SLACK_COMMAND, source_key=source_key, looked=looked
                )
            case ListDeals():
                with deps.db.reading() as session:
                    records = service.recent_deals(session, caller, limit=15)
                return Reply(
                    blocks=blocks.listing(records, today=caller.today), text=f"Your recent deals: {len(records)}"
                )
            case VoidDeal(number=number, reason=reason):
                with deps.db.transaction() as session:
                    record, changed = service.void_deal(
                        session, caller, number=number, reason=reason, source=Source.SLACK_COMMAND, now=now
                    )
                return Reply(blocks=blocks.voided(record, changed=changed), text=f"Voided {record.ref}")
            case MarkDealPaid(number=number, on=on):
                with deps.db.transaction() as session:
                    record, changed, receipt = service.mark_paid(
                        session, caller, number=number, on=on, config=config, source=Source.SLACK_COMMAND, now=now
                    )
                return Reply(blocks=blocks.paid(record, receipt, changed=changed), text=f"{record.ref} paid")
            case OpenDealModal():
                metadata = {"channel": command.get("channel_id", "")}
                return Reply(open_view=blocks.modal(products=products, today=caller.today, metadata=metadata))
            case DealHelp():
                return Reply(
                    blocks=blocks.help_blocks(currency=config.currency, products=products),
                    text="How to log deals",
                )
        raise AssertionError(f"unhandled {parsed!r}")

    answer_command(ack, command, deps, work)


def log(
    caller: Caller,
    request: DealRequest,
    *,
    deps: Deps,
    source: Source,
    source_key: str,
    duplicate_ok: bool = False,
    customer_ok: bool = False,
    answered: str | None = None,
    looked: service.Looked | None = None,
) -> Reply:
    """Log (or ask first); a celebrated deal's wins-channel post is queued with it, all or nothing.

    `looked`: what the service read for this request in the request's own read session, if it did."""
    now = looked.now if looked is not None else deps.clock()

    def win_post(logged: service.DealLogged) -> dict[str, Any]:
        record = logged.record
        return {
            "text": f"{record.owner_user_id} closed {format_amount(record.money)}",
            "blocks": as_dicts(blocks.win(record, logged.celebrate or "")),
            "unfurl_links": False,
        }

    outcome = service.log_deal(
        deps.db,
        caller,
        request,
        config=deps.config,
        source=source,
        source_key=source_key,
        now=now,
        duplicate_ok=duplicate_ok,
        customer_ok=customer_ok,
        answers=answered,
        win_post=win_post,
        looked=looked,
    )
    match outcome:
        case service.DuplicateSuspected():
            return Reply(
                blocks=blocks.duplicate_question(outcome, now=now),
                text=f"You logged {outcome.existing.ref} a moment ago. Log it again?",
            )
        case service.CustomerUnclear():
            return Reply(
                blocks=blocks.customer_question(outcome), text=f"Did you mean {', '.join(outcome.suggestions)}?"
            )
    record = outcome.record
    return Reply(
        blocks=blocks.logged_dicts(outcome),
        queued=outcome.announced,
        recorded_work=not outcome.replayed,
        text=f"Logged {record.ref}: {format_amount(record.money)} with {record.customer}",
    )


def deal_modal_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any], *, deps: Deps) -> None:
    config = deps.config
    values = field_values(view)

    def work(caller: Caller) -> Reply:
        source_key, now = f"view:{view['id']}", deps.clock()
        with deps.db.direct_reading() as reading:
            request = deal_from_fields(
                amount=values.get("amount") or "",
                customer=values.get("customer") or "",
                product=values.get("product"),
                stage=values.get("stage"),
                on=values.get("date"),
                note=values.get("note"),
                today=caller.today,
                currency=config.currency,
                product_lines=rules.product_names(reading, caller, config=config),
            )
            looked = service.look(reading, caller, request, config=config, source_key=source_key, now=now)
        return log(caller, request, deps=deps, source=Source.MODAL, source_key=source_key, looked=looked)

    try:
        reply = run(deps, body["team"]["id"], body["user"]["id"], work)
    except FieldErrors as errors:
        ack(response_action="errors", errors=view_errors(errors, view))
        return
    except PacerError as error:
        ack(response_action="errors", errors=view_errors(FieldErrors({"amount": error.message}), view))
        return
    ack(response_action="update", view=blocks.result_view(reply.blocks))


def undo_clicked(ack: Ack, body: dict[str, Any], respond: Respond, *, deps: Deps) -> None:
    number = button_number(body)  # the deal number Pacer put on the button; anything else is answered 400

    def work(session: Session, caller: Caller) -> Reply:
        record, changed = service.void_deal(
            session, caller, number=number, reason=UNDO_REASON, source=Source.SLACK_COMMAND, now=deps.clock()
        )
        return Reply(blocks=blocks.voided(record, changed=changed), text=f"Voided {record.ref}")

    answer_action(ack, body, respond, deps, transactional(deps, work), view_title="Deal")


def mark_paid_clicked(ack: Ack, body: dict[str, Any], respond: Respond, *, deps: Deps) -> None:
    number = button_number(body)

    def work(session: Session, caller: Caller) -> Reply:
        record, changed, receipt = service.mark_paid(
            session,
            caller,
            number=number,
            on=None,
            config=deps.config,
            source=Source.SLACK_COMMAND,
            now=deps.clock(),
        )
        return Reply(blocks=blocks.paid(record, receipt, changed=changed), text=f"{record.ref} paid")

    answer_action(ack, body, respond, deps, transactional(deps, work), view_title="Deal")


def answer_clicked(ack: Ack, body: dict[str, Any], respond: Respond, *, deps: Deps) -> None:
    """ "Log it again", a suggested customer, or "is new": log the stored request exactly once."""
    action = body["actions"][0]
    token, _, choice = button_value(body).partition(":")
    source_key = f"answer:{token}"

    def work(caller: Caller) -> Reply:
        with deps.db.reading() as session:
            question = service.question(session, caller, token)
            if question is None:  # answered already: by this very click's twin, or by Cancel
                replayed = service.logged_by(session, caller, source_key, config=deps.config)
                if replayed is None:
                    return Reply(blocks=blocks.already_answered(), text="That question was already answered.")
                return Reply(blocks=blocks.logged(replayed), text=f"Already logged as {replayed.record.ref}")
        kind, request, source, payload = question
        answer = partial(log, caller, deps=deps, source=source, source_key=source_key, answered=token)
        if action["action_id"] == ids.DEAL_LOG_AGAIN:
            return answer(request, duplicate_ok=True, customer_ok=True)
        if action["action_id"] == ids.DEAL_NEW_CUSTOMER:
            return answer(request, customer_ok=True)
        suggestions = payload.get("suggestions") or []
        index = int(choice) if re.fullmatch(r"[0-9]{1,4}", choice) else -1  # not isdigit(): "²" is a digit
        if kind != "deal_customer" or not 0 <= index < len(suggestions):
            return Reply(blocks=blocks.already_answered(), text="That choice is no longer available.")
        return answer(request.model_copy(update={"customer": suggestions[index]}), customer_ok=True)

    answer_action(ack, body, respond, deps, work, view_title="Deal")


def cancel_clicked(ack: Ack, body: dict[str, Any], respond: Respond, *, deps: Deps) -> None:
    token = button_value(body).partition(":")[0]

    def work(session: Session, caller: Caller) -> Reply:
        service.cancel_question(session, caller, token, now=deps.clock())
        return Reply(blocks=blocks.cancelled(), text="Nothing was logged.")

    answer_action(ack, body, respond, deps, transactional(deps, work), view_title="Deal")
