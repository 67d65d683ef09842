"""Invisible characters and Slack markup, end to end: no look-alike names, no stored link markup,
and no user markup in anything Pacer sends back to Slack (fallback `text` included)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlmodel import select

from bot.store.tables import Member, RuleVersion, TrainingCompletion
from handlers import ids
from tests.conftest import ADMIN, MANAGER, REP
from tests.support import reads
from tests.support.harness import Response
from tests.support.payloads import date_pick, number, text_input
from tests.support.payloads import select as picked

# --- invisible characters ------------------------------------------------------------------------------


def test_a_name_with_a_zero_width_space_is_the_same_customer(pacer, db):
    pacer.deal(REP, "100 Acme")
    response = pacer.deal(REP, "200 Ac\u200bme")

    assert response.status == 200
    first, second = reads.deals(db)
    assert first.customer_id == second.customer_id
    assert [c.name for c in reads.customers(db)] == ["Acme"]


def test_a_new_customer_is_stored_without_its_invisible_characters(pacer, db):
    pacer.deal(REP, "100 \ufeffGlo\u200dbex\u2060 Corp\u00ad note:kick-off 👩\u200d💻 with\u200b the team")

    [deal] = reads.deals(db)
    assert reads.customer_name(db, deal.customer_id) == "Globex Corp"
    assert deal.note == "kick-off 👩\u200d💻 with the team"  # the emoji keeps its joiner
    assert reads.customers(db)[0].name_key == "globexcorp"


def test_a_lookup_typed_with_invisible_characters_finds_the_customer(pacer):
    pacer.deal(REP, "100 Acme")
    text = pacer.command(ADMIN, "/pacer", "csat Ac\u200bme\u3164 5").text
    assert "CSAT *5* of 5 for *Acme*" in text


def test_a_product_line_with_an_invisible_character_is_refused_and_nothing_is_published(pacer, db):
    pacer.command(ADMIN, "/pacer", "products add Orbit")
    before = (len(versions(db)), len(reads.outbox(db)))

    response = pacer.command(ADMIN, "/pacer", "products add Or\u200bbit")

    assert "invisible character (U+200B ZERO WIDTH SPACE)" in response.text
    assert "Example: `/pacer products add Cloud Suite premium`" in response.text
    assert (len(versions(db)), len(reads.outbox(db))) == before
    assert [line["name"] for line in versions(db)[-1].product_lines] == ["Core", "Enterprise", "Orbit"]


@pytest.mark.parametrize(
    ("text", "thing"),
    [
        (f"team <@{REP}> Ea\u2060st", "team name"),
        (f"training <@{REP}> Premium\u00adSelling done", "course name"),
        ("products add \u3164", "product line name"),
    ],
)
def test_a_name_that_must_be_told_apart_refuses_an_invisible_character(pacer, db, text, thing):
    response = pacer.command(ADMIN, "/pacer", text)

    assert f"The {thing} contains an invisible character (U+" in response.text
    assert response.json()["response_type"] == "ephemeral"
    member = reads.member(db, REP)
    assert member is None or member.team is None
    with db.transaction() as session:
        assert list(session.exec(select(TrainingCompletion))) == []
    assert versions(db) == []


def test_a_deal_on_a_product_line_typed_with_an_invisible_character_uses_the_line(pacer, db):
    pacer.deal(REP, "100 Acme product:Enter\u200bprise")
    [deal] = reads.deals(db)
    assert deal.product_line == "Enterprise"


def test_a_team_typed_with_an_invisible_character_is_found(pacer):
    text = pacer.command(MANAGER, "/leaderboard", "Ea\u200bst").text
    assert "East leaderboard" in text


def versions(db):
    with db.transaction() as session:
        return list(session.exec(select(RuleVersion).order_by(RuleVersion.version)))


# --- link markup ---------------------------------------------------------------------------------------


def activity_form(customer: str, note: str | None = None) -> dict[str, dict[str, Any]]:
    return {
        "kind": picked("meeting"),
        "count": number("2"),
        "customer": text_input(customer),
        "date": date_pick("2026-11-23"),
        "note": text_input(note),
    }


def test_the_activity_form_stores_a_links_label_as_the_command_does(pacer, db):
    pacer.submit(REP, ids.ACTIVITY_MODAL, activity_form("<https://x.example|x>", note="see <ftp://f.example|the deck>"))
    pacer.activity(REP, "meeting 2 <https://x.example|x> note:see <ftp://f.example|the deck>")

    from_form, from_command = reads.activities(db)
    assert reads.customer_name(db, from_form.customer_id) == "x"
    assert from_form.customer_id == from_command.customer_id
    assert from_form.note == from_command.note == "see the deck"


@pytest.mark.parametrize(
    "link", ["<ftp://files.example|Acme>", "<slack://open|Acme>", "<javascript:alert(1)|Acme>", "<www.a.example|Acme>"]
)
def test_no_link_markup_is_stored_or_echoed_whatever_its_scheme(pacer, db, link):
    response = pacer.deal(REP, f"100 {link} note:{link}")

    [deal] = reads.deals(db)
    assert reads.customer_name(db, deal.customer_id) == "Acme" and deal.note == "Acme"
    assert response.json()["text"] == "Logged D-1: $100 with Acme"


def test_a_period_that_is_a_channel_alert_is_not_echoed_raw(pacer):
    response = pacer.command(REP, "/progress", "<!channel>")

    body = response.json()
    assert "isn't a period" in body["text"] and "&lt;!channel&gt;" in body["text"]
    assert "<!channel>" not in response.body


# --- every command, every path: nothing user-made comes back as markup -----------------------------------

HOSTILE = ["<!channel>", "<@U123>", "<#C1>", "<https://evil.example|x>", "<javascript:x|y>", "&lt;!here&gt;"]
RAW = ["<!channel>", "<!here", "<#C1", "<https://evil", "<javascript:"]

# (user, command, text with {h} where the hostile text goes): the error and the success paths.
PATHS = [
    (REP, "/deal", "{h}"),
    (REP, "/deal", "100 {h}"),
    (REP, "/deal", "100 Acme note:{h}"),
    (REP, "/deal", "60000 Acme {h} note:won"),  # a celebrated deal posts to the wins channel
    (REP, "/deal", "100 Acme product:{h}"),
    (REP, "/deal", "100 Acme stage:{h}"),
    (REP, "/deal", "100 Acme date:{h}"),
    (REP, "/deal", "void D-1 {h}"),
    (REP, "/deal", "paid {h}"),
    (REP, "/deal", "list {h}"),
    (REP, "/activity", "{h}"),
    (REP, "/activity", "call {h}"),
    (REP, "/activity", "call 2 Acme {h} note:{h}"),
    (REP, "/activity", "call Acme date:{h}"),
    (REP, "/activity", "void A-1 {h}"),
    (REP, "/progress", "{h}"),
    (MANAGER, "/progress", f"<@{REP}> {{h}}"),
    (REP, "/scorecard", "{h}"),
    (REP, "/leaderboard", "{h}"),
    (MANAGER, "/leaderboard", "revenue {h}"),
    (MANAGER, "/goal", "{h}"),
    (MANAGER, "/goal", f"<@{REP}> revenue {{h}}"),
    (MANAGER, "/goal", f"<@{REP}> {{h}} 5"),
    (MANAGER, "/goal", f"<@{REP}> revenue 5000 {{h}}"),
    (MANAGER, "/goal", "team {h}"),
    (MANAGER, "/goal", "list {h}"),
    (ADMIN, "/pacer", "{h}"),
    (ADMIN, "/pacer", "products add {h}"),
    (ADMIN, "/pacer", "products remove {h}"),
    (ADMIN, "/pacer", "counting {h}"),
    (ADMIN, "/pacer", f"team <@{REP}> {{h}}"),
    (ADMIN, "/pacer", f"role <@{REP}> {{h}}"),
    (ADMIN, "/pacer", f"profile <@{REP}> {{h}}"),
    (ADMIN, "/pacer", f"manager <@{REP}> {{h}}"),
    (ADMIN, "/pacer", "csat {h} 5"),
    (ADMIN, "/pacer", f"training <@{REP}> {{h}} done"),
    (REP, "/pacer", "nudges {h}"),
]


def stored_person(db, user_id: str) -> bool:
    """Pacer mentions on purpose the people it stores (members, their managers): those are not leaks."""
    with db.transaction() as session:
        manager = session.exec(select(Member).where(Member.manager_user_id == user_id)).first()
    return manager is not None or reads.member(db, user_id) is not None


def outgoing(response: Response, slack) -> list[str]:
    """Every string Pacer sent to Slack for a request: the ack, response_url posts, Web API calls."""
    sent = [json.dumps(response.json(), ensure_ascii=False)]
    sent += [json.dumps(call.args, ensure_ascii=False) for call in slack.calls()]
    return sent


@pytest.mark.parametrize(("user", "command", "template"), PATHS, ids=lambda v: str(v))
def test_hostile_text_never_comes_back_as_markup(pacer, db, slack, user, command, template):
    pacer.deal(REP, "100 Acme")  # something to find, void and list
    pacer.activity(REP, "call Acme")
    for hostile in HOSTILE:
        slack.clear()
        response = pacer.command(user, command, template.format(h=hostile))
        pacer.settle()
        pacer.deliver_outbox()

        assert response.status == 200
        for sent in outgoing(response, slack):
            leaked = [raw for raw in RAW if raw in sent]
            if "<@U123>" in sent and not stored_person(db, "U123"):
                leaked.append("<@U123>")
            assert not leaked, f"{command} {template.format(h=hostile)!r} sent {leaked} raw: {sent[:300]}"
