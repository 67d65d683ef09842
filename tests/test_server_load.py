"""A gunicorn worker builds its app once, loads the customer index before serving, and leaves what it built
out of the garbage collector's full passes."""

from __future__ import annotations

import gc

from bot.server import PacerServer
from bot.settings import Settings
from tests.conftest import REP


def test_a_worker_freezes_what_it_built_so_full_collections_skip_it(slack, config, database_url):
    settings = Settings(
        slack_bot_token=slack.token,
        slack_signing_secret="test-signing-secret",
        slack_api_url=slack.url,
        database_url=database_url,
    )
    server = PacerServer(settings, config)
    gc.unfreeze()
    try:
        server.load()
        assert gc.get_freeze_count() > 10_000  # the modules, the app, its deps
    finally:
        gc.unfreeze()
        assert server.deps is not None
        server.deps.close()


def test_a_worker_loads_every_workspaces_customer_index_before_it_serves(pacer, slack, config, database_url):
    from datetime import UTC, datetime

    from bot.services import customer_index

    for number, name in enumerate(["Acme Corp", "Globex", "Initech"]):
        assert pacer.command(REP, "/deal", f"{number + 1}k {name}").status == 200
    settings = Settings(
        slack_bot_token=slack.token,
        slack_signing_secret="test-signing-secret",
        slack_api_url=slack.url,
        database_url=database_url,
    )
    server = PacerServer(settings, config)
    try:
        server.load()
        assert server.customers_indexed == 3
        # loaded already: the worker's first new-customer request only reads what is newer
        assert server.deps is not None
        assert customer_index.warm(server.deps.db, now=datetime(2026, 12, 8, tzinfo=UTC)) == 3
    finally:
        gc.unfreeze()
        assert server.deps is not None
        server.deps.close()
