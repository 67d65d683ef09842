"""Console sessions in scripted mode, against the real app and the Slack stand-in, on each database."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import pytest

from bot.console.demo import DEMO_PEOPLE, demo_config
from bot.console.repl import run_script, script_asker
from bot.console.seed import seed
from bot.console.session import Console
from bot.store.engine import Database

# Monday 30 November 2026, 14:00 in New York: the day before November closes.
START = "2026-11-30T14:00:00-05:00"

Session = Callable[..., str]


@pytest.fixture
def session(db: Database, database_url: str) -> Session:
    """Run console lines (a script) on an empty database (`db` empties it); returns the transcript."""
    del db

    def run(script: str, *, start: str = START) -> str:
        out: list[str] = []
        lines = iter(script.strip("\n").splitlines())
        console = Console(
            config=demo_config(),
            people=DEMO_PEOPLE,
            database_url=database_url,
            start=datetime.fromisoformat(start),
            echo=out.append,
            ask=script_asker(lines, out.append),
        )
        try:
            run_script(console, lines, seed=seed)
        finally:
            console.close()
        return "\n".join(out) + "\n"

    return run
