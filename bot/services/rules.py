"""The workspace's published rules: which version is in force, and changing them (admins only).

A change takes effect from a period's first day (the next month unless the admin says `now` or
`from <period>`), is audited, and is announced by DM to every member through the outbox — in the
same transaction, so no announcement is lost or sent twice.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

from sqlmodel import Session

from bot.config import PacerConfig
from bot.directory import Caller
from bot.services.admin import ensure_admin
from bot.store import audit, members, outbox, rules
from bot.store.engine import Database
from scoring.errors import InputError
from scoring.periods import Period
from scoring.recognition import Counting, Rule
from scoring.records import Source
from scoring.rules import ProductLine, RuleBook, RuleSet, book_of, differences, same_rules

SOURCE = Source.ADMIN


def base_rules(config: PacerConfig) -> RuleSet:
    """Version 0: the rules pacer.yml publishes."""
    lines = tuple(ProductLine(name=line.name, premium=line.premium) for line in config.product_lines)
    return RuleSet(version=0, effective_from=None, recognition=config.recognition, product_lines=lines)


def book(session: Session, *, workspace_id: int, config: PacerConfig) -> RuleBook:
    return book_of(base_rules(config), rules.versions(session, workspace_id=workspace_id))


@dataclass(frozen=True)
class PeriodRules:
    """What scoring a period needs from the rules: how deals count, and the premium lines."""

    counting: Counting
    premium_lines: frozenset[str]
    rules: RuleSet  # in force on the period's first day

    @property
    def recognition(self) -> Rule:
        """The rule for deals signed in the period (the one to name when explaining it)."""
        return self.rules.recognition


def for_period(book: RuleBook, period: Period) -> PeriodRules:
    in_force = book.in_force(period.start)
    return PeriodRules(counting=book.counting(until=period.end), premium_lines=in_force.premium_lines, rules=in_force)


def period_rules(session: Session, *, workspace_id: int, config: PacerConfig, period: Period) -> PeriodRules:
    return for_period(book(session, workspace_id=workspace_id, config=config), period)


@dataclass(frozen=True)
class Change:
    """One change an admin asks for."""

    kind: Literal["counting", "add", "premium", "standard", "remove"]
    recognition: Rule | None = None
    line: str | None = None
    premium: bool = False


@dataclass(frozen=True)
class RulesChanged:
    before: RuleSet
    after: RuleSet
    differences: list[str]
    announced: int
    unchanged: bool = False


def change(
    db: Database,
    caller: Caller,
    *,
    config: PacerConfig,
    change: Change,
    effective_from: date,
    now: datetime,
    announcement: Callable[[RulesChanged], dict[str, Any]],
) -> RulesChanged:
    """Publish a new version of the rules from `effective_from` and queue a DM to every member.

    Asking again for what is already published from that day changes nothing (a retried command
    or a double submit is harmless): the same counting rule is "nothing to change"; adding a line
    that is already there, or giving a line the flag it has, is refused as such (`RuleBook.adding`).
    """
    ensure_admin(config, caller, what="change the published rules")
    with db.transaction() as session:
        current = book(session, workspace_id=caller.workspace_id, config=config)
        before = current.in_force(effective_from)
        if change.kind == "counting":
            after = current.changed(effective_from=effective_from, today=caller.today, recognition=change.recognition)
        else:
            assert change.line is not None
            if change.kind == "remove":
                after = current.without_line(change.line, effective_from=effective_from, today=caller.today)
            elif change.kind == "add":
                after = current.adding(
                    change.line, premium=change.premium, effective_from=effective_from, today=caller.today
                )
            else:
                after = current.flagged(
                    change.line, premium=change.kind == "premium", effective_from=effective_from, today=caller.today
                )
        if same_rules(before, after):
            return RulesChanged(before=before, after=before, differences=[], announced=0, unchanged=True)
        new_id = rules.add(
            session, workspace_id=caller.workspace_id, rules=after, set_by=caller.user_id, source=SOURCE.value, now=now
        )
        if new_id is None:
            raise InputError(
                "Another admin changed the rules at the same moment. Look at the rules now and try again.",
                example="/pacer rules",
            )
        changed = RulesChanged(before=before, after=after, differences=differences(before, after), announced=0)
        audit.record(
            session,
            workspace_id=caller.workspace_id,
            actor=caller.user_id,
            action="rules.changed",
            entity="rules",
            entity_id=new_id,
            source=SOURCE.value,
            at=now,
            before=rules.snapshot(before),
            after={**rules.snapshot(after), "differences": changed.differences},
        )
        payload = announcement(changed)
        recipients = [
            m.user_id
            for m in members.in_workspace(session, workspace_id=caller.workspace_id)
            if not m.is_bot and not m.deleted
        ]
        announced = len(
            outbox.enqueue_many(
                session,
                workspace_id=caller.workspace_id,
                kind="rules_changed",
                messages=[(f"rules:v{after.version}:{user_id}", user_id, payload) for user_id in recipients],
                now=now,
            )
        )
    return RulesChanged(
        before=before, after=after, differences=changed.differences, announced=announced, unchanged=False
    )


def overview(db: Database, caller: Caller, *, config: PacerConfig) -> tuple[RuleSet, list[RuleSet], RuleBook]:
    """The rules in force today, the changes scheduled after today, and the whole book (anyone may look)."""
    with db.reading() as session:
        current = book(session, workspace_id=caller.workspace_id, config=config)
    return current.in_force(caller.today), current.scheduled(after=caller.today), current


def product_names(db: Database, caller: Caller, *, config: PacerConfig) -> list[str]:
    """The product lines deals can be logged on today."""
    with db.reading() as session:
        return book(session, workspace_id=caller.workspace_id, config=config).in_force(caller.today).product_names


def every_product_name(session: Session, *, workspace_id: int, config: PacerConfig) -> list[str]:
    """Every product line any version published (imports of old deals may name a retired one)."""
    names: dict[str, None] = {}
    for version in book(session, workspace_id=workspace_id, config=config).versions:
        names.update(dict.fromkeys(version.product_names))
    return list(names)
