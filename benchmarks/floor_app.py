"""The floor for `/deal`: a minimal Bolt app that checks the signature, inserts one SQLite row and answers.

Served by Pacer's own gunicorn setup (`bot.server.PacerServer`: gthread workers, the same worker and
thread counts, keep-alive and timeouts as `pacer run`, from the same environment variables), with
the same SQLite settings Pacer uses (WAL, synchronous=NORMAL, a 5 s busy timeout, `BEGIN IMMEDIATE`).
Nothing else: no caller lookup, no rules, no questions, no Block Kit. `benchmarks/ack_latency.py
--floor` measures it beside Pacer with the same generator, so Pacer's figures can be read as a
ratio to what Bolt, gunicorn and one SQLite insert cost on the same machine at the same moment.

Run (the benchmark does this): `python benchmarks/floor_app.py --port 3001 --database floor.db`
with SLACK_SIGNING_SECRET, SLACK_BOT_TOKEN
(and SLACK_API_URL) set. The `deal` table has the `source_key` column the benchmark's
exactly-once check reads (`command:<trigger_id>`, unique).
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from slack_bolt import Ack, App  # noqa: E402
from slack_bolt.adapter.wsgi import SlackRequestHandler  # noqa: E402
from slack_sdk import WebClient  # noqa: E402

from bot.config import PacerConfig  # noqa: E402
from bot.server import PacerServer, settle_heap  # noqa: E402
from bot.settings import Settings  # noqa: E402

SCHEMA = (
    "CREATE TABLE IF NOT EXISTS deal (id INTEGER PRIMARY KEY, source_key TEXT NOT NULL UNIQUE, "
    "user_id TEXT NOT NULL, text TEXT NOT NULL, created_at REAL NOT NULL)"
)
INSERT = "INSERT INTO deal (source_key, user_id, text, created_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING"


def create_schema(path: Path) -> None:
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute(SCHEMA)


class Rows:
    """One SQLite connection per thread, tuned as Pacer tunes its own."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.local = threading.local()

    def connection(self) -> sqlite3.Connection:
        db = getattr(self.local, "db", None)
        if db is None:
            db = sqlite3.connect(self.path, timeout=5.0, isolation_level=None, check_same_thread=False)
            for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON", "busy_timeout=5000"):
                db.execute(f"PRAGMA {pragma}")
            self.local.db = db
        return db

    def insert(self, *, source_key: str, user_id: str, text: str) -> int | None:
        """The new row's id; None when this source key was stored already (a retried request)."""
        db = self.connection()
        db.execute("BEGIN IMMEDIATE")
        try:
            cursor = db.execute(INSERT, (source_key, user_id, text, time.time()))
            new_id = cursor.lastrowid if cursor.rowcount == 1 else None
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        return new_id


def create_floor_app(*, signing_secret: str, token: str, api_url: str, rows: Rows) -> App:
    """Bolt as Pacer configures it (`bot.app.create_app`): the listener runs before the response."""
    app = App(
        client=WebClient(token=token, base_url=api_url), signing_secret=signing_secret, process_before_response=True
    )

    @app.command("/deal")
    def deal(ack: Ack, command: dict[str, Any]) -> None:
        number = rows.insert(
            source_key=f"command:{command['trigger_id']}", user_id=command["user_id"], text=command.get("text", "")
        )
        if number is None:
            ack(response_type="ephemeral", text="Already logged (same request)")
            return
        ack(response_type="ephemeral", text=f"Logged D-{number}: {command.get('text', '')}")

    return app


class FloorServer(PacerServer):
    """Pacer's gunicorn master and options (bot/server.py), serving the floor app instead."""

    def __init__(self, settings: Settings, *, database: Path) -> None:
        self.database = database
        super().__init__(settings, PacerConfig(), scheduler=False)

    def load(self) -> Any:
        settings = self.settings
        assert settings.slack_signing_secret is not None and settings.slack_bot_token is not None
        app = create_floor_app(
            signing_secret=settings.slack_signing_secret.get_secret_value(),
            token=settings.slack_bot_token.get_secret_value(),
            api_url=settings.slack_api_url,
            rows=Rows(self.database),
        )
        wsgi = FloorWsgi(SlackRequestHandler(app))
        settle_heap()  # as PacerServer.load does
        return wsgi


class FloorWsgi:
    """`/slack/events` → Bolt; `/healthz` → 200 (the benchmark waits for it); anything else → 404."""

    def __init__(self, slack: SlackRequestHandler) -> None:
        self.slack = slack

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        path = environ.get("PATH_INFO", "")
        if path == "/slack/events":
            return self.slack(environ, start_response)
        status = "200 OK" if path == "/healthz" else "404 Not Found"
        start_response(status, [("Content-Type", "text/plain"), ("Content-Length", "0")])
        return [b""]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--database", type=Path, required=True, help="the SQLite file (created if missing)")
    args = parser.parse_args(argv)
    settings = Settings(port=args.port)  # the rest from the environment, as `pacer run` reads it
    if settings.slack_signing_secret is None or settings.slack_bot_token is None:
        parser.error("set SLACK_SIGNING_SECRET and SLACK_BOT_TOKEN (and SLACK_API_URL for a fake Slack)")
    create_schema(args.database)
    FloorServer(settings, database=args.database).run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
