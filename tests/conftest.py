"""Shared fixtures: databases (SQLite, and PostgreSQL when configured), the fake Slack, a clock,
and a running Pacer driven by signed requests."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from bot.config import PacerConfig, ProductLine, Team, Wins
from bot.store.engine import Database
from tests.fakes.slack_api import FakeSlack
from tests.support.clock import FakeClock
from tests.support.databases import backends, empty_all_tables, fresh_url
from tests.support.harness import Pacer

# Tuesday 24 November 2026, 15:00 UTC = 10:00 in New York, 23:00 in Shanghai.
TEST_NOW = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)

REP = "UREP0001"
REP2 = "UREP0002"
MANAGER = "UMGR0001"
ADMIN = "UADM0001"
OUTSIDER = "UOUT0001"
WINS_CHANNEL = "CWINS0001"


@pytest.fixture(autouse=True)
def _no_proxies(monkeypatch: pytest.MonkeyPatch) -> None:
    """slack_sdk honours HTTP(S)_PROXY and ignores NO_PROXY: tests talk only to 127.0.0.1."""
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="session", params=backends())
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with fresh_url(request.param, Path(tmp_path_factory.mktemp(request.param))) as url:
        yield url


@pytest.fixture(params=backends())
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database with no tables yet, on each backend."""
    with fresh_url(request.param, tmp_path, migrate=False) as url:
        yield url


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    empty_all_tables(database)
    yield database
    database.dispose()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(TEST_NOW)


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        fake.add_user(REP, name="dana", real_name="Dana Rep", display_name="Dana", tz="America/New_York")
        fake.add_user(REP2, name="lee", real_name="Lee Rep", display_name="Lee", tz="Asia/Shanghai")
        fake.add_user(MANAGER, name="morgan", real_name="Morgan Manager", display_name="Morgan", tz="Europe/London")
        fake.add_user(ADMIN, name="ari", real_name="Ari Admin", tz="UTC")
        fake.add_user(OUTSIDER, name="olu", real_name="Olu Other", tz="America/Los_Angeles")
        yield fake


@pytest.fixture
def config() -> PacerConfig:
    return PacerConfig(
        currency="USD",
        recognition="signed",
        product_lines=[ProductLine(name="Core"), ProductLine(name="Enterprise", premium=True)],
        wins=Wins(channel=WINS_CHANNEL, threshold=Decimal("50000")),
        teams=[Team(name="East", manager=MANAGER, members=[REP, REP2])],
        admins=[ADMIN],
    )


@pytest.fixture
def pacer(db: Database, slack: FakeSlack, clock: FakeClock, config: PacerConfig) -> Iterator[Pacer]:
    app = Pacer(db=db, slack=slack, clock=clock, config=config)
    yield app
    app.close()


def pytest_report_header() -> str:
    return f"databases: {', '.join(backends())}" + (
        "" if os.environ.get("PACER_TEST_DATABASE_URL") else " (set PACER_TEST_DATABASE_URL for PostgreSQL)"
    )
