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


@pytest.mark.parametrize("name", ["alembic.runtime.migration", "apscheduler.scheduler"])
def test_the_migration_tool_and_the_job_library_say_nothing_at_info_but_their_warnings(
    caplog: pytest.LogCaptureFixture, name: str
) -> None:
    with caplog.at_level(logging.INFO):
        configure("INFO")
        logging.getLogger(name).info("Running upgrade 0015 -> 0016 / Adding job tentatively")
        logging.getLogger(name).warning("something went wrong")
    assert [r.getMessage() for r in caplog.records if r.name == name] == ["something went wrong"]


def test_at_debug_the_migration_tool_and_the_job_library_say_everything(caplog: pytest.LogCaptureFixture) -> None:
    try:
        with caplog.at_level(logging.DEBUG):
            configure("DEBUG")
            logging.getLogger("alembic.runtime.migration").info("Running upgrade 0015 -> 0016")
            logging.getLogger("apscheduler.scheduler").info("Scheduler started")
        assert [r.getMessage() for r in caplog.records] == ["Running upgrade 0015 -> 0016", "Scheduler started"]
    finally:
        with caplog.at_level(logging.INFO):
            configure("INFO")


def test_a_request_with_a_wrong_signature_is_logged_without_its_body(caplog: pytest.LogCaptureFixture, pacer) -> None:
    from tests.conftest import REP
    from tests.support import payloads

    configure("INFO")
    # as in `pacer run`, where the log is configured before the app is built and Bolt copies its level
    caplog.set_level(logging.INFO, logger="slack_bolt.RequestVerification")
    body = payloads.slash_command(
        team_id="T1", user_id=REP, command="/deal", text="12500 Secret Customer", response_url="https://hooks/r/abc"
    )
    with caplog.at_level(logging.INFO):
        response = pacer.post(
            body, content_type="application/x-www-form-urlencoded", headers={"X-Slack-Signature": "v0=" + "0" * 64}
        )

    assert response.status == 401
    [line] = [r.getMessage() for r in caplog.records if "Invalid request signature" in r.getMessage()]
    assert line.startswith("Invalid request signature detected (timestamp: ") and "SLACK_SIGNING_SECRET" in line
    assert "Secret" not in caplog.text and "hooks" not in caplog.text and REP not in caplog.text
