"""`pacer outbox status` and `pacer outbox resolve`: what an operator sees of messages owed to Slack."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import update
from typer.testing import CliRunner

from bot.cli import cli
from bot.store import outbox
from bot.store.tables import OutboxMessage
from tests.scheduler.helpers import outbox_rows, workspace

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _isolated(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "DATABASE_URL", "PACER_CONFIG"):
        monkeypatch.delenv(name, raising=False)


def pacer(database_url: str, *args: str):
    return CliRunner().invoke(cli, list(args), env={"DATABASE_URL": database_url})


def queue(db, *keys: str, status: str = "pending", error: str | None = None) -> None:
    ws = workspace(db, NOW)
    with db.transaction() as session:
        for key in keys:
            outbox.enqueue(session, workspace_id=ws, key=key, kind="nudge", channel="UREP0001", payload={}, now=NOW)
        session.exec(
            update(OutboxMessage).where(OutboxMessage.key.in_(keys)).values(status=status, error=error)  # type: ignore[attr-defined]
        )


def test_status_counts_each_state_and_exits_zero_when_nothing_needs_a_human(database_url, db):
    queue(db, "nudge:UREP0001:2026-11-24", "nudge:UREP0002:2026-11-24")
    queue(db, "nudge:UREP0003:2026-11-24", status="sent")
    result = pacer(database_url, "outbox", "status")
    assert result.exit_code == 0, result.output
    assert "outbox: 2 pending, 1 sent" in result.output


def test_status_lists_unknown_messages_with_how_to_settle_them_and_exits_one(database_url, db):
    queue(db, "nudge:UREP0001:2026-11-24", status="unknown", error="HTTP 500: Slack may have posted it")
    result = pacer(database_url, "outbox", "status")
    assert result.exit_code == 1
    assert "1 unknown" in result.output and "nudge to UREP0001 (nudge:UREP0001:2026-11-24)" in result.output
    assert "HTTP 500: Slack may have posted it" in result.output
    assert "pacer outbox resolve <id> sent|failed" in result.output


def test_status_groups_failed_messages_by_slacks_error_most_frequent_first(database_url, db):
    queue(db, "win:1", "win:2", "win:3", status="failed", error="not_in_channel")
    queue(db, "nudge:UREP0001:2026-11-24", status="failed", error="missing_scope")
    queue(db, "nudge:UREP0002:2026-11-24", status="sent")
    newest = max(row.id for row in outbox_rows(db) if row.key == "win:3")

    result = pacer(database_url, "outbox", "status")

    assert result.exit_code == 0, result.output  # failed is final: nothing for a human to settle
    assert result.output.splitlines() == [
        "outbox: 1 sent, 4 failed",
        "failed, by Slack's error (see docs/troubleshooting.md):",
        f"  3 × not_in_channel — newest #{newest} T1 nudge to UREP0001, queued 2026-11-24 09:00 UTC",
        f"  1 × missing_scope — newest #{newest + 1} T1 nudge to UREP0001, queued 2026-11-24 09:00 UTC",
    ]


def test_resolve_settles_an_unknown_message_with_the_operators_note(database_url, db):
    queue(db, "nudge:UREP0001:2026-11-24", status="unknown", error="read timeout")
    [row] = outbox_rows(db)
    result = pacer(database_url, "outbox", "resolve", str(row.id), "sent", "--note", "seen in Dana's DM")
    assert result.exit_code == 0, result.output
    [after] = outbox_rows(db)
    assert after.status == "sent" and "resolved by an operator: seen in Dana's DM" in (after.error or "")
    assert pacer(database_url, "outbox", "status").exit_code == 0


def test_resolve_refuses_a_message_that_is_not_unknown(database_url, db):
    queue(db, "nudge:UREP0001:2026-11-24")
    [row] = outbox_rows(db)
    result = pacer(database_url, "outbox", "resolve", str(row.id), "failed", "--note", "x")
    assert result.exit_code == 2 and f"no unknown outbox message #{row.id}" in result.output
    assert outbox_rows(db)[0].status == "pending"
