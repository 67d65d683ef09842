"""Every way a `pacer` command fails that an admin will meet: one message naming the problem and the fix,
a documented exit code (2 refused, 1 ran and found something, 130 Ctrl-C), never a traceback.

Most cases run in-process through `bot.cli_errors.run` — what the installed `pacer` runs, safety net
included; the ones about Slack, the HTTP port, signals and the log run `pacer` as a real process."""

from __future__ import annotations

import logging
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import typer
from typer.main import get_command

from bot.cli import cli
from bot.cli_errors import run
from bot.settings import Settings, default_web_concurrency
from bot.store.engine import Database
from tests.cli.test_cli import PACER, clean_env, pacer
from tests.fakes.slack_api import FakeSlack

CREDENTIALS = ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "SLACK_API_URL")


@dataclass(frozen=True)
class Said:
    code: int
    lines: list[str]  # standard error, blank lines left out
    out: str

    @property
    def first(self) -> str:
        return self.lines[0] if self.lines else ""


@pytest.fixture
def say(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
    """`pacer …` in-process from an empty folder, with no credentials and a SQLite DATABASE_URL there."""
    monkeypatch.chdir(tmp_path)
    for name in (*CREDENTIALS, "PACER_CONFIG", "LOG_LEVEL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'pacer.db'}")

    def invoke(*args: str | Path, **env: str) -> Said:
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        code = run(cli, [str(arg) for arg in args])
        captured = capsys.readouterr()
        said = Said(code, [line for line in captured.err.splitlines() if line.strip()], captured.out)
        assert "Traceback" not in captured.err + captured.out, captured.err
        return said

    return invoke


# --- pacer.yml -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "problem"),
    [
        ("nowhere.yml", None, "nowhere.yml: cannot be read (No such file or directory); set PACER_CONFIG"),
        ("folder", "a folder", "folder: cannot be read (Is a directory); set PACER_CONFIG"),
        ("broken.yml", b"teams: [\n  - name: East\n", "broken.yml: line 2, column 3: not valid YAML"),
        ("latin.yml", "currency: EUR\n# café\n".encode("latin-1"), "latin.yml: line 2: not UTF-8 text (byte 19)"),
        ("list.yml", b"- currency: EUR\n", "list.yml: the top level must be a mapping of keys"),
    ],
)
def test_a_pacer_yml_that_is_missing_a_folder_not_yaml_or_not_utf8_is_named_with_the_fix(
    say, tmp_path, name, content, problem
):
    path = tmp_path / name
    if content == "a folder":
        path.mkdir()
    elif content is not None:
        path.write_bytes(content)

    said = say("config", "check", PACER_CONFIG=str(path))

    assert said.code == 2 and said.first == "pacer: configuration error"
    assert said.lines[1].startswith(str(tmp_path)) and problem in said.lines[1]


# --- the environment ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "value", "problem"),
    [
        (
            "LOG_LEVEL",
            "verbose",
            "LOG_LEVEL: LOG_LEVEL 'verbose' is not a level: use DEBUG, INFO (the default), WARNING",
        ),
        (
            "SLACK_API_URL",
            "slack.com/api",
            "SLACK_API_URL: SLACK_API_URL must be an http(s) URL, e.g. https://slack.com/api/",
        ),
        ("PORT", "http", "PORT: Input should be a valid integer"),
    ],
)
def test_a_setting_the_environment_gets_wrong_is_named_with_what_it_takes(say, name, value, problem):
    said = say("db", "upgrade", **{name: value})
    assert said.code == 2 and said.first == "pacer: the environment has invalid settings:", said.lines
    assert len(said.lines) == 2 and said.lines[1].startswith(f"  {problem}"), said.lines


# --- the database --------------------------------------------------------------------------------


def test_a_database_url_that_names_another_kind_of_database_is_refused_before_any_driver_is_needed(say):
    said = say("db", "upgrade", DATABASE_URL="mysql://pacer@db-host/pacer")
    assert said.code == 2
    assert said.first == "pacer: DATABASE_URL names a mysql database; Pacer keeps its data in SQLite or PostgreSQL."
    assert said.lines[1].startswith("Set DATABASE_URL like sqlite:///pacer.db")


