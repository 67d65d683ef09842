"""Filing an appeal (issue 11, items 1, 2 and 4): which evaluations a rep may appeal, the form's choices,
the filing with its reviewer, deadline, messages and reminders, `/appeal status`, and the withdrawal.

The window. A rep may appeal an evaluation from the moment its check-in is opened
(`evaluation.checkin_opened_at`) to the end of the `appeals.window_working_days`-th working day after
the local date of the opening, in the rep's zone and the workspace calendar (weekends and holidays not
counted): opened on Tuesday 1 December with 10 working days, the window closes at 23:59:59 on Tuesday
15 December, the rep's time. An evaluation whose check-in was never opened has no window yet.

The deadline. A decision is due at the end (23:59:59) of the `appeals.decision_working_days`-th working
day after the filing day, in the reviewer's zone (the workspace's `timezone` when the admins decide).
The reminders (bot.store.reminders, delivered by the reminders job):

| key | to | when |
| --- | --- | --- |
| `appeal:<id>:due-soon` | the reviewer | their nudge time (09:00), the working day before the due day (none if past) |
| `appeal:<id>:due-soon:<admin>` | each admin, when no reviewer was eligible | the same, in the workspace zone |
| `appeal:<id>:overdue:<admin>` | each admin | at the due time |

`bot.services.appeals.cancel_reminders` cancels them all (a decision, a withdrawal, a reassignment).

Every write is one transaction on the locked evaluation (filing) or the locked appeal (withdrawal), with
a receipt keyed on the form's view id so a double or concurrent submit files one appeal, and the
unique `open_evaluation_id` catching two different forms racing for the same evaluation.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session

from bot.clock import zone
from bot.config import PacerConfig
from bot.directory import Caller
from bot.services import appeals
from bot.services import checkins as checkin_service
from bot.services.appeals import DUE_SOON, KIND, OVERDUE, AppealView, CaseContext, Render, key, number
from bot.store import appeals as store
from bot.store import audit, checkins, evaluations, members, outbox, receipts, reminders
from bot.store.tables import Appeal, Evaluation
from scoring.appeals import AppealForm, Candidate, choose_reviewer, working_day_before, working_days_end
from scoring.errors import InputError, NotAllowed, NotFound, PacerError
from scoring.evaluations import Snapshot
from scoring.schedule import DEFAULT_TIME, parse_local_time

MODAL_SOURCE = "modal"
STATUS_EXAMPLE = "/appeal status"
SYSTEM = "system"


class NotYours(NotAllowed):
    def __init__(self) -> None:
        super().__init__("You can only appeal your own evaluations; nothing was filed.")


class NothingToAppeal(NotFound):
    """The rep has no evaluation inside its appeal window: told which they have and when each closed."""


class NotAppealable(InputError):
    """This evaluation cannot be appealed now (window closed, never opened, already appealed)."""


class NoSuchAppeal(NotFound):
    def __init__(self, appeal_id: int | None = None) -> None:
        which = number(appeal_id) if appeal_id else "that appeal"
        super().__init__(
            f"You have no appeal {which}; `/appeal status` lists yours. Nothing was changed.", example=STATUS_EXAMPLE
        )


@dataclass(frozen=True)
class Appealable:
    """An evaluation of the rep's, with its appeal window: open (`closes` ahead) or why not."""

    evaluation_id: int
    period_label: str
    opened_at: datetime | None
    closes: datetime | None  # None: the check-in was never opened
    snapshot: Snapshot
    version: int
    standing: AppealView | None  # an open or decided appeal on it
    now: datetime
    tz: ZoneInfo  # the rep's: the window's days are theirs

    @property
    def closes_on(self) -> str:
        """The window's last day, the rep's date ("Tue 15 Dec 2026")."""
        return "" if self.closes is None else _local_day(self.closes.astimezone(self.tz))

    @property
    def is_open(self) -> bool:
        return self.closes is not None and self.now <= self.closes and self.standing is None

    def why_not(self) -> str:
        """Why this evaluation cannot be appealed now, in words (empty when it can)."""
        if self.standing is not None:
            if self.standing.is_open:
                return f"it already has an open appeal, {self.standing.number}"
            outcome = self.standing.status_label.lower()
            return f"its appeal {self.standing.number} was decided ({outcome}): decisions are final"
        if self.closes is None:
            return "its check-in has not been opened yet, and the appeal window opens with it"
        if self.now > self.closes:
            return f"its appeal window closed at the end of {self.closes_on}"
        return ""


