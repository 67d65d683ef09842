"""The hot path of `/deal`: one read, one short write transaction, the rules from a per-process cache
that a publication by any process invalidates at once, and every deal stored exactly once."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.exc import IntegrityError

from bot.services import deals as service
from bot.services import rules
from bot.services.rules import RuleBooks
from bot.store.engine import Database
from handlers.parse import LogDeal, parse_deal_command
from scoring.records import Source
from tests.conftest import ADMIN, REP, REP2
from tests.support import reads
from tests.support.harness import Pacer


@dataclass
class Transactions:
    """The statements each transaction ran, on every engine of a Database, in order."""

    done: list[list[str]] = field(default_factory=list)
    open: dict[int, list[str]] = field(default_factory=dict)

    @property
    def writes(self) -> list[list[str]]:
        return [t for t in self.done if any(s.split()[0] in ("INSERT", "UPDATE", "DELETE") for s in t)]

    @property
    def statements(self) -> list[str]:
        return [s for t in self.done for s in t if not s.startswith("BEGIN")]


@contextmanager
def recorded(db: Database) -> Iterator[Transactions]:
    seen = Transactions()

    def statement(conn: Any, _cursor: Any, sql: str, *_: Any) -> None:
        seen.open.setdefault(id(conn), []).append(" ".join(sql.split()))

    def ended(conn: Any) -> None:
        seen.done.append(seen.open.pop(id(conn), []))

    def direct(transaction: object, sql: str) -> None:  # Direct transactions (bot.store.direct)
        if sql in ("COMMIT", "ROLLBACK"):
            ended(transaction)
        else:
            statement(transaction, None, sql)

    engines = {db.engine, db.read_engine}
    listeners = [("before_cursor_execute", statement), ("commit", ended), ("rollback", ended)]
    for engine in engines:
        for name, fn in listeners:
            event.listen(engine, name, fn)
    db.tracers.append(direct)
    try:
        yield seen
    finally:
        db.tracers.remove(direct)
        for engine in engines:
            for name, fn in listeners:
                event.remove(engine, name, fn)


def rule_books(db: Database) -> RuleBooks:
    with db.reading() as session:
        return RuleBooks.of(session)


def test_a_new_deal_with_a_known_customer_is_one_read_and_one_write_transaction(pacer, db):
    pacer.deal(REP, "1000 Acme Corp")  # the rep and Acme are known now

    with recorded(db) as seen:
        reply = pacer.deal(REP, "2500 Acme Corp product:Core note:renewal")

    assert "Logged *D-2*" in reply.text
    assert len(seen.done) == 2, seen.done  # one read, one write
    assert len(seen.writes) == 1 and seen.writes[0] is seen.done[-1]
    # the rules' stamp and the lookup; then the number, the deal, its audit entry, the tally
    assert len(seen.statements) <= 6, seen.statements
    assert sum("rule_version" in s for s in seen.statements) == 1  # the rules come from the cache
    assert not any("rule_version" in s for s in seen.writes[0])


def test_the_rules_are_built_once_and_reused_until_they_change(pacer, db):
    books = rule_books(db)
    for amount in (1000, 2000, 3000):
        assert "Logged" in pacer.deal(REP, f"{amount} Acme Corp").text
    built = books.builds
    pacer.deal(REP, "4000 Acme Corp")
    assert books.builds == built  # unchanged rules: nothing rebuilt


@pytest.fixture
def other_worker(db, slack, clock, config) -> Iterator[Pacer]:
    """A second Pacer on the same database with engines of its own: another gunicorn worker."""
    other = Pacer(db=Database(db.url), slack=slack, clock=clock, config=config)
    yield other
    other.close()
    other.db.dispose()


def test_rules_published_by_another_worker_are_used_by_the_very_next_deal(pacer, db, other_worker):
    assert "Counts in November 2026: signed on" in pacer.deal(REP, "1000 Acme Corp").text
    refused = pacer.deal(REP, "1000 Globex product:Platinum").text
    assert "Platinum" in refused and ":warning:" in refused
    books = rule_books(db)
    built = books.builds

    published = other_worker.command(ADMIN, "/pacer", "counting paid now").text
    assert "Rules version 1 published" in published
    assert "Counts when payment is received" in pacer.deal(REP, "2000 Initech").text
    assert books.builds == built + 1

    assert "Rules version 2 published" in other_worker.command(ADMIN, "/pacer", "products add Platinum now").text
    assert "Logged" in pacer.deal(REP, "3000 Globex product:Platinum").text
    assert [d.product_line for d in reads.deals(db)] == [None, None, "Platinum"]


def test_rules_published_from_the_command_line_process_are_seen_by_the_next_deal(pacer, db):
    pacer.deal(REP, "1000 Acme Corp")
    pacer.command(ADMIN, "/pacer", "help")  # the admin is a member now
    elsewhere = Database(db.url)  # another process's engines, as `pacer` on the command line has
    try:
        with elsewhere.reading() as session:
            RuleBooks.of(session).book(session, workspace_id=1, config=pacer.deps.config)  # it has a cache too
        admin = pacer.deps.directory.identify(elsewhere, team_id="T1", user_id=ADMIN, now=pacer.clock())
        rules.change(
            elsewhere,
            admin,
            config=pacer.deps.config,
            change=rules.Change(kind="counting", recognition="paid"),
            effective_from=admin.today.replace(day=1),
            now=pacer.clock(),
            announcement=lambda _changed: {"text": "rules changed"},
        )
    finally:
        elsewhere.dispose()
    assert "Counts when payment is received" in pacer.deal(REP, "2000 Acme Corp").text


def test_a_request_whose_copy_is_stored_between_its_read_and_its_write_is_stored_once(pacer, db):
    """A retried slash command races the original: the loser's insert finds the source key taken,
    its transaction rolls back, and (run again by the unit of work) it answers with the winner's deal."""
    pacer.deal(REP, "1000 Acme Corp")
    caller = pacer.deps.directory.identify(db, team_id="T1", user_id=REP, now=pacer.clock())
    parsed = parse_deal_command("7500 Acme Corp", today=caller.today, currency="USD", product_lines=["Core"])
    assert isinstance(parsed, LogDeal)
    request = parsed.request
    key = "command:trigger.raced"
    config, now = pacer.deps.config, pacer.clock()
    with db.reading() as session:
        stale = service.look(session, caller, request, config=config, source_key=key, now=now)
    assert stale.replayed is None

    winner = pacer.deal(REP, "7500 Acme Corp", trigger_id="trigger.raced")  # the copy gets there first
    assert "Logged *D-2*" in winner.text

    log: dict[str, Any] = {"config": config, "source": Source.SLACK_COMMAND, "source_key": key, "now": now}
    with pytest.raises(IntegrityError, match="source key taken"):
        service.log_deal(db, caller, request, **log, looked=stale)
    again = service.log_deal(db, caller, request, **log)

    assert isinstance(again, service.DealLogged) and again.replayed and again.record.number == 2
    assert [d.number for d in reads.deals(db)] == [1, 2]
    assert len(reads.audit(db, "deal.logged")) == 2
    assert "Logged *D-3*" in pacer.deal(REP, "1 Acme Corp").text  # the loser's number was rolled back too