def test_a_sqlite_file_in_a_folder_that_does_not_exist_names_the_folder_to_create(say, tmp_path):
    said = say("db", "upgrade", DATABASE_URL=f"sqlite:///{tmp_path / 'data' / 'pacer.db'}")
    assert said.code == 2 and len(said.lines) == 1
    assert said.first.startswith(f"pacer: can't open the database {tmp_path / 'data' / 'pacer.db'} (unable to open")
    assert f"the folder {tmp_path / 'data'} does not exist; create it (mkdir -p {tmp_path / 'data'})" in said.first
    assert not (tmp_path / "data").exists()


def test_a_sqlite_url_naming_a_folder_says_to_name_a_file_in_it(say, tmp_path):
    (tmp_path / "data").mkdir()
    said = say("db", "status", DATABASE_URL=f"sqlite:///{tmp_path / 'data'}")
    assert said.code == 2
    assert said.first.endswith(
        f"{tmp_path / 'data'} is a folder; name a file in it, like sqlite:///{tmp_path}/data/pacer.db"
    )


def test_db_upgrade_on_a_database_that_cannot_be_written_says_so_and_where(say, tmp_path):
    Database(f"sqlite:///{tmp_path / 'pacer.db'}").dispose()
    (tmp_path / "pacer.db").touch()
    read_only = f"sqlite:///file:{tmp_path / 'pacer.db'}?mode=ro&uri=true"  # as a file this user may not write

    said = say("db", "upgrade", DATABASE_URL=read_only)

    assert said.code == 2 and len(said.lines) == 1
    assert said.first.startswith(f"pacer: the database {tmp_path / 'pacer.db'} can't be written (attempt to write a")
    assert f"let the user running Pacer write to the file and its folder {tmp_path}" in said.first


def test_a_file_that_is_not_a_database_is_named(say, tmp_path):
    (tmp_path / "notes.db").write_text("meeting notes, not a database\n" * 40)
    said = say("db", "status", DATABASE_URL=f"sqlite:///{tmp_path / 'notes.db'}")
    assert said.code == 2
    assert said.first.startswith(
        f"pacer: {tmp_path / 'notes.db'} is not a SQLite database file (file is not a database)"
    )


# --- the command line itself ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "first", "usage"),
    [
        (["frobnicate"], "pacer: No such command 'frobnicate'.", "Usage: pacer [OPTIONS] COMMAND [ARGS]..."),
        (["import", "deals", "deals.csv"], "pacer: Missing option '--team-id'.", "Usage: pacer import [OPTIONS]"),
        (["import", "sales", "x.csv", "--team-id", "T1"], "pacer: Invalid value for 'kind': 'sales' is not one of", ""),
        (
            ["export", "evaluations", "--period", "last-month", "--format", "xlsx"],
            "pacer: Invalid value for '--format'",
            "",
        ),
        (["report", "fairness", "--format", "pdf"], "pacer: Invalid value for '--format': 'pdf' is not one of", ""),
        (["run", "--port", "0"], "pacer: Invalid value for '--port'", "Usage: pacer run [OPTIONS]"),
        (["run", "--workers", "0"], "pacer: Invalid value for '--workers'", "Usage: pacer run [OPTIONS]"),
        (["db", "upgrade", "--force"], "pacer: No such option: --force", "Usage: pacer db upgrade [OPTIONS]"),
    ],
)
def test_a_wrong_command_option_or_value_is_one_line_then_the_usage_and_where_the_help_is(say, args, first, usage):
    said = say(*args)
    assert said.code == 2 and said.first.startswith(first) and "Value error" not in said.first
    assert said.lines[1].startswith(usage or "Usage: pacer ")
    assert said.lines[2] == f"See `{said.lines[1].split(' [')[0].removeprefix('Usage: ')} --help` for what it takes."


# --- files: import, export, console --------------------------------------------------------------


