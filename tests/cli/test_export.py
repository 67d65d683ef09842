"""`pacer export evaluations --period P [--format csv|json] [--team-id T] [--output FILE]`: a closed period's
evaluations, one row per rep, read back as HR would read them."""

from __future__ import annotations

import csv
import io
import json
import re
import shlex
import subprocess
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlmodel import col, select
from typer.testing import CliRunner

from bot.cli import cli
from bot.config import PacerConfig, ProductLine, Team
from bot.jobs import period_close
from bot.jobs.base import JobContext
from bot.services import evaluations as service
from bot.store import workspaces
from bot.store.tables import AuditEntry, Evaluation, EvaluationVersion
from scoring.evaluations import rescore
from tests.cli.test_cli import PACER, clean_env
from tests.conftest import ADMIN, MANAGER, REP, REP2
from tests.fakes.slack_api import FakeSlack
from tests.support import reads

LINK = "UREP0005"  # a rep whose Slack display name is a spreadsheet formula
SUM = "UREP0006"  # and another
LINK_NAME, SUM_NAME = '=HYPERLINK("x")', "@SUM(1)"
DEC_1_CLOSE = datetime(2026, 12, 1, 6, 0, tzinfo=UTC)  # November closes at 06:00 UTC on 1 December
HUNTER = ["revenue", "new_customers", "new_leads", "activities"]
STRATEGIC_ONLY = ["premium_share", "premium_csat", "training"]


@pytest.fixture
def config() -> PacerConfig:
    return PacerConfig(
        currency="USD",
        recognition="signed",
        product_lines=[ProductLine(name="Core"), ProductLine(name="Enterprise", premium=True)],
        teams=[Team(name="East", manager=MANAGER, members=[REP, REP2, LINK, SUM])],
        admins=[ADMIN],
    )


@pytest.fixture
def slack(slack: FakeSlack) -> FakeSlack:
    slack.add_user(LINK, name="link", real_name="Link Rep", display_name=LINK_NAME, tz="UTC")
    slack.add_user(SUM, name="sum", real_name="Sum Rep", display_name=SUM_NAME, tz="UTC")
    return slack


@pytest.fixture
def november(pacer):
    """Dana, Link and Sum (hunters) and Lee (strategic) worked in November; November is closed."""
    pacer.clock.now = datetime(2026, 11, 10, 15, 0, tzinfo=UTC)
    for user_id in (ADMIN, MANAGER, REP, REP2, LINK, SUM):
        assert pacer.command(user_id, "/pacer", "help").status == 200
    assert "strategic" in pacer.command(ADMIN, "/pacer", f"profile <@{REP2}|lee> strategic").text
    assert "Logged D-1" in pacer.deal(REP, "60k Acme Corp").text
    assert "Logged D-2" in pacer.deal(REP2, "30k Globex product:Enterprise").text
    assert "Logged D-3" in pacer.deal(LINK, "12.5k Initech").text
    pacer.activity(REP, "call 12")
    pacer.settle()
    pacer.clock.now = DEC_1_CLOSE
    context = JobContext(db=pacer.db, config=pacer.deps.config, client=pacer.deps.client, now=DEC_1_CLOSE)
    assert period_close.run(context).counts["frozen"] == 4
    return pacer


