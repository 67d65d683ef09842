"""Direct transactions (bot.store.direct) store and read exactly what a Session does, on SQLite and
PostgreSQL, fail as a Session fails, and refuse what they cannot do."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from bot.store import audit, deals, outbox, workspaces
from bot.store.common import insert_returning_id
from bot.store.direct import Tx
from bot.store.engine import Database
from bot.store.tables import AuditEntry, Customer, Deal, Member, OutboxMessage, Workspace
from scoring.money import Money
from scoring.records import Source

NOW = datetime(2026, 11, 24, 9, 30, 15, 123456, tzinfo=UTC)
WORKSPACE = {"team_id": "TDIRECT", "created_at": NOW, "deal_seq": 0, "activity_seq": 0}


def _setup(db: Database) -> tuple[int, int, int]:
    """A workspace, a member and a customer; their ids."""
    with db.transaction() as session:
        workspace_id = insert_returning_id(session, Workspace, WORKSPACE, ["team_id"])
        assert workspace_id is not None
        member = Member(workspace_id=workspace_id, user_id="UDIRECT", name="dana", created_at=NOW)
        session.add(member)
        session.flush()
        customer_id = insert_returning_id(
            session,
            Customer,
            {
                "workspace_id": workspace_id,
                "name": "Acme",
                "name_key": "acme",
                "source": "slack_command",
                "created_by": "UDIRECT",
                "created_at": NOW,
            },
            ["workspace_id", "name_key"],
        )
        assert member.id is not None and customer_id is not None
        return workspace_id, member.id, customer_id


def _log(session: Tx, workspace_id: int, owner_id: int, customer_id: int, key: str, **changes: Any) -> int:
    values = deals.values_for(
        workspace_id=workspace_id,
        number=workspaces.next_number(session, workspace_id=workspace_id, kind="deal"),
        owner_id=owner_id,
        customer_id=customer_id,
        money=Money(amount=Decimal("1250.50"), currency="USD"),
        product_line=None,
        signed_on=date(2026, 11, 20),
        paid_on=None,
        note="résumé ✓ 'quoted'",
        source=Source.SLACK_COMMAND,
        source_key=key,
        now=NOW,
    )
    deal_id = deals.insert_once(session, {**values, **changes})
    assert deal_id is not None
    audit.record(
        session,
        workspace_id=workspace_id,
        actor="UDIRECT",
        action="deal.logged",
        entity="deal",
        entity_id=deal_id,
        source="slack_command",
        at=NOW,
        after=deals.snapshot(values),
    )
    return deal_id


def _columns(row: Any) -> dict[str, Any]:
    return {k: v for k, v in row.model_dump().items() if k not in ("id", "number", "source_key", "entity_id")}


def test_rows_written_directly_equal_rows_written_by_a_session(db):
    workspace_id, owner_id, customer_id = _setup(db)
    with db.transaction() as session:
        by_session = _log(session, workspace_id, owner_id, customer_id, "k:session", paid_on=date(2026, 11, 21))
    with db.direct_transaction() as direct:
        by_direct = _log(direct, workspace_id, owner_id, customer_id, "k:direct", paid_on=date(2026, 11, 21))

    with db.reading() as session:
        deal_rows = [session.get(Deal, by_session), session.get(Deal, by_direct)]
        first, second = session.exec(select(AuditEntry).order_by(col(AuditEntry.id))).all()
    assert _columns(deal_rows[0]) == _columns(deal_rows[1])
    assert deal_rows[1].paid_on == date(2026, 11, 21) and deal_rows[1].note == "résumé ✓ 'quoted'"
    assert deal_rows[1].created_at.replace(tzinfo=UTC) == NOW
    assert first.after is not None and second.after is not None
    assert (first.after.pop("number"), second.after.pop("number")) == (1, 2)
    assert _columns(first) == _columns(second) and second.after["amount"] == "1250.50"


def test_reads_return_what_a_session_returns(db):
    workspace_id, owner_id, customer_id = _setup(db)
    with db.transaction() as session:
        _log(session, workspace_id, owner_id, customer_id, "k:1")
    asked = {
        "workspace_id": workspace_id,
        "source_key": "k:1",
        "customer": "ACME",
        "owner_id": owner_id,
        "owner_user_id": "UDIRECT",
        "money": Money(amount=Decimal("1250.50"), currency="USD"),
        "day": date(2026, 11, 25),
        "since": NOW - timedelta(minutes=5),
    }
    with db.reading() as session:
        through_session = deals.before_logging(session, **asked)
    with db.direct_reading() as direct:
        through_direct = deals.before_logging(direct, **asked)
    assert through_direct == through_session
    assert through_direct.replay_id is not None and through_direct.known_before is True
    assert [t.money for t in through_direct.twins] == [Money(amount=Decimal("1250.50"), currency="USD")]


def test_scalar_column_defaults_are_filled_in_as_sqlalchemy_fills_them(db):
    workspace_id, _, _ = _setup(db)
    message = {"workspace_id": workspace_id, "kind": "deal_win", "channel": "CWINS", "payload": {"text": "hi"}}
    with db.transaction() as session:
        assert outbox.enqueue(session, key="by-session", now=NOW, **message)
    with db.direct_transaction() as direct:
        assert outbox.enqueue(direct, key="by-direct", now=NOW, **message)
        assert not outbox.enqueue(direct, key="by-direct", now=NOW, **message)  # once per key
    with db.reading() as session:
        rows = session.exec(select(OutboxMessage).order_by(col(OutboxMessage.id))).all()
    assert len(rows) == 2
    assert _columns(rows[0]) | {"key": None} == _columns(rows[1]) | {"key": None}
    assert rows[1].status == "pending" and rows[1].checks == 0 and rows[1].payload == {"text": "hi"}


def test_a_constraint_violation_is_sqlalchemys_integrity_error_and_rolls_everything_back(db):
    workspace_id, owner_id, customer_id = _setup(db)
    with pytest.raises(IntegrityError), db.direct_transaction() as direct:
        _log(direct, workspace_id, owner_id, customer_id, "k:1")
        _log(direct, workspace_id, owner_id, 999_999, "k:2")  # no such customer: a foreign key fails
    with db.reading() as session:
        assert session.exec(select(Deal)).all() == []
        workspace = session.get(Workspace, workspace_id)
        assert workspace is not None and workspace.deal_seq == 0


def test_an_error_in_the_callers_code_rolls_back_too(db):
    workspace_id, owner_id, customer_id = _setup(db)
    with pytest.raises(ZeroDivisionError), db.direct_transaction() as direct:
        _log(direct, workspace_id, owner_id, customer_id, "k:1")
        _ = 1 / 0
    with db.reading() as session:
        assert session.exec(select(Deal)).all() == []
    with db.direct_transaction() as direct:  # the connection went back to the pool clean
        _log(direct, workspace_id, owner_id, customer_id, "k:1")
    with db.reading() as session:
        assert len(session.exec(select(Deal)).all()) == 1


def test_what_a_direct_transaction_cannot_do_is_refused_with_the_reason(db):
    workspace_id, _, _ = _setup(db)
    with db.direct_transaction() as direct, pytest.raises(NotImplementedError, match="executemany"):
        direct.execute(audit._INSERT, [{"workspace_id": workspace_id}] * 2)  # type: ignore[arg-type]
    keys = select(OutboxMessage.key).where(col(OutboxMessage.key).in_(["a", "b"]))
    with db.direct_reading() as direct, pytest.raises(NotImplementedError, match="Session"):
        direct.execute(keys)
    with db.direct_transaction() as direct, pytest.raises(RuntimeError, match="lock"), direct.separate_reading():
        pass
    with db.transaction(), pytest.raises(RuntimeError, match="nested"), db.direct_transaction():
        pass


def test_tracers_see_each_transaction_from_begin_to_commit(db):
    workspace_id, _, _ = _setup(db)
    seen: list[tuple[object, str]] = []
    db.tracers.append(lambda transaction, sql: seen.append((transaction, sql)))
    with db.direct_transaction() as direct:
        workspaces.next_number(direct, workspace_id=workspace_id, kind="deal")
    with db.direct_reading() as reading:
        reading.execute(select(Workspace.deal_seq))
    expected = ["UPDATE", "COMMIT", "SELECT", "COMMIT"]
    if db.is_sqlite:  # the driver runs in autocommit mode there: Pacer begins each transaction itself
        expected = ["BEGIN", "UPDATE", "COMMIT", "BEGIN", "SELECT", "COMMIT"]
    assert [sql.split()[0] for _, sql in seen] == expected
    writer = next(t for t, sql in seen if sql.startswith("UPDATE"))
    assert all(t is writer for t, sql in seen[: len(expected) // 2]) and seen[-1][0] is not writer


def test_column_defaults_are_scalar_once_and_callable_per_row(db):
    made = iter(range(1, 100))
    probe = Table(
        "direct_defaults_probe",
        MetaData(),
        Column("id", Integer, primary_key=True),
        Column("kind", String(10), default="plain"),
        Column("serial", Integer, default=lambda: next(made)),
    )
    probe.create(db.engine)
    try:
        with db.direct_transaction() as direct:
            for _ in range(2):
                direct.execute(probe.insert(), {})
            direct.execute(probe.insert(), {"kind": "given", "serial": 50})
        with db.reading() as session:
            rows = session.connection().execute(probe.select().order_by(probe.c.id)).all()
        assert [(r.kind, r.serial) for r in rows] == [("plain", 1), ("plain", 2), ("given", 50)]
    finally:
        probe.drop(db.engine)