def test_a_slash_command_slack_sends_again_is_answered_from_what_was_stored(pacer, db):
    first = pacer.deal(REP, "60k Acme Corp", trigger_id="trigger.retried")  # celebrated: a wins post is queued
    again = pacer.deal(REP, "60k Acme Corp", trigger_id="trigger.retried")

    assert "Logged *D-1*" in first.text and "Already logged (same request): *D-1*" in again.text
    assert len(reads.deals(db)) == 1 and len(reads.audit(db, "deal.logged")) == 1
    assert [m.key for m in reads.outbox(db)] == ["win:D-1"]


def test_one_lookup_tells_a_customers_first_deal_by_the_day_it_was_signed_and_ignores_voided_deals(pacer):
    assert "new customer" in pacer.deal(REP, "1000 Acme Corp date:2026-11-20").text
    assert "new customer" not in pacer.deal(REP, "2000 Acme Corp date:2026-11-21").text
    assert "new customer" in pacer.deal(REP, "3000 Acme Corp date:2026-11-10").text  # signed before D-1
    pacer.deal(REP, "void D-3 wrong date")
    pacer.deal(REP, "void D-1 wrong customer")
    assert "new customer" in pacer.deal(REP, "4000 Acme Corp date:2026-11-20").text  # D-2 is later still


def test_one_lookup_finds_the_twin_only_for_the_same_rep_customer_and_amount_within_ten_minutes(pacer, clock):
    pacer.deal(REP, "1000 Acme Corp")
    assert "Log it again?" in pacer.deal(REP, "1000 acme corp.").text  # the same customer, any spelling
    assert "Logged" in pacer.deal(REP2, "1000 Acme Corp").text  # another rep
    assert "Logged" in pacer.deal(REP, "1001 Acme Corp").text  # another amount
    clock.advance(minutes=11)
    assert "Logged" in pacer.deal(REP, "1000 Acme Corp").text  # long enough ago
