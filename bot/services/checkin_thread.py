"""Inside a check-in thread: the self-review, the manager's feedback with its improvement plan, the rep's
acknowledgement, and the thread's plain replies recorded as comments (issue 10, items 3, 5 and 7).

The messages and their keys are in `bot.services.checkins`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlmodel import Session

from bot.directory import Caller
from bot.services.checkins import (
    FEEDBACK_REMINDER,
    KIND,
    SELF_REVIEW_REMINDER,
    CheckinView,
    EntryKind,
    EntryView,
    Render,
    parent_key,
    reminder_key,
    reply_key,
    view_of,
)
from bot.store import audit, checkins, outbox, receipts, reminders
from bot.store.tables import Evaluation, Member
from scoring.checkins import Feedback, PlanEntry, SelfReview
from scoring.errors import InputError, NotAllowed, NotFound, PacerError

# # A button opens a form (`entry_form`: may this person write it, and what does it start from); a form
# submits one version (`submit_self_review`, `submit_feedback`); the rep acknowledges (`acknowledge`);
# plain thread replies are recorded (`record_comment`). Each write is one transaction on the locked
# evaluation row: the entry (or the fact), the revision, the thread post and both rewrites through the
# outbox, the step's reminder cancelled, the audit. The "closed" step belongs to the appeals issue.

MODAL_SOURCE = "modal"


class NoSuchCheckin(NotFound):
    def __init__(self) -> None:
        super().__init__("That check-in no longer exists here (or was never opened), so nothing was changed.")


class NotParticipant(NotAllowed):
    """Someone who is not the rep or the manager of a check-in (or an admin, for feedback)."""


class EditingClosed(NotAllowed):
    def __init__(self, checkin: CheckinView) -> None:
        super().__init__(
            f"{checkin.rep_name} has acknowledged the check-in for {checkin.period_label}, so it can no longer be "
            "edited; nothing was changed. Add a reply in the thread instead."
        )


class EditedMeanwhile(PacerError):
    """A form opened on a version that is no longer the latest: nothing is stored."""

    def __init__(self, latest: int) -> None:
        super().__init__(
            f"Someone saved a newer version (v{latest}) while this form was open, so nothing was saved. "
            "Copy your text, close the form and click Edit again."
        )
        self.latest = latest


class StepAwaited(InputError):
    """The rep acknowledged before the manager's feedback was in."""


@dataclass(frozen=True)
class EntryForm:
    """What a Self-review or Feedback button opens: a new entry (`base` 0) or the latest to edit."""

    checkin: CheckinView
    kind: EntryKind
    base: int
    entry: EntryView | None


@dataclass(frozen=True)
class EntrySaved:
    checkin: CheckinView
    entry: EntryView


@dataclass(frozen=True)
class AlreadySaved:
    """The same form submitted again (a double click, a retry): the first submission stands."""

    checkin: CheckinView
    entry: EntryView | None


@dataclass(frozen=True)
class Acknowledged:
    checkin: CheckinView


@dataclass(frozen=True)
class AlreadyAcknowledged:
    checkin: CheckinView


@dataclass(frozen=True)
class CommentRecorded:
    evaluation_id: int
    comment_id: int


def _may(checkin: CheckinView, caller: Caller, kind: EntryKind | Literal["acknowledge"]) -> None:
    """Self-review and acknowledge: the rep only. Feedback: the evaluating manager or an admin — never the rep.
    Anyone else is refused without a word about the evaluation."""
    user = caller.user_id
    if kind in ("self_review", "acknowledge"):
        if user == checkin.rep_user_id:
            return
        what = "write the self-review" if kind == "self_review" else "acknowledge it"
        raise NotParticipant(f"Only the rep whose check-in this is can {what}; nothing was changed.")
    if user != checkin.rep_user_id and (user == checkin.manager_user_id or caller.person.role == "admin"):
        return
    if user == checkin.rep_user_id:
        raise NotParticipant(
            "The feedback is your manager's to write; your part is the self-review. Nothing was changed."
        )
    raise NotParticipant("Only the rep's manager (or an admin) can write the feedback; nothing was changed.")


def _opened(session: Session, caller: Caller, evaluation_id: int, *, lock: bool) -> tuple[Evaluation, CheckinView]:
    if lock:
        row = checkins.locked(session, workspace_id=caller.workspace_id, evaluation_id=evaluation_id)
    else:
        row = checkins.evaluation(session, workspace_id=caller.workspace_id, evaluation_id=evaluation_id)
    if row is None or row.checkin_key is None:
        raise NoSuchCheckin()
    return row, view_of(session, row)


def _participant(checkin: CheckinView, caller: Caller) -> None:
    if caller.user_id not in checkin.participants() and caller.person.role != "admin":
        raise NotParticipant("This check-in is private to the rep and their manager; nothing was changed.")


