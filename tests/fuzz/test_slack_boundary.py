"""Hostile and random text into every slash command and modal field, through signed requests.

For every input, whatever it is:
- the app answers HTTP 200, and never with the apology of the catch-all error handler;
- nothing is stored unless the reply says so: an error reply leaves every table as it was, and a
  logged deal or activity is read back equal to what the reply says;
- no raw `<…>` markup from the user reaches Slack: in the ack, the response_url posts, the Web API
  calls and the queued outbox messages, every `<…>` in text Slack reads markup in (mrkdwn and the
  fallback `text`; not `plain_text`, which Slack shows as written) is one Pacer renders on purpose;
- no Block Kit limit is exceeded, and every block survives slack_sdk's own validation.

Bounded for CI (`PACER_FUZZ_EXAMPLES`, default 25 inputs per target and database, about a minute in
all); run longer locally with e.g. `PACER_FUZZ_EXAMPLES=2000 make unit` (README, *Tests*).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from slack_sdk.models.blocks import Block
from sqlalchemy import func, select

from bot.store.common import from_minor
from bot.store.tables import (
    Activity,
    AuditEntry,
    CsatResult,
    Customer,
    Deal,
    Goal,
    Member,
    OutboxMessage,
    RuleVersion,
    TrainingCompletion,
)
from handlers import ids
from handlers.errors import APOLOGY
from scoring.money import format_amount
from tests.conftest import ADMIN, MANAGER, OUTSIDER, REP, REP2, WINS_CHANNEL
from tests.support.harness import Pacer, Response

EXAMPLES = int(os.environ.get("PACER_FUZZ_EXAMPLES", "25"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)

PEOPLE = (REP, REP2, MANAGER, ADMIN, OUTSIDER)
# The only `<…>` Pacer writes itself: mentions of members it knows, and the wins channel.
OWN_MARKUP = re.compile(rf"<@(?:{'|'.join(PEOPLE)})>|<#{WINS_CHANNEL}>")
ANY_MARKUP = re.compile(r"<[^<>]*>")
MESSAGE_BLOCKS, VIEW_BLOCKS, SECTION_TEXT, CONTEXT_TEXT = 50, 100, 3000, 2000

# Pieces people paste, and pieces attackers type: markup, invisible and look-alike characters,
# numbers in every spelling, and the words the parsers look for.
HOSTILE = [
    "<!channel>",
    "<!here>",
    "<!everyone>",
    "<!subteam^S0FUZZ>",
    "<@U0FUZZ01>",
    "<@UREP0001>",
    "<#C0FUZZ01|general>",
    "<https://fuzz.example|click>",
    "<http://fuzz.example>",
    "<ftp://fuzz.example|x>",
    "<slack://open|x>",
    "<javascript:alert(1)|x>",
    "<www.fuzz.example|x>",
    "<mailto:a@fuzz.example|mail>",
    "&lt;!channel&gt;",
    "&amp;lt;!here&amp;gt;",
    "&",
    "<",
    ">",
    "*bold*",
    "`code`",
    "\u200b",
    "\u200d",
    "\u2060",
    "\ufeff",
    "\u00ad",
    "\u202e",
    "\u2066",
    "\x00",
    "\x07",
    "\n",
    "\t",
    "ＡＣＭＥ",
    "１２３",
    "10²",
    "½",
    "٣",
    "25 000",
    "1 000 000",
    "12 500,50",
    "-1",
    "0",
    "1.5",
    "3,5",
    "NaN",
    "inf",
    "1e309",
    "0x10",
    "12.5k",
    "1.2万",
    "$",
    "€900",
    "USD",
    "999999999999999999999",
    "D-1",
    "A-1",
    "#1",
    "void",
    "paid",
    "list",
    "help",
    "team",
    "East",
    "revenue",
    "new_customers",
    "csat",
    "60%",
    "2026-11",
    "2026-Q4",
    "FY2026-Q1",
    "this-month",
    "last-quarter",
    "2026-13-45",
    "2026-02-30",
    "date:2026-11-02",
    "stage:paid",
    "product:Core",
    "note:",
    "note:hi",
    "x" * 130,
    "y" * 1100,
    "Acme Corp",
    "🎉",
    "👩\u200d💻",
    "مرحبا",
    "דני",
    "張偉",
]

words = st.one_of(st.sampled_from(HOSTILE), st.text(min_size=1, max_size=12))
hostile_text = st.lists(words, max_size=8).map(" ".join) | st.text(max_size=60)


@dataclass(frozen=True)
class Target:
    command: str
    prefixes: tuple[str, ...]  # text put before the fuzz, to reach the deeper parsers


COMMANDS = [
    Target(ids.DEAL, ("", "500 ", "12500 Acme Corp ", "void D-1 ", "paid D-1 ", "list ")),
    Target(ids.ACTIVITY, ("", "call ", "meeting 2 ", "void A-1 ", "email Acme ")),
    Target(ids.PROGRESS, ("", f"<@{REP}> ", "2026-11 ")),
    Target(ids.SCORECARD, ("", f"<@{REP}> ", "hunter ")),
    Target(ids.GOAL, ("", f"<@{REP}> ", f"<@{REP}> revenue ", "team ", "team East revenue ", "list ")),
    Target(ids.LEADERBOARD, ("", "revenue ", "score 2026-11 ")),
    Target(
        ids.PACER,
        (
            "",
            "help ",
            "settings ",
            "nudges ",
            "rules ",
            "products ",
            "products add ",
            "products premium ",
            "counting ",
            "csat ",
            "csat Acme Corp ",
            "training ",
            f"training <@{REP}> ",
            f"profile <@{REP}> ",
            f"manager <@{REP}> ",
            f"team <@{REP}> ",
            f"role <@{REP}> ",
        ),
    ),
]


# --- what every answer must satisfy --------------------------------------------------------------

COUNTED = (Deal, Activity, Customer, Goal, CsatResult, TrainingCompletion, RuleVersion, AuditEntry, Member)


def counts(pacer: Pacer) -> dict[str, int]:
    with pacer.db.reading() as session:
        return {
            table.__name__: session.execute(select(func.count()).select_from(table)).scalar_one() for table in COUNTED
        }


def outbox_payloads(pacer: Pacer, after_id: int) -> tuple[int, list[dict[str, Any]]]:
    with pacer.db.reading() as session:
        rows = session.execute(select(OutboxMessage).where(OutboxMessage.id > after_id)).scalars().all()
        return max([after_id, *(r.id for r in rows)]), [dict(r.payload) for r in rows]


def _strings(value: Any) -> list[str]:
    """Every string Slack reads markup in. A `plain_text` object (a button's label, a modal's title) is
    shown exactly as written: a mention or link in it is inert, so it is not checked."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        if value.get("type") == "plain_text":
            return []
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def assert_no_user_markup(where: str, value: Any) -> None:
    for text in _strings(value):
        foreign = [m for m in ANY_MARKUP.findall(text) if not OWN_MARKUP.fullmatch(m)]
        assert not foreign, f"{where}: raw markup {foreign[:3]} reaches Slack in {text[:200]!r}"


