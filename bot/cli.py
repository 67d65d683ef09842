"""`pacer` — run the bot, migrate the database, check the configuration."""

from __future__ import annotations

from typing import Annotated

import typer
from pydantic import ValidationError

from bot.config import ConfigError, PacerConfig, load_config
from bot.logs import configure
from bot.settings import Settings

cli = typer.Typer(help="Pacer: sales performance management inside Slack.", no_args_is_help=True, add_completion=False)
db_cli = typer.Typer(help="Database schema migrations.", no_args_is_help=True)
config_cli = typer.Typer(help="pacer.yml.", no_args_is_help=True)
cli.add_typer(db_cli, name="db")
cli.add_typer(config_cli, name="config")

CONNECT_HELP = """\
Create the Slack app from manifest.yml (https://api.slack.com/apps → Create New App → From a manifest),
install it to your workspace, then put the values in .env or the environment:
  SLACK_BOT_TOKEN       OAuth & Permissions → Bot User OAuth Token (xoxb-…)
  SLACK_SIGNING_SECRET  Basic Information → App Credentials → Signing Secret (HTTP mode)
  SLACK_APP_TOKEN       Basic Information → App-Level Tokens, scope connections:write (xapp-…, Socket Mode)
See README.md, section "Connect to Slack"."""


def fail(message: str) -> typer.Exit:
    typer.echo(message, err=True)
    return typer.Exit(code=2)


def load_settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        problems = "\n".join(f"  {'.'.join(map(str, e['loc'])).upper()}: {e['msg']}" for e in exc.errors())
        raise fail(f"pacer: the environment has invalid settings:\n{problems}") from None


def load_pacer_config(settings: Settings) -> PacerConfig:
    try:
        return load_config(settings.config_path())
    except ConfigError as exc:
        raise fail(f"pacer: configuration error\n{exc}") from None


@cli.command()
def run(
    port: Annotated[int | None, typer.Option(help="HTTP port (default PORT or 3000)")] = None,
    workers: Annotated[
        int | None, typer.Option(help="gunicorn worker processes (default WEB_CONCURRENCY or 2)")
    ] = None,
) -> None:
    """Start the bot: Socket Mode when SLACK_APP_TOKEN is set, otherwise HTTP on /slack/events."""
    settings = load_settings()
    if port is not None:
        settings.port = port
    if workers is not None:
        settings.web_concurrency = workers
    missing = settings.missing_for_run()
    if missing:
        raise fail(f"pacer: cannot start: missing {', '.join(missing)}.\n\n{CONNECT_HELP}")
    config = load_pacer_config(settings)
    configure(settings.log_level)
    _migrate(settings)
    from bot.server import serve_http, serve_socket_mode

    if settings.socket_mode:
        serve_socket_mode(settings, config)
    else:
        serve_http(settings, config)


def _migrate(settings: Settings) -> list[str]:
    from bot.store.engine import Database
    from bot.store.migrate import upgrade

    db = Database(settings.database_url)
    try:
        applied = upgrade(db.engine)
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
    from bot.store.engine import Database
    from bot.store.migrate import current_revision, head_revision

    db = Database(load_settings().database_url)
    try:
        current, head = current_revision(db.engine), head_revision()
    finally:
        db.dispose()
    typer.echo(f"current: {current or 'empty database'}\nhead:    {head}")
    if current != head:
        raise typer.Exit(code=1)


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


def main() -> None:
    cli(prog_name="pacer")


if __name__ == "__main__":
    main()
