"""The `pacer` command as an operator uses it: real subprocesses, real gunicorn, a fake Slack."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.error import URLError
from urllib.request import urlopen

import pytest
from sqlalchemy import inspect, text

from bot.store.engine import Database
from bot.store.migrate import all_revisions, head_revision
from tests.fakes.slack_api import FakeSlack
from tests.support import payloads
from tests.support.harness import SIGNING_SECRET, Response

PACER = [sys.executable, "-m", "bot.cli"]
ROOT = Path(__file__).resolve().parents[2]


def clean_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SLACK_", "PACER_", "DATABASE_URL"))
        and k.lower() not in ("http_proxy", "https_proxy", "all_proxy")
    }
    env.update({"PYTHONPATH": str(ROOT), "DATABASE_URL": f"sqlite:///{tmp_path / 'pacer.db'}", **extra})
    return env


def pacer(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*PACER, *args], cwd=tmp_path, env=clean_env(tmp_path, **env), capture_output=True, text=True, timeout=60
    )


def test_run_without_credentials_names_each_missing_variable_and_where_to_get_it(tmp_path):
    result = pacer(tmp_path, "run")

    assert result.returncode == 2
    assert "SLACK_BOT_TOKEN" in result.stderr and "SLACK_SIGNING_SECRET" in result.stderr
    assert "manifest.yml" in result.stderr and "Connect to Slack" in result.stderr
    assert not (tmp_path / "pacer.db").exists()


def test_run_with_a_broken_pacer_yml_names_the_file_and_key(tmp_path):
    (tmp_path / "pacer.yml").write_text("wins: {channel: general, threshold: 5}\n")
    result = pacer(tmp_path, "run", SLACK_BOT_TOKEN="xoxb-1", SLACK_SIGNING_SECRET="s")

    assert result.returncode == 2
    assert "pacer.yml: wins.channel:" in result.stderr


def test_db_upgrade_creates_the_schema_once(tmp_path, empty_database_url):
    before = pacer(tmp_path, "db", "status", DATABASE_URL=empty_database_url)
    first = pacer(tmp_path, "db", "upgrade", DATABASE_URL=empty_database_url)
    second = pacer(tmp_path, "db", "upgrade", DATABASE_URL=empty_database_url)
    status = pacer(tmp_path, "db", "status", DATABASE_URL=empty_database_url)

    assert before.returncode == 1 and "empty database" in before.stdout
    assert first.returncode == 0 and f"applied {len(all_revisions())} migration" in first.stdout
    assert second.returncode == 0 and "up to date" in second.stdout
    assert status.returncode == 0 and f"current: {head_revision()}" in status.stdout
    engine = Database(empty_database_url).engine
    assert {"workspace", "member", "customer", "deal", "activity", "audit_log", "outbox"} <= set(
        inspect(engine).get_table_names()
    )
    engine.dispose()


def test_db_upgrade_says_what_it_applied_and_nothing_of_the_migration_tool_s_own_chatter(tmp_path):
    result = pacer(tmp_path, "db", "upgrade", LOG_LEVEL="INFO")

    assert result.returncode == 0 and result.stdout == f"applied {len(all_revisions())} migration(s)\n"
    assert result.stderr == f"pacer: applied migrations {', '.join(all_revisions())}\n"


def test_config_check_summarises_a_valid_file(tmp_path):
    result = pacer(tmp_path, "config", "check", PACER_CONFIG=str(ROOT / "pacer.example.yml"))
    assert result.returncode == 0 and "OK" in result.stdout and "2 product line(s)" in result.stdout
    lines = result.stdout.splitlines()
    assert "  team East: manager U0123MANAGER; members U0123REPAAA, U0123REPBBB" in lines
    assert "  product line Enterprise (premium)" in lines and "  admins U0123ADMIN" in lines
    assert "  wins channel C0123456789, deals of 50000 USD or more" in lines
    assert "  profile hunter (default): monthly; revenue, new_customers, new_leads, activities" in lines
    assert any(line.startswith("  database (DATABASE_URL) for the other commands: sqlite:///") for line in lines)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_healthy(url: str, process: subprocess.Popen[str], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"pacer run exited early: {process.stderr.read() if process.stderr else ''}")
        try:
            with urlopen(url + "/healthz", timeout=1) as response:
                if response.status == 200:
                    return
        except (URLError, ConnectionError, OSError):
            time.sleep(0.1)
    raise AssertionError("pacer run did not become healthy")


@pytest.fixture
def running(tmp_path, empty_database_url):
    with FakeSlack() as slack:
        slack.add_user("UREP0001", name="dana", tz="Asia/Shanghai")
        port = free_port()
        env = clean_env(
            tmp_path,
            SLACK_BOT_TOKEN=slack.token,
            SLACK_SIGNING_SECRET=SIGNING_SECRET,
            SLACK_API_URL=slack.url,
            PORT=str(port),
            WEB_CONCURRENCY="2",
            DATABASE_URL=empty_database_url,
        )
        process = subprocess.Popen(
            [*PACER, "run"], cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        url = f"http://127.0.0.1:{port}"
        try:
            wait_healthy(url, process)
            yield url, slack, empty_database_url
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()


def test_pacer_run_serves_signed_slack_requests_behind_gunicorn_and_migrates_first(running):
    url, slack, database_url = running
    from urllib.request import Request

    from slack_sdk.signature import SignatureVerifier

    body = payloads.slash_command(
        team_id="T1", user_id="UREP0001", command="/deal", text="12.5k Acme Corp", response_url=slack.response_url("r")
    )
    ts = str(int(time.time()))
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": SignatureVerifier(SIGNING_SECRET).generate_signature(timestamp=ts, body=body),
    }
    with urlopen(Request(url + "/slack/events", data=body.encode(), headers=headers), timeout=10) as raw:
        response = Response(raw.status, raw.read().decode(), {})

    assert response.status == 200 and "Logged D-1" in response.text
    engine = Database(database_url).engine
    with engine.connect() as connection:
        assert connection.execute(text("SELECT amount_minor FROM deal")).scalars().all() == [1_250_000]
    engine.dispose()
    assert slack.calls("auth.test") and slack.calls("users.info")


def test_socket_mode_is_used_when_an_app_token_is_set(tmp_path):
    with FakeSlack() as slack:
        env = clean_env(tmp_path, SLACK_BOT_TOKEN=slack.token, SLACK_APP_TOKEN=slack.app_token, SLACK_API_URL=slack.url)
        process = subprocess.Popen(
            [*PACER, "run"], cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        try:
            [call, *_] = slack.wait_for("apps.connections.open", timeout=30)
            assert call.headers["authorization"] == f"Bearer {slack.app_token}" and call.outcome == "ok"
        finally:
            process.kill()
            process.wait(timeout=10)


@pytest.mark.parametrize(
    ("text", "first_line", "named"),
    [
        ("calendar:\n  holidays: [2026-13-25]\n", "pacer: configuration error", "calendar.holidays.0: not a real date"),
        ("calendar:\n  holidays: [2026-02-30]\n", "pacer: configuration error", "calendar.holidays.0: not a real date"),
        ("currency: USD\ncurrency: EUR\n", "pacer: configuration error", "'currency' is given twice"),
    ],
)
def test_a_wrong_date_or_a_key_given_twice_in_pacer_yml_is_one_clear_message_not_a_traceback(
    tmp_path, text, first_line, named
):
    config = tmp_path / "pacer.yml"
    config.write_text(text, encoding="utf-8")
    result = pacer(tmp_path, "config", "check", PACER_CONFIG=str(config))
    output = result.stdout + result.stderr
    assert result.returncode == 2, output
    assert output.splitlines()[0] == first_line and named in output
    assert "Traceback" not in output


UNREACHABLE = "postgresql://nobody@127.0.0.1:1/pacer"  # nothing listens on port 1


@pytest.mark.parametrize(
    ("args", "database", "code", "first_line"),
    [
        (
            ("outbox", "status"),
            "sqlite:///never-upgraded.db",
            2,
            "pacer: the database schema is not up to date (empty)",
        ),
        (
            ("jobs", "run", "reminders"),
            "sqlite:///never-upgraded.db",
            2,
            "pacer: the database schema is not up to date",
        ),
        (("db", "status"), UNREACHABLE, 2, "pacer: cannot reach the database postgresql://nobody@127.0.0.1:1/pacer"),
        (("outbox", "status"), "postgres://nobody@127.0.0.1:1/pacer", 2, "pacer: cannot reach the database"),
        (("db", "upgrade"), "not a url", 2, "pacer: DATABASE_URL 'not a url' is not a database address"),
    ],
)
def test_a_database_that_is_missing_unreachable_or_not_upgraded_is_one_clear_message(
    tmp_path, args, database, code, first_line
):
    result = pacer(tmp_path, *args, DATABASE_URL=database)
    output = result.stderr
    assert result.returncode == code, result.stdout + output
    assert output.splitlines()[0].startswith(first_line), output
    assert "Traceback" not in output + result.stdout


def test_run_with_an_unreachable_database_says_so_in_one_message(tmp_path):
    result = pacer(tmp_path, "run", SLACK_BOT_TOKEN="xoxb-1", SLACK_SIGNING_SECRET="s", DATABASE_URL=UNREACHABLE)
    assert result.returncode == 2
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert lines[0].startswith("pacer: cannot reach the database") and "Traceback" not in result.stderr
    assert "alembic" not in result.stderr  # the migration tool's chatter stays out of the default log


def test_version_prints_the_installed_version(tmp_path):
    from importlib.metadata import version

    result = pacer(tmp_path, "--version")
    assert result.returncode == 0 and result.stdout.strip() == f"pacer {version('pacer')}"


def test_run_with_a_token_slack_refuses_says_so_in_one_message_before_serving(tmp_path, empty_database_url):
    with FakeSlack() as slack:
        result = pacer(
            tmp_path,
            "run",
            SLACK_BOT_TOKEN="xoxb-wrong",
            SLACK_SIGNING_SECRET="s",
            SLACK_API_URL=slack.url,
            DATABASE_URL=empty_database_url,
        )
        assert [c.method for c in slack.calls()] == ["auth.test"]
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.returncode == 2
    assert lines[0].startswith("pacer: applied migrations")  # the database first, then Slack
    assert lines[1] == (
        "pacer: cannot start: Slack does not accept SLACK_BOT_TOKEN (invalid_auth): copy the Bot User OAuth Token "
        "(xoxb-…) again from OAuth & Permissions."
    )
    assert "Traceback" not in result.stderr and "Worker failed to boot" not in result.stderr


def test_run_with_slack_unreachable_says_so_in_one_message(tmp_path, empty_database_url):
    result = pacer(
        tmp_path,
        "run",
        SLACK_BOT_TOKEN="xoxb-1",
        SLACK_SIGNING_SECRET="s",
        SLACK_API_URL="http://127.0.0.1:1/api/",
        DATABASE_URL=empty_database_url,
    )
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.returncode == 2
    assert lines[1:] == [
        "pacer: cannot start: Slack can't be reached at http://127.0.0.1:1/api/ ([Errno 111] Connection refused). "
        "Check this machine's network and proxy settings (HTTPS_PROXY), or SLACK_API_URL if you set it."
    ]


def test_manifest_puts_the_public_url_in_every_place_slack_needs_it(tmp_path):
    import yaml

    result = pacer(tmp_path, "manifest", "--url", "https://pacer.acme-sales.com/")
    assert result.returncode == 0, result.stderr
    assert "pacer.example.com" not in result.stdout
    manifest = yaml.safe_load(result.stdout)
    urls = [command["url"] for command in manifest["features"]["slash_commands"]]
    urls += [
        manifest["settings"]["event_subscriptions"]["request_url"],
        manifest["settings"]["interactivity"]["request_url"],
    ]
    assert len(urls) >= 10 and set(urls) == {"https://pacer.acme-sales.com/slack/events"}


def test_manifest_refuses_an_address_slack_would_not_call(tmp_path):
    result = pacer(tmp_path, "manifest", "--url", "http://pacer.acme-sales.com")
    assert result.returncode == 2
    assert result.stderr.startswith("pacer: --url 'http://pacer.acme-sales.com' is not an https:// address")


def test_manifest_reads_the_current_folders_manifest_when_the_installation_has_none(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    import bot.cli

    installed = tmp_path / "site-packages" / "bot"
    installed.mkdir(parents=True)
    monkeypatch.setattr(bot.cli, "__file__", str(installed / "cli.py"))  # as a `pip install .` lays it out
    here = tmp_path / "checkout"
    here.mkdir()
    monkeypatch.chdir(here)
    missing = CliRunner().invoke(bot.cli.cli, ["manifest", "--url", "https://pacer.acme-sales.com"])
    (here / "manifest.yml").write_text((ROOT / "manifest.yml").read_text(encoding="utf-8"), encoding="utf-8")
    found = CliRunner().invoke(bot.cli.cli, ["manifest", "--url", "https://pacer.acme-sales.com"])

    assert missing.exit_code == 2 and "manifest.yml is neither next to this installation" in missing.output
    assert found.exit_code == 0 and "https://pacer.acme-sales.com/slack/events" in found.output


def test_a_database_a_newer_pacer_upgraded_is_refused_by_an_older_one_saying_so(tmp_path, empty_database_url):
    assert pacer(tmp_path, "db", "upgrade", DATABASE_URL=empty_database_url).returncode == 0
    engine = Database(empty_database_url).engine
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '0099'"))
    engine.dispose()
    newer = (
        "pacer: the database schema (0099) is newer than this version of Pacer knows "
        f"(its newest is {head_revision()}): a newer Pacer has upgraded it."
    )

    for args in (("run",), ("db", "upgrade"), ("outbox", "status")):
        result = pacer(
            tmp_path, *args, SLACK_BOT_TOKEN="xoxb-1", SLACK_SIGNING_SECRET="s", DATABASE_URL=empty_database_url
        )
        assert result.returncode == 2 and result.stderr.splitlines()[0] == newer, (args, result.stderr)
        assert "Traceback" not in result.stderr
    status = pacer(tmp_path, "db", "status", DATABASE_URL=empty_database_url)
    assert status.returncode == 1
    assert status.stdout.splitlines()[0] == "current: 0099 (newer than this version of Pacer: a newer one upgraded it)"
