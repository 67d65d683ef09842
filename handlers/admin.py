"""`/pacer`: help for everyone; admin subcommands to place members, record surveys and training,
and show the effective settings.

    /pacer help
    /pacer rules · /pacer counting … · /pacer products …   (see handlers/rules.py)
    /pacer settings
    /pacer profile @member <profile>
    /pacer manager @member @manager|none
    /pacer team @member <team name>|none
    /pacer role @member rep|manager|reviewer|admin
    /pacer csat <customer> <1-5> [YYYY-MM-DD]
    /pacer training @member <course> done [YYYY-MM-DD]
    /pacer appeal reassign AP-7 @reviewer   (see handlers/appeal_decisions.py)
    /pacer fairness [period]
"""

from __future__ import annotations

import re
from datetime import date
from functools import partial
from typing import Any, get_args

from slack_bolt import Ack, App, Respond

from bot.deps import Deps
from bot.directory import Caller
from bot.services import admin as service
from bot.services import fairness as fairness_service
from bot.services import rules as rules_service
from handlers import appeal_decisions, ids, nudges
from handlers import rules as published_rules
from handlers.blocks.admin import (
    csat_blocks,
    help_blocks,
    help_text,
    member_blocks,
    member_changed_blocks,
    member_changed_text,
    settings_blocks,
    training_blocks,
)
from handlers.blocks.fairness import fairness_blocks, fairness_text
from handlers.envelope import button_number
from handlers.replies import Reply, answer_action, answer_command
from handlers.text import clean, plain, show
from scoring.errors import InputError
from scoring.people import Role
from scoring.periods import parse_period
from scoring.requests import customer_name

ROLES: tuple[str, ...] = get_args(Role)
MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
TEAM_MAX = 80
COURSE_MAX = 120
EARLIEST = date(2000, 1, 1)

#: What every member may ask `/pacer` (manifest.yml's usage hint names each); the rest is for admins.
EVERYONE = ("help", "nudges", "rules", "products")

EXAMPLES = {
    "settings": "/pacer settings",
    "profile": "/pacer profile @dana farmer",
    "manager": "/pacer manager @dana @morgan",
    "team": "/pacer team @dana East",
    "role": "/pacer role @dana manager",
    "csat": "/pacer csat Acme Corp 5 2026-11-20",
    "training": "/pacer training @dana Premium Selling done 2026-11-20",
    "fairness": "/pacer fairness last-month",
}
WHAT = {
    "settings": "see the settings",
    "profile": "assign profiles",
    "manager": "change managers",
    "team": "change teams",
    "role": "change roles",
    "csat": "record CSAT results",
    "training": "record training",
    "fairness": "see the fairness report",
}
FIELDS = {"profile": "profile", "manager": "manager_user_id", "team": "team", "role": "role"}


def register(app: App, deps: Deps) -> None:
    app.command(ids.PACER)(partial(command, deps=deps))
    app.action(ids.SETTINGS_MORE)(partial(settings_more_clicked, deps=deps))


def command(ack: Ack, command: dict[str, Any], *, deps: Deps) -> None:
    config = deps.config

    def work(caller: Caller) -> Reply:
        text = clean(command.get("text") or "", example="/pacer help")
        head, _, rest = text.partition(" ")
        sub, rest = head.lower(), rest.strip()
        if sub in ("", "help", "?"):
            admin = service.is_admin(config, caller.person)
            return Reply(blocks=help_blocks(admin=admin), text=help_text(admin=admin))
        if sub in published_rules.SUBCOMMANDS:
            return published_rules.subcommand(deps, caller, sub, rest)
        if sub == "nudges":  # every member's own setting, not an admin command
            return nudges.settings_reply(deps, caller, rest)
        if sub == "appeal":  # admins: the service checks, after the appeal's own checks
            return appeal_decisions.admin_command(deps, caller, rest)
        if sub not in EXAMPLES:
            admins = [s for s in (*published_rules.SUBCOMMANDS, *EXAMPLES, "appeal") if s not in EVERYONE]
            raise InputError(
                f"I don't know “/pacer {show(head)}”. /pacer takes: {', '.join(EVERYONE)}; "
                f"for admins also {', '.join(admins)}.",
                example="/pacer help",
            )
        service.ensure_admin(config, caller, what=WHAT[sub])
        now = deps.clock()
        if sub == "settings":
            rows = service.member_settings(deps.db, caller, config=config)
            in_force, _, _ = rules_service.overview(deps.db, caller, config=config)
            return Reply(blocks=settings_blocks(config, in_force, rows), text="Pacer settings")
        if sub == "fairness":
            period = (
                parse_period(
                    rest,
                    today=caller.today,
                    cadence=config.profile_named(config.default_profile).cadence,
                    calendar=config.calendar.calendar(),
                    command="/pacer fairness",
                )
                if rest
                else None
            )
            found = fairness_service.report_for_admin(deps.db, caller, config=config, period=period, now=now)
            return Reply(blocks=fairness_blocks(found), text=fairness_text(found))
        if sub in FIELDS:
            user_id, value = _placement(sub, rest)
            changed = service.change_member(
                deps.db, deps.directory, caller, config=config, user_id=user_id, field=FIELDS[sub], value=value, now=now
            )
            deps.directory.forget(caller.team_id, user_id)
            return Reply(blocks=member_changed_blocks(changed, label=sub), text=member_changed_text(changed, label=sub))
        if sub == "csat":
            customer, score, on = _csat(rest, today=caller.today)
            recorded = service.record_csat(
                deps.db,
                caller,
                config=config,
                customer=customer,
                score=score,
                surveyed_on=on or caller.today,
                source_key=f"command:{command['trigger_id']}",
                now=now,
            )
            return Reply(
                blocks=csat_blocks(recorded),
                text=f"CSAT {recorded.score} for {recorded.customer} counts for {recorded.owner_name}",
            )
        user_id, course, on = _training(rest, today=caller.today)
        done = service.record_training(
            deps.db,
            deps.directory,
            caller,
            config=config,
            user_id=user_id,
            course=course,
            completed_on=on or caller.today,
            now=now,
        )
        return Reply(
            blocks=training_blocks(done, required=list(config.training.required)),
            text=f"{done.name}: {done.course} completed {done.completed_on.isoformat()}",
        )

    answer_command(ack, command, deps, work)