def test_import_of_a_file_that_is_not_there_or_a_folder_says_so_before_opening_the_database(say, tmp_path):
    (tmp_path / "exports").mkdir()
    missing = say("import", "deals", "deals.csv", "--team-id", "T1")
    folder = say("import", "deals", "exports", "--team-id", "T1")

    assert missing.code == 2 and missing.lines == [
        f"pacer: deals.csv: there is no such file (looked in {tmp_path}); give the CSV file's path"
    ]
    assert folder.code == 2 and folder.lines == ["pacer: exports is a folder; give the path of the CSV file in it"]
    assert not (tmp_path / "pacer.db").exists()


@pytest.mark.parametrize(
    ("content", "first"),
    [
        ("owner,customer,amount,signed_on\nU0123REP,Café,100,2026-11-02\n".encode("latin-1"), "deals.csv: not UTF-8"),
        (b"", "deals.csv: the file is empty; the first line must name the columns: owner, customer, amount"),
        (b"name,client,value\nx,y,1\n", "deals.csv:1: unknown column(s) 'name', 'client', 'value'; deals files have"),
    ],
)
def test_an_import_file_that_is_not_utf8_empty_or_of_other_columns_stores_nothing_and_exits_1(
    say, tmp_path, database_url, content, first
):
    (tmp_path / "deals.csv").write_bytes(content)
    said = say("import", "deals", "deals.csv", "--team-id", "T1", DATABASE_URL=database_url)
    assert said.code == 1 and said.first.startswith(first)


def test_export_to_a_folder_or_nowhere_is_one_line_and_exit_1(say, tmp_path, database_url):
    (tmp_path / "hr").mkdir()
    folder = say("export", "evaluations", "--period", "last-month", "--output", "hr", DATABASE_URL=database_url)
    nowhere = say("export", "evaluations", "--period", "last-month", "--output", "x/y.csv", DATABASE_URL=database_url)
    assert folder.code == 1 and folder.lines == ["pacer: can't write hr: Is a directory"]
    assert nowhere.code == 1 and nowhere.lines == ["pacer: can't write x/y.csv: No such file or directory"]


def test_the_console_names_a_script_or_database_it_cannot_use(say, tmp_path):
    script = say("console", "--script", "walkthrough.txt")
    (tmp_path / "walkthrough.txt").write_text("/deal 5k Acme\n")
    not_a_url = say("console", "--database", "demo", "--script", "walkthrough.txt")
    nowhere = f"sqlite:///{tmp_path / 'no' / 'demo.db'}"
    unreachable = say("console", "--database", nowhere, "--script", "walkthrough.txt")

    assert script.code == 2 and script.lines == [
        f"pacer: --script walkthrough.txt: there is no such file (looked in {tmp_path})"
    ]
    assert not_a_url.code == 2
    assert not_a_url.first == "pacer: --database 'demo' is not a database address Pacer can use (ArgumentError)."
    assert unreachable.code == 2 and unreachable.first.startswith(f"pacer: can't open the database {tmp_path / 'no'}")


# --- the safety net ------------------------------------------------------------------------------

crashing = typer.Typer()


@crashing.command()
def explode(interrupt: bool = False) -> None:
    if interrupt:
        raise KeyboardInterrupt
    raise RuntimeError("the disk went away\nsecond line")


@crashing.command()
def other() -> None:  # two commands make `explode` a subcommand, as in pacer
    """Nothing."""


def test_an_error_no_check_foresaw_is_one_line_naming_it_and_where_the_details_are(capsys, caplog):
    with caplog.at_level(logging.DEBUG, logger="bot.cli"):
        code = run(crashing, ["explode"])
    err = capsys.readouterr().err

    assert code == 2 and err.splitlines() == [
        "pacer: stopped by an unexpected error (RuntimeError: the disk went away second line); run the same command "
        "again with LOG_LEVEL=DEBUG to see the details in the log"
    ]
    [record] = [r for r in caplog.records if r.name == "bot.cli"]
    assert record.levelno == logging.DEBUG and record.exc_info is not None and record.exc_info[0] is RuntimeError


