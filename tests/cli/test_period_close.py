"""`pacer jobs run period_close` as an operator runs it: listed, run as of a time, and killed with SIGKILL
in the middle of freezing many reps — the rerun freezes the rest, and no rep ends up with two evaluations
or two check-ins."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, insert, select, text
from sqlmodel import select as select_rows

from bot.store.engine import Database
from bot.store.tables import (
    AuditEntry,
    Customer,
    Deal,
    Evaluation,
    EvaluationVersion,
    Member,
    OutboxMessage,
    PeriodClose,
    Reminder,
    Workspace,
)
from tests.cli.test_cli import PACER, clean_env

REPS = 1200
JOINED = datetime(2026, 9, 15, tzinfo=UTC)
CLOSE_AT = "2026-12-01T07:00:00Z"


def populate(db: Database, reps: int) -> None:
    """A workspace of `reps` hunters who joined in September, each reporting to one of ten managers, with two
    November deals each."""
    with db.engine.begin() as c:
        c.execute(insert(Workspace.__table__), [{"id": 1, "team_id": "T1", "created_at": JOINED}])
        c.execute(
            insert(Member.__table__),
            [
                {
                    "id": i,
                    "workspace_id": 1,
                    "user_id": f"UR{i:07d}",
                    "name": f"Rep {i}",
                    "role": "rep",
                    "profile": "hunter",
                    "manager_user_id": f"UM{i % 10:07d}",
                    "is_bot": False,
                    "deleted": False,
                    "created_at": JOINED,
                }
                for i in range(1, reps + 1)
            ],
        )
        c.execute(
            insert(Customer.__table__),
            [
                {
                    "id": i,
                    "workspace_id": 1,
                    "name": f"Customer {i}",
                    "name_key": f"customer{i}",
                    "source": "csv",
                    "created_by": "import",
                    "created_at": JOINED,
                }
                for i in range(1, reps + 1)
            ],
        )
        c.execute(
            insert(Deal.__table__),
            [
                {
                    "workspace_id": 1,
                    "number": n,
                    "owner_id": (n - 1) % reps + 1,
                    "customer_id": (n * 7) % reps + 1,
                    "amount_minor": 100_000 + n * 137,
                    "currency": "USD",
                    "signed_on": date(2026, 11, 1) + timedelta(days=n % 30),
                    "source": "csv",
                    "source_key": f"deal:{n}",
                    "created_at": JOINED,
                }
                for n in range(1, 2 * reps + 1)
            ],
        )
        c.execute(text(f"UPDATE workspace SET deal_seq = {2 * reps}"))
    if not db.is_sqlite:  # ids were given explicitly: move the sequences past them
        with db.engine.begin() as c:
            for table in ("workspace", "member", "customer"):
                c.execute(
                    text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
                )


def count(db: Database, table: type) -> int:
    with db.read_engine.connect() as c:  # never the write lock: the close is writing
        return int(c.execute(select(func.count()).select_from(table.__table__)).scalar_one())


def run_close(tmp_path: Path, database_url: str, *, wait: bool = True) -> subprocess.Popen[str]:
    config = tmp_path / "pacer.yml"
    config.write_text('evaluations:\n  close_at: "06:00"\n  batch_size: 20\n')
    env = clean_env(tmp_path, DATABASE_URL=database_url, PACER_CONFIG=str(config))
    process = subprocess.Popen(
        [*PACER, "jobs", "run", "period_close", "--at", CLOSE_AT],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    if wait:
        process.wait(timeout=300)
    return process


def test_jobs_list_shows_the_period_close_every_minute_with_what_it_does(tmp_path):
    result = subprocess.run(
        [*PACER, "jobs", "list"], cwd=tmp_path, env=clean_env(tmp_path), capture_output=True, text=True, timeout=60
    )

    [line] = [line for line in result.stdout.splitlines() if line.startswith("period_close ")]
    assert line.split()[1:3] == ["every", "minute"]
    assert "Freeze every rep's evaluation when their period ends" in line


def test_a_close_killed_mid_freeze_and_run_again_leaves_every_rep_with_exactly_one_evaluation(
    tmp_path, database_url, db
):
    populate(db, REPS)

    first = run_close(tmp_path, database_url, wait=False)
    deadline = time.monotonic() + 120
    while count(db, Evaluation) == 0:
        assert first.poll() is None, f"the close ended before it froze anyone: {first.communicate()}"
        assert time.monotonic() < deadline, "no evaluation was frozen within 120 s"
        time.sleep(0.005)
    os.kill(first.pid, signal.SIGKILL)
    first.communicate(timeout=30)

    assert first.returncode == -signal.SIGKILL
    killed_at = count(db, Evaluation)
    assert 0 < killed_at < REPS, f"{killed_at} of {REPS} frozen when killed"
    assert count(db, EvaluationVersion) == killed_at  # each committed batch is whole: evaluation and version
    assert count(db, OutboxMessage) == 3 * killed_at  # … and its check-ins: parent, scorecard, next step
    with db.reading() as session:
        [month] = session.exec(select_rows(PeriodClose).where(PeriodClose.cadence == "month")).all()
    assert month.finished_at is None

    second = run_close(tmp_path, database_url)
    output = second.stdout.read()

    assert second.returncode == 0, second.stderr.read()
    # November resumed (the rest of its reps), and Q3, which the killed run never reached (no farmers in it)
    assert f"period_close: 2 closed, {REPS - killed_at} frozen" in output
    with db.engine.connect() as c:
        per_rep = c.execute(
            select(Evaluation.__table__.c.member_id, func.count()).group_by(Evaluation.__table__.c.member_id)
        ).all()
    assert len(per_rep) == REPS and {n for _, n in per_rep} == {1}
    assert count(db, EvaluationVersion) == REPS
    with db.engine.connect() as c:
        audited = c.execute(
            select(func.count()).select_from(AuditEntry.__table__).where(AuditEntry.action == "evaluation.frozen")
        ).scalar_one()
    assert audited == REPS
    with db.engine.connect() as c:
        evaluation_ids = {row[0] for row in c.execute(select(Evaluation.__table__.c.id))}
        parents = [
            key
            for (key,) in c.execute(
                select(OutboxMessage.__table__.c.key).where(
                    OutboxMessage.__table__.c.kind == "checkin", OutboxMessage.__table__.c.reply_to.is_(None)
                )
            )
        ]
        opened = c.execute(
            select(func.count())
            .select_from(Evaluation.__table__)
            .where(Evaluation.__table__.c.checkin_key.is_not(None))
        ).scalar_one()
    assert sorted(parents) == sorted(f"checkin:{i}" for i in evaluation_ids)  # exactly one parent per evaluation
    assert opened == REPS and count(db, OutboxMessage) == 3 * REPS and count(db, Reminder) == 2 * REPS
    with db.reading() as session:
        [month] = session.exec(select_rows(PeriodClose).where(PeriodClose.cadence == "month")).all()
    assert month.finished_at is not None and month.frozen == REPS and month.started_at == month.finished_at

    third = run_close(tmp_path, database_url)
    assert "period_close: 0 closed, 0 frozen" in third.stdout.read()
    assert count(db, Evaluation) == REPS
