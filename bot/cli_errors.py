"""What `pacer` says when it cannot do what was asked: one message that names the problem and the fix,
and an exit code — never a traceback (that goes to the log, shown with LOG_LEVEL=DEBUG).

The checks here return the message (None when all is well); bot/cli.py raises it with `fail`, exit 2.
`run` is the safety net around every command: a wrong option or argument, Ctrl-C, and any error no
check foresaw each end in one line.
"""

from __future__ import annotations

import errno
import logging
import socket
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

if TYPE_CHECKING:
    from bot.settings import Settings

logger = logging.getLogger("bot.cli")

#: Where the traceback of an unexpected error can be seen (bot.settings reads LOG_LEVEL).
DETAILS = "run the same command again with LOG_LEVEL=DEBUG to see the details in the log"

CONNECT_HELP = """\
Create the Slack app from manifest.yml (https://api.slack.com/apps → Create New App → From a manifest),
install it to your workspace, then put the values in .env or the environment:
  SLACK_BOT_TOKEN       OAuth & Permissions → Bot User OAuth Token (xoxb-…)
  SLACK_SIGNING_SECRET  Basic Information → App Credentials → Signing Secret (HTTP mode)
  SLACK_APP_TOKEN       Basic Information → App-Level Tokens, scope connections:write (xapp-…, Socket Mode)
See README.md, section "Connect to Slack" (a trial), or docs/deploy.md (a server)."""

#: What Slack's auth.test errors mean for the person starting Pacer, and what to do.
TOKEN_PROBLEMS = {
    "invalid_auth": "Slack does not accept SLACK_BOT_TOKEN (invalid_auth): copy the Bot User OAuth Token (xoxb-…) "
    "again from OAuth & Permissions",
    "not_authed": "SLACK_BOT_TOKEN is empty (not_authed)",
    "token_revoked": "SLACK_BOT_TOKEN was revoked (token_revoked): reinstall the app, then copy its new token",
    "account_inactive": "the app's bot user is deactivated (account_inactive): reinstall the app to the workspace",
    "token_expired": "SLACK_BOT_TOKEN has expired (token_expired): Pacer needs a token without rotation",
}

APP_TOKEN_PLACE = "Basic Information → App-Level Tokens (a token with the scope connections:write)"

#: What Slack's apps.connections.open errors mean for SLACK_APP_TOKEN (Socket Mode), and what to do.
APP_TOKEN_PROBLEMS = {
    "invalid_auth": f"Slack does not accept SLACK_APP_TOKEN (invalid_auth): copy the app-level token (xapp-…) "
    f"again from {APP_TOKEN_PLACE}",
    "not_authed": "SLACK_APP_TOKEN is empty (not_authed)",
    "not_allowed_token_type": "SLACK_APP_TOKEN is not an app-level token (not_allowed_token_type): Socket Mode "
    f"needs the xapp-… token from {APP_TOKEN_PLACE}",
    "missing_scope": "SLACK_APP_TOKEN lacks the scope connections:write (missing_scope): add it to the "
    f"token under {APP_TOKEN_PLACE}, or generate a new token with it",
    "token_revoked": f"SLACK_APP_TOKEN was revoked (token_revoked): generate a new one under {APP_TOKEN_PLACE}",
    "account_inactive": "the app is deactivated in that workspace (account_inactive): reinstall it",
}


# --- Slack ---------------------------------------------------------------------------------------


def app_token_form_problem(token: str) -> str | None:
    """SLACK_APP_TOKEN that cannot be an app-level token, said before Slack is asked (no network)."""
    if token.startswith("xapp-"):
        return None
    if token.startswith(("xoxb-", "xoxp-")):
        kind = "the bot token (xoxb-…)" if token.startswith("xoxb-") else "a user token (xoxp-…)"
        return (
            f"pacer: cannot start: SLACK_APP_TOKEN holds {kind}; Socket Mode needs the app-level token (xapp-…) "
            f"from {APP_TOKEN_PLACE}. Keep the bot token in SLACK_BOT_TOKEN. For HTTP mode instead, leave "
            "SLACK_APP_TOKEN unset and set SLACK_SIGNING_SECRET."
        )
    return (
        "pacer: cannot start: SLACK_APP_TOKEN does not start with xapp-, so it is not an app-level token; copy "
        f"the xapp-… token from {APP_TOKEN_PLACE}. For HTTP mode instead, leave SLACK_APP_TOKEN unset and set "
        "SLACK_SIGNING_SECRET."
    )