def _check_block(block: dict[str, Any]) -> None:
    text = block.get("text")
    if block.get("type") == "section" and isinstance(text, dict):
        assert len(text.get("text", "")) <= SECTION_TEXT, "a section's text is over 3,000 characters"
    if block.get("type") == "context":
        for element in block.get("elements", []):
            assert len(element.get("text", "")) <= CONTEXT_TEXT, "a context element is over 2,000 characters"
    Block.parse(block).to_dict()  # type: ignore[union-attr]  # slack_sdk validates its own limits here


def assert_within_limits(where: str, blocks: Any, *, limit: int) -> None:
    if not blocks:
        return
    assert isinstance(blocks, list), f"{where}: blocks must be a list"
    assert len(blocks) <= limit, f"{where}: {len(blocks)} blocks, Slack takes at most {limit}"
    for block in blocks:
        _check_block(block)


def check_outgoing(pacer: Pacer, response: Response, *, seen_calls: int, outbox_after: int) -> tuple[int, int]:
    """Everything this request made Pacer say: the ack, then what it sent or queued after the ack."""
    pacer.settle()
    body = response.json()
    assert_no_user_markup("ack", body)
    assert_within_limits("ack", body.get("blocks"), limit=MESSAGE_BLOCKS)
    if isinstance(body.get("view"), dict):
        assert_within_limits("ack view", body["view"].get("blocks"), limit=VIEW_BLOCKS)
    calls = pacer.slack.calls()
    for call in calls[seen_calls:]:
        if call.method in ("users.info", "conversations.open", "conversations.history"):
            continue
        args = {
            k: (json.loads(v) if isinstance(v, str) and k in ("blocks", "view") else v) for k, v in call.args.items()
        }
        assert_no_user_markup(call.method, args)
        view = args.get("view")
        if isinstance(view, dict):
            assert_within_limits(call.method, view.get("blocks"), limit=VIEW_BLOCKS)
        else:
            assert_within_limits(call.method, args.get("blocks"), limit=MESSAGE_BLOCKS)
    last_id, payloads = outbox_payloads(pacer, outbox_after)
    for payload in payloads:
        assert_no_user_markup("outbox", payload)
        assert_within_limits("outbox", payload.get("blocks"), limit=MESSAGE_BLOCKS)
    return len(calls), last_id


def is_error(response: Response) -> bool:
    """A refusal: an ephemeral warning, or a form sent back with errors on its fields."""
    body = response.json()
    if body.get("response_action") == "errors":
        return True
    blocks = body.get("blocks") or []
    first = blocks[0].get("text", {}).get("text", "") if blocks and isinstance(blocks[0].get("text"), dict) else ""
    return first.startswith(":warning:")