def _local_day(moment: datetime) -> str:
    return f"{moment:%a %d %b %Y}"


@dataclass(frozen=True)
class FormChoice:
    """What the appeal form offers: the rep's appealable evaluations, one of them chosen (or none yet)."""

    options: tuple[Appealable, ...]
    chosen: Appealable | None


@dataclass(frozen=True)
class Filed:
    appeal: AppealView
    context: CaseContext


@dataclass(frozen=True)
class AlreadyFiled:
    """The same form submitted again, or another form for an evaluation with an open appeal: one stands."""

    appeal: AppealView
    same_form: bool


@dataclass(frozen=True)
class Withdrawn:
    appeal: AppealView


@dataclass(frozen=True)
class NotOpen:
    """A withdrawal of an appeal that is no longer open (withdrawn before, or decided): nothing changed."""

    appeal: AppealView


@dataclass(frozen=True)
class StatusRow:
    appeal: AppealView
    period_label: str
    before: Decimal  # the appealed version's total
    after: Decimal | None  # the re-scored total, when a decision made a new version


# --- reads: what the rep may appeal ----------------------------------------------------------------------


def _window_closes(row: Evaluation, *, tz: ZoneInfo, config: PacerConfig) -> datetime | None:
    if row.checkin_opened_at is None:
        return None
    return working_days_end(
        row.checkin_opened_at, config.appeals.window_working_days, tz=tz, calendar=config.calendar.calendar()
    )


def _appealable(session: Session, row: Evaluation, *, tz: ZoneInfo, config: PacerConfig, now: datetime) -> Appealable:
    assert row.id is not None
    current = evaluations.version(session, evaluation_id=row.id, number=row.version)
    assert current is not None
    standing = store.latest_standing(session, evaluation_ids=[row.id]).get(row.id)
    snapshot = Snapshot.from_json(current.snapshot)
    return Appealable(
        evaluation_id=row.id,
        period_label=snapshot.period.label,
        opened_at=row.checkin_opened_at,
        closes=_window_closes(row, tz=tz, config=config),
        snapshot=snapshot,
        version=row.version,
        standing=None if standing is None else appeals.view(standing),
        now=now,
        tz=tz,
    )


def appealable(session: Session, caller: Caller, *, config: PacerConfig, now: datetime) -> list[Appealable]:
    """Every evaluation of the caller's, latest period first, with its window."""
    rows = store.evaluations_of(session, workspace_id=caller.workspace_id, member_id=caller.member_id)
    return [_appealable(session, row, tz=caller.tz, config=config, now=now) for row in rows]


def form_choice(
    session: Session, caller: Caller, *, config: PacerConfig, now: datetime, evaluation_id: int | None = None
) -> FormChoice:
    """What the appeal form offers the caller. With `evaluation_id` (the thread's Appeal button, or an
    evaluation picked in the form), that one is chosen, or refused with why. With none, the one evaluation
    open to appeal is chosen, or the rep picks among several. No evaluation in its window: refused, naming
    the rep's evaluations and when each window closed."""
    everything = appealable(session, caller, config=config, now=now)
    options = tuple(a for a in everything if a.is_open)
    if evaluation_id is not None:
        found = next((a for a in everything if a.evaluation_id == evaluation_id), None)
        if found is None:
            row = checkins.evaluation(session, workspace_id=caller.workspace_id, evaluation_id=evaluation_id)
            if row is not None:
                raise NotYours()
            raise NotFound("That evaluation no longer exists here, so there is nothing to appeal.")
        if not found.is_open:
            raise NotAppealable(
                f"Your {found.period_label} evaluation can't be appealed: {found.why_not()}.",
                example=STATUS_EXAMPLE,
            )
        return FormChoice(options=options, chosen=found)
    if not options:
        raise NothingToAppeal(_nothing_message(everything), example=STATUS_EXAMPLE)
    return FormChoice(options=options, chosen=options[0] if len(options) == 1 else None)


