"""`pacer report fairness [--period P] [--format text|csv|json] [--team-id T]`: the fairness report of a
seeded workspace, read back as an admin would read it."""

from __future__ import annotations

import csv
import io
import json

import pytest
from sqlmodel import select

from bot.config import PacerConfig
from bot.store import workspaces
from bot.store.tables import AuditEntry, Member
from tests.cli.test_export import example_in
from tests.conftest import MANAGER, REP2
from tests.fakes.slack_api import FakeSlack
from tests.support.fairness import KIM, NOW, WES, fairness_config, seven_appeals, with_kim_and_wes


@pytest.fixture
def config() -> PacerConfig:
    return fairness_config()


@pytest.fixture
def slack(slack: FakeSlack) -> FakeSlack:
    return with_kim_and_wes(slack)


@pytest.fixture
def seeded(pacer):
    seven_appeals(pacer)
    return pacer


@pytest.fixture
def run(db, tmp_path, monkeypatch):
    """Run `pacer …` in-process against the test database at NOW, from a folder holding pacer.yml."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("bot.clock.system_clock", lambda: NOW)
    (tmp_path / "pacer.yml").write_text("currency: USD\n")
    for name in ("PACER_CONFIG", "SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN"):
        monkeypatch.delenv(name, raising=False)

    def invoke(*args: str):
        from typer.testing import CliRunner

        from bot.cli import cli

        return CliRunner().invoke(cli, list(args), env={"DATABASE_URL": db.url}, catch_exceptions=False)

    return invoke


def rows_of(text: str) -> dict[tuple[str, str], dict[str, str]]:
    return {(row["section"], row["group"]): row for row in csv.DictReader(io.StringIO(text, newline=""))}


@pytest.mark.usefixtures("seeded")
def test_the_text_report_is_a_readable_table_of_teams_managers_and_profiles(run):
    result = run("report", "fairness", "--period", "2026-10")

    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "Fairness report: October 2026 (2026-10), workspace T1, at 2026-12-16 12:00 UTC"
    table = [line.split() for line in lines]
    assert ["East", "3", "1", "0", "2", "1", "0", "1", "50.0", "%", "4", "1", "1"] in table
    assert ["West", "4", "1", "1", "2", "0", "1", "1", "50.0", "%", "0.5", "0", "0"] in table
    assert ["All", "appeals", "7", "2", "1", "4", "1", "1", "2", "50.0", "%", "1.5", "1", "1"] in table
    assert ["Morgan", f"({MANAGER})", "5", "1", "1", "3", "1", "1", "1", "66.7", "%", "2", "1", "1"] in table
    assert ["Wes", "West", f"({WES})", "2", "1", "0", "1", "0", "0", "1", "0.0", "%", "0", "0", "0"] in table
    assert "hunter: 2 evaluations; min 20.00, Q1 25.00, median 30.00, Q3 35.00, max 40.00" in lines
    assert "  Exceeds 0 (0.0 %) · Meets 0 (0.0 %) · Partially meets 0 (0.0 %) · Below 2 (100.0 %)" in lines
    assert any(line.startswith("strategic: 1 evaluation;") for line in lines)


@pytest.mark.usefixtures("seeded")
def test_the_csv_report_has_a_row_per_team_manager_and_profile_with_formula_like_names_neutralised(run, db):
    with db.transaction() as session:
        kim = session.exec(select(Member).where(Member.user_id == KIM)).one()
        kim.team = "=HYPERLINK(x)"
        session.add(kim)

    result = run("report", "fairness", "--period", "2026-10", "--format", "csv")

    assert result.exit_code == 0, result.output
    rows = rows_of(result.stdout)
    assert set(rows) == {
        ("team", "East"),
        ("team", "West"),
        ("team", "'=HYPERLINK(x)"),
        ("manager", MANAGER),
        ("manager", WES),
        ("all", "All appeals"),
        ("profile", "hunter"),
        ("profile", "strategic"),
    }
    east = rows[("team", "East")]
    assert (east["workspace"], east["period"], east["filed"], east["decided"]) == ("T1", "2026-10", "3", "2")
    assert (east["uphold_rate_percent"], east["median_working_days_to_decision"]) == ("50.0", "4")
    assert (east["overdue_now"], east["decided_late"], east["evaluations"]) == ("1", "1", "")
    west = rows[("team", "West")]  # Lee only now: Kim's team is the formula
    assert (west["filed"], west["withdrawn"], west["partly_upheld"], west["uphold_rate_percent"]) == (
        "2",
        "1",
        "1",
        "100.0",
    )
    assert rows[("manager", WES)]["uphold_rate_percent"] == "0.0"
    hunter = rows[("profile", "hunter")]
    assert (hunter["evaluations"], hunter["median_points"], hunter["q1_points"], hunter["filed"]) == (
        "2",
        "30.00",
        "25.00",
        "",
    )
    assert (hunter["count:Below"], hunter["share_percent:Below"], hunter["share_percent:Exceeds"]) == (
        "2",
        "100.0",
        "0.0",
    )


@pytest.mark.usefixtures("seeded")
def test_the_json_report_has_exact_decimal_strings_and_null_where_nothing_was_decided(run, db):
    with db.transaction() as session:
        workspaces.ensure_workspace(session, team_id="T2OTHER", now=NOW)

    result = run("report", "fairness", "--period", "2026-10", "--format", "json", "--team-id", "T1")

    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert (data["workspace"], data["period"], data["period_label"]) == ("T1", "2026-10", "October 2026")
    assert data["appeals"]["filed"] == 7 and data["appeals"]["uphold_rate_percent"] == "50.0"
    assert data["appeals"]["median_working_days_to_decision"] == "1.5"
    by_team = {row["team"]: row for row in data["by_team"]}
    assert by_team["West"]["median_working_days_to_decision"] == "0.5" and by_team["West"]["withdrawn"] == 1
    by_manager = {row["manager_user_id"]: row for row in data["by_manager"]}
    assert by_manager[MANAGER]["manager_name"] == "Morgan" and by_manager[MANAGER]["uphold_rate_percent"] == "66.7"
    hunter = next(p for p in data["profiles"] if p["profile"] == "hunter")
    assert hunter["bands"][-1] == {"band": "Below", "count": 2, "share_percent": "100.0"}
    other = json.loads(run("report", "fairness", "--format", "json", "--team-id", "T2OTHER").stdout)
    assert (
        other["period"] is None and other["appeals"]["filed"] == 0 and other["appeals"]["uphold_rate_percent"] is None
    )


@pytest.mark.usefixtures("seeded")
def test_without_a_period_the_report_is_of_the_latest_period_with_evaluations_and_it_is_audited(run, db):
    result = run("report", "fairness", "--format", "csv")

    assert result.exit_code == 0, result.output
    assert {row["period"] for row in rows_of(result.stdout).values()} == {"2026-10"}
    with db.reading() as session:
        [entry] = session.exec(select(AuditEntry).where(AuditEntry.action == "fairness.reported")).all()
    assert (entry.actor, entry.source, entry.after) == (
        "cli",
        "cli",
        {"period": "2026-10", "format": "csv", "appeals": 7},
    )


@pytest.mark.usefixtures("seeded")
def test_an_unknown_period_is_exit_2_with_an_example_that_works(run):
    refused = run("report", "fairness", "--period", "2026-13", "--format", "json")

    assert refused.exit_code == 2 and refused.stdout == ""
    assert "--period '2026-13': There is no month 13" in refused.stderr
    example = example_in(refused.stderr)
    assert example == ["pacer", "report", "fairness", "--period", "2026-11", "--format", "json"]
    ran = run(*example[1:])
    assert ran.exit_code == 0, ran.output
    assert json.loads(ran.stdout)["period"] == "2026-11"


@pytest.mark.usefixtures("seeded")
def test_several_workspaces_without_team_id_are_refused_with_the_workspaces_and_a_working_example(run, db):
    with db.transaction() as session:
        workspaces.ensure_workspace(session, team_id="T2OTHER", now=NOW)

    refused = run("report", "fairness", "--period", "2026-10")

    assert refused.exit_code == 2 and refused.stdout == ""
    assert "this database holds 2 workspaces (T1, T2OTHER): say which one to report on with --team-id" in refused.stderr
    example = example_in(refused.stderr)
    assert example == ["pacer", "report", "fairness", "--period", "2026-10", "--team-id", "T1"]
    ran = run(*example[1:])
    assert ran.exit_code == 0 and "East" in ran.stdout
    other = run("report", "fairness", "--team-id", "T2OTHER")
    assert other.exit_code == 0 and "no evaluations yet" in other.stdout and "no evaluations in T2OTHER" in other.stderr
    unknown = run("report", "fairness", "--team-id", "T9NOPE")
    assert unknown.exit_code == 2 and "there is no workspace T9NOPE in this database" in unknown.stderr


def test_an_empty_database_has_nothing_to_report_and_says_so(run, db):
    assert db is not None

    result = run("report", "fairness")

    assert result.exit_code == 0 and result.stdout == "" and "holds no workspace yet" in result.stderr


@pytest.mark.usefixtures("seeded")
def test_lee_moving_team_moves_his_appeals_with_him(run, pacer):
    assert "East" in pacer.command("UADM0001", "/pacer", f"team <@{REP2}|lee> East").text

    rows = rows_of(run("report", "fairness", "--period", "2026-10", "--format", "csv").stdout)

    assert rows[("team", "East")]["filed"] == "5" and rows[("team", "West")]["filed"] == "2"
