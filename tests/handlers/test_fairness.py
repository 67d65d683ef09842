"""`/pacer fairness [period]`: the fairness report in Slack, for admins only."""

from __future__ import annotations

import pytest
from sqlmodel import select

from bot.config import PacerConfig
from bot.store.tables import Member
from handlers.blocks.common import MESSAGE_BLOCKS_MAX, SECTION_TEXT_MAX, slack_len
from tests.conftest import ADMIN, MANAGER, REP
from tests.fakes.slack_api import FakeSlack
from tests.support import reads
from tests.support.fairness import NOW, WES, fairness_config, seven_appeals, with_kim_and_wes


@pytest.fixture
def config() -> PacerConfig:
    return fairness_config()


@pytest.fixture
def slack(slack: FakeSlack) -> FakeSlack:
    return with_kim_and_wes(slack)


@pytest.fixture
def seeded(pacer):
    seven_appeals(pacer)
    pacer.clock.now = NOW
    return pacer


def blocks_of(response) -> list[dict]:
    return response.json()["blocks"]


def test_an_admin_gets_the_report_of_the_period_as_block_kit_with_units_and_the_period_named(seeded, db):
    response = seeded.command(ADMIN, "/pacer", "fairness 2026-10")

    assert response.status == 200
    data = response.json()
    blocks = blocks_of(response)
    assert (blocks[0]["type"], blocks[0]["text"]["text"]) == ("header", "Fairness report — October 2026")
    assert data["text"].startswith("Fairness report for October 2026: 7 appeals, uphold rate 50.0 %")
    overall = next(b for b in blocks if b["type"] == "section" and "fields" in b)
    fields = [f["text"] for f in overall["fields"]]
    assert "*Uphold rate*\n50.0 %" in fields and "*Median time to decision*\n1.5 working days" in fields
    assert "*Overdue now · decided late*\n1 · 1" in fields
    body = response.text
    assert (
        "*East* — 3 filed: 1 open, 0 withdrawn, 2 decided (1 upheld, 0 partly upheld, 1 rejected) · uphold rate "
        "*50.0 %* · median time to decision *4 working days* · 1 overdue now · 1 decided late"
    ) in body
    assert f"*<@{MANAGER}>* — 5 filed" in body and "uphold rate *66.7 %*" in body
    assert f"*<@{WES}>* — 2 filed" in body and "uphold rate *0.0 %* · median time to decision *0 working days*" in body
    assert "*Scores of the hunter profile*" in body and "*Q1 – Q3*\n25.00 – 35.00 points" in body
    assert "Below: 100.0 % (2)" in body and "Exceeds: 0.0 % (0)" in body
    assert "(2026-10)" in body
    assert len(blocks) <= MESSAGE_BLOCKS_MAX
    assert all(slack_len(b.get("text", {}).get("text", "")) <= SECTION_TEXT_MAX for b in blocks)
    [entry] = reads.audit(db, "fairness.reported")
    assert (entry.actor, entry.after) == (ADMIN, {"period": "2026-10", "format": "slack", "appeals": 7})


def test_without_a_period_an_admin_gets_the_latest_period_evaluated(seeded):
    response = seeded.command(ADMIN, "/pacer", "fairness")

    assert blocks_of(response)[0]["text"]["text"] == "Fairness report — October 2026"


def test_team_names_are_escaped_in_the_report(seeded, db):
    with db.transaction() as session:  # pacer.yml or an old import may hold what /pacer team refuses
        dana = session.exec(select(Member).where(Member.user_id == REP)).one()
        dana.team = "R&D <Core>"
        session.add(dana)

    body = seeded.command(ADMIN, "/pacer", "fairness 2026-10").text

    assert "*R&amp;D &lt;Core&gt;* — 3 filed" in body


@pytest.mark.parametrize("user", [REP, MANAGER])
def test_a_rep_or_a_manager_is_refused_as_for_the_other_admin_commands_and_nothing_is_audited(seeded, db, user):
    body = seeded.command(user, "/pacer", "fairness 2026-10").text

    assert "Only a Pacer admin can see the fairness report" in body and "Example: `/pacer help`" in body
    assert "Fairness report" not in body
    assert reads.audit(db, "fairness.reported") == []


def test_a_period_that_cannot_be_read_is_answered_with_a_working_example(seeded):
    body = seeded.command(ADMIN, "/pacer", "fairness 2026-13").text

    assert "There is no month 13" in body and "Example: `/pacer fairness 2026-12`" in body


def test_a_workspace_with_no_evaluations_says_so(pacer):
    body = pacer.command(ADMIN, "/pacer", "fairness").text

    assert "No evaluations yet" in body


def test_admins_see_fairness_in_help_and_reps_do_not(pacer):
    assert "/pacer fairness last-month" in pacer.command(ADMIN, "/pacer", "help").text
    assert "/pacer fairness" not in pacer.command(REP, "/pacer", "help").text