def submission_target(
    session: Session, caller: Caller, *, config: PacerConfig, now: datetime, evaluation_id: int
) -> Appealable:
    """The evaluation a submitted form names, for reading its lines: the caller's own, or refused (the
    window and the open-appeal rules are `file_appeal`'s, under the lock)."""
    row = checkins.evaluation(session, workspace_id=caller.workspace_id, evaluation_id=evaluation_id)
    if row is None or row.member_id != caller.member_id:
        raise NotYours()
    return _appealable(session, row, tz=caller.tz, config=config, now=now)


def _nothing_message(everything: list[Appealable]) -> str:
    if not everything:
        return (
            "You have no evaluation to appeal yet: evaluations are frozen when a period closes, and each can be "
            "appealed once its check-in is opened."
        )
    shown = [f"{a.period_label}: {a.why_not()}" for a in everything[:6]]
    more = f" (and {len(everything) - 6} older)" if len(everything) > 6 else ""
    return "None of your evaluations is open to appeal — " + "; ".join(shown) + more + "."


# --- filing ----------------------------------------------------------------------------------------------


def file_appeal(
    session: Session,
    caller: Caller,
    *,
    config: PacerConfig,
    evaluation_id: int,
    form: AppealForm,
    key_: str,
    render: Render,
    checkin_render: checkin_service.Render,
    now: datetime,
    source: str = MODAL_SOURCE,
) -> Filed | AlreadyFiled:
    """File the caller's appeal of their evaluation, once per form submission `key_`.

    Refused, nothing stored: someone else's evaluation, a check-in never opened, a closed window, a line
    not on the evaluation, an appeal already decided. An open appeal on the evaluation (this form's, or
    another's filed a moment ago) is `AlreadyFiled`. Otherwise one transaction: the appeal, its reviewer
    (`choose_reviewer`, drawn on `appeal:<id>`) and deadline, the case to the decider(s), the notices to
    the rep, the manager and the check-in thread, the check-in's next step rewritten (its Appeal button
    gives way to the appeal's number), the reminders, the audit and the receipt.
    """
    row = checkins.locked(session, workspace_id=caller.workspace_id, evaluation_id=evaluation_id)
    if row is None or row.member_id != caller.member_id:
        raise NotYours()
    receipt = receipts.find(session, workspace_id=caller.workspace_id, key=key_)
    if receipt is not None and receipt.response and receipt.response.get("appeal"):
        found = store.get(session, workspace_id=caller.workspace_id, appeal_id=int(receipt.response["appeal"]))
        assert found is not None
        return AlreadyFiled(appeal=appeals.view(found), same_form=True)
    target = _appealable(session, row, tz=caller.tz, config=config, now=now)
    if target.standing is not None and target.standing.is_open:
        return AlreadyFiled(appeal=target.standing, same_form=False)
    if not target.is_open:
        raise NotAppealable(
            f"Your {target.period_label} evaluation can't be appealed: {target.why_not()}. Nothing was filed."
        )
    lines = {line.metric for line in target.snapshot.lines}
    if not form.metrics or not set(form.metrics) <= lines or not set(form.requested) <= set(form.metrics):
        raise NotAppealable("Those lines are not on this evaluation's scorecard; nothing was filed.")
    appeal_id = store.insert_open(
        session,
        values={
            "workspace_id": caller.workspace_id,
            "evaluation_id": evaluation_id,
            "member_id": caller.member_id,
            "appellant_user_id": caller.user_id,
            "manager_user_id": row.manager_user_id,
            "evaluation_version": row.version,
            "metrics": list(form.metrics),
            "requested": {metric: str(value) for metric, value in form.requested.items()},
            "reason": form.reason,
            "evidence": form.evidence,
            "corrected": {},
            "assigned_reason": "",
            "assigned_at": now,
            "due_at": now,  # set below, once the reviewer (and so the zone) is known
            "source": source,
            "created_at": now,
        },
    )
    if appeal_id is None:  # a concurrent form for this evaluation filed first
        other = store.open_on(session, evaluation_id=evaluation_id)
        if other is None:
            raise PacerError("Another appeal of this evaluation was being filed at the same moment; try again.")
        return AlreadyFiled(appeal=appeals.view(other), same_form=False)
    appeal = _assign(session, caller, config=config, appeal_id=appeal_id, evaluation=row, now=now)
    context = appeals.case_context(session, appeal, admins=config.admins)
    messages = _filing_messages(appeal, context, render)
    outbox.enqueue_many(session, workspace_id=caller.workspace_id, kind=KIND, messages=messages, now=now)
    rewrite_next_step(session, caller.workspace_id, evaluation_id, checkin_render, now=now)
    schedule_reminders(session, appeal, context, config=config, render=render, now=now)
    audit.record_many(
        session,
        [
            {
                "workspace_id": caller.workspace_id,
                "actor": caller.user_id,
                "action": "appeal.filed",
                "entity": "appeal",
                "entity_id": appeal.id,
                "source": source,
                "at": now,
                "after": {
                    "evaluation": evaluation_id,
                    "version": appeal.evaluation_version,
                    "period": row.period_key,
                    "metrics": list(appeal.metrics),
                    "requested": {m: str(v) for m, v in appeal.requested.items()},
                    "reason": appeal.reason,
                    "evidence": appeal.evidence,
                },
            },
            {
                "workspace_id": caller.workspace_id,
                "actor": SYSTEM,
                "action": "appeal.assigned",
                "entity": "appeal",
                "entity_id": appeal.id,
                "source": source,
                "at": now,
                "after": {
                    "reviewer": appeal.reviewer_user_id,
                    "admins": None if appeal.reviewer_user_id else list(config.admins),
                    "reason": appeal.assigned_reason,
                    "due_at": appeal.due_at.isoformat(),
                },
            },
        ],
    )
    receipts.save(session, workspace_id=caller.workspace_id, key=key_, response={"appeal": appeal.id}, now=now)
    return Filed(appeal=appeal, context=context)


