"""The workspace's published rules: which version is in force, and changing them (admins only).

A change takes effect from a period's first day (the next month unless the admin says `now` or
`from <period>`), is audited, and is announced by DM to every member through the outbox — in the
same transaction, so no announcement is lost or sent twice.

Every request reads the rules in force (`/deal` checks its product line against them, and counts
the deal by them), so each process keeps each workspace's `RuleBook` (`RuleBooks`) and checks it
with one indexed read per session instead of reading and rebuilding every version each time.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

from sqlalchemy import Engine
from sqlmodel import Session

from bot.config import PacerConfig
from bot.directory import Caller
from bot.services.admin import ensure_admin
from bot.store import audit, members, outbox, rules
from bot.store.direct import Tx
from bot.store.engine import Database
from scoring.errors import InputError
from scoring.periods import Period
from scoring.recognition import Counting, Rule
from scoring.records import Source
from scoring.rules import ProductLine, RuleBook, RuleSet, book_of, differences, same_rules

SOURCE = Source.ADMIN


def base_rules(config: PacerConfig) -> RuleSet:
    """Version 0: the rules pacer.yml publishes (built once per config: every request asks)."""
    known = _BASES.get(id(config))
    if known is not None and known[0] is config:
        return known[1]
    lines = tuple(ProductLine(name=line.name, premium=line.premium) for line in config.product_lines)
    base = RuleSet(version=0, effective_from=None, recognition=config.recognition, product_lines=lines)
    if len(_BASES) >= 64:  # configs are few (one per process, a few in tests)
        _BASES.clear()
    _BASES[id(config)] = (config, base)  # the config is kept, so its id is not reused while here
    return base


_BASES: dict[int, tuple[PacerConfig, RuleSet]] = {}


def book(session: Tx, *, workspace_id: int, config: PacerConfig) -> RuleBook:
    """Every version of the workspace's rules, as `session` sees them (see `RuleBooks`)."""
    return RuleBooks.of(session).book(session, workspace_id=workspace_id, config=config)


class RuleBooks:
    """Each workspace's `RuleBook`, built once per process and used until its rules change.

    Rule versions are only ever added, each with the next number (the table's unique key), so how
    many a workspace has and the latest number (`store.rules.stamp`) change exactly when a version
    is published — by this process, another worker or `pacer` on the command line. `book` reads
    that stamp (one indexed read) once per session and rebuilds the book only when it differs from
    the one the cached book was built from, so the very next request after a publication uses it.
    A book is never newer than what its session can see: it is rebuilt from the session's own reads.

    One instance per engine (per process: gunicorn workers build their engines after the fork);
    thread safe. The base version comes from pacer.yml, so a different config rebuilds too.
    """

    _by_engine: weakref.WeakKeyDictionary[Engine, RuleBooks] = weakref.WeakKeyDictionary()
    _instances = threading.Lock()
    SESSION_KEY = "pacer.rule_books"  # session.info: the books this session has checked already

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._books: dict[int, tuple[rules.Stamp, RuleSet, RuleBook]] = {}
        self.builds = 0  # how many books were built (tests check the cache is used)

    @classmethod
    def of(cls, session: Tx) -> RuleBooks:
        bind = session.get_bind()
        engine = bind if isinstance(bind, Engine) else bind.engine
        books = cls._by_engine.get(engine)
        if books is None:
            with cls._instances:
                books = cls._by_engine.setdefault(engine, cls())
        return books

    def book(self, session: Tx, *, workspace_id: int, config: PacerConfig) -> RuleBook:
        checked: dict[int, RuleBook] = session.info.setdefault(self.SESSION_KEY, {})
        base = base_rules(config)
        found = checked.get(workspace_id)
        if found is not None and found.versions[0] == base:
            return found
        stamp = rules.stamp(session, workspace_id=workspace_id)
        with self._lock:
            cached = self._books.get(workspace_id)
        if cached is not None and cached[0] == stamp and cached[1] == base:
            built = cached[2]
        else:
            stored = rules.versions(session, workspace_id=workspace_id)
            built = book_of(base, stored)
            with self._lock:
                self._books[workspace_id] = (rules.stamp_of(stored), base, built)
                self.builds += 1
        checked[workspace_id] = built
        return built

    @classmethod
    def forget(cls, session: Session, *, workspace_id: int) -> None:
        """This session changed the workspace's rules: read them again in it."""
        session.info.get(cls.SESSION_KEY, {}).pop(workspace_id, None)


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
        RuleBooks.forget(session, workspace_id=caller.workspace_id)
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


def product_names(session: Tx, caller: Caller, *, config: PacerConfig) -> list[str]:
    """The product lines deals can be logged on today."""
    return book(session, workspace_id=caller.workspace_id, config=config).in_force(caller.today).product_names


def every_product_name(session: Session, *, workspace_id: int, config: PacerConfig) -> list[str]:
    """Every product line any version published (imports of old deals may name a retired one)."""
    names: dict[str, None] = {}
    for version in book(session, workspace_id=workspace_id, config=config).versions:
        names.update(dict.fromkeys(version.product_names))
    return list(names)
