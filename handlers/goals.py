"""`/goal`: set a rep's target, list targets, cascade a team goal, and the *Set a goal* form.

/goal @member <metric> <value> [period]      set (the member's manager, or an admin)
/goal @member [period]  ·  /goal list [period]   list (self, a manager's reports, admins anyone)
/goal team [team name] <metric> <value> [period] [weighted]   split a team total over the reps
/goal                                        the form (managers and admins; reps see their targets)
/goal help
"""

from __future__ import annotations

import re
from functools import partial
from typing import Any

from slack_bolt import Ack, App

from bot.config import PacerConfig
from bot.deps import Deps
from bot.directory import Caller
from bot.services import goals as service
from bot.services import members
from handlers import ids
from handlers.blocks import goals as blocks
from handlers.blocks.common import context, section
from handlers.replies import Reply, answer_command, run
from handlers.views import field_values, view_errors
from scoring.errors import FieldErrors, InputError, PacerError
from scoring.goal_values import parse_goal_value, value_example
from scoring.metrics import METRICS, metric
from scoring.numerals import normalize
from scoring.periods import period_forms
from scoring.records import Source

# Modal callback ids (handlers/ids.py lists the others; these belong to /goal alone).
GOAL_MODAL = "goal_modal"
GOAL_DONE = "goal_done"

MENTION = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$")
PERIODISH = re.compile(r"(?i)^(?:fy-?)?\d{4}-|^q\d|^(?:this|last|next)[-_]|^\d{4}q\d$")
TWO_WORD_PERIOD = re.compile(r"(?i)^(?:(?:this|last|next) (?:month|quarter|period)|q\d \d{4})$")
SPLITS = {"weighted": True, "weight": True, "equal": False, "equally": False}


def register(app: App, deps: Deps) -> None:
    app.command(ids.GOAL)(partial(goal_command, deps=deps))
    app.view(GOAL_MODAL)(partial(goal_modal_submitted, deps=deps))


def goal_command(ack: Ack, command: dict[str, Any], *, deps: Deps) -> None:
    config = deps.config

    def work(caller: Caller) -> Reply:
        text = normalize(command.get("text") or "").strip()  # digit look-alikes stay for the value to refuse
        head, _, rest = text.partition(" ")
        rest = rest.strip()
        word = head.lower()
        if not text:
            return _open_form(deps, caller)
        if word in ("help", "?"):
            return Reply(blocks=blocks.help_blocks(), text="How /goal works")
        if word == "list":
            return _list(deps, caller, caller.user_id, rest)
        if word == "team":
            return _team(deps, caller, rest)
        found = MENTION.match(head)
        if found is None:
            if head.startswith("@"):
                raise InputError(
                    f"Pick the person from Slack's @-menu so the mention becomes a link; “{head[:40]}” is plain text.",
                    example=service.EXAMPLE,
                )
            raise InputError(
                "Who is the goal for? Start with an @-mention of the rep (or `team`, `list`, `help`).",
                example=service.EXAMPLE,
            )
        user_id = found.group(1)
        first = rest.partition(" ")[0].lower()
        listing = not rest or (first not in METRICS and bool(PERIODISH.match(rest) or TWO_WORD_PERIOD.match(rest)))
        members.ensure_registered(
            deps.db,
            deps.directory,
            caller,
            user_id=user_id,
            now=deps.clock(),
            example="/goal list" if listing else service.EXAMPLE,
            may=partial(service.may_list if listing else service.may_set, caller),
        )
        if listing:
            return _list(deps, caller, user_id, rest)
        metric_text, _, tail = rest.partition(" ")
        value_text, period_text = _value_and_period(tail.strip())
        return _set(deps, caller, user_id, metric_text, value_text, period_text, config=config)

    answer_command(ack, command, deps, work)


def _value_and_period(text: str) -> tuple[str, str | None]:
    """`120k 2026-12` → (`120k`, `2026-12`); `60 % next month` → (`60 %`, `next month`)."""
    words = text.split()
    if len(words) >= 3 and TWO_WORD_PERIOD.match(" ".join(words[-2:])):
        return " ".join(words[:-2]), " ".join(words[-2:])
    if len(words) >= 2 and PERIODISH.match(words[-1]):
        return " ".join(words[:-1]), words[-1]
    return text, None


def _example_for(metric_name: str) -> str:
    return f"/goal @dana {metric_name} {value_example(metric(metric_name).unit)}"


def _set(
    deps: Deps,
    caller: Caller,
    user_id: str,
    metric_text: str,
    value_text: str,
    period_text: str | None,
    *,
    config: PacerConfig,
) -> Reply:
    metric_name = service.metric_named(metric_text)
    example = _example_for(metric_name)
    value = parse_goal_value(value_text, metric_name=metric_name, currency=config.currency, example=example)
    with deps.db.transaction() as session:
        change = service.set_goal_for(
            session,
            caller,
            user_id=user_id,
            metric_name=metric_name,
            value=value,
            period_text=period_text,
            config=config,
            source=Source.SLACK_COMMAND.value,
            now=deps.clock(),
        )
    return Reply(
        blocks=blocks.goal_set(change, currency=config.currency),
        text=blocks.goal_set_text(change, currency=config.currency, fallback=True),
    )