def _assign(
    session: Session, caller: Caller, *, config: PacerConfig, appeal_id: int, evaluation: Evaluation, now: datetime
) -> AppealView:
    """Choose the reviewer of the appeal just inserted and set its deadline in their zone."""
    pool = config.reviewer_pool(caller.user_id)
    loads = store.loads(session, workspace_id=caller.workspace_id, user_ids=pool)
    candidates = [Candidate(user_id=u, open_cases=loads[u][0], last_assigned_at=loads[u][1]) for u in pool]
    line = store.reporting_line(session, workspace_id=caller.workspace_id, user_id=caller.user_id)
    choice = choose_reviewer(
        candidates,
        appellant=caller.user_id,
        manager=evaluation.manager_user_id,
        reporting_line=line,
        draw=f"appeal:{appeal_id}",
    )
    row = session.get(Appeal, appeal_id)
    assert row is not None
    if choice is None:
        row.reviewer_user_id = None
        row.assigned_reason = (
            "no eligible reviewer: the pool is empty"
            if not pool
            else "no eligible reviewer: everyone in the pool is the appellant or the evaluating manager"
        ) + "; the admins decide"
        tz = zone(None, config.timezone)
    else:
        row.reviewer_user_id = choice.user_id
        row.assigned_reason = choice.reason[:300]
        reviewer = members.get(session, workspace_id=caller.workspace_id, user_id=choice.user_id)
        tz = zone(reviewer.tz if reviewer else None, config.timezone)
    row.assigned_at = now
    row.due_at = working_days_end(now, config.appeals.decision_working_days, tz=tz, calendar=config.calendar.calendar())
    session.add(row)
    session.flush()
    return appeals.view(row)