def assert_stored_as_said(pacer: Pacer, response: Response, before: dict[str, int]) -> None:
    after = counts(pacer)
    text = response.text
    if is_error(response):
        assert after == before, f"an error reply, yet something was stored: {before} → {after}"
        return
    logged = re.search(r"Logged D-(\d+)", text)
    if logged:
        with pacer.db.reading() as session:
            deal = session.execute(select(Deal).where(Deal.number == int(logged.group(1)))).scalar_one()
            customer = session.get(Customer, deal.customer_id)
        assert customer is not None
        amount = format_amount(from_minor(deal.amount_minor, deal.currency))
        assert amount in text, f"the reply says {text[:200]!r}, but {amount} was stored"
        assert _shown(customer.name) in text, f"the reply names another customer than {customer.name!r}"
    logged_activity = re.search(r"Logged A-(\d+)", text)
    if logged_activity:
        with pacer.db.reading() as session:
            activity = session.execute(
                select(Activity).where(Activity.number == int(logged_activity.group(1)))
            ).scalar_one()
        assert activity.kind in text or activity.kind.rstrip("s") in text


def _shown(name: str) -> str:
    return name.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class Boundary:
    """One Pacer for a whole fuzz target: state builds up across inputs, as in a real workspace."""

    def __init__(self, pacer: Pacer) -> None:
        self.pacer = pacer
        self.seen_calls = 0
        self.outbox_after = 0
        for person in PEOPLE:  # first contact registers members: not what is under test
            pacer.command(person, ids.PACER, "help")
        pacer.deal(REP, "12500 Acme Corp")
        pacer.activity(REP, "call Acme Corp")
        pacer.settle()
        self.seen_calls = len(pacer.slack.calls())
        self.outbox_after, _ = outbox_payloads(pacer, 0)

    def send(self, request: Callable[[], Response], *, status: tuple[int, ...] = (200,)) -> Response:
        before = counts(self.pacer)
        response = request()
        assert response.status in status, f"HTTP {response.status}: {response.body[:300]}"
        assert APOLOGY not in response.body, "the catch-all error handler answered"
        self.seen_calls, self.outbox_after = check_outgoing(
            self.pacer, response, seen_calls=self.seen_calls, outbox_after=self.outbox_after
        )
        assert_stored_as_said(self.pacer, response, before)
        self.pacer.slack.clear()
        self.seen_calls = 0
        return response


@pytest.fixture
def boundary(pacer: Pacer) -> Boundary:
    return Boundary(pacer)


@pytest.mark.parametrize("target", COMMANDS, ids=lambda t: t.command.lstrip("/"))
def test_any_text_in_any_command_is_answered_safely_and_stores_only_what_it_says(boundary, target):
    @FUZZ
    @given(prefix=st.sampled_from(target.prefixes), text=hostile_text, user=st.sampled_from(PEOPLE))
    def one(prefix: str, text: str, user: str) -> None:
        boundary.send(lambda: boundary.pacer.command(user, target.command, prefix + text))

    one()


def _input(value: str) -> dict[str, Any]:
    return {"type": "plain_text_input", "value": value}


MODALS = {
    "deal": (
        ids.DEAL_MODAL,
        lambda t: {
            "amount": _input(t[0]),
            "customer": _input(t[1]),
            "product": {"type": "static_select", "selected_option": None},
            "stage": {"type": "static_select", "selected_option": None},
            "date": {"type": "datepicker", "selected_date": None},
            "note": _input(t[2]),
        },
    ),
    "activity": (
        ids.ACTIVITY_MODAL,
        lambda t: {
            "kind": {"type": "static_select", "selected_option": {"value": "call"}},
            "count": {"type": "number_input", "value": t[0]},
            "customer": _input(t[1]),
            "date": {"type": "datepicker", "selected_date": None},
            "note": _input(t[2]),
        },
    ),
    "goal": (
        "goal_modal",
        lambda t: {
            "member": {"type": "users_select", "selected_user": REP},
            "metric": {"type": "static_select", "selected_option": {"value": t[0][:40] or "revenue"}},
            "value": _input(t[1]),
            "period": _input(t[2]),
        },
    ),
}


@pytest.mark.parametrize("modal", sorted(MODALS))
def test_any_text_in_any_form_field_is_answered_safely_and_stores_only_what_it_says(boundary, modal):
    callback_id, values = MODALS[modal]

    @FUZZ
    @given(fields=st.tuples(hostile_text, hostile_text, hostile_text), user=st.sampled_from(PEOPLE))
    def one(fields: tuple[str, str, str], user: str) -> None:
        response = boundary.send(lambda: boundary.pacer.submit(user, callback_id, values(fields)))
        body = response.json()
        if body.get("response_action") == "errors":
            assert_no_user_markup("modal errors", body["errors"])

    one()