def test_ctrl_c_in_a_command_is_one_line_and_exit_code_130(capsys):
    code = run(crashing, ["explode", "--interrupt"])
    assert code == 130 and capsys.readouterr().err.strip() == "pacer: interrupted (Ctrl-C)"


def test_with_log_level_debug_the_traceback_goes_to_the_log_and_the_message_stays_last(tmp_path):
    (tmp_path / "notes.db").write_text("meeting notes, not a database\n" * 40)
    quiet = pacer(tmp_path, "db", "status", DATABASE_URL=f"sqlite:///{tmp_path / 'notes.db'}")
    debug = pacer(tmp_path, "db", "status", DATABASE_URL=f"sqlite:///{tmp_path / 'notes.db'}", LOG_LEVEL="DEBUG")

    assert quiet.returncode == debug.returncode == 2
    assert "Traceback" not in quiet.stderr and len(quiet.stderr.splitlines()) == 1
    assert "DEBUG bot.cli: database unusable" in debug.stderr and "Traceback (most recent call last)" in debug.stderr
    assert debug.stderr.splitlines()[-1] == quiet.stderr.splitlines()[0]


# --- Slack, the port, signals: `pacer` as a process ----------------------------------------------


def said_by(result: subprocess.CompletedProcess[str]) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.strip()]


def test_the_scheduler_without_a_bot_token_names_it_and_where_to_get_it(tmp_path):
    result = pacer(tmp_path, "scheduler")
    assert result.returncode == 2
    assert said_by(result)[0] == "pacer: cannot start the scheduler: missing SLACK_BOT_TOKEN."
    assert "OAuth & Permissions → Bot User OAuth Token (xoxb-…)" in result.stderr


def test_the_scheduler_checks_the_bot_token_with_slack_before_it_starts(tmp_path, database_url):
    with FakeSlack() as slack:
        refused = pacer(
            tmp_path, "scheduler", SLACK_BOT_TOKEN="xoxb-wrong", SLACK_API_URL=slack.url, DATABASE_URL=database_url
        )
        assert [call.method for call in slack.calls()] == ["auth.test"]
    away = pacer(
        tmp_path,
        "scheduler",
        SLACK_BOT_TOKEN="xoxb-1",
        SLACK_API_URL="http://127.0.0.1:1/api/",
        DATABASE_URL=database_url,
    )

    assert refused.returncode == 2 and said_by(refused)[0] == (
        "pacer: cannot start: Slack does not accept SLACK_BOT_TOKEN (invalid_auth): copy the Bot User OAuth Token "
        "(xoxb-…) again from OAuth & Permissions."
    )
    assert away.returncode == 2 and said_by(away) == [
        "pacer: cannot start: Slack can't be reached at http://127.0.0.1:1/api/ ([Errno 111] Connection refused). "
        "Check this machine's network and proxy settings (HTTPS_PROXY), or SLACK_API_URL if you set it."
    ]


@pytest.mark.parametrize(
    ("app_token", "first"),
    [
        (
            "A0123-my-app",
            "pacer: cannot start: SLACK_APP_TOKEN does not start with xapp-, so it is not an app-level token",
        ),
        ("xoxb-test-token", "pacer: cannot start: SLACK_APP_TOKEN holds the bot token (xoxb-…); Socket Mode needs the"),
        ("xapp-1-A1-revoked", "pacer: cannot start: Slack does not accept SLACK_APP_TOKEN (invalid_auth): copy the"),
    ],
)
def test_a_socket_mode_token_of_the_wrong_kind_or_refused_by_slack_is_one_message_before_anything_runs(
    tmp_path, database_url, app_token, first
):
    with FakeSlack() as slack:
        result = pacer(
            tmp_path,
            "run",
            SLACK_BOT_TOKEN=slack.token,
            SLACK_APP_TOKEN=app_token,
            SLACK_API_URL=slack.url,
            DATABASE_URL=database_url,
        )
        asked = [(call.method, call.outcome) for call in slack.calls()]

    said = said_by(result)
    if app_token.startswith("xapp-"):  # the bot token was accepted first, and said so
        assert said[0].startswith("pacer: connected to the Slack workspace ")
        said = said[1:]
    assert result.returncode == 2 and said == [said[0]] and said[0].startswith(first)
    if app_token.startswith("xapp-"):  # Slack was asked once, and nothing else happened
        assert [outcome for method, outcome in asked if method != "auth.test"] == ["invalid_auth"], asked
        assert [method for method, _ in asked if method != "auth.test"] == ["apps.connections.open"]
    else:  # a token of the wrong form is refused without asking Slack
        assert asked == []


