"""A gunicorn worker builds its app once; what it built is left out of the garbage collector's full passes."""

from __future__ import annotations

import gc

from bot.server import PacerServer
from bot.settings import Settings


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
