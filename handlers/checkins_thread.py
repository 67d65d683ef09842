"""The check-in thread: Self-review / Feedback / Acknowledge buttons, their forms, and thread replies.

Self-review (the rep) and Feedback (the evaluating manager, or an admin) open their form right after
the ack, prefilled with the latest version when there is one (the same button edits until the rep
acknowledges). A submission is checked field by field (`scoring.checkins`: wrong fields answered inline,
the form stays open, nothing stored), then stored once (`bot.services.checkins`). Acknowledge: the rep
only, once the feedback is in. Anyone else who clicks gets an ephemeral refusal and nothing changes.

Plain replies in a check-in thread by the rep or the manager (`message` events from the group DM) are
recorded as comments on the evaluation, once per message however often Slack retries the event.
"""

from __future__ import annotations

import json
import logging
from functools import partial
from typing import Any

from slack_bolt import Ack, App

from bot.deps import Deps
from bot.directory import Caller
from bot.services import checkin_thread as service
from bot.services.checkins import EntryKind
from handlers import ids
from handlers.blocks import checkin_forms as forms
from handlers.blocks.checkins import MESSAGES
from handlers.blocks.common import as_dicts, error_blocks, error_text, escape
from handlers.envelope import MalformedRequest, button_number
from handlers.views import field_values, view_errors
from scoring.checkins import check_feedback, check_self_review
from scoring.errors import FieldErrors, PacerError

logger = logging.getLogger(__name__)

#: Message subtypes that are still a person's plain reply (anything else — edits, deletions, joins,
#: bot posts — is not a comment).
PLAIN = (None, "thread_broadcast", "file_share")


def register(app: App, deps: Deps) -> None:
    app.action(ids.CHECKIN_SELF_REVIEW)(partial(self_review_clicked, deps=deps))
    app.action(ids.CHECKIN_FEEDBACK)(partial(feedback_clicked, deps=deps))
    app.action(ids.CHECKIN_ACKNOWLEDGE)(partial(acknowledge_clicked, deps=deps))
    app.action(ids.FEEDBACK_ADD_ITEM)(partial(add_item_clicked, deps=deps))
    app.view(ids.SELF_REVIEW_MODAL)(partial(self_review_submitted, deps=deps))
    app.view(ids.FEEDBACK_MODAL)(partial(feedback_submitted, deps=deps))
    app.event(ids.MESSAGE)(partial(message_posted, deps=deps))


# --- buttons ------------------------------------------------------------------------------------------


def self_review_clicked(ack: Ack, body: dict[str, Any], *, deps: Deps) -> None:
    evaluation_id = button_number(body)
    ack()
    deps.after_ack(open_form, deps, body, evaluation_id, "self_review")


def feedback_clicked(ack: Ack, body: dict[str, Any], *, deps: Deps) -> None:
    evaluation_id = button_number(body)
    ack()
    deps.after_ack(open_form, deps, body, evaluation_id, "feedback")


def open_form(deps: Deps, body: dict[str, Any], evaluation_id: int, kind: EntryKind) -> None:
    """The form, new or prefilled with the latest version; a refusal is an ephemeral message instead."""

    def work(caller: Caller) -> tuple[service.EntryForm, Caller]:
        with deps.db.reading() as session:
            return service.entry_form(session, caller, evaluation_id=evaluation_id, kind=kind), caller

    try:
        form, caller = deps.uow.run(body["team"]["id"], body["user"]["id"], work)
    except PacerError as error:
        refuse(deps, body, error)
        return
    checkin = form.checkin
    if kind == "self_review":
        view = forms.self_review_modal(checkin, base=form.base, values=forms.self_review_values(form.entry))
    else:
        plan = checkin.plan if form.entry is not None else ()
        view = forms.feedback_modal(
            checkin,
            base=form.base,
            items=max(1, len(plan)),
            values=forms.feedback_values(form.entry, plan, checkin),
            today=caller.today,
        )
    deps.client.views_open(trigger_id=body["trigger_id"], view=view)


def acknowledge_clicked(ack: Ack, body: dict[str, Any], *, deps: Deps) -> None:
    evaluation_id = button_number(body)
    ack()

    def work(caller: Caller) -> service.Acknowledged | service.AlreadyAcknowledged:
        with deps.db.transaction() as session:
            return service.acknowledge(session, caller, evaluation_id=evaluation_id, render=MESSAGES, now=deps.clock())

    try:
        done = deps.uow.run(body["team"]["id"], body["user"]["id"], work)
    except PacerError as error:
        deps.after_ack(refuse, deps, body, error)
        return
    if isinstance(done, service.AlreadyAcknowledged):
        deps.after_ack(tell, deps, body, "You have already acknowledged this check-in; nothing changed.")
        return
    deps.outbox.kick()


def add_item_clicked(ack: Ack, body: dict[str, Any], *, deps: Deps) -> None:
    """One more plan row in the open feedback form, keeping everything typed so far."""
    view = body.get("view") or {}
    try:
        meta = forms.parse_metadata(view.get("private_metadata") or "")
    except (ValueError, TypeError):
        raise MalformedRequest("the feedback form's private_metadata is not Pacer's") from None
    values = field_values(view)
    ack()
    deps.after_ack(_add_item, deps, body, meta, values)


