"""The default log: what an operator sees on every start."""

from __future__ import annotations

import logging

import pytest

from bot.app import create_app
from bot.logs import configure


def test_the_misleading_token_will_be_unused_warning_is_not_shown_on_start(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, pacer
) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-from-the-environment")
    configure("INFO")
    with caplog.at_level(logging.INFO):
        create_app(signing_secret="secret", deps=pacer.deps, token_verification=False)
    assert "will be unused" not in caplog.text


def test_other_bolt_warnings_still_reach_the_log(caplog: pytest.LogCaptureFixture) -> None:
    configure("INFO")
    with caplog.at_level(logging.WARNING):
        logging.getLogger("slack_bolt.App").warning("something Bolt wants you to know")
    assert "something Bolt wants you to know" in caplog.text