@pytest.fixture
def run(db, tmp_path, monkeypatch):
    """Run `pacer …` in-process against the test database, from a folder holding pacer.yml."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pacer.yml").write_text("currency: USD\n")
    for name in ("PACER_CONFIG", "SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN"):
        monkeypatch.delenv(name, raising=False)

    def invoke(*args: str):
        return CliRunner().invoke(cli, list(args), env={"DATABASE_URL": db.url}, catch_exceptions=False)

    return invoke


def frozen(db, user_id: str):
    """The evaluation of November as stored (the version in force)."""
    member = reads.member(db, user_id)
    with db.reading() as session:
        return service.evaluation_of(
            session, workspace_id=member.workspace_id, member_id=member.id, period_key="2026-11"
        )


def csv_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


@pytest.mark.usefixtures("november")
def test_a_closed_month_exports_one_csv_row_per_rep_with_the_frozen_scores_to_the_cent(run, db):
    result = run("export", "evaluations", "--period", "2026-11")

    assert result.exit_code == 0, result.output
    rows = {row["rep_user_id"]: row for row in csv_rows(result.stdout)}
    assert sorted(rows) == sorted([REP, REP2, LINK, SUM])
    for user_id, row in rows.items():
        evaluation = frozen(db, user_id)
        assert Decimal(row["score"]) == evaluation.snapshot.total and row["score"] == f"{evaluation.snapshot.total:.2f}"
        assert row["rating"] == evaluation.snapshot.rating
        assert Decimal(row["payout_total"]) == evaluation.snapshot.payout.total and row["currency"] == "USD"
        assert (row["workspace"], row["period"], row["manager_user_id"], row["team"]) == (
            "T1",
            "2026-11",
            MANAGER,
            "East",
        )
        assert (row["status"], row["version"]) == ("Open", "1")
        assert row["frozen_at"] == "2026-12-01T06:00:00+00:00"
    assert [rows[u]["profile"] for u in (REP, REP2, LINK, SUM)] == ["hunter", "strategic", "hunter", "hunter"]
    assert rows[REP]["rep_name"] == "Dana" and Decimal(rows[REP]["score"]) > 0


@pytest.mark.usefixtures("november")
def test_each_metric_has_its_points_column_and_it_is_empty_where_the_reps_profile_lacks_the_metric(run, db):
    result = run("export", "evaluations", "--period", "2026-11")

    header = next(csv.reader(io.StringIO(result.stdout, newline="")))
    assert [name.removeprefix("points:") for name in header if name.startswith("points:")] == HUNTER + STRATEGIC_ONLY
    rows = {row["rep_user_id"]: row for row in csv_rows(result.stdout)}
    for user_id in (REP, REP2):
        snapshot = frozen(db, user_id).snapshot
        for metric in HUNTER + STRATEGIC_ONLY:
            line = snapshot.line(metric)
            assert rows[user_id][f"points:{metric}"] == ("" if line is None else f"{line.points:.2f}"), metric
    assert rows[REP]["points:training"] == "" and rows[REP2]["points:new_leads"] == ""
    assert rows[REP]["points:revenue"] != "" and rows[REP2]["points:premium_share"] != ""


@pytest.mark.usefixtures("november")
def test_reps_named_like_formulas_come_out_neutralised_in_csv_and_as_typed_in_json(run):
    as_csv = {row["rep_user_id"]: row for row in csv_rows(run("export", "evaluations", "--period", "2026-11").stdout)}
    as_json = {
        row["rep_user_id"]: row
        for row in json.loads(run("export", "evaluations", "--period", "2026-11", "--format", "json").stdout)
    }

    assert as_csv[LINK]["rep_name"] == "'" + LINK_NAME and as_csv[SUM]["rep_name"] == "'" + SUM_NAME
    assert as_json[LINK]["rep_name"] == LINK_NAME and as_json[SUM]["rep_name"] == SUM_NAME
    assert as_csv[LINK]["score"] == as_json[LINK]["score"] and not as_csv[LINK]["score"].startswith("'")


@pytest.mark.usefixtures("november")
def test_the_json_export_has_every_metric_line_as_exact_decimal_strings(run, db):
    result = run("export", "evaluations", "--period", "2026-11", "--format", "json")

    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [row["rep_name"] for row in rows] == [LINK_NAME, SUM_NAME, "Dana", "Lee"]  # by name
    for row in rows:
        snapshot = frozen(db, row["rep_user_id"]).snapshot
        assert (row["score"], row["version"], row["status"]) == (f"{snapshot.total:.2f}", 1, "Open")
        assert row["payout_total"] == format(snapshot.payout.total, "f")
        assert row["metrics"] == [
            {
                "metric": line.metric,
                "actual": format(line.actual, "f"),
                "target": None if line.target is None else format(line.target, "f"),
                "target_from": line.target_from,
                "weight": format(line.weight, "f"),
                "points": format(line.points, "f"),
            }
            for line in snapshot.lines
        ]
        for line in row["metrics"]:
            assert row[f"points:{line['metric']}"] == line["points"]
    dana = next(row for row in rows if row["rep_user_id"] == REP)
    assert dana["metrics"][0] == {
        "metric": "revenue",
        "actual": "60000",
        "target": "100000",
        "target_from": "profile",
        "weight": "40",
        "points": "24.00",
    }


@pytest.mark.usefixtures("november")
def test_the_export_shows_the_version_in_force_and_the_status_derived_from_the_check_in_steps(run, db):
    dana = frozen(db, REP)
    corrected = rescore(dana.snapshot, {"revenue": Decimal("100000")})
    workspace_id = reads.member(db, REP).workspace_id
    with db.transaction() as session:
        session.add(
            EvaluationVersion(
                workspace_id=workspace_id,
                evaluation_id=dana.id,
                version=2,
                snapshot=corrected.as_json(),
                total=corrected.total,
                rating=corrected.rating,
                reason="appeal upheld",
                created_by=MANAGER,
                created_at=datetime(2026, 12, 5, tzinfo=UTC),
            )
        )
        row = session.get(Evaluation, dana.id)
        row.version = 2
        row.self_review_at = datetime(2026, 12, 2, tzinfo=UTC)
        session.add(row)

    rows = {row["rep_user_id"]: row for row in csv_rows(run("export", "evaluations", "--period", "2026-11").stdout)}

    assert (rows[REP]["version"], rows[REP]["status"]) == ("2", "Self-review in")
    assert rows[REP]["score"] == f"{corrected.total:.2f}" and corrected.total > dana.snapshot.total
    assert rows[REP]["points:revenue"] == "40.00"
    assert rows[REP]["frozen_at"] == "2026-12-01T06:00:00+00:00"
    assert (rows[REP2]["version"], rows[REP2]["status"]) == ("1", "Open")


@pytest.mark.usefixtures("november")
def test_the_output_file_gets_the_export_and_the_export_is_audited(run, db, tmp_path):
    result = run("export", "evaluations", "--period", "2026-11", "--output", "nov.csv")

    assert result.exit_code == 0, result.output
    assert result.stdout == "" and "nov.csv: 4 evaluation(s) of November 2026 in T1" in result.stderr
    assert len(csv_rows((tmp_path / "nov.csv").read_text(encoding="utf-8"))) == 4
    with db.reading() as session:
        [entry] = session.exec(select(AuditEntry).where(AuditEntry.action == "evaluations.exported")).all()
    assert (entry.actor, entry.source, entry.after) == (
        "cli",
        "cli",
        {"period": "2026-11", "format": "csv", "evaluations": 4},
    )


@pytest.mark.usefixtures("november")
def test_an_output_file_that_cannot_be_written_is_exit_1_with_the_reason(run, tmp_path):
    result = run("export", "evaluations", "--period", "2026-11", "--output", str(tmp_path / "no" / "such" / "x.csv"))

    assert result.exit_code == 1 and "can't write" in result.stderr and "No such file or directory" in result.stderr


@pytest.mark.usefixtures("november")
def test_a_real_pacer_process_writes_utf8_csv_with_a_header_row(db, tmp_path):
    dana = frozen(db, REP)
    with db.transaction() as session:
        version = session.exec(select(EvaluationVersion).where(col(EvaluationVersion.evaluation_id) == dana.id)).one()
        version.snapshot = {**version.snapshot, "member": {"user_id": REP, "name": "Zoë Ñúñez"}}
        session.add(version)
    env = clean_env(tmp_path, DATABASE_URL=db.url)

    result = subprocess.run(
        [*PACER, "export", "evaluations", "--period", "2026-11"], cwd=tmp_path, env=env, capture_output=True, timeout=60
    )

    assert result.returncode == 0, result.stderr.decode()
    text = result.stdout.decode("utf-8")
    assert text.startswith("workspace,period,rep_user_id,rep_name,") and text.endswith("\r\n")
    assert "Zoë Ñúñez" in [row["rep_name"] for row in csv_rows(text)]


def test_a_period_with_no_evaluations_gives_just_the_header_or_an_empty_list_and_says_so(run, pacer):
    assert pacer.command(REP, "/pacer", "help").status == 200  # one workspace, nothing frozen

    as_csv = run("export", "evaluations", "--period", "2026-10")
    as_json = run("export", "evaluations", "--period", "2026-10", "--format", "json")

    assert as_csv.exit_code == 0 and as_json.exit_code == 0
    assert as_csv.stdout.startswith("workspace,period,") and as_csv.stdout.count("\n") == 1
    assert json.loads(as_json.stdout) == []
    assert "no evaluations for October 2026 (2026-10) in T1" in as_csv.stderr
    assert as_csv.stderr.count("\n") == 1


def test_last_month_is_read_on_pacer_ymls_clock(run, tmp_path, monkeypatch):
    # 02:00 UTC on 1 December is still 30 November in New York: last month there is October
    monkeypatch.setattr("bot.clock.system_clock", lambda: datetime(2026, 12, 1, 2, 0, tzinfo=UTC))
    (tmp_path / "pacer.yml").write_text("timezone: America/New_York\n")
    in_new_york = run("export", "evaluations", "--period", "last-month")
    (tmp_path / "pacer.yml").write_text("timezone: UTC\n")
    in_utc = run("export", "evaluations", "--period", "last month")

    assert "no evaluations for October 2026 (2026-10)" in in_new_york.stderr
    assert "no evaluations for November 2026 (2026-11)" in in_utc.stderr


def example_in(stderr: str) -> list[str]:
    """The example command an error shows, as words."""
    [example] = re.findall(r"[Ff]or example: (.*)$", stderr, re.MULTILINE)
    return shlex.split(example)


@pytest.mark.usefixtures("november")
def test_an_unknown_period_is_exit_2_with_an_example_that_works(run):
    refused = run("export", "evaluations", "--period", "2026-13", "--format", "json")

    assert refused.exit_code == 2 and refused.stdout == ""
    assert "--period '2026-13': There is no month 13" in refused.stderr
    example = example_in(refused.stderr)
    assert example[:4] == ["pacer", "export", "evaluations", "--period"] and "--format" in example
    ran = run(*example[1:])
    assert ran.exit_code == 0, ran.output
    assert isinstance(json.loads(ran.stdout), list)


@pytest.mark.usefixtures("november")
def test_several_workspaces_without_team_id_are_refused_with_the_workspaces_and_a_working_example(run, db):
    with db.transaction() as session:
        workspaces.ensure_workspace(session, team_id="T2OTHER", now=DEC_1_CLOSE)

    refused = run("export", "evaluations", "--period", "2026-11")

    assert refused.exit_code == 2 and refused.stdout == ""
    assert "this database holds 2 workspaces (T1, T2OTHER): say which one to export with --team-id" in refused.stderr
    example = example_in(refused.stderr)
    assert example == ["pacer", "export", "evaluations", "--period", "2026-11", "--team-id", "T1"]
    ran = run(*example[1:])
    assert ran.exit_code == 0 and len(csv_rows(ran.stdout)) == 4
    other = run("export", "evaluations", "--period", "2026-11", "--team-id", "T2OTHER")
    assert other.exit_code == 0 and csv_rows(other.stdout) == [] and "in T2OTHER" in other.stderr


@pytest.mark.usefixtures("november")
def test_a_team_id_the_database_does_not_hold_is_refused_naming_the_ones_it_does(run):
    refused = run("export", "evaluations", "--period", "2026-11", "--team-id", "T9NOPE")
    malformed = run("export", "evaluations", "--period", "2026-11", "--team-id", "acme")

    assert refused.exit_code == 2 and "there is no workspace T9NOPE in this database (it holds: T1)" in refused.stderr
    assert malformed.exit_code == 2 and "is not a Slack workspace id" in malformed.stderr