def _add_item(deps: Deps, body: dict[str, Any], meta: dict[str, Any], values: dict[str, str | None]) -> None:
    def work(caller: Caller) -> tuple[service.EntryForm, Caller]:
        with deps.db.reading() as session:
            return service.entry_form(session, caller, evaluation_id=meta["evaluation"], kind="feedback"), caller

    try:
        form, caller = deps.uow.run(body["team"]["id"], body["user"]["id"], work)
    except PacerError as error:
        view = forms.done_view(error.message, title="Feedback")
    else:
        view = forms.feedback_modal(
            form.checkin, base=meta["base"], items=meta.get("items", 1) + 1, values=values, today=caller.today
        )
    deps.client.views_update(view_id=body["view"]["id"], hash=body["view"].get("hash"), view=view)


def refuse(deps: Deps, body: dict[str, Any], error: PacerError) -> None:
    """An ephemeral answer, seen only by the person who clicked, where they clicked."""
    channel = _channel(body)
    if channel is None:
        logger.warning("check-in refusal with no channel to answer in: user=%s", body["user"]["id"])
        return
    deps.client.chat_postEphemeral(
        channel=channel, user=body["user"]["id"], text=escape(error_text(error)), blocks=as_dicts(error_blocks(error))
    )


def tell(deps: Deps, body: dict[str, Any], text: str) -> None:
    channel = _channel(body)
    if channel is not None:
        deps.client.chat_postEphemeral(channel=channel, user=body["user"]["id"], text=escape(text))


def _channel(body: dict[str, Any]) -> str | None:
    channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id")
    return channel if isinstance(channel, str) and channel else None


# --- the forms ----------------------------------------------------------------------------------------


def _metadata(view: dict[str, Any]) -> dict[str, Any]:
    try:
        return forms.parse_metadata(view.get("private_metadata") or "")
    except (ValueError, TypeError, json.JSONDecodeError):
        raise MalformedRequest("the check-in form's private_metadata is not Pacer's") from None


def self_review_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any], *, deps: Deps) -> None:
    meta = _metadata(view)
    values = field_values(view)

    def work(caller: Caller) -> service.EntrySaved | service.AlreadySaved:
        with deps.db.reading() as session:
            form = service.entry_form(session, caller, evaluation_id=meta["evaluation"], kind="self_review")
        bands = [band.name for band in form.checkin.snapshot.scorecard.bands]
        review = check_self_review(values, bands=bands)
        with deps.db.transaction() as session:
            return service.submit_self_review(
                session,
                caller,
                evaluation_id=meta["evaluation"],
                base=meta["base"],
                review=review,
                key=f"view:{view['id']}",
                render=MESSAGES,
                now=deps.clock(),
            )

    _answer(ack, body, view, deps, work, title="Self-review")


def feedback_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any], *, deps: Deps) -> None:
    meta = _metadata(view)
    values = field_values(view)

    def work(caller: Caller) -> service.EntrySaved | service.AlreadySaved:
        with deps.db.reading() as session:
            form = service.entry_form(session, caller, evaluation_id=meta["evaluation"], kind="feedback")
        snapshot = form.checkin.snapshot
        feedback = check_feedback(
            values,
            items=meta.get("items", 1),
            metrics={line.metric: line.unit for line in snapshot.lines},
            currency=snapshot.currency,
            today=caller.today,
        )
        with deps.db.transaction() as session:
            return service.submit_feedback(
                session,
                caller,
                evaluation_id=meta["evaluation"],
                base=meta["base"],
                feedback=feedback,
                key=f"view:{view['id']}",
                render=MESSAGES,
                now=deps.clock(),
            )

    _answer(ack, body, view, deps, work, title="Feedback")


def _answer(ack: Ack, body: dict[str, Any], view: dict[str, Any], deps: Deps, work: Any, *, title: str) -> None:
    """Wrong fields (or a refusal) inline, the form kept open; else the form says what happened."""
    try:
        done = deps.uow.run(body["team"]["id"], body["user"]["id"], work)
    except FieldErrors as errors:
        ack(response_action="errors", errors=view_errors(errors, view))
        return
    except PacerError as error:
        ack(response_action="errors", errors=view_errors(FieldErrors({error.field or "form": error.message}), view))
        return
    what = title.lower()
    if isinstance(done, service.AlreadySaved):
        version = f" (version {done.entry.version})" if done.entry else ""
        text = f"Already saved: this {what}{version} was stored by your first submit; nothing else changed."
    else:
        edited = " — the thread says it was edited" if done.entry.edited else ""
        text = f"Saved: your {what} (version {done.entry.version}) is being posted in the check-in thread{edited}."
    ack(response_action="update", view=forms.done_view(text, title=title))
    deps.outbox.kick()


# --- thread replies -----------------------------------------------------------------------------------


def message_posted(body: dict[str, Any], event: dict[str, Any], *, deps: Deps) -> None:
    """A reply in a group DM: recorded when it is a person's plain reply in a check-in thread."""
    thread_ts, ts, user = event.get("thread_ts"), event.get("ts"), event.get("user")
    if event.get("subtype") not in PLAIN or event.get("bot_id") or not user:
        return
    if not thread_ts or not ts or thread_ts == ts:  # top level, or the thread's parent itself
        return
    with deps.db.transaction() as session:
        service.record_comment(
            session,
            team_id=body["team_id"],
            channel=event["channel"],
            thread_ts=thread_ts,
            ts=ts,
            user_id=user,
            text=str(event.get("text") or ""),
            now=deps.clock(),
        )