def entry_form(session: Session, caller: Caller, *, evaluation_id: int, kind: EntryKind) -> EntryForm:
    """May the caller write (or edit) this entry, and from which version: a read, for the button."""
    _, checkin = _opened(session, caller, evaluation_id, lock=False)
    _participant(checkin, caller)
    _may(checkin, caller, kind)
    if checkin.acknowledged:
        raise EditingClosed(checkin)
    entry = checkin.self_review if kind == "self_review" else checkin.feedback
    return EntryForm(checkin=checkin, kind=kind, base=entry.version if entry else 0, entry=entry)


def submit_self_review(
    session: Session,
    caller: Caller,
    *,
    evaluation_id: int,
    base: int,
    review: SelfReview,
    key: str,
    render: Render,
    now: datetime,
    source: str = MODAL_SOURCE,
) -> EntrySaved | AlreadySaved:
    """Store the rep's self-review as version base+1 and post it in the thread (see `_submit`)."""
    return _submit(
        session,
        caller,
        evaluation_id=evaluation_id,
        kind="self_review",
        base=base,
        content=review.content(),
        plan=(),
        key=key,
        render=render,
        now=now,
        source=source,
    )


def submit_feedback(
    session: Session,
    caller: Caller,
    *,
    evaluation_id: int,
    base: int,
    feedback: Feedback,
    key: str,
    render: Render,
    now: datetime,
    source: str = MODAL_SOURCE,
) -> EntrySaved | AlreadySaved:
    """Store the manager's feedback as version base+1 with its plan items and post it in the thread."""
    return _submit(
        session,
        caller,
        evaluation_id=evaluation_id,
        kind="feedback",
        base=base,
        content=feedback.content(),
        plan=feedback.plan,
        key=key,
        render=render,
        now=now,
        source=source,
    )


def _submit(
    session: Session,
    caller: Caller,
    *,
    evaluation_id: int,
    kind: EntryKind,
    base: int,
    content: dict[str, Any],
    plan: tuple[PlanEntry, ...],
    key: str,
    render: Render,
    now: datetime,
    source: str,
) -> EntrySaved | AlreadySaved:
    """One version of an entry, once per form submission `key` (a receipt in the same transaction).

    Refused (nothing stored): a non-participant, after the rep acknowledged, or when `base` is not the
    latest version (someone edited meanwhile). The same submission again gets `AlreadySaved`; two at once
    race on the unique (evaluation, kind, version) and the loser finds the winner's receipt.
    """
    row, checkin = _opened(session, caller, evaluation_id, lock=True)
    _participant(checkin, caller)
    _may(checkin, caller, kind)
    previous = checkin.self_review if kind == "self_review" else checkin.feedback
    if receipts.find(session, workspace_id=caller.workspace_id, key=key) is not None:
        return AlreadySaved(checkin=checkin, entry=previous)
    if checkin.acknowledged:
        raise EditingClosed(checkin)
    latest = checkins.latest_version(session, evaluation_id=evaluation_id, kind=kind)
    if latest != base:
        raise EditedMeanwhile(latest)
    version = base + 1
    added = checkins.add_entry(
        session,
        workspace_id=caller.workspace_id,
        evaluation_id=evaluation_id,
        kind=kind,
        version=version,
        author_user_id=caller.user_id,
        content=content,
        source=source,
        now=now,
    )
    if not added:  # a concurrent submission took this version first
        if receipts.find(session, workspace_id=caller.workspace_id, key=key) is not None:
            return AlreadySaved(checkin=checkin, entry=previous)
        raise EditedMeanwhile(version)
    if plan:
        checkins.add_plan(
            session,
            workspace_id=caller.workspace_id,
            evaluation_id=evaluation_id,
            member_id=row.member_id,
            feedback_version=version,
            items=[
                {"action": item.action, "metric": item.metric, "target": item.target, "due": item.due} for item in plan
            ],
            now=now,
        )
    fact = "self_review_at" if kind == "self_review" else "feedback_at"
    facts = {fact: now} if getattr(row, fact) is None else {}
    revision = checkins.bump_revision(session, evaluation_id=evaluation_id, **facts)
    after = _reread(session, caller, evaluation_id)
    entry = after.self_review if kind == "self_review" else after.feedback
    assert entry is not None and entry.version == version
    step = SELF_REVIEW_REMINDER if kind == "self_review" else FEEDBACK_REMINDER
    messages: list[outbox.Outgoing] = [
        (reply_key(evaluation_id, f"{step}@{version}"), None, render.entry(after, entry), parent_key(evaluation_id)),
        *rewrites(after, revision, render),
    ]
    outbox.enqueue_many(session, workspace_id=caller.workspace_id, kind=KIND, messages=messages, now=now)
    reminders.cancel(session, workspace_id=caller.workspace_id, key=reminder_key(evaluation_id, step), now=now)
    audit.record(
        session,
        workspace_id=caller.workspace_id,
        actor=caller.user_id,
        action=f"checkin.{kind}",
        entity="evaluation",
        entity_id=evaluation_id,
        source=source,
        at=now,
        before=None if previous is None else {"version": previous.version, **previous.content},
        after={"version": version, **content},
    )
    receipts.save(session, workspace_id=caller.workspace_id, key=key, response={"version": version}, now=now)
    return EntrySaved(checkin=after, entry=entry)