def _filing_messages(appeal: AppealView, context: CaseContext, render: Render) -> list[outbox.Outgoing]:
    messages: list[outbox.Outgoing] = [
        (key(appeal.id, f"case:{user}"), user, render.case(appeal, context)) for user in context.deciders(appeal)
    ]
    told = [appeal.appellant_user_id]
    if appeal.manager_user_id and appeal.manager_user_id not in told:
        told.append(appeal.manager_user_id)
    messages += [(key(appeal.id, f"filed:{user}"), user, render.filed(appeal, context, user)) for user in told]
    if context.thread:
        messages.append(
            (
                key(appeal.id, "thread"),
                None,
                render.thread_filed(appeal, context),
                checkin_service.parent_key(appeal.evaluation_id),
            )
        )
    return messages


def rewrite_next_step(
    session: Session, workspace_id: int, evaluation_id: int, checkin_render: checkin_service.Render, *, now: datetime
) -> None:
    """Rewrite the check-in's next step (`checkin:<id>:next@<revision>`): it shows whether an appeal stands,
    and the Appeal button only when none does. The filing and the withdrawal call it; so may a decision."""
    row = checkins.locked(session, workspace_id=workspace_id, evaluation_id=evaluation_id)
    if row is None or row.checkin_key is None:
        return
    revision = checkins.bump_revision(session, evaluation_id=evaluation_id)
    row = checkins.locked(session, workspace_id=workspace_id, evaluation_id=evaluation_id)
    assert row is not None
    view = checkin_service.view_of(session, row)
    outbox.enqueue(
        session,
        workspace_id=workspace_id,
        key=checkin_service.reply_key(evaluation_id, f"next@{revision}"),
        kind=checkin_service.KIND,
        channel=None,
        payload=outbox.rewrite(checkin_render.next_step(view)),
        reply_to=checkin_service.reply_key(evaluation_id, "next"),
        now=now,
    )


def schedule_reminders(
    session: Session,
    appeal: AppealView,
    context: CaseContext,
    *,
    config: PacerConfig,
    render: Render,
    now: datetime,
    round_: str = "",
) -> None:
    """The appeal's due-soon reminder (to the reviewer, or each admin) and each admin's overdue escalation, as
    in the module's table; a due-soon already past is skipped. A reminder key is used once (scheduling it
    again does nothing, even after a cancel), so a reassignment cancels the old ones
    (`appeals.cancel_reminders`) and calls this with the new reviewer and `round_` (e.g. "r2"): its keys
    get "@r2" (`appeal:<id>:due-soon@r2`), still under the `appeal:<id>:` prefix that cancelling clears."""
    tail = f"@{round_}" if round_ else ""
    calendar = config.calendar.calendar()
    soon: list[tuple[str, str, datetime]] = []
    if appeal.reviewer_user_id:
        local = checkins.local_times(session, workspace_id=appeal.workspace_id, user_ids=[appeal.reviewer_user_id])
        found = local.get(appeal.reviewer_user_id)
        tz = zone(found.tz if found else None, config.timezone)
        at = (parse_local_time(found.local_time) if found else None) or DEFAULT_TIME
        when = working_day_before(appeal.due_at, tz=tz, at=at, calendar=calendar)
        soon.append((key(appeal.id, DUE_SOON + tail), appeal.reviewer_user_id, when))
    else:
        tz = zone(None, config.timezone)
        when = working_day_before(appeal.due_at, tz=tz, at=time(9, 0), calendar=calendar)
        soon += [(key(appeal.id, f"{DUE_SOON}:{admin}{tail}"), admin, when) for admin in config.admins]
    due_soon, overdue = render.due_soon(appeal, context), render.overdue(appeal, context)
    rows: list[dict[str, Any]] = [
        {
            "key": k,
            "recipient": user,
            "kind": KIND,
            "due_at": when,
            "text": due_soon["text"],
            "blocks": due_soon["blocks"],
        }
        for k, user, when in soon
        if when > now
    ]
    rows += [
        {
            "key": key(appeal.id, f"{OVERDUE}:{admin}{tail}"),
            "recipient": admin,
            "kind": KIND,
            "due_at": appeal.due_at,
            "text": overdue["text"],
            "blocks": overdue["blocks"],
        }
        for admin in config.admins
    ]
    reminders.schedule_many(session, workspace_id=appeal.workspace_id, reminders=rows, now=now)