def settings_more_clicked(ack: Ack, body: dict[str, Any], respond: Respond, *, deps: Deps) -> None:
    """Show more on `/pacer settings`: the next members, as a new message (admins only, checked again)."""
    start = button_number(body)  # the first member not shown yet; anything else is answered 400

    def work(caller: Caller) -> Reply:
        rows = service.member_settings(deps.db, caller, config=deps.config)
        shown = min(start, len(rows))
        return Reply(blocks=member_blocks(rows, start=shown), text=f"Pacer members from {shown + 1} of {len(rows)}")

    answer_action(ack, body, respond, deps, work, view_title="Pacer settings", replace=False)


# --- parsing -------------------------------------------------------------------------------------


def _mention(text: str, *, example: str, who: str = "the member") -> tuple[str, str]:
    """(user id of the leading mention, the rest)."""
    found = MENTION.match(text)
    if found:
        return found.group(1), text[found.end() :].strip()
    head = text.split(" ", 1)[0]
    if head.startswith("@"):
        raise InputError(
            f"Pick {who} from Slack's @-menu so the mention becomes a link; “{show(head)}” is plain text.",
            example=example,
        )
    raise InputError(f"Start with {who}, mentioned with @.", example=example)


def _placement(sub: str, rest: str) -> tuple[str, str | None]:
    example = EXAMPLES[sub]
    user_id, value = _mention(rest, example=example)
    if sub == "manager":
        if value.lower() == "none":
            return user_id, None
        manager, extra = _mention(value, example=example, who="the manager")
        if extra:
            raise InputError("Give the member, then their manager — nothing after.", example=example)
        return user_id, manager
    if sub == "team":
        if value.lower() == "none":
            return user_id, None
        return user_id, plain(value, what="team name", limit=TEAM_MAX, example=example)
    if sub == "role":
        role = value.lower()
        if role not in ROLES:
            raise InputError(
                f"“{show(value)}” isn't a role. Use one of: {', '.join(ROLES)}." if value else "Add the role.",
                example=example,
            )
        return user_id, role
    if not value or " " in value:
        raise InputError("Give the member, then one profile name.", example=example)
    return user_id, value.lower()


def _day(raw: str, *, today: date, example: str) -> date:
    if not DATE.fullmatch(raw):
        raise InputError(f"Write the date as YYYY-MM-DD, like {today.isoformat()}.", example=example)
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        raise InputError(f"{raw} isn't a real date. Write it as YYYY-MM-DD.", example=example) from None
    if day > today:
        raise InputError(f"The date can't be in the future; today is {today.isoformat()}.", example=example)
    if day < EARLIEST:
        raise InputError(f"The date can't be before {EARLIEST.isoformat()}.", example=example)
    return day


def _csat(rest: str, *, today: date) -> tuple[str, int, date | None]:
    example = EXAMPLES["csat"]
    words = rest.split()
    on = None
    if words and DATE.fullmatch(words[-1]):
        on = _day(words.pop(), today=today, example=example)
    if len(words) < 2:
        raise InputError("Write the customer, then the score from 1 to 5, then optionally the date.", example=example)
    raw_score = words.pop()
    if not (raw_score.isascii() and raw_score.isdigit()) or not 1 <= int(raw_score) <= 5:  # not `٣`
        raise InputError(
            f"“{show(raw_score)}” isn't a CSAT score: end with a whole number from 1 to 5 (then the date, if any).",
            example=example,
        )
    customer = customer_name(" ".join(words), example=example)
    return customer, int(raw_score), on


def _training(rest: str, *, today: date) -> tuple[str, str, date | None]:
    example = EXAMPLES["training"]
    user_id, text = _mention(rest, example=example)
    words = text.split()
    done_at = max((i for i, w in enumerate(words) if w.lower() == "done"), default=None)
    if done_at is None:
        raise InputError("Write the course, then `done`, then optionally the date.", example=example)
    after = words[done_at + 1 :]
    if len(after) > 1:
        raise InputError("Only a date (YYYY-MM-DD) may follow `done`.", example=example)
    on = _day(after[0], today=today, example=example) if after else None
    course = plain(" ".join(words[:done_at]), what="course name", limit=COURSE_MAX, example=example)
    return user_id, course, on