def test_run_on_a_port_already_in_use_says_so_before_migrating_or_asking_slack(tmp_path):
    with FakeSlack() as slack, socket.socket() as busy:
        busy.bind(("0.0.0.0", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = pacer(
            tmp_path,
            "run",
            "--port",
            str(port),
            SLACK_BOT_TOKEN=slack.token,
            SLACK_SIGNING_SECRET="s",
            SLACK_API_URL=slack.url,
        )
        assert slack.calls() == []

    assert result.returncode == 2 and said_by(result) == [
        f"pacer: cannot start: port {port} is already in use on 0.0.0.0 (another Pacer, or another program, listens "
        f"there). Stop that program, or choose another with `pacer run --port 3001` (or PORT=3001)."
    ]
    assert not (tmp_path / "pacer.db").exists()


def test_ctrl_c_stops_a_running_pacer_with_one_line_and_exit_code_130(tmp_path, database_url):
    with FakeSlack() as slack:
        env = clean_env(
            tmp_path,
            SLACK_BOT_TOKEN=slack.token,
            SLACK_APP_TOKEN=slack.app_token,
            SLACK_API_URL=slack.url,
            DATABASE_URL=database_url,
            PACER_SCHEDULER="off",
        )
        process = subprocess.Popen([*PACER, "run"], cwd=tmp_path, env=env, stderr=subprocess.PIPE, text=True)
        try:
            slack.wait_for("apps.connections.open", timeout=30)
            time.sleep(0.5)
            process.send_signal(signal.SIGINT)
            _, err = process.communicate(timeout=30)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()

    assert process.returncode == 130 and "Traceback" not in err
    assert err.splitlines()[-1] == "pacer: interrupted (Ctrl-C)"


# --- help ----------------------------------------------------------------------------------------


def every_command(group=None, path=()) -> list[tuple[str, ...]]:
    group = group or get_command(cli)
    found = [path]
    for name, command in getattr(group, "commands", {}).items():
        found += every_command(command, (*path, name)) if hasattr(command, "commands") else [(*path, name)]
    return found


@pytest.mark.parametrize("path", every_command(), ids=lambda path: " ".join(("pacer", *path)))
def test_every_help_shows_flags_as_flags_without_a_bool_type(say, path):
    said = say(*path, "--help")
    assert said.code == 0 and said.out.startswith(f"Usage: {' '.join(('pacer', *path))} ")
    assert "<bool>" not in said.out and "--help  " in said.out


def test_pacer_run_help_shows_the_defaults_that_apply(say, monkeypatch):
    for name in ("PORT", "HOST", "WEB_CONCURRENCY", "WEB_THREADS", "PACER_SCHEDULER"):
        monkeypatch.delenv(name, raising=False)
    defaults = Settings()
    text = " ".join(say("run", "--help").out.split())

    assert f"(default: PORT, else {defaults.port})" in text
    assert f"(default: WEB_CONCURRENCY, else CPUs + 1 = {defaults.web_concurrency} on this machine)" in text
    assert defaults.web_concurrency == default_web_concurrency()
    assert f"listens on HOST (default {defaults.host})" in text
    assert f"WEB_THREADS request threads (default {defaults.web_threads})" in text
    assert defaults.pacer_scheduler is True and "(default: PACER_SCHEDULER, else on)" in text