def slack_error(error: str, *, problems: dict[str, str], variable: str) -> str:
    """One Slack API error said for the admin: what it means and what to do."""
    problem = problems.get(error, f"Slack refused {variable} ({error})")
    return f"pacer: cannot start: {problem}."


def unreachable(settings: Settings, exc: BaseException) -> str:
    reason = getattr(exc, "reason", None) or exc
    return (
        f"pacer: cannot start: Slack can't be reached at {settings.slack_api_url} ({reason}). Check this "
        "machine's network and proxy settings (HTTPS_PROXY), or SLACK_API_URL if you set it."
    )


def slack_problem(settings: Settings) -> tuple[dict[str, Any], None] | tuple[None, str]:
    """(auth.test's answer, None) when Slack accepts the bot token and can be reached (one call, no
    retries), else (None, what to do)."""
    from slack_sdk import WebClient
    from slack_sdk.errors import SlackApiError

    assert settings.slack_bot_token is not None
    quiet = logging.getLogger("pacer.slack_check")  # the outcome is said once, by the caller
    quiet.propagate, quiet.disabled = False, True
    client = WebClient(
        token=settings.slack_bot_token.get_secret_value(),
        base_url=settings.slack_api_url,
        timeout=10,
        logger=quiet,
        retry_handlers=[],
    )
    try:
        answer = client.auth_test()
    except SlackApiError as exc:
        error = str(exc.response.get("error") or f"HTTP {exc.response.status_code}")
        return None, slack_error(error, problems=TOKEN_PROBLEMS, variable="the bot token") + f"\n\n{CONNECT_HELP}"
    except OSError as exc:
        logger.debug("Slack unreachable", exc_info=True)
        return None, unreachable(settings, exc)
    return dict(answer.data) if isinstance(answer.data, dict) else {}, None


def socket_mode_problem(settings: Settings, exc: Exception) -> str | None:
    """A Socket Mode connection refused or out of reach, said for the admin (None: not such a failure)."""
    from slack_sdk.errors import SlackApiError

    logger.debug("Socket Mode connection failed", exc_info=exc)
    if isinstance(exc, SlackApiError):
        error = str(exc.response.get("error") or f"HTTP {exc.response.status_code}")
        return slack_error(error, problems=APP_TOKEN_PROBLEMS, variable="SLACK_APP_TOKEN")
    if isinstance(exc, OSError):
        return unreachable(settings, exc)
    return None


# --- the HTTP port -------------------------------------------------------------------------------


def port_problem(host: str, port: int) -> str | None:
    """HOST:PORT can be listened on (tried the way gunicorn binds), or why not and what to do."""
    other = 3001 if port != 3001 else 3002
    fix = f"choose another with `pacer run --port {other}` (or PORT={other})"
    try:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((host, port))
    except socket.gaierror:
        return f"pacer: cannot start: HOST {host!r} is not an address of this machine; leave HOST unset (0.0.0.0)"
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            return (
                f"pacer: cannot start: port {port} is already in use on {host} (another Pacer, or another "
                f"program, listens there). Stop that program, or {fix}."
            )
        if exc.errno == errno.EACCES:
            return (
                f"pacer: cannot start: port {port} needs administrator rights on this machine; {fix}, and put "
                "a proxy in front for the public https address"
            )
        if exc.errno == errno.EADDRNOTAVAIL:
            return f"pacer: cannot start: HOST {host!r} is not an address of this machine; leave HOST unset (0.0.0.0)"
        return f"pacer: cannot start: can't listen on {host}:{port} ({exc.strerror or exc}); {fix}"
    return None


# --- the database --------------------------------------------------------------------------------

#: How a DATABASE_URL looks (said where one is wrong; not a command, so not phrased as one).
DATABASE_FORMS = "sqlite:///pacer.db (one machine) or postgresql://pacer:secret@db-host:5432/pacer"