def _list(deps: Deps, caller: Caller, user_id: str, period_text: str) -> Reply:
    config = deps.config
    with deps.db.reading() as session:
        member = service.member_of(session, caller, user_id)
        profile = config.profile_for(member.user_id, member.profile)
        period = service.goal_period(config, caller, profile, period_text or None, command="/goal list")
        listing = service.list_goals(session, caller, member, period=period, config=config)
    return Reply(
        blocks=blocks.goal_list(listing, currency=config.currency),
        text=f"{listing.person.name}'s targets for {listing.period.label}",
    )


def _team(deps: Deps, caller: Caller, text: str) -> Reply:
    config = deps.config
    words = text.split()
    weighted = False
    if words and words[-1].lower() in SPLITS:
        weighted = SPLITS[words.pop().lower()]
    rest = " ".join(words)
    team_name = None
    for team in sorted(config.teams, key=lambda t: -len(t.name)):
        if rest.casefold().startswith(team.name.casefold() + " "):
            team_name, rest = team.name, rest[len(team.name) :].strip()
            break
    team = service.team_for(config, caller, team_name)
    metric_text, _, tail = rest.partition(" ")
    if not metric_text:
        raise InputError("Which metric and how much? Give both after `team`.", example=service.TEAM_EXAMPLE)
    metric_name = service.metric_named(metric_text, example_member="team")
    value_text, period_text = _value_and_period(tail.strip())
    example = f"/goal team {metric_name} {value_example(metric(metric_name).unit)}"
    total = parse_goal_value(value_text, metric_name=metric_name, currency=config.currency, example=example)
    members.register_listed(
        deps.db, deps.directory, caller, user_ids=team.members, now=deps.clock(), example=service.TEAM_EXAMPLE
    )
    with deps.db.transaction() as session:
        result = service.cascade(
            session,
            caller,
            team,
            metric_name=metric_name,
            total=total,
            period_text=period_text,
            weighted=weighted,
            config=config,
            source=Source.SLACK_COMMAND.value,
            now=deps.clock(),
        )
    return Reply(blocks=blocks.team_goal(result, currency=config.currency), text=f"{result.team} goal set")


def _open_form(deps: Deps, caller: Caller) -> Reply:
    config = deps.config
    if caller.person.role not in ("manager", "admin"):
        listing = _list(deps, caller, caller.user_id, "")
        note = context("Targets are set by your manager; these are yours. `/goal help` explains the rest.")
        return Reply(blocks=[*listing.blocks, note], text=listing.text)
    hint = period_forms(today=caller.today, calendar=config.calendar.calendar())
    return Reply(open_view=blocks.modal(callback_id=GOAL_MODAL, period_hint=hint))


# --- the form -----------------------------------------------------------------------------------------


def goal_modal_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any], *, deps: Deps) -> None:
    config = deps.config
    values = field_values(view)
    user_id = field_values(view).get("member")
    key = f"view:{view['id']}"

    def work(caller: Caller) -> Reply:
        errors: dict[str, str] = {}
        metric_name = value = None
        if user_id is None:
            errors["member"] = "Choose the rep whose target this is."
        try:
            metric_name = service.metric_named(values.get("metric") or "")
        except InputError as error:
            errors["metric"] = "Choose a metric." if not values.get("metric") else error.message
        if metric_name is not None:
            try:
                value = parse_goal_value(
                    values.get("value") or "", metric_name=metric_name, currency=config.currency, example=""
                )
            except InputError as error:
                errors["value"] = error.message
        if errors or user_id is None or metric_name is None or value is None:
            raise FieldErrors(errors)
        members.ensure_registered(
            deps.db,
            deps.directory,
            caller,
            user_id=user_id,
            now=deps.clock(),
            example="",  # a form shows the message on the field, never an example
            may=partial(service.may_set, caller),
            field="member",
        )
        with deps.db.transaction() as session:
            answer = service.set_goal_once(
                session,
                caller,
                key=key,
                answer=lambda change: {
                    "text": blocks.goal_set_text(change, currency=config.currency),
                    "hint": blocks.scorecard_hint(change),
                },
                user_id=user_id,
                metric_name=metric_name,
                value=value,
                period_text=values.get("period"),
                config=config,
                source=Source.MODAL.value,
                now=deps.clock(),
            )
        return _done(answer)

    try:
        reply = run(deps, body["team"]["id"], body["user"]["id"], work)
    except FieldErrors as errors:
        ack(response_action="errors", errors=view_errors(errors, view))
        return
    except PacerError as error:
        ack(response_action="errors", errors=view_errors(FieldErrors({error.field or "value": error.message}), view))
        return
    ack(response_action="update", view=blocks.done_view(reply.blocks, callback_id=GOAL_DONE))


def _done(answer: dict[str, Any]) -> Reply:
    return Reply(blocks=[section(str(answer.get("text", ""))), context(str(answer.get("hint", "")))], text="Goal set")
