"""`make run` (`pacer start`): the bot with Slack credentials, the console without; `pacer run`
still refuses to start without them; the console keeps to its own database."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import cli, demo_database_url, start_decision
from bot.settings import Settings

SLACK = ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN")


@pytest.fixture(autouse=True)
def bare(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)  # no .env here
    for name in (*SLACK, "DATABASE_URL", "PACER_CONFIG"):
        monkeypatch.delenv(name, raising=False)


def test_without_any_slack_credential_make_run_opens_the_console() -> None:
    assert start_decision(Settings()) == "console"


@pytest.mark.parametrize("name", SLACK)
def test_with_any_slack_credential_make_run_runs_the_bot(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    monkeypatch.setenv(name, "xoxb-or-secret")
    assert start_decision(Settings()) == "bot"  # and `pacer run` names whatever else is missing


def test_pacer_run_still_refuses_without_credentials() -> None:
    result = CliRunner().invoke(cli, ["run"])
    assert result.exit_code == 2
    assert "missing SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET" in result.output


def test_the_console_database_is_pacer_demo_db_next_to_pacer_db(monkeypatch: pytest.MonkeyPatch) -> None:
    assert demo_database_url(Settings()) == "sqlite:///pacer-demo.db"
    monkeypatch.setenv("DATABASE_URL", "sqlite:////var/lib/pacer/pacer.db")
    assert demo_database_url(Settings()) == "sqlite:////var/lib/pacer/pacer-demo.db"


def test_the_console_refuses_the_bot_s_own_database(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "sqlite:///pacer.db")
    result = CliRunner().invoke(cli, ["console", "--database", "sqlite:///pacer.db"])
    assert result.exit_code == 2 and "its own database" in result.output


def test_pacer_start_without_credentials_says_so_in_one_line_then_runs_the_console(tmp_path: Path) -> None:
    script = tmp_path / "lines.txt"
    script.write_text("/deal 5k Acme Corp\n", encoding="utf-8")
    from bot import cli as module

    result = CliRunner().invoke(
        cli, ["console", "--script", str(script), "--fresh", "--start", "2026-11-30T14:00:00-05:00"]
    )
    assert result.exit_code == 0, result.output
    assert "@hana> /deal 5k Acme Corp" in result.output and "Logged *D-1*" in result.output
    assert not (tmp_path / "pacer-demo.db").exists()  # --fresh: a database of its own
    line = module.NO_CREDENTIALS
    assert line.count("\n") == 0 and "Connect to Slack" in line and "local console" in line


def test_the_console_writes_its_demo_database_where_it_says(tmp_path: Path) -> None:
    script = tmp_path / "lines.txt"
    script.write_text(":now\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["console", "--script", str(script), "--start", "2026-11-30T14:00:00-05:00"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "pacer-demo.db").exists() and not (tmp_path / "pacer.db").exists()