def sqlite_file(url: str) -> Path | None:
    """The file of a SQLite DATABASE_URL (None for another database, or an in-memory one)."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    name = parsed.database.removeprefix("file:") if parsed.query.get("uri") else parsed.database
    return Path(name)


def database_problem(url: str, shown: str, exc: Exception, *, upgrading: bool = False) -> str:
    """Why the database of DATABASE_URL can't be used (a driver's error), and what to do; `upgrading`:
    it was reached, and applying the migrations failed."""
    reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    file = sqlite_file(url)
    if file is not None:
        if "readonly" in reason or "read-only" in reason:
            return (
                f"pacer: the database {file} can't be written ({reason}). Pacer writes to it and to the files "
                f"it keeps next to it ({file.name}-wal, {file.name}.lock): let the user running Pacer write to "
                f"the file and its folder {file.parent.resolve()}, or set DATABASE_URL to a file in a writable "
                "folder, like sqlite:///pacer.db"
            )
        if "not a database" in reason:
            return (
                f"pacer: {file} is not a SQLite database file ({reason}). Set DATABASE_URL to Pacer's database, "
                "or to a new file name to start an empty one, like sqlite:///pacer.db"
            )
        if "unable to open" in reason:
            folder = file.parent.resolve()
            if file.is_dir():
                why = f"{file} is a folder; name a file in it, like sqlite:///{file.resolve() / 'pacer.db'}"
            elif not folder.is_dir():
                why = (
                    f"the folder {folder} does not exist; create it (mkdir -p {folder}) or set DATABASE_URL to a "
                    "file in an existing folder, like sqlite:///pacer.db"
                )
            else:
                why = f"let the user running Pacer read and write {file} and its folder {folder}"
            return f"pacer: can't open the database {file} ({reason}): {why}"
    if upgrading:
        return (
            f"pacer: can't apply the migrations to the database {shown}: {reason}\n"
            "The user in DATABASE_URL needs the right to create and change tables there; or run "
            "`pacer db upgrade` once as a user who has it."
        )
    return (
        f"pacer: cannot reach the database {shown}: {reason}\n"
        f"Check DATABASE_URL (like {DATABASE_FORMS}) and that the database server is running."
    )


# --- the safety net ------------------------------------------------------------------------------


def run(app: typer.Typer, args: list[str]) -> int:
    """Run `pacer <args>` and return its exit code; nothing ends in a traceback.

    A wrong command, option or value is one `pacer: …` line, the usage and where the help is (exit 2);
    Ctrl-C is one line (exit 130); an error no check foresaw is one line naming it, its traceback in
    the log at DEBUG (exit 2).
    """
    try:
        code = app(args=args, prog_name="pacer", standalone_mode=False)
    except typer.TyperException as exc:  # the command line itself is wrong (Click's usage errors)
        return _usage_error(exc)
    except typer.Abort:
        typer.echo("pacer: stopped", err=True)
        return 1
    except Exception as exc:
        logger.debug("pacer stopped by an unexpected error", exc_info=exc)
        typer.echo(f"pacer: stopped by an unexpected error ({_one_line(exc)}); {DETAILS}", err=True)
        return 2
    if code == 130:  # Typer turns Ctrl-C (KeyboardInterrupt) into exit code 130, silently
        typer.echo("\npacer: interrupted (Ctrl-C)", err=True)
    return code if isinstance(code, int) else 0


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    text = text if len(text) <= 200 else text[:199] + "…"
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _usage_error(exc: typer.TyperException) -> int:
    ctx = getattr(exc, "ctx", None)
    if type(exc).__name__ == "NoArgsIsHelpError" and ctx is not None:  # `pacer db`: the group's help
        typer.echo(ctx.get_help(), err=True)
        return int(getattr(exc, "exit_code", 2))
    message = exc.format_message().replace("Value error, ", "")  # Typer's wording of a wrong choice
    typer.echo(f"pacer: {message}", err=True)
    if ctx is not None:
        typer.echo(ctx.get_usage(), err=True)
        typer.echo(f"See `{ctx.command_path} --help` for what it takes.", err=True)
    return int(getattr(exc, "exit_code", 2))