def _reread(session: Session, caller: Caller, evaluation_id: int) -> CheckinView:
    row = checkins.locked(session, workspace_id=caller.workspace_id, evaluation_id=evaluation_id)
    assert row is not None
    return view_of(session, row)


def rewrites(checkin: CheckinView, revision: int, render: Render) -> list[outbox.Outgoing]:
    """The parent's and the next step's rewrites after change `revision`."""
    return [
        (
            reply_key(checkin.id, f"parent@{revision}"),
            None,
            outbox.rewrite(render.headline(checkin)),
            parent_key(checkin.id),
        ),
        (
            reply_key(checkin.id, f"next@{revision}"),
            None,
            outbox.rewrite(render.next_step(checkin)),
            reply_key(checkin.id, "next"),
        ),
    ]


def acknowledge(
    session: Session, caller: Caller, *, evaluation_id: int, render: Render, now: datetime, source: str = "button"
) -> Acknowledged | AlreadyAcknowledged:
    """The rep has read the check-in ("I have read this", not "I agree"): once the manager's feedback is in.

    Sets `acknowledged_at` (editing closes), posts `checkin:<id>:acknowledged`, rewrites the parent and the
    next step, audits. A second click changes nothing. Closing the check-in is the appeals issue's step.
    """
    _, checkin = _opened(session, caller, evaluation_id, lock=True)
    _participant(checkin, caller)
    _may(checkin, caller, "acknowledge")
    if checkin.acknowledged:
        return AlreadyAcknowledged(checkin=checkin)
    if checkin.feedback is None:
        awaited = ["your manager's feedback" if checkin.manager_user_id else "the feedback"]
        if checkin.self_review is None:
            awaited.insert(0, "your self-review")
        raise StepAwaited(
            f"Nothing to acknowledge yet: still awaited — {' and '.join(awaited)}. "
            "Acknowledge once the feedback is posted in this thread."
        )
    if not checkins.mark_acknowledged(session, evaluation_id=evaluation_id, now=now):
        return AlreadyAcknowledged(checkin=checkin)
    revision = checkins.bump_revision(session, evaluation_id=evaluation_id)
    after = _reread(session, caller, evaluation_id)
    messages: list[outbox.Outgoing] = [
        (reply_key(evaluation_id, "acknowledged"), None, render.acknowledged(after), parent_key(evaluation_id)),
        *rewrites(after, revision, render),
    ]
    outbox.enqueue_many(session, workspace_id=caller.workspace_id, kind=KIND, messages=messages, now=now)
    audit.record(
        session,
        workspace_id=caller.workspace_id,
        actor=caller.user_id,
        action="checkin.acknowledge",
        entity="evaluation",
        entity_id=evaluation_id,
        source=source,
        at=now,
        after={"acknowledged_at": now.isoformat(), "self_review": checkin.self_review is not None},
    )
    return Acknowledged(checkin=after)


def record_comment(
    session: Session,
    *,
    team_id: str,
    channel: str,
    thread_ts: str,
    ts: str,
    user_id: str,
    text: str,
    now: datetime,
) -> CommentRecorded | None:
    """A plain reply in a check-in thread by its rep or manager, recorded once per Slack message (a retried
    event records nothing new); None for a reply elsewhere, by anyone else, or already recorded."""
    found = checkins.thread_of(session, team_id=team_id, conversation=channel, ts=thread_ts)
    if found is None:
        return None
    workspace_id, evaluation_id = found
    row = checkins.evaluation(session, workspace_id=workspace_id, evaluation_id=evaluation_id)
    if row is None:
        return None
    member = session.get(Member, row.member_id)
    if member is None or user_id not in (member.user_id, row.manager_user_id):
        return None
    comment_id = checkins.add_comment(
        session,
        workspace_id=workspace_id,
        evaluation_id=evaluation_id,
        user_id=user_id,
        channel=channel,
        ts=ts,
        text=text,
        now=now,
    )
    if comment_id is None:
        return None
    audit.record(
        session,
        workspace_id=workspace_id,
        actor=user_id,
        action="checkin.comment",
        entity="checkin_comment",
        entity_id=comment_id,
        source="slack_thread",
        at=now,
        after={"evaluation": evaluation_id, "channel": channel, "ts": ts, "text": text[:2000]},
    )
    return CommentRecorded(evaluation_id=evaluation_id, comment_id=comment_id)
