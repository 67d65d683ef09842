"""`pacer import deals|csat|training FILE --team-id T…`: all rows or none, idempotent, line-numbered errors."""

from __future__ import annotations

import shutil
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from bot.cli import cli
from bot.store import rules, workspaces
from bot.store.tables import CsatResult, TrainingCompletion
from scoring.rules import ProductLine, RuleSet
from tests.support import reads

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
PACER_YML = """\
currency: USD
product_lines:
  - name: Core
  - name: Enterprise
    premium: true
teams:
  - name: East
    manager: UMGR0001
    members: [UREP0001, UREP0002]
admins: [UADM0001]
training:
  required: [Premium Selling, Negotiation]
"""


@pytest.fixture
def run(db, tmp_path, monkeypatch):
    """Run `pacer …` in-process against the test database, from a folder holding pacer.yml."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pacer.yml").write_text(PACER_YML)
    for name in ("PACER_CONFIG", "SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    runner = CliRunner()

    def invoke(*args: str | Path):
        return runner.invoke(cli, [str(arg) for arg in args], env={"DATABASE_URL": db.url}, catch_exceptions=False)

    return invoke


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def csat_rows(db):
    with db.transaction() as session:
        return list(session.exec(select(CsatResult)))


def training_rows(db):
    with db.transaction() as session:
        return list(session.exec(select(TrainingCompletion)))


def test_a_good_deals_file_imports_every_row_with_its_source(run, db, tmp_path):
    path = shutil.copy(FIXTURES / "deals.csv", tmp_path / "deals.csv")
    result = run("import", "deals", str(path), "--team-id", "T1")

    assert result.exit_code == 0, result.output
    assert "deals.csv: imported 4, already present 0, errors 0" in result.stdout
    assert "registered 3 member(s)" in result.stdout and "UNEW00001" in result.stdout
    stored = reads.deals(db)
    assert [(d.number, d.amount_minor, d.product_line, d.source) for d in stored] == [
        (1, 1250000, "Core", "csv"),
        (2, 4000000, "Enterprise", "csv"),
        (3, 120000000, None, "csv"),
        (4, 90000, None, "csv"),
    ]
    assert stored[0].paid_on.isoformat() == "2026-11-10" and stored[2].note == "multi-line\nnote"
    assert all(d.source_key.startswith("csv:") and len(d.source_key) == 68 for d in stored)
    assert [c.name for c in reads.customers(db)] == ["Acme Corp", "Globex", "Initech, Inc."]  # "acme corp" is Acme
    newcomer = reads.member(db, "UNEW00001")
    assert newcomer.name == "UNEW00001" and newcomer.refreshed_at is None  # their first request fetches the profile
    assert reads.member(db, "UREP0001").team == "East"
    imported = reads.audit(db, "deal.imported")
    assert len(imported) == 4 and {e.actor for e in imported} == {"import"} and imported[0].source == "csv"


def test_importing_the_same_file_again_adds_nothing(run, db, tmp_path):
    path = shutil.copy(FIXTURES / "deals.csv", tmp_path / "deals.csv")
    run("import", "deals", str(path), "--team-id", "T1")
    again = run("import", "deals", str(path), "--team-id", "T1")

    assert again.exit_code == 0
    assert "imported 0, already present 4, errors 0" in again.stdout
    assert len(reads.deals(db)) == 4 and len(reads.audit(db, "deal.imported")) == 4


def test_two_identical_rows_in_one_file_are_two_deals(run, db, tmp_path):
    row = "UREP0001,Acme Corp,500,2026-11-02\n"
    path = write(tmp_path, "deals.csv", "owner,customer,amount,signed_on\n" + row + row)
    assert "imported 2" in run("import", "deals", path, "--team-id", "T1").stdout
    assert "already present 2" in run("import", "deals", path, "--team-id", "T1").stdout
    assert len(reads.deals(db)) == 2


def test_a_space_grouped_amount_imports_as_one_amount_and_a_look_alike_is_refused(run, db, tmp_path):
    good = write(tmp_path, "good.csv", "owner,customer,amount,signed_on\nUREP0001,Acme,25\u202f000,2026-11-02\n")
    assert "imported 1" in run("import", "deals", good, "--team-id", "T1").stdout
    assert [d.amount_minor for d in reads.deals(db)] == [2_500_000]

    bad = write(tmp_path, "bad.csv", "owner,customer,amount,signed_on\nUREP0001,Acme,10²,2026-11-02\n")
    result = run("import", "deals", bad, "--team-id", "T1")
    assert result.exit_code == 1
    assert "bad.csv:2: amount: “²” (superscript two) isn't one of the digits 0-9" in result.stderr
    assert len(reads.deals(db)) == 1


def test_a_file_with_errors_imports_nothing_and_names_each_line(run, db, tmp_path):
    path = write(
        tmp_path,
        "deals.csv",
        "owner,customer,amount,signed_on,paid_on,product_line\n"
        "UREP0001,Acme Corp,12500,2026-11-02,,\n"
        "dana,Acme Corp,12500,2026-11-02,,\n"
        "UREP0001,Acme Corp,12..5,2026-11-02,,\n"
        "UREP0001,Acme Corp,100,2026-11-31,,\n"
        "UREP0001,Acme Corp,100,2026-11-05,2026-11-01,\n"
        "UREP0001,Acme Corp,100,2026-11-05,,Platinum\n"
        "UREP0001,,100,2099-01-01,,\n",
    )
    result = run("import", "deals", path, "--team-id", "T1")

    assert result.exit_code == 1
    errors = result.stderr
    assert "deals.csv:3: owner: “dana” is not a Slack user id" in errors
    assert "deals.csv:4: amount: “12..5” has more than one decimal point\n" in errors
    assert "deals.csv:5: signed_on: 2026-11-31 isn't a real date" in errors
    assert "deals.csv:6: paid_on: 2026-11-01 is before signed_on 2026-11-05" in errors
    assert "deals.csv:7: product_line: “Platinum” isn't one of your product lines" in errors
    assert "deals.csv:8: signed_on: 2099-01-01 is in the future" in errors and "deals.csv:8: customer:" in errors
    assert "errors 7 — nothing was stored" in errors
    assert reads.deals(db) == [] and reads.audit(db) == [] and reads.member(db, "UREP0001") is None


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("owner,customer,amount", "deals.csv:1: missing column(s) signed_on"),
        ("owner,customer,amount,signed_on,stage", "deals.csv:1: unknown column(s) 'stage'"),
    ],
)
def test_a_wrong_header_is_refused(run, db, tmp_path, header, message):
    path = write(tmp_path, "deals.csv", header + "\nUREP0001,Acme Corp,100,2026-11-02\n")
    result = run("import", "deals", path, "--team-id", "T1")
    assert result.exit_code == 1 and message in result.stderr and reads.deals(db) == []


def test_a_dry_run_checks_everything_and_stores_nothing(run, db, tmp_path):
    path = shutil.copy(FIXTURES / "deals.csv", tmp_path / "deals.csv")
    result = run("import", "deals", str(path), "--team-id", "T1", "--dry-run")

    assert result.exit_code == 0
    assert "would import 4, already present 0" in result.stdout and "nothing was stored" in result.stdout
    assert reads.deals(db) == [] and reads.customers(db) == [] and reads.audit(db) == []
    assert reads.member(db, "UREP0001") is None


def test_csat_rows_are_attributed_to_the_latest_deal_or_the_named_owner(run, db, tmp_path):
    run("import", "deals", shutil.copy(FIXTURES / "deals.csv", tmp_path / "deals.csv"), "--team-id", "T1")
    path = write(
        tmp_path,
        "csat.csv",
        "customer,score,surveyed_on,owner\nACME corp,4,2026-11-21,\nGlobex,5,2026-11-21,UREP0002\n",
    )
    result = run("import", "csat", path, "--team-id", "T1")

    assert result.exit_code == 0, result.output
    assert "imported 2, already present 0" in result.stdout
    owners = {r.score: r.member_id for r in csat_rows(db)}
    assert owners == {4: reads.member(db, "UNEW00001").id, 5: reads.member(db, "UREP0002").id}  # Acme: latest deal
    assert "already present 2" in run("import", "csat", path, "--team-id", "T1").stdout


def test_csat_for_an_unknown_customer_fails_the_whole_file(run, db, tmp_path):
    run("import", "deals", shutil.copy(FIXTURES / "deals.csv", tmp_path / "deals.csv"), "--team-id", "T1")
    path = write(tmp_path, "csat.csv", "customer,score,surveyed_on\nAcme Corp,5,2026-11-21\nGlobexx,3,2026-11-21\n")
    result = run("import", "csat", path, "--team-id", "T1")

    assert result.exit_code == 1
    assert "csat.csv:3: customer: no customer “Globexx”; did you mean Globex?" in result.stderr
    assert csat_rows(db) == []


def test_training_rows_import_once_per_member_and_course(run, db, tmp_path):
    path = write(
        tmp_path,
        "training.csv",
        "member,course,completed_on\nUREP0001,premium selling,2026-11-01\nUREP0001,Negotiation,2026-11-03\n",
    )
    first = run("import", "training", path, "--team-id", "T1")
    again = run("import", "training", path, "--team-id", "T1")

    assert "imported 2, already present 0" in first.stdout and "imported 0, already present 2" in again.stdout
    assert sorted(r.course for r in training_rows(db)) == ["Negotiation", "Premium Selling"]
    assert len(reads.audit(db, "training.imported")) == 2


def test_a_bad_score_and_a_bad_team_id_are_refused(run, tmp_path):
    path = write(tmp_path, "csat.csv", "customer,score,surveyed_on\nAcme Corp,6,2026-11-21\n")
    result = run("import", "csat", path, "--team-id", "T1")
    assert result.exit_code == 1 and "csat.csv:2: score: “6” is not a whole number from 1 to 5" in result.stderr
    assert run("import", "csat", path, "--team-id", "acme").exit_code == 2


def test_a_product_line_published_with_pacer_products_can_be_imported_even_once_retired(run, db, tmp_path):
    now = datetime(2026, 11, 24, tzinfo=UTC)
    with db.transaction() as session:
        workspace = workspaces.ensure_workspace(session, team_id="T1", now=now)
        for version, lines in (
            (1, (ProductLine("Core"), ProductLine("Cloud", premium=True))),
            (2, (ProductLine("Core"),)),
        ):
            rules.add(
                session,
                workspace_id=workspace.id,
                rules=RuleSet(version, date(2026, 10 + version, 1), "signed", lines),
                set_by="UADM0001",
                source="admin",
                now=now,
            )
    path = write(
        tmp_path, "deals.csv", "owner,customer,amount,signed_on,product_line\nUREP0001,Acme,5000,2026-11-02,Cloud\n"
    )
    result = run("import", "deals", path, "--team-id", "T1")
    assert result.exit_code == 0, result.output
    assert [d.product_line for d in reads.deals(db)] == ["Cloud"]
    bad = write(
        tmp_path, "bad.csv", "owner,customer,amount,signed_on,product_line\nUREP0001,Acme,5000,2026-11-02,Nope\n"
    )
    refused = run("import", "deals", bad, "--team-id", "T1")
    assert refused.exit_code == 1 and "Cloud" in refused.output


def test_an_import_reads_names_by_the_same_text_rules_as_the_commands(run, db, tmp_path):
    deals_csv = write(
        tmp_path,
        "deals.csv",
        "owner,customer,amount,signed_on,note\n"
        "UREP0001,Ac\u200bme,100,2026-11-02,see <ftp://files.example|the deck>\n"
        "UREP0001,<https://globex.example|Globex>,200,2026-11-03,\n",
    )
    assert run("import", "deals", deals_csv, "--team-id", "T1").exit_code == 0
    assert [c.name for c in reads.customers(db)] == ["Acme", "Globex"]
    assert reads.deals(db)[0].note == "see the deck"

    csat_csv = write(tmp_path, "csat.csv", "customer,score,surveyed_on\nA\u2060cme\u3164,5,2026-11-21\n")
    assert run("import", "csat", csat_csv, "--team-id", "T1").exit_code == 0
    assert len(csat_rows(db)) == 1


def test_a_course_with_an_invisible_character_is_refused_like_the_command_refuses_it(run, db, tmp_path):
    path = write(tmp_path, "training.csv", "member,course,completed_on\nUREP0001,Premium\u200bSelling,2026-11-01\n")
    result = run("import", "training", path, "--team-id", "T1")

    assert result.exit_code == 1
    assert "training.csv:2: course: The course name contains an invisible character (U+200B" in result.stderr
    assert training_rows(db) == []
