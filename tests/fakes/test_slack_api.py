"""Tests for the fake Slack Web API, driven through the real slack_sdk clients."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from urllib.error import URLError

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.webhook import WebhookClient

from tests.fakes.slack_api import Call, FakeSlack

TOKEN = "xoxb-test-token"
BLOCKS = [{"type": "section", "text": {"type": "mrkdwn", "text": "*Pace:* 80%"}}]


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    # slack_sdk routes every request through HTTP(S)_PROXY and ignores NO_PROXY.
    for name in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack() as server:
        yield server


@pytest.fixture
def client(fake: FakeSlack) -> WebClient:
    return WebClient(token=TOKEN, base_url=fake.url, timeout=5)


def test_urls(fake: FakeSlack) -> None:
    assert fake.url == f"http://127.0.0.1:{fake.port}/api/"
    assert fake.response_url("x") == f"http://127.0.0.1:{fake.port}/response/x"


def test_post_message_records_json_body(fake: FakeSlack, client: WebClient) -> None:
    resp = client.chat_postMessage(channel="C1", text="hello", blocks=BLOCKS)

    call = fake.last("chat.postMessage")
    assert call.args == {"channel": "C1", "text": "hello", "blocks": BLOCKS}
    assert call.headers["authorization"] == f"Bearer {TOKEN}"
    assert call.headers["content-type"].startswith("application/json")
    assert call.outcome == "ok"
    assert resp["channel"] == "C1"
    assert resp["message"]["text"] == "hello"
    assert resp["message"]["blocks"] == BLOCKS
    assert call.response == resp.data


def test_post_message_ts_unique_and_increasing(client: WebClient) -> None:
    stamps = [client.chat_postMessage(channel="C1", text=str(i))["ts"] for i in range(3)]
    assert stamps[0] == "1700000000.000100"
    assert stamps == sorted(stamps, key=float)
    assert len(set(stamps)) == 3


def test_form_values_with_json_are_decoded(fake: FakeSlack, client: WebClient) -> None:
    client.api_call(
        "chat.postMessage",
        params={"channel": "C1", "text": "t", "blocks": json.dumps(BLOCKS), "unfurl_links": False},
    )
    call = fake.last("chat.postMessage")
    assert call.headers["content-type"] == "application/x-www-form-urlencoded"
    assert call.args == {"channel": "C1", "text": "t", "blocks": BLOCKS, "unfurl_links": "0"}


def test_post_message_to_user_id_goes_to_dm(fake: FakeSlack, client: WebClient) -> None:
    resp = client.chat_postMessage(channel="U1", text="psst")
    assert resp["channel"] == fake.dm_channel("U1")
    assert client.conversations_open(users=["U1"])["channel"]["id"] == resp["channel"]


def test_post_message_validation(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as no_text:
        client.api_call("chat.postMessage", params={"channel": "C1"})
    assert no_text.value.response["error"] == "no_text"


def test_users_info(fake: FakeSlack, client: WebClient) -> None:
    fake.add_user("U1", name="ada", real_name="Ada Lovelace", tz="Europe/London", locale="en-GB")
    user = client.users_info(user="U1", include_locale=True)["user"]
    assert user["id"] == "U1"
    assert user["tz"] == "Europe/London"
    assert user["tz_label"] in ("Greenwich Mean Time", "British Summer Time")
    assert user["tz_offset"] in (0, 3600)
    assert user["locale"] == "en-GB"
    assert user["profile"]["real_name"] == "Ada Lovelace"
    assert user["is_bot"] is False
    assert fake.last("users.info").args == {"user": "U1", "include_locale": "1"}
    # Like Slack, no locale without include_locale.
    assert "locale" not in client.users_info(user="U1")["user"]


def test_users_info_without_tz(fake: FakeSlack, client: WebClient) -> None:
    fake.add_user("U2", tz=None)
    user = client.users_info(user="U2")["user"]
    assert not {"tz", "tz_label", "tz_offset"} & user.keys()


def test_users_info_unknown_user(fake: FakeSlack, client: WebClient) -> None:
    with pytest.raises(SlackApiError) as err:
        client.users_info(user="UNOPE")
    assert err.value.response["error"] == "user_not_found"
    assert fake.last("users.info").outcome == "user_not_found"


def test_users_info_of_another_workspace_and_of_enterprise_grid(fake: FakeSlack, client: WebClient) -> None:
    fake.add_user("UEXT1", team_id="T2OTHER")
    fake.add_user("WGRID1", team_id="THOME", enterprise_id="E1", enterprise_teams=["THOME", "T1"])
    fake.add_user("WGRID2", team_id="THOME", enterprise_id="E1")

    other = client.users_info(user="UEXT1")["user"]
    assert other["team_id"] == "T2OTHER" and other["profile"]["team"] == "T2OTHER" and "enterprise_user" not in other
    grid = client.users_info(user="WGRID1")["user"]
    assert grid["enterprise_user"]["teams"] == ["THOME", "T1"] and grid["enterprise_id"] == "E1"
    assert "teams" not in client.users_info(user="WGRID2")["user"]["enterprise_user"]


def test_auth_errors(fake: FakeSlack) -> None:
    with pytest.raises(SlackApiError) as bad:
        WebClient(token="xoxb-wrong", base_url=fake.url).auth_test()
    assert bad.value.response["error"] == "invalid_auth"
    with pytest.raises(SlackApiError) as missing:
        WebClient(base_url=fake.url).auth_test()
    assert missing.value.response["error"] == "not_authed"
    assert [c.outcome for c in fake.calls("auth.test")] == ["invalid_auth", "not_authed"]


def test_apps_connections_open_takes_only_the_app_level_token_as_slack_does(fake: FakeSlack, client: WebClient) -> None:
    opened = client.apps_connections_open(app_token=fake.app_token)
    with pytest.raises(SlackApiError) as bot_token:
        client.apps_connections_open(app_token=TOKEN)
    with pytest.raises(SlackApiError) as wrong:
        client.apps_connections_open(app_token="xapp-1-wrong")
    with pytest.raises(SlackApiError) as app_token_elsewhere:
        WebClient(token=fake.app_token, base_url=fake.url).auth_test()

    assert opened["url"].startswith(f"ws://127.0.0.1:{fake.port}/")
    assert bot_token.value.response["error"] == "not_allowed_token_type"
    assert wrong.value.response["error"] == "invalid_auth"
    assert app_token_elsewhere.value.response["error"] == "not_allowed_token_type"


def test_auth_test_and_bolt_app(fake: FakeSlack, client: WebClient) -> None:
    resp = client.auth_test()
    assert resp["team_id"] == "T1"
    assert resp["bot_id"] == "B1"
    assert resp["enterprise_id"] is None

    from slack_bolt import App

    app = App(signing_secret="secret", client=client)  # verifies the token with auth.test
    assert app.client is client
    assert len(fake.calls("auth.test")) == 2


def test_other_methods(fake: FakeSlack, client: WebClient) -> None:
    eph = client.chat_postEphemeral(channel="C1", user="U1", text="only you")
    assert eph["message_ts"]
    upd = client.chat_update(channel="C1", ts="1700000000.000100", text="edited", blocks=BLOCKS)
    assert (upd["channel"], upd["ts"], upd["text"]) == ("C1", "1700000000.000100", "edited")
    assert client.chat_delete(channel="C1", ts="1700000000.000100")["ts"] == "1700000000.000100"
    assert client.reactions_add(channel="C1", timestamp="1700000000.000100", name="tada")["ok"]
    with pytest.raises(SlackApiError) as again:
        client.reactions_add(channel="C1", timestamp="1700000000.000100", name="tada")
    assert again.value.response["error"] == "already_reacted"
    im = client.conversations_open(users="U9")["channel"]
    assert im["id"].startswith("D")
    assert fake.last("chat.update").args["blocks"] == BLOCKS


def test_views(fake: FakeSlack, client: WebClient) -> None:
    modal = {"type": "modal", "callback_id": "log_deal", "title": {"type": "plain_text", "text": "Log"}}
    opened = client.views_open(trigger_id="123.456", view=modal)["view"]
    assert opened["id"] == "V0001"
    assert opened["callback_id"] == "log_deal"
    assert opened["hash"]
    assert fake.last("views.open").args["view"] == modal

    updated = client.views_update(view_id="V0001", hash=opened["hash"], view=modal)["view"]
    assert updated["id"] == "V0001"
    with pytest.raises(SlackApiError) as stale:
        client.views_update(view_id="V0001", hash=opened["hash"], view=modal)
    assert stale.value.response["error"] == "hash_conflict"

    assert client.views_push(trigger_id="123.456", view=modal)["view"]["id"] == "V0002"
    home = client.views_publish(user_id="U1", view={"type": "home", "blocks": []})["view"]
    assert home["type"] == "home"


def test_unknown_method_is_recorded(fake: FakeSlack, client: WebClient) -> None:
    with pytest.raises(SlackApiError) as err:
        client.api_call("pins.add", params={"channel": "C1"})
    assert err.value.response["error"] == "unknown_method"
    assert fake.last("pins.add").args == {"channel": "C1"}


def test_custom_handler(fake: FakeSlack, client: WebClient) -> None:
    fake.on("pins.add", lambda args: {"ok": True, "echo": args["channel"]})
    assert client.api_call("pins.add", params={"channel": "C1"})["echo"] == "C1"


def test_rate_limit_is_retried(fake: FakeSlack) -> None:
    fake.fail("chat.postMessage", status=429, retry_after=1)
    client = WebClient(token=TOKEN, base_url=fake.url, retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=1)])
    assert client.chat_postMessage(channel="C1", text="hi")["ok"]
    first, second = fake.calls("chat.postMessage")
    assert (first.outcome, second.outcome) == ("429", "ok")
    assert first.response == {"ok": False, "error": "ratelimited"}
    assert second.at - first.at >= 1.0
    assert fake.pending_failures() == 0


def test_rate_limit_without_retry_handler(fake: FakeSlack, client: WebClient) -> None:
    fake.fail("chat.postMessage", retry_after=7)
    with pytest.raises(SlackApiError) as err:
        client.chat_postMessage(channel="C1", text="hi")
    assert err.value.response.status_code == 429
    assert err.value.response.headers["Retry-After"] == "7"


def test_failures_are_consumed_in_order(fake: FakeSlack, client: WebClient) -> None:
    fake.fail("chat.postMessage", status=500)
    fake.fail("chat.postMessage", error="channel_not_found", times=2)
    errors = []
    for _ in range(3):
        with pytest.raises(SlackApiError) as err:
            client.chat_postMessage(channel="C1", text="hi")
        errors.append((err.value.response.status_code, err.value.response["error"]))
    assert errors == [(500, "internal_error"), (200, "channel_not_found"), (200, "channel_not_found")]
    assert client.chat_postMessage(channel="C1", text="hi")["ok"]
    assert [c.outcome for c in fake.calls("chat.postMessage")] == ["500", *["channel_not_found"] * 2, "ok"]
    assert client.auth_test()["ok"]  # other methods were never affected


def test_reset(fake: FakeSlack) -> None:
    fake.fail("chat.postMessage", reset=True)
    client = WebClient(token=TOKEN, base_url=fake.url, retry_handlers=[])
    with pytest.raises((URLError, ConnectionError)):
        client.chat_postMessage(channel="C1", text="hi")
    assert fake.last("chat.postMessage").outcome == "reset"
    assert client.chat_postMessage(channel="C1", text="hi")["ok"]


def test_hang_triggers_client_timeout(fake: FakeSlack) -> None:
    fake.fail("users.info", hang=2)
    client = WebClient(token=TOKEN, base_url=fake.url, timeout=0.5, retry_handlers=[])  # type: ignore[arg-type]
    started = time.monotonic()
    with pytest.raises(TimeoutError):
        client.users_info(user=fake.bot_user_id)
    assert time.monotonic() - started < 1.5
    assert fake.last("users.info").outcome == "hang"


def test_response_url(fake: FakeSlack) -> None:
    resp = WebhookClient(fake.response_url("x")).send(text="hi", replace_original=True)
    assert resp.status_code == 200
    assert resp.body == "ok"
    call = fake.last("response_url")
    assert call.args == {"text": "hi", "replace_original": True, "_name": "x"}
    assert "authorization" not in call.headers


def test_response_url_failure(fake: FakeSlack) -> None:
    fake.fail("response_url", error="expired_url")
    resp = WebhookClient(fake.response_url("late")).send(text="hi")
    assert (resp.status_code, resp.body) == (404, "expired_url")
    assert fake.last("response_url").outcome == "expired_url"


def test_wait_for_across_threads(fake: FakeSlack, client: WebClient) -> None:
    def later() -> None:
        time.sleep(0.05)
        for i in range(2):
            client.chat_postMessage(channel="C1", text=str(i))

    thread = threading.Thread(target=later)
    thread.start()
    calls = fake.wait_for("chat.postMessage", count=2, timeout=5)
    thread.join()
    assert [c.args["text"] for c in calls] == ["0", "1"]
    assert all(isinstance(c, Call) for c in calls)


def test_wait_for_timeout_lists_recorded_methods(fake: FakeSlack, client: WebClient) -> None:
    client.auth_test()
    with pytest.raises(AssertionError, match=r"chat\.postMessage.*\['auth\.test'\]"):
        fake.wait_for("chat.postMessage", timeout=0.05)


def test_calls_filter_copy_and_clear(fake: FakeSlack, client: WebClient) -> None:
    client.auth_test()
    client.chat_postMessage(channel="C1", text="hi")
    snapshot = fake.calls()
    assert [c.method for c in snapshot] == ["auth.test", "chat.postMessage"]
    assert [c.method for c in fake.calls("auth.test")] == ["auth.test"]
    fake.clear()
    assert fake.calls() == []
    assert len(snapshot) == 2


def test_fail_rejects_ambiguous_modes(fake: FakeSlack) -> None:
    with pytest.raises(ValueError):
        fake.fail("chat.postMessage", reset=True, hang=1)


METADATA = {"event_type": "pacer_outbox", "event_payload": {"key": "nudge:U1:2026-11-24"}}


def test_history_returns_a_dms_messages_newest_first_with_metadata_only_on_request(
    fake: FakeSlack, client: WebClient
) -> None:
    fake.add_user("U1")
    first = client.chat_postMessage(channel="U1", text="one", metadata=METADATA)
    second = client.chat_postMessage(channel="U1", text="two")
    dm = first["channel"]

    with_metadata = client.conversations_history(channel=dm, include_all_metadata=True)["messages"]
    assert [m["ts"] for m in with_metadata] == [second["ts"], first["ts"]]
    assert with_metadata[1]["metadata"] == METADATA
    assert "metadata" not in client.conversations_history(channel=dm)["messages"][1]
    assert [m["text"] for m in fake.messages("U1")] == ["one", "two"]


def test_history_pages_with_a_cursor_and_filters_by_ts(client: WebClient) -> None:
    stamps = [client.chat_postMessage(channel="C1", text=str(i))["ts"] for i in range(5)]
    page = client.conversations_history(channel="C1", limit=2)
    assert [m["ts"] for m in page["messages"]] == stamps[:2:-1][:2] and page["has_more"]
    rest = client.conversations_history(channel="C1", limit=10, cursor=page["response_metadata"]["next_cursor"])
    assert [m["ts"] for m in rest["messages"]] == stamps[2::-1] and not rest["has_more"]
    assert [m["ts"] for m in client.conversations_history(channel="C1", oldest=stamps[3])["messages"]] == [stamps[4]]


def test_history_of_an_unknown_conversation_is_channel_not_found(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as raised:
        client.conversations_history(channel="C404")
    assert raised.value.response["error"] == "channel_not_found"


def test_an_applied_failure_posts_the_message_and_still_answers_500(fake: FakeSlack, client: WebClient) -> None:
    fake.fail("chat.postMessage", status=500, applied=True)
    with pytest.raises(SlackApiError) as raised:
        client.chat_postMessage(channel="C1", text="maybe")
    assert raised.value.response.status_code == 500
    assert [m["text"] for m in fake.messages("C1")] == ["maybe"]


def test_a_plain_500_posts_nothing_and_a_hang_posts_before_timing_out(fake: FakeSlack) -> None:
    client = WebClient(token=TOKEN, base_url=fake.url, timeout=1, retry_handlers=[])
    fake.fail("chat.postMessage", status=500)
    fake.fail("chat.postMessage", hang=3)
    with pytest.raises(SlackApiError):
        client.chat_postMessage(channel="C1", text="lost")
    with pytest.raises(TimeoutError):
        client.chat_postMessage(channel="C1", text="posted late")
    assert [m["text"] for m in fake.messages("C1")] == ["posted late"]


def test_fail_after_lets_the_first_requests_through(fake: FakeSlack, client: WebClient) -> None:
    fake.fail("chat.postMessage", status=500, after=2)
    client.chat_postMessage(channel="C1", text="1")
    client.chat_postMessage(channel="C1", text="2")
    with pytest.raises(SlackApiError):
        client.chat_postMessage(channel="C1", text="3")
    assert [c.outcome for c in fake.calls("chat.postMessage")] == ["ok", "ok", "500"]


def test_a_rate_limit_counts_each_workspace_separately_and_says_when_the_minute_ends() -> None:
    now = [datetime(2026, 11, 24, 15, 0, 45, tzinfo=UTC)]
    with FakeSlack(clock=lambda: now[0]) as fake:
        fake.add_user("UA1", team_id="TA")
        fake.add_user("UB1", team_id="TB")
        fake.rate_limit("chat.postMessage", per_minute=2)
        client = WebClient(token=TOKEN, base_url=fake.url, timeout=5, retry_handlers=[])
        client.chat_postMessage(channel="UA1", text="a1")
        dm = client.chat_postMessage(channel="UA1", text="a2")["channel"]
        client.chat_postMessage(channel="UB1", text="b1")
        with pytest.raises(SlackApiError) as raised:
            client.chat_postMessage(channel=dm, text="a3")
        assert raised.value.response.status_code == 429
        assert raised.value.response.headers["Retry-After"] == "15"
        now[0] += timedelta(seconds=15)
        client.chat_postMessage(channel="UA1", text="a3")
        assert [m["text"] for m in fake.messages("UA1")] == ["a1", "a2", "a3"]
        assert [c.outcome for c in fake.calls()] == ["ok", "ok", "ok", "429", "ok"]


def test_a_group_dm_is_opened_once_per_set_of_people_and_posts_land_in_it(fake: FakeSlack, client: WebClient) -> None:
    fake.add_user("U2", team_id="T9")
    first = client.conversations_open(users="U2,U1")
    again = client.conversations_open(users="U1,U2")

    assert first["channel"]["id"] == again["channel"]["id"] == fake.group_channel("U1", "U2")
    assert first["channel"]["id"].startswith("G") and again["already_open"] is True
    client.chat_postMessage(channel=first["channel"]["id"], text="hello both")
    assert [m["text"] for m in fake.messages(first["channel"]["id"])] == ["hello both"]


def test_replies_go_in_the_thread_and_history_lists_only_top_level_messages(fake: FakeSlack, client: WebClient) -> None:
    parent = client.chat_postMessage(channel="C1", text="parent")["ts"]
    first = client.chat_postMessage(channel="C1", text="one", thread_ts=parent)
    client.chat_postMessage(channel="C1", text="two", thread_ts=first["ts"])  # a reply's ts: the same thread
    client.chat_postMessage(channel="C1", text="also here", thread_ts=parent, reply_broadcast=True)
    client.chat_postMessage(channel="C1", text="later")

    history = client.conversations_history(channel="C1")["messages"]
    assert [m["text"] for m in history] == ["later", "also here", "parent"]
    assert history[2]["reply_count"] == 3 and history[2]["thread_ts"] == parent
    assert [m["text"] for m in fake.thread("C1", parent)] == ["one", "two", "also here"]
    assert first["message"]["thread_ts"] == parent


def test_conversations_replies_pages_a_thread_parent_first_with_metadata_only_on_request(client: WebClient) -> None:
    parent = client.chat_postMessage(channel="C1", text="parent")["ts"]
    metadata = {"event_type": "pacer_outbox", "event_payload": {"key": "k"}}
    for n in range(3):
        client.chat_postMessage(channel="C1", text=f"r{n}", thread_ts=parent, metadata=metadata)

    page = client.conversations_replies(channel="C1", ts=parent, limit=2, include_all_metadata=True)
    rest = client.conversations_replies(channel="C1", ts=parent, cursor=page["response_metadata"]["next_cursor"])

    assert [m["text"] for m in page["messages"]] == ["parent", "r0"] and page["has_more"] is True
    assert page["messages"][1]["metadata"] == metadata
    assert [m["text"] for m in rest["messages"]] == ["r1", "r2"] and "metadata" not in rest["messages"][0]


def test_a_reply_to_an_unknown_message_or_thread_is_thread_not_found(client: WebClient) -> None:
    client.chat_postMessage(channel="C1", text="parent")
    with pytest.raises(SlackApiError, match="thread_not_found"):
        client.chat_postMessage(channel="C1", text="lost", thread_ts="1.000001")
    with pytest.raises(SlackApiError, match="thread_not_found"):
        client.conversations_replies(channel="C1", ts="1.000001")
    with pytest.raises(SlackApiError, match="channel_not_found"):
        client.conversations_replies(channel="C404", ts="1.000001")
