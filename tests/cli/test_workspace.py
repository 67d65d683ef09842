"""`pacer workspace list` and `pacer workspace erase T… [--yes]` as an admin runs them: real subprocesses,
on SQLite and PostgreSQL; and `pacer run` naming its Slack workspace at start."""

from __future__ import annotations

import subprocess

from sqlalchemy import func, select
from sqlmodel import SQLModel

from bot.store import workspace_data
from bot.store.engine import Database
from tests.cli.test_cli import PACER, clean_env, free_port, pacer, wait_healthy
from tests.fakes.slack_api import FakeSlack
from tests.support.every_table import WHEN, fill_every_table
from tests.support.harness import SIGNING_SECRET


def rows_of(db: Database, workspace_id: int) -> int:
    """Every row the workspace has, its own included, counted table by table."""
    total = 0
    with db.engine.connect() as connection:
        for table in SQLModel.metadata.sorted_tables:
            column = table.c.get("workspace_id") if table.name != "workspace" else table.c.id
            if column is not None:
                total += connection.execute(
                    select(func.count()).select_from(table).where(column == workspace_id)
                ).scalar_one()
    return total


def test_list_on_a_database_without_workspaces_says_how_one_appears(tmp_path, db):
    result = pacer(tmp_path, "workspace", "list", DATABASE_URL=db.url)

    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("this database holds no workspace yet: Pacer records one when `pacer run`")


def test_list_shows_every_workspace_id_with_its_people_and_deals(tmp_path, db):
    fill_every_table(db, team_id="T0KEEP")
    fill_every_table(db, team_id="T0GONE")
    with db.transaction() as session:
        workspace_data.remember_name(session, team_id="T0KEEP", name="Acme Sales", now=WHEN)

    result = pacer(tmp_path, "workspace", "list", DATABASE_URL=db.url)

    assert result.returncode == 0, result.stderr
    header, keep, gone = result.stdout.splitlines()
    assert header.split() == ["workspace", "name", "people", "deals", "activities", "first", "seen", "last", "activity"]
    at = "2026-11-24 15:00 UTC"
    assert keep.split() == ["T0KEEP", "Acme", "Sales", "1", "1", "1", *at.split(), *at.split()]
    assert gone.split() == ["T0GONE", "(name", "not", "known", "yet)", "1", "1", "1", *at.split(), *at.split()]
    assert header.index("people") + len("people") == keep.index(" 1 ") + 2  # numbers right-aligned under it


def test_erase_without_yes_lists_what_would_go_and_erases_nothing(tmp_path, db):
    gone = fill_every_table(db, team_id="T0GONE")
    before = rows_of(db, gone)

    result = pacer(tmp_path, "workspace", "erase", "T0GONE", DATABASE_URL=db.url)

    assert result.returncode == 2
    lines = result.stdout.splitlines()
    assert lines[0] == f"would erase workspace T0GONE: {before} rows in {before} tables"
    assert lines[1].split() == ["workspace", "1"] and ["deal", "1"] in [line.split() for line in lines]
    assert result.stderr.splitlines() == [
        "pacer: nothing was erased: erasing cannot be undone, so it needs --yes.",
        "Before it: uninstall Pacer from that Slack workspace, export what HR must keep (pacer export evaluations "
        "--team-id T0GONE --period …, for each period) and take a backup (docs/operations.md).",
        "Then, for example: pacer workspace erase T0GONE --yes",
    ]
    assert rows_of(db, gone) == before


def test_erase_with_yes_removes_every_row_of_that_workspace_and_no_other(tmp_path, db):
    kept = fill_every_table(db, team_id="T0KEEP")
    gone = fill_every_table(db, team_id="T0GONE")
    kept_rows, gone_rows = rows_of(db, kept), rows_of(db, gone)

    result = pacer(tmp_path, "workspace", "erase", "T0GONE", "--yes", DATABASE_URL=db.url)

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == (f"erased workspace T0GONE: {gone_rows} rows in {gone_rows} tables")
    assert "INFO bot.services.workspace_data: workspace T0GONE erased at " in result.stderr  # the log keeps a trace
    assert rows_of(db, gone) == 0 and rows_of(db, kept) == kept_rows
    listed = pacer(tmp_path, "workspace", "list", DATABASE_URL=db.url)
    assert [line.split()[0] for line in listed.stdout.splitlines()[1:]] == ["T0KEEP"]


def test_erase_refuses_an_id_the_database_does_not_hold_or_that_is_not_an_id(tmp_path, db):
    fill_every_table(db, team_id="T0KEEP")

    unknown = pacer(tmp_path, "workspace", "erase", "T0NONE", "--yes", DATABASE_URL=db.url)
    malformed = pacer(tmp_path, "workspace", "erase", "acme", "--yes", DATABASE_URL=db.url)

    assert unknown.returncode == 2 and unknown.stderr.splitlines() == [
        "pacer: there is no workspace T0NONE in this database (it holds: T0KEEP); "
        "`pacer workspace list` shows each with its people and deals"
    ]
    assert malformed.returncode == 2 and malformed.stderr.splitlines() == [
        "pacer: 'acme' is not a Slack workspace id (like T012AB3CD); `pacer workspace list` shows the ids this "
        "database holds"
    ]
    assert unknown.stdout == malformed.stdout == ""


def test_pacer_run_names_the_slack_workspace_at_start_and_records_its_name(tmp_path, empty_database_url):
    with FakeSlack(team_id="T0ACME", team="Acme Sales") as slack:
        port = free_port()
        env = clean_env(
            tmp_path,
            SLACK_BOT_TOKEN=slack.token,
            SLACK_SIGNING_SECRET=SIGNING_SECRET,
            SLACK_API_URL=slack.url,
            PORT=str(port),
            WEB_CONCURRENCY="1",
            PACER_SCHEDULER="off",
            DATABASE_URL=empty_database_url,
        )
        process = subprocess.Popen(
            [*PACER, "run"], cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        try:
            wait_healthy(f"http://127.0.0.1:{port}", process)
        finally:
            process.terminate()
            _, stderr = process.communicate(timeout=15)

    started = [line for line in stderr.splitlines() if line.startswith("pacer: ")]
    assert started[1] == "pacer: connected to the Slack workspace Acme Sales (T0ACME) as @pacer", stderr
    listed = pacer(tmp_path, "workspace", "list", DATABASE_URL=empty_database_url)
    assert listed.stdout.splitlines()[1].split()[:3] == ["T0ACME", "Acme", "Sales"]