# --- /appeal status and the withdrawal -----------------------------------------------------------------


def status(session: Session, caller: Caller) -> list[StatusRow]:
    """The caller's own appeals, newest first (nobody sees another rep's here)."""
    rows: list[StatusRow] = []
    for appeal in appeals.appeals_of_member(session, workspace_id=caller.workspace_id, member_id=caller.member_id):
        appealed = evaluations.version(session, evaluation_id=appeal.evaluation_id, number=appeal.evaluation_version)
        assert appealed is not None
        before = Snapshot.from_json(appealed.snapshot)
        after: Decimal | None = None
        if appeal.result_version is not None:
            result = evaluations.version(session, evaluation_id=appeal.evaluation_id, number=appeal.result_version)
            after = None if result is None else Snapshot.from_json(result.snapshot).total
        rows.append(StatusRow(appeal=appeal, period_label=before.period.label, before=before.total, after=after))
    return rows


def withdraw(
    session: Session,
    caller: Caller,
    *,
    config: PacerConfig,
    appeal_id: int,
    render: Render,
    checkin_render: checkin_service.Render,
    now: datetime,
    source: str,
) -> Withdrawn | NotOpen:
    """The appellant withdraws their open appeal: withdrawn (it can no longer be decided), its reminders
    cancelled, whoever had the case told and the case rewritten without its Decide button, the manager and
    the check-in thread told, the check-in's next step rewritten, audited. Anyone else's appeal is
    `NoSuchAppeal`; one no longer open is `NotOpen`."""
    row = store.locked(session, workspace_id=caller.workspace_id, appeal_id=appeal_id)
    if row is None or row.appellant_user_id != caller.user_id:
        raise NoSuchAppeal(appeal_id)
    if row.status != "open" or not store.withdraw(session, appeal_id=appeal_id, now=now):
        return NotOpen(appeal=appeals.view(row))
    row = store.locked(session, workspace_id=caller.workspace_id, appeal_id=appeal_id)
    assert row is not None
    appeal = appeals.view(row)
    appeals.cancel_reminders(session, workspace_id=caller.workspace_id, appeal_id=appeal_id, now=now)
    context = appeals.case_context(session, appeal, admins=config.admins)
    messages: list[outbox.Outgoing] = []
    for user in context.deciders(appeal):
        messages.append((key(appeal.id, f"withdrawn:{user}"), user, render.withdrawn(appeal, context)))
        case = key(appeal.id, f"case:{user}")
        messages.append((f"{case}@withdrawn", None, outbox.rewrite(render.case_closed(appeal, context)), case))
    if appeal.manager_user_id and appeal.manager_user_id not in context.deciders(appeal):
        messages.append(
            (
                key(appeal.id, f"withdrawn:{appeal.manager_user_id}"),
                appeal.manager_user_id,
                render.withdrawal_notice(appeal, context),
            )
        )
    if context.thread:
        parent = checkin_service.parent_key(appeal.evaluation_id)
        messages.append((key(appeal.id, "thread@withdrawn"), None, render.withdrawal_notice(appeal, context), parent))
    outbox.enqueue_many(session, workspace_id=caller.workspace_id, kind=KIND, messages=messages, now=now)
    rewrite_next_step(session, caller.workspace_id, appeal.evaluation_id, checkin_render, now=now)
    audit.record(
        session,
        workspace_id=caller.workspace_id,
        actor=caller.user_id,
        action="appeal.withdrawn",
        entity="appeal",
        entity_id=appeal.id,
        source=source,
        at=now,
        before={"status": "open"},
        after={"status": "withdrawn", "withdrawn_at": now.isoformat()},
    )
    return Withdrawn(appeal=appeal)
