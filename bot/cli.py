"""`pacer` — run the bot and its scheduler, run jobs, migrate the database, check the configuration."""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from pydantic import ValidationError

from bot.cli_errors import CONNECT_HELP, DATABASE_FORMS
from bot.config import ConfigError, PacerConfig, load_config
from bot.logs import configure
from bot.settings import Settings, default_web_concurrency

if TYPE_CHECKING:  # the commands import what they use when they run: `pacer --help` stays quick
    from bot.store.engine import Database
    from scoring.errors import InputError
    from scoring.periods import Period

# Plain help text: Typer's boxed (Rich) help labels every flag `<bool>` since 0.29, and the plain one
# wraps each paragraph to the terminal. A crash never reaches Typer's traceback printer (bot.cli_errors.run).
cli = typer.Typer(
    help="Pacer: sales performance management inside Slack.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)
db_cli = typer.Typer(help="Database schema migrations.", no_args_is_help=True)
config_cli = typer.Typer(help="pacer.yml (PACER_CONFIG): check it and see what it sets.", no_args_is_help=True)
jobs_cli = typer.Typer(help="Scheduled jobs: list them, or run one now.", no_args_is_help=True)
cli.add_typer(db_cli, name="db")
cli.add_typer(config_cli, name="config")
outbox_cli = typer.Typer(help="Messages owed to Slack: counts, and the ones that need a human.", no_args_is_help=True)
export_cli = typer.Typer(help="Records out of Pacer, for HR and other systems.", no_args_is_help=True)
cli.add_typer(jobs_cli, name="jobs")
cli.add_typer(outbox_cli, name="outbox")
cli.add_typer(export_cli, name="export")
report_cli = typer.Typer(help="Reports for admins, read from the database.", no_args_is_help=True)
cli.add_typer(report_cli, name="report")
workspace_cli = typer.Typer(
    help="The Slack workspaces in the database: list them (their ids), or erase one's data.", no_args_is_help=True
)
cli.add_typer(workspace_cli, name="workspace")


def _version(asked: bool) -> None:
    if asked:
        from importlib.metadata import PackageNotFoundError, version

        try:
            typer.echo(f"pacer {version('pacer')}")
        except PackageNotFoundError:  # run from a checkout that was never installed
            typer.echo("pacer (not installed: run `make run` or `pip install -e .`)")
        raise typer.Exit()


@cli.callback()
def _options(
    show_version: Annotated[  # noqa: ARG001 — handled by its callback, eagerly
        bool, typer.Option("--version", help="Print Pacer's version and exit.", callback=_version, is_eager=True)
    ] = False,
) -> None:
    """Pacer: sales performance management inside Slack."""
    try:
        level = Settings().log_level
    except ValidationError:
        return  # the command itself says what is wrong with the environment
    if level.strip().upper() == "DEBUG":  # every command logs, tracebacks included; others log where they serve
        configure("DEBUG")


def fail(message: str) -> typer.Exit:
    typer.echo(message, err=True)
    return typer.Exit(code=2)


def open_database(settings: Settings, *, up_to_date: bool = True, newer_ok: bool = False) -> Database:
    """The database of DATABASE_URL, reachable (and, with `up_to_date`, migrated to this code's schema);
    otherwise one clear message and exit 2 — never a traceback (it goes to the log at DEBUG). A schema
    newer than this code knows (a newer Pacer upgraded it) is refused too, unless `newer_ok`."""
    return open_database_url(settings.database_url, up_to_date=up_to_date, newer_ok=newer_ok)


def open_database_url(
    url: str, *, up_to_date: bool = True, newer_ok: bool = False, name: str = "DATABASE_URL"
) -> Database:
    """`open_database` for a URL given some other way (`pacer console --database`)."""
    import logging

    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError

    from bot.cli_errors import database_problem
    from bot.store.engine import Database
    from bot.store.migrate import all_revisions, current_revision, head_revision

    log = logging.getLogger("bot.cli")  # also when run as `python -m bot.cli`
    try:
        parsed = make_url(url)
        shown = parsed.render_as_string(hide_password=True)
    except (ArgumentError, ValueError) as exc:
        log.debug("%s refused", name, exc_info=True)
        raise fail(
            f"pacer: {name} {url.split('@')[-1]!r} is not a database address Pacer can use "
            f"({type(exc).__name__}).\nSet {name} like {DATABASE_FORMS}."
        ) from None
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise fail(
            f"pacer: {name} names a {parsed.get_backend_name()} database; Pacer keeps its data in SQLite or "
            f"PostgreSQL.\nSet {name} like {DATABASE_FORMS}."
        )
    try:
        db = Database(url)
    except (ArgumentError, NoSuchModuleError, ImportError, ValueError) as exc:
        log.debug("%s refused", name, exc_info=True)
        raise fail(
            f"pacer: {name} {url.split('@')[-1]!r} is not a database address Pacer can use "
            f"({type(exc).__name__}).\nSet {name} like {DATABASE_FORMS}."
        ) from None
    try:
        current = current_revision(db.engine)
    except DBAPIError as exc:
        db.dispose()
        log.debug("database unusable", exc_info=True)
        raise fail(database_problem(url, shown, exc)) from None
    if current is not None and not newer_ok and current not in all_revisions():
        db.dispose()
        raise fail(
            f"pacer: the database schema ({current}) is newer than this version of Pacer knows (its newest is "
            f"{head_revision()}): a newer Pacer has upgraded it.\nInstall that version here too, or go back to "
            'the backup taken before the upgrade (docs/operations.md, "Upgrading").'
        )
    if up_to_date and current != head_revision():
        db.dispose()
        state = "empty" if current is None else f"at {current}, this code needs {head_revision()}"
        raise fail(f"pacer: the database schema is not up to date ({state}); run `pacer db upgrade` first")
    return db


def load_settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        problems = "\n".join(
            f"  {'.'.join(map(str, e['loc'])).upper()}: {e['msg'].removeprefix('Value error, ')}" for e in exc.errors()
        )
        raise fail(f"pacer: the environment has invalid settings:\n{problems}") from None


def load_pacer_config(settings: Settings) -> PacerConfig:
    try:
        return load_config(settings.config_path())
    except ConfigError as exc:
        raise fail(f"pacer: configuration error\n{exc}") from None


@cli.command()
def run(
    port: Annotated[
        int | None, typer.Option(help="HTTP port (default: PORT, else 3000); HTTP mode only", min=1, max=65535)
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(
            help=f"gunicorn worker processes (default: WEB_CONCURRENCY, else CPUs + 1 = {default_web_concurrency()} "
            "on this machine); HTTP mode only",
            min=1,
            max=64,
        ),
    ] = None,
    scheduler: Annotated[
        bool | None,
        typer.Option(
            "--scheduler/--no-scheduler",
            help="run the scheduler in this deployment (default: PACER_SCHEDULER, else on); "
            "turn it off for every web process but one, or run `pacer scheduler` separately",
        ),
    ] = None,
) -> None:
    """Start the bot: Socket Mode when SLACK_APP_TOKEN is set, otherwise HTTP on /slack/events.

    First it applies pending database migrations and checks the bot token with Slack. HTTP mode
    listens on HOST (default 0.0.0.0) and the port, with WEB_THREADS request threads (default 1)
    in each worker process. The scheduler runs too, once per deployment whatever the number of
    workers, unless --no-scheduler or PACER_SCHEDULER=off.
    """
    from bot import cli_errors

    settings = load_settings()
    if port is not None:
        settings.port = port
    if workers is not None:
        settings.web_concurrency = workers
    if scheduler is not None:
        settings.pacer_scheduler = scheduler
    missing = settings.missing_for_run()
    if missing:
        raise fail(f"pacer: cannot start: missing {', '.join(missing)}.\n\n{CONNECT_HELP}")
    if settings.slack_app_token is not None:
        problem = cli_errors.app_token_form_problem(settings.slack_app_token.get_secret_value())
        if problem is not None:
            raise fail(problem)
    config = load_pacer_config(settings)
    if not settings.socket_mode:  # before anything is done; gunicorn itself would retry for 5 s, then fail
        problem = cli_errors.port_problem(settings.host, settings.port)
        if problem is not None:
            raise fail(problem)
    configure(settings.log_level)
    _migrate(settings)
    _say_connected(settings, _check_slack(settings))
    from bot.scheduler import AnotherSchedulerRuns
    from bot.server import serve_http, serve_socket_mode

    try:
        if settings.socket_mode:
            serve_socket_mode(settings, config)
        else:
            serve_http(settings, config)
    except AnotherSchedulerRuns as exc:
        raise fail(str(exc)) from None
    except Exception as exc:
        problem = cli_errors.socket_mode_problem(settings, exc) if settings.socket_mode else None
        if problem is None:
            raise
        raise fail(problem) from None


@dataclass(frozen=True)
class SlackIdentity:
    """Who the bot token is, as `auth.test` answers: the workspace and the bot user."""

    team_id: str
    team: str
    bot_user: str


def _check_slack(settings: Settings) -> SlackIdentity:
    """Before serving: Slack accepts the bot token and can be reached — else one message and exit 2."""
    from bot.cli_errors import slack_problem

    answer, problem = slack_problem(settings)
    if problem is not None or answer is None:
        raise fail(problem or "pacer: cannot start: Slack gave no answer to auth.test")
    return SlackIdentity(
        team_id=str(answer.get("team_id") or ""),
        team=str(answer.get("team") or ""),
        bot_user=str(answer.get("user") or ""),
    )


def _say_connected(settings: Settings, identity: SlackIdentity, *, say: bool = True) -> None:
    """Name the Slack workspace the token belongs to (its id is what `--team-id` and `pacer workspace`
    take) and record its name for `pacer workspace list`."""
    from bot.clock import system_clock
    from bot.services.workspace_data import remember_slack_workspace

    if not identity.team_id:
        return
    if identity.team:
        db = open_database(settings)
        try:
            remember_slack_workspace(db, team_id=identity.team_id, name=identity.team, now=system_clock())
        finally:
            db.dispose()
    if say:
        typer.echo(
            f"pacer: connected to the Slack workspace {identity.team or 'without a name'} ({identity.team_id}) "
            f"as @{identity.bot_user or 'the bot'}",
            err=True,
        )


NO_CREDENTIALS = (
    "pacer: no Slack credentials found (SLACK_BOT_TOKEN), so this is the local console: the real app against "
    'a Slack stand-in, on a demo database. To connect to Slack, see README.md, section "Connect to Slack", '
    "or docs/deploy.md for a server."
)


def start_decision(settings: Settings) -> str:
    """What `pacer start` (and `make run`) does: "bot" with Slack credentials, else "console".

    Only a deployment with no Slack credentials at all becomes the console; one with a token but
    another variable missing still goes to `pacer run`, which refuses and names what is missing.
    """
    has_any = any(
        value is not None
        for value in (settings.slack_bot_token, settings.slack_signing_secret, settings.slack_app_token)
    )
    return "bot" if has_any else "console"


@cli.command()
def start() -> None:
    """`make run`: the bot when Slack credentials are set, otherwise the local console (`pacer console`)."""
    settings = load_settings()
    if start_decision(settings) == "bot":
        run(port=None, workers=None, scheduler=None)
        return
    typer.echo(NO_CREDENTIALS)
    console(script=None, database=None, config=None, start_at=None, fresh=False)


def demo_database_url(settings: Settings) -> str:
    """The console's own SQLite file, `pacer-demo.db`, next to the bot's SQLite file (never that file)."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        url = make_url(settings.database_url)
    except ArgumentError:  # the bot's DATABASE_URL is wrong; `pacer run` says so, the console needs none of it
        return "sqlite:///pacer-demo.db"
    folder = Path(url.database).parent if url.get_backend_name() == "sqlite" and url.database else Path()
    if str(url.database or "") in ("", ":memory:"):
        folder = Path()
    return f"sqlite:///{folder / 'pacer-demo.db'}"


@cli.command("console")
def console(
    script: Annotated[
        Path | None, typer.Option("--script", help="run these console lines and print the transcript", dir_okay=False)
    ] = None,
    database: Annotated[
        str | None, typer.Option("--database", help="database URL (default: pacer-demo.db next to pacer.db)")
    ] = None,
    config: Annotated[
        Path | None,
        typer.Option("--config", help="a pacer.yml to take people, teams and profiles from (default: the demo)"),
    ] = None,
    start_at: Annotated[
        str | None, typer.Option("--start", help="the console clock's first time, ISO 8601 with a zone (default: now)")
    ] = None,
    fresh: Annotated[bool, typer.Option("--fresh", help="start from an empty demo database")] = False,
) -> None:
    """A local console: try Pacer without a Slack workspace.

    The real app (same handlers, database code and jobs) answers signed requests from your slash
    commands; an embedded Slack stand-in shows its messages, modals and Home tab as text.
    """
    import logging
    import tempfile

    from bot.console import demo
    from bot.console.repl import echo_to_stdout, interactive, run_script, script_asker, terminal_asker
    from bot.console.seed import seed
    from bot.console.session import Console

    settings = load_settings()
    url = database or demo_database_url(settings)
    if database is not None and database == settings.database_url:
        raise fail(
            "pacer: the console keeps to its own database, not the bot's DATABASE_URL; "
            "for example: pacer console --database sqlite:///pacer-demo.db"
        )
    if script is not None and not script.is_file():
        raise fail(f"pacer: --script {script}: there is no such file (looked in {Path.cwd()})")
    if config is not None:
        if not config.is_file():
            raise fail(f"pacer: --config {config}: there is no such file (looked in {Path.cwd()})")
        try:
            pacer_config = load_config(config)
        except ConfigError as exc:
            raise fail(f"pacer: configuration error\n{exc}") from None
        people = demo.people_of(pacer_config)
        if not people:
            raise fail(f"pacer: {config} names no one (teams, admins, reviewers); the console needs someone to be")
    else:
        pacer_config, people = demo.demo_config(), demo.DEMO_PEOPLE
    now = datetime.now(UTC)
    if start_at is not None:
        try:
            now = datetime.fromisoformat(start_at.strip())
        except ValueError:
            raise fail(
                f"pacer: --start {start_at!r} is not an ISO 8601 time; e.g. --start 2026-11-24T09:00-05:00"
            ) from None
        if now.tzinfo is None:
            raise fail(f"pacer: --start {start_at!r} has no time zone; e.g. --start 2026-11-24T09:00-05:00")
    temporary = None
    if fresh:
        if database is None:
            temporary = tempfile.TemporaryDirectory(prefix="pacer-console-")
            url = f"sqlite:///{Path(temporary.name) / 'pacer-demo.db'}"
        else:
            raise fail("pacer: --fresh starts an empty demo database of its own; leave out --database to use it")
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    named = "--database" if database is not None else "the demo database"
    open_database_url(url, up_to_date=False, name=named).dispose()
    lines = iter(script.read_text(encoding="utf-8").splitlines()) if script is not None else None
    ask = script_asker(lines, echo_to_stdout) if lines is not None else terminal_asker
    session = Console(config=pacer_config, people=people, database_url=url, start=now, echo=echo_to_stdout, ask=ask)
    try:
        if lines is not None:
            run_script(session, lines, seed=seed)
        else:
            interactive(session, seed=seed, history=Path.home() / ".pacer_console_history")
    finally:
        session.close()
        if temporary is not None:
            temporary.cleanup()


@cli.command("scheduler")
def scheduler_only(
    exit_with_parent: Annotated[bool, typer.Option("--exit-with-parent", hidden=True)] = False,
) -> None:
    """Run only the scheduler, with an outbox sender for the messages it queues.

    For deployments whose web processes run `pacer run --no-scheduler` (or PACER_SCHEDULER=off).
    On PostgreSQL a second one waits as a hot standby; on SQLite a second one refuses to start.
    """
    settings = load_settings()
    if settings.slack_bot_token is None:
        raise fail(f"pacer: cannot start the scheduler: missing SLACK_BOT_TOKEN.\n\n{CONNECT_HELP}")
    config = load_pacer_config(settings)
    configure(settings.log_level)
    _migrate(settings)
    _say_connected(settings, _check_slack(settings), say=not exit_with_parent)  # a child of `pacer run`: said once
    from bot.scheduler import AnotherSchedulerRuns
    from bot.server import serve_scheduler

    try:
        serve_scheduler(settings, config, exit_with_parent=exit_with_parent)
    except AnotherSchedulerRuns as exc:
        raise fail(str(exc)) from None


@jobs_cli.command("list")
def jobs_list() -> None:
    """Every job: its name, when the scheduler runs it, and what it does."""
    from bot.jobs import JOBS

    width = max(len(name) for name in JOBS)
    for job in JOBS.values():
        typer.echo(f"{job.name:<{width}}  {'every minute' if job.every_minute else 'on demand   '}  {job.help}")


def _at_example(job: str) -> str:
    return f"pacer jobs run {job} --at 2026-11-24T09:00:00Z (or with an offset: --at 2026-11-24T09:00:00+08:00)"


def _parse_at(value: str | None, *, job: str) -> datetime:
    if value is None:
        return datetime.now(UTC)
    try:
        at = datetime.fromisoformat(value.strip())
    except ValueError:
        raise fail(f"pacer: --at {value!r} is not an ISO 8601 time; for example: {_at_example(job)}") from None
    if at.tzinfo is None:
        raise fail(
            f"pacer: --at {value!r} has no time zone, so the instant is ambiguous; for example: {_at_example(job)}"
        )
    return at.astimezone(UTC)


@jobs_cli.command("run")
def jobs_run(
    job: Annotated[str | None, typer.Argument(help="the job's name (see `pacer jobs list`)")] = None,
    at: Annotated[
        str | None,
        typer.Option("--at", help="the time the job sees, ISO 8601 with a zone (default: now), e.g. 2026-11-24T09:00Z"),
    ] = None,
) -> None:
    """Run one job once, now or as if at --at.

    The job decides everything from that time: what is due, when a retry may go, when a claim expires.
    """
    from slack_sdk import WebClient

    from bot.jobs import CALLS_SLACK, JOBS, JobContext

    chosen = JOBS.get(job or "")
    if job is None or chosen is None:
        names = "\n".join(f"  {name:<12} {entry.help}" for name, entry in JOBS.items())
        problem = "name the job to run" if job is None else f"no job named {job!r}"
        raise fail(f"pacer: {problem}. The jobs are:\n{names}\nFor example: pacer jobs run {next(iter(JOBS))}")
    now = _parse_at(at, job=job)
    settings = load_settings()
    if job in CALLS_SLACK and settings.slack_bot_token is None:
        raise fail(f"pacer: the {job} job calls Slack: set SLACK_BOT_TOKEN.\n\n{CONNECT_HELP}")
    config = load_pacer_config(settings)
    token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
    db = open_database(settings)
    try:
        configure(settings.log_level)
        context = JobContext(
            db=db, config=config, client=WebClient(token=token, base_url=settings.slack_api_url), now=now
        )
        result = chosen.run(context)
    finally:
        db.dispose()
    typer.echo(f"{result.summary()} (at {now.isoformat()})")


def _migrate(settings: Settings) -> list[str]:
    import logging

    from sqlalchemy.exc import DBAPIError

    from bot.cli_errors import database_problem
    from bot.store.migrate import upgrade

    db = open_database(settings, up_to_date=False)
    try:
        applied = upgrade(db.engine)
    except DBAPIError as exc:
        logging.getLogger("bot.cli").debug("migrations failed", exc_info=True)
        shown = db.engine.url.set(drivername=db.engine.url.get_backend_name()).render_as_string(hide_password=True)
        raise fail(database_problem(settings.database_url, shown, exc, upgrading=True)) from None
    finally:
        db.dispose()
    if applied:
        typer.echo(f"pacer: applied migrations {', '.join(applied)}", err=True)
    return applied


@db_cli.command("upgrade")
def db_upgrade() -> None:
    """Apply every pending migration to DATABASE_URL."""
    settings = load_settings()
    configure(settings.log_level)
    applied = _migrate(settings)
    typer.echo("database is up to date" if not applied else f"applied {len(applied)} migration(s)")


@db_cli.command("status")
def db_status() -> None:
    """Show the database's schema revision and the newest one this code knows."""
    from bot.store.migrate import all_revisions, current_revision, head_revision

    db = open_database(load_settings(), up_to_date=False, newer_ok=True)
    try:
        current, head = current_revision(db.engine), head_revision()
    finally:
        db.dispose()
    newer = (
        " (newer than this version of Pacer: a newer one upgraded it)"
        if current not in (None, *all_revisions())
        else ""
    )
    typer.echo(f"current: {current or 'empty database'}{newer}\nhead:    {head}")
    if current != head:
        raise typer.Exit(code=1)


@db_cli.command("backup")
def db_backup(
    file: Annotated[Path, typer.Argument(help="the copy to write: a new file, e.g. backups/pacer-2026-12-01.db")],
) -> None:
    """Copy the SQLite database to FILE while Pacer runs: consistent, WAL included, checked.

    On PostgreSQL use pg_dump instead (docs/operations.md). Restore: stop Pacer, put the copy in
    place of the database file, delete the old file's -wal and -shm files, start Pacer.
    """
    import sqlite3

    from sqlalchemy.engine import make_url

    from bot.store.backup import backup_sqlite
    from bot.store.migrate import current_revision

    settings = load_settings()
    if settings.database_url.startswith("postgresql"):
        raise fail(
            "pacer: DATABASE_URL is PostgreSQL: back it up with pg_dump, like\n"
            '  pg_dump --format=custom --file=pacer.dump "$DATABASE_URL"\n'
            "and restore with pg_restore (docs/operations.md)."
        )
    db = open_database(settings, up_to_date=False)
    try:
        revision = current_revision(db.engine)
    finally:
        db.dispose()
    source = Path(make_url(settings.database_url).database or "")
    if not source.is_file():
        raise fail(f"pacer: there is no database file {source} to back up; check DATABASE_URL")
    if file.exists():
        raise fail(f"pacer: {file} already exists; give the copy a new name (with the date, say), never the old one's")
    if not file.parent.is_dir():
        raise fail(f"pacer: the folder {file.parent} does not exist; create it first (mkdir -p {file.parent})")
    try:
        done = backup_sqlite(source, file)
    except sqlite3.Error as exc:
        typer.echo(f"pacer: the backup to {file} failed: {exc}", err=True)
        raise typer.Exit(code=1) from None
    typer.echo(
        f"{source} backed up to {file}: {done.size_bytes / 1_000_000:,.1f} MB, schema {revision or 'empty'}, "
        f"integrity {done.integrity}"
    )
    if done.integrity != "ok":
        raise typer.Exit(code=1)


MANIFEST_PLACEHOLDER = "https://pacer.example.com"


@cli.command("manifest")
def manifest(
    url: Annotated[str, typer.Option("--url", help="the public https:// address that reaches `pacer run`")],
) -> None:
    """Print manifest.yml with your public URL in every place Slack needs it (paste it into Slack)."""
    from pathlib import Path as _Path
    from urllib.parse import urlsplit

    parts = urlsplit(url.strip())
    if parts.scheme != "https" or not parts.netloc or parts.query or parts.fragment:
        raise fail(
            f"pacer: --url {url!r} is not an https:// address (Slack sends requests only over HTTPS); "
            "for example: pacer manifest --url https://pacer.acme-sales.com"
        )
    base = f"https://{parts.netloc}{parts.path.rstrip('/')}"
    # the checkout's manifest.yml (a `make run` install), else one in the current folder (a `pip install`
    # of a release, a container): the file ships with the repository, not inside the package
    places = [_Path(__file__).resolve().parent.parent / "manifest.yml", _Path.cwd() / "manifest.yml"]
    source = next((place for place in places if place.is_file()), None)
    if source is None:
        raise fail(
            f"pacer: manifest.yml is neither next to this installation ({places[0]}) nor in this folder; "
            "run the command in the repository's folder, where manifest.yml is"
        )
    text = source.read_text(encoding="utf-8")
    typer.echo(text.replace(MANIFEST_PLACEHOLDER, base), nl=False)


@config_cli.command("check")
def config_check() -> None:
    """Validate pacer.yml (PACER_CONFIG) and print what it sets."""
    settings = load_settings()
    config = load_pacer_config(settings)
    path = settings.config_path()
    typer.echo(
        f"{path or 'no pacer.yml (defaults)'}: OK — currency {config.currency}, deals count when "
        f"{config.recognition}, {len(config.product_lines)} product line(s), {len(config.teams)} team(s)"
    )
    for line in _config_summary(config, settings):
        typer.echo(f"  {line}")


def _config_summary(config: PacerConfig, settings: Settings) -> list[str]:
    """What pacer.yml sets, a line each, and where the other commands would keep their data."""
    from sqlalchemy.engine import make_url

    lines = [f"timezone {config.timezone} (for members whose Slack profile has none)"]
    lines += [f"product line {line.name}{' (premium)' if line.premium else ''}" for line in config.product_lines]
    if config.wins is not None:
        lines.append(f"wins channel {config.wins.channel}, deals of {config.wins.threshold} {config.currency} or more")
    for team in config.teams:
        members = ", ".join(team.members) or "no members yet"
        extra = f", profile {team.profile}" if team.profile else ""
        extra += f", reviewers {', '.join(team.reviewers)}" if team.reviewers else ""
        lines.append(f"team {team.name}: manager {team.manager}; members {members}{extra}")
    lines.append(f"admins {', '.join(config.admins) or 'none (nobody can change settings in Slack)'}")
    lines.append(f"appeal reviewers {', '.join(config.reviewers) or 'none (the admins decide appeals)'}")
    for name, profile in sorted(config.all_profiles.items()):
        default = " (default)" if name == config.default_profile else ""
        every = "monthly" if profile.cadence == "month" else "quarterly"
        metrics = ", ".join(line.metric for line in profile.scorecard.lines)
        lines.append(f"profile {name}{default}: {every}; {metrics}")
    calendar = config.calendar
    weekend = ", ".join(calendar.weekend)
    lines.append(f"calendar: weekend {weekend}; {len(calendar.holidays)} holiday(s)")
    lines.append(f"period close at {config.evaluations.close_at} {config.timezone}")
    database = make_url(settings.database_url).render_as_string(hide_password=True)
    lines.append(f"database (DATABASE_URL) for the other commands: {database}")
    return lines


@outbox_cli.command("status")
def outbox_status(
    limit: Annotated[int, typer.Option(help="how many unknown messages to list", min=1, max=1000)] = 20,
) -> None:
    """Messages per status, why the failed ones failed (Slack's error, the most frequent first), and the
    oldest that ended `unknown` (Slack may or may not have posted them).

    Exits 1 while any message is `unknown`, so a monitor can alert on it. A failed message is not sent
    again: docs/troubleshooting.md says what each Slack error means and what to do.
    """
    from bot.store import outbox

    db = open_database(load_settings())
    try:
        with db.reading() as session:
            counts = outbox.counts(session)
            failed = outbox.failed_by_error(session, limit=10) if counts.get("failed") else []
            unknown = outbox.unknown_messages(session, limit=limit)
    finally:
        db.dispose()
    order = ["pending", "sending", "reconcile", "sent", "failed", "unknown"]
    shown = sorted(counts.items(), key=lambda item: (order.index(item[0]) if item[0] in order else 99, item[0]))
    typer.echo("outbox: " + (", ".join(f"{n} {status}" for status, n in shown) or "empty"))
    if failed:
        typer.echo("failed, by Slack's error (see docs/troubleshooting.md):")
    for kind in failed:
        newest = kind.newest
        typer.echo(
            f"  {kind.count} × {kind.error} — newest #{newest.id} {kind.team_id} {newest.kind} to {newest.channel}, "
            f"queued {newest.created_at:%Y-%m-%d %H:%M} UTC"
        )
    for message, team_id in unknown:
        typer.echo(
            f"  #{message.id} {team_id} {message.kind} to {message.channel} ({message.key}), queued "
            f"{message.created_at:%Y-%m-%d %H:%M} UTC: {message.error or 'no detail'}"
        )
    if counts.get("unknown"):
        typer.echo(
            "Look for each in Slack, then settle it: pacer outbox resolve <id> sent|failed --note '<what you saw>'"
        )
        raise typer.Exit(code=1)


class Outcome(StrEnum):
    sent = "sent"
    failed = "failed"


@outbox_cli.command("resolve")
def outbox_resolve(
    message_id: Annotated[int, typer.Argument(help="the number `pacer outbox status` shows after #")],
    outcome: Annotated[Outcome, typer.Argument(help="sent: it is in Slack; failed: it is not (it won't be resent)")],
    note: Annotated[str, typer.Option(help="what you found, kept with the message")],
) -> None:
    """Settle an `unknown` message after checking Slack. Pacer never resends an ambiguous message itself."""
    from bot.clock import system_clock
    from bot.store import outbox

    db = open_database(load_settings())
    try:
        with db.transaction() as session:
            settled = outbox.resolve_unknown(
                session, message_id=message_id, status=outcome.value, note=note, now=system_clock()
            )
    finally:
        db.dispose()
    if settled is None:
        raise fail(f"pacer: there is no unknown outbox message #{message_id}; see `pacer outbox status`")
    typer.echo(f"#{message_id} ({settled.key}) is now {outcome.value}")


class ImportKind(StrEnum):
    deals = "deals"
    csat = "csat"
    training = "training"


TEAM_ID = re.compile(r"^[TE][A-Z0-9]+$")


@cli.command("import")
def import_csv(
    kind: Annotated[ImportKind, typer.Argument(help="what the file holds")],
    file: Annotated[Path, typer.Argument(help="CSV file with a header row")],
    team_id: Annotated[str, typer.Option("--team-id", help="Slack workspace id (T…) to import into")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="check everything, store nothing")] = False,
) -> None:
    """Import deals, CSAT results or training completions from CSV — the whole file or nothing.

    \b
    deals:    owner, customer, amount, signed_on [, paid_on, product_line, note]
    csat:     customer, score, surveyed_on [, owner]
    training: member, course, completed_on
    Owners and members are Slack user ids; dates are YYYY-MM-DD. Importing a file again adds nothing.
    """
    from bot import importer
    from bot.clock import local_today, system_clock, zone

    settings = load_settings()
    config = load_pacer_config(settings)
    if not TEAM_ID.match(team_id):
        raise fail(f"pacer: --team-id {team_id!r} is not a Slack workspace id (like T012AB3CD)")
    if file.is_dir():
        raise fail(f"pacer: {file} is a folder; give the path of the CSV file in it")
    try:
        text = file.read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise fail(f"pacer: {file}: there is no such file (looked in {Path.cwd()}); give the CSV file's path") from None
    except OSError as exc:
        raise fail(f"pacer: can't read {file}: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        typer.echo(f"{file.name}: not UTF-8 text (byte {exc.start}); save the CSV as UTF-8", err=True)
        raise typer.Exit(code=1) from None
    now = system_clock()
    db = open_database(settings)
    try:
        rows, problems = importer.read(
            kind.value,
            text,
            config=config,
            today=local_today(now, zone(None, config.timezone)),
            product_lines=importer.known_product_lines(db, team_id=team_id, config=config),
        )
        if problems:
            _report_problems(file.name, problems)
        summary = importer.store(db, team_id=team_id, rows=rows, config=config, now=now, dry_run=dry_run)
    finally:
        db.dispose()
    if summary.problems:
        _report_problems(file.name, summary.problems)
    verb = "would import" if dry_run else "imported"
    typer.echo(f"{file.name}: {verb} {summary.imported}, already present {summary.present}, errors 0")
    if summary.registered:
        typer.echo(
            f"{'would register' if dry_run else 'registered'} {len(summary.registered)} member(s) Pacer had not met, "
            f"named by their user id until they first use Pacer (no Slack lookup): {', '.join(summary.registered)}"
        )
    if dry_run:
        typer.echo("dry run: nothing was stored")


def _report_problems(filename: str, problems: list[Any]) -> None:
    for problem in problems:
        typer.echo(problem.render(filename), err=True)
    typer.echo(f"{filename}: imported 0, already present 0, errors {len(problems)} — nothing was stored", err=True)
    raise typer.Exit(code=1)


class ExportFormat(StrEnum):
    csv = "csv"
    json = "json"


def _export_example(period: str, team_id: str | None, format: ExportFormat, output: Path | None) -> str:
    """A complete `pacer export evaluations` command: the one asked for, made right."""
    words = ["pacer", "export", "evaluations", "--period", period]
    if team_id is not None:
        words += ["--team-id", team_id]
    if format is not ExportFormat.csv:
        words += ["--format", format.value]
    if output is not None:
        words += ["--output", str(output)]
    return shlex.join(words)


@export_cli.command("evaluations")
def export_evaluations(
    period: Annotated[
        str, typer.Option("--period", help="2026-11, 2026-Q4, last-month, last-quarter (in pacer.yml's timezone)")
    ],
    format: Annotated[ExportFormat, typer.Option("--format", help="csv (a header row) or json (a list)")] = (
        ExportFormat.csv
    ),
    team_id: Annotated[
        str | None,
        typer.Option("--team-id", help="Slack workspace id (T…); needed when the database holds several"),
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", help="write to this file (default: standard output)")
    ] = None,
) -> None:
    """Every evaluation of a period (the version in force), one row per rep, for HR.

    Columns: workspace, period, rep_user_id, rep_name, manager_user_id,
    team, profile, score, rating, status, version, frozen_at, payout_total,
    currency, then points:<metric> for each metric of the profiles present.
    JSON adds each metric's line, numbers as exact decimal strings.

    CSV text cells that start with = + - @ (or a tab or carriage return)
    get a ' in front, so a spreadsheet shows them as text. A period with no
    evaluations gives just the header (CSV) or [] (JSON) and exits 0.
    """
    from bot.services import exports
    from scoring.exports import to_csv, to_json

    settings = load_settings()
    config = load_pacer_config(settings)
    if team_id is not None and not TEAM_ID.match(team_id):
        raise fail(f"pacer: --team-id {team_id!r} is not a Slack workspace id (like T012AB3CD)")
    read = _period_option(config, period, command="pacer export evaluations --period")
    now, last_month, chosen_period = read.now, read.last_month, read.chosen
    good_period = period if chosen_period is not None else last_month
    db = open_database(settings)
    try:
        workspace = _workspace_option(
            db, team_id, corrected=lambda team: _export_example(good_period, team, format, output), what="to export"
        )
        if read.problem is not None or chosen_period is None:
            message = read.problem.message if read.problem is not None else "that period can't be read"
            example = _export_example(last_month, team_id, format, output)
            raise fail(f"pacer: --period {period!r}: {message}\nFor example: {example}")
        records = (
            []
            if workspace is None
            else exports.export_evaluations(db, workspace=workspace, period=chosen_period, format=format.value, now=now)
        )
    finally:
        db.dispose()
    text = to_csv(records) if format is ExportFormat.csv else to_json(records)
    if output is None:
        typer.echo(text, nl=False)
    else:
        try:
            with output.open("w", encoding="utf-8", newline="") as file:
                file.write(text)
        except OSError as exc:
            typer.echo(f"pacer: can't write {output}: {exc.strerror or exc}", err=True)
            raise typer.Exit(code=1) from None
    where = f" in {workspace.team_id}" if workspace is not None else ""
    if not records:
        typer.echo(
            f"pacer: no evaluations for {chosen_period.label} ({chosen_period.key}){where}: a period's evaluations "
            "are frozen when it closes (see `pacer jobs run period_close`)",
            err=True,
        )
    elif output is not None:
        typer.echo(f"{output}: {len(records)} evaluation(s) of {chosen_period.label}{where}", err=True)


@dataclass(frozen=True)
class _PeriodOption:
    """A `--period` read on pacer.yml's calendar (None when not given), or why it can't be, with last
    month's key for the corrected example."""

    now: datetime
    last_month: str
    chosen: Period | None
    problem: InputError | None


def _period_option(config: PacerConfig, period: str | None, *, command: str) -> _PeriodOption:
    from bot.clock import local_today, system_clock, zone
    from scoring.errors import InputError
    from scoring.periods import month_of, parse_period, previous

    now = system_clock()
    today = local_today(now, zone(None, config.timezone))
    calendar = config.calendar.calendar()
    last_month = previous(month_of(today), "month", calendar).key
    if period is None:
        return _PeriodOption(now, last_month, None, None)
    cadence = config.profile_named(config.default_profile).cadence
    try:
        chosen = parse_period(period, today=today, cadence=cadence, calendar=calendar, command=command)
    except InputError as exc:
        return _PeriodOption(now, last_month, None, exc)
    return _PeriodOption(now, last_month, chosen, None)


def _workspace_option(db: Database, team_id: str | None, *, corrected: Callable[[str], str], what: str) -> Any:
    """The workspace a report or an export is for (None: the database holds none yet); exits 2 naming the
    choices when `--team-id` is needed or unknown. `corrected(team_id)` is the command made right."""
    from bot.services import exports

    try:
        with db.reading() as session:
            return exports.workspace_to_export(session, team_id=team_id)
    except (exports.WorkspaceNotNamed, exports.UnknownWorkspace) as exc:
        if not exc.choices:
            raise fail(f"pacer: {exc.message}") from None
        message = exc.message.replace("to export", what)
        raise fail(f"pacer: {message}; for example: {corrected(exc.choices[0].team_id)}") from None


class ReportFormat(StrEnum):
    text = "text"
    csv = "csv"
    json = "json"


def _fairness_example(period: str | None, team_id: str | None, format: ReportFormat) -> str:
    """A complete `pacer report fairness` command: the one asked for, made right."""
    words = ["pacer", "report", "fairness"]
    if period is not None:
        words += ["--period", period]
    if team_id is not None:
        words += ["--team-id", team_id]
    if format is not ReportFormat.text:
        words += ["--format", format.value]
    return shlex.join(words)


@report_cli.command("fairness")
def report_fairness(
    period: Annotated[
        str | None,
        typer.Option(
            "--period",
            help="2026-11, 2026-Q4, last-month, last-quarter (default: the latest period with evaluations)",
        ),
    ] = None,
    format: Annotated[
        ReportFormat, typer.Option("--format", help="text (a readable table), csv (one wide table) or json")
    ] = ReportFormat.text,
    team_id: Annotated[
        str | None,
        typer.Option("--team-id", help="Slack workspace id (T…); needed when the database holds several"),
    ] = None,
) -> None:
    """Appeals per team and per evaluating manager, and the score spread per profile, for one period.

    Per group: filed, open, withdrawn, decided (upheld, partly upheld,
    rejected), uphold rate = (upheld + partly upheld) / decided, median
    working days from filing to decision, overdue now (open past due) and
    decided late. Per profile: evaluations, min, Q1, median, Q3, max
    (points, the versions in force) and the share in each rating band.
    Counted appeals are those on the period's evaluations. CSV text cells
    that start with = + - @ (or a tab or carriage return) get a ' in front.
    """
    from bot.services import fairness
    from scoring.fairness import to_csv, to_json, to_text

    settings = load_settings()
    config = load_pacer_config(settings)
    if team_id is not None and not TEAM_ID.match(team_id):
        raise fail(f"pacer: --team-id {team_id!r} is not a Slack workspace id (like T012AB3CD)")
    read = _period_option(config, period, command="pacer report fairness --period")
    now, last_month = read.now, read.last_month
    good_period = period if read.problem is None else last_month
    db = open_database(settings)
    try:
        workspace = _workspace_option(
            db, team_id, corrected=lambda team: _fairness_example(good_period, team, format), what="to report on"
        )
        if read.problem is not None:
            example = _fairness_example(last_month, team_id, format)
            raise fail(f"pacer: --period {period!r}: {read.problem.message}\nFor example: {example}")
        if workspace is None:
            typer.echo("pacer: this database holds no workspace yet: nothing to report", err=True)
            return
        found = fairness.report_for_cli(
            db, workspace=workspace, config=config, period=read.chosen, format=format.value, now=now
        )
    finally:
        db.dispose()
    render = {ReportFormat.text: to_text, ReportFormat.csv: to_csv, ReportFormat.json: to_json}[format]
    typer.echo(render(found, workspace=workspace.team_id), nl=False)
    if found.period_key is None:
        typer.echo(
            f"pacer: no evaluations in {workspace.team_id} yet: a period's evaluations are frozen when it closes",
            err=True,
        )


@workspace_cli.command("list")
def workspace_list() -> None:
    """Every Slack workspace in the database: its id (T…), name, people, deals, activities, when Pacer first
    met it and when anything last changed in it.

    The id is what --team-id and `pacer workspace erase` take. `pacer run` names its workspace at start.
    """
    from bot.services import workspace_data

    db = open_database(load_settings())
    try:
        found = workspace_data.workspaces(db)
    finally:
        db.dispose()
    if not found:
        typer.echo(
            "this database holds no workspace yet: Pacer records one when `pacer run` first starts with its bot "
            "token, or when someone first uses Pacer in Slack"
        )
        return
    rows = [("workspace", "name", "people", "deals", "activities", "first seen", "last activity")]
    rows += [
        (
            w.team_id,
            w.name or "(name not known yet)",
            f"{w.people:,}",
            f"{w.deals:,}",
            f"{w.activities:,}",
            f"{w.first_seen:%Y-%m-%d %H:%M} UTC",
            f"{w.last_activity:%Y-%m-%d %H:%M} UTC" if w.last_activity else "none yet",
        )
        for w in found
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    numeric = {2, 3, 4}
    for row in rows:
        cells = [cell.rjust(widths[i]) if i in numeric else cell.ljust(widths[i]) for i, cell in enumerate(row)]
        typer.echo("  ".join(cells).rstrip())


@workspace_cli.command("erase")
def workspace_erase(
    team_id: Annotated[str, typer.Argument(help="the workspace's id (T…), as `pacer workspace list` shows it")],
    yes: Annotated[bool, typer.Option("--yes", help="erase for real; without it, only show what would go")] = False,
) -> None:
    """Erase every record of one Slack workspace: people, deals, activities, goals, evaluations, check-ins,
    appeals, queued messages and the audit log. It cannot be undone.

    Without --yes nothing is erased: it lists what would be, per table. Before erasing, uninstall Pacer
    from that Slack workspace (or its next request registers the workspace again), export what HR must
    keep (pacer export evaluations) and take a backup. Other workspaces are not touched.
    """
    from bot.clock import system_clock
    from bot.services import workspace_data

    settings = load_settings()
    configure(settings.log_level)  # the erase is logged, with the time and what went
    if not TEAM_ID.match(team_id):
        raise fail(
            f"pacer: {team_id!r} is not a Slack workspace id (like T012AB3CD); "
            "`pacer workspace list` shows the ids this database holds"
        )
    db = open_database(settings)
    try:
        try:
            plan = (
                workspace_data.erase_workspace(db, team_id=team_id, now=system_clock())
                if yes
                else workspace_data.erase_plan(db, team_id=team_id)
            )
        except workspace_data.UnknownWorkspace as exc:
            raise fail(f"pacer: {exc.message}; `pacer workspace list` shows each with its people and deals") from None
    finally:
        db.dispose()
    named = f"{team_id} ({plan.workspace.name})" if plan.workspace.name else team_id
    verb = "erased" if yes else "would erase"
    typer.echo(f"{verb} workspace {named}: {plan.total:,} rows in {len(plan.rows)} tables")
    for table, count in reversed(plan.rows.items()):  # the workspace first, then what refers to it
        typer.echo(f"  {table:<22}{count:>12,}")
    if not yes:
        raise fail(
            "pacer: nothing was erased: erasing cannot be undone, so it needs --yes.\n"
            f"Before it: uninstall Pacer from that Slack workspace, export what HR must keep (pacer export "
            f"evaluations --team-id {team_id} --period …, for each period) and take a backup (docs/operations.md).\n"
            f"Then, for example: pacer workspace erase {team_id} --yes"
        )


def main() -> None:
    import sys

    from bot.cli_errors import run as run_safely

    sys.exit(run_safely(cli, sys.argv[1:]))


if __name__ == "__main__":
    main()
