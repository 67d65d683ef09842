"""`/leaderboard` end to end: a team ranked by score or by one metric, ties shared, the caller's line marked."""

from decimal import Decimal

import pytest

from bot.config import PacerConfig, ProductLine, Team
from tests.conftest import ADMIN, MANAGER, OUTSIDER, REP, REP2

REP3 = "UREP0003"
REP4 = "UREP0004"
FARMER = "UFARM0001"


@pytest.fixture
def config() -> PacerConfig:
    return PacerConfig(
        currency="USD",
        recognition="signed",
        product_lines=[ProductLine(name="Core"), ProductLine(name="Enterprise", premium=True)],
        teams=[
            Team(name="East", manager=MANAGER, members=[REP, REP2, REP3, REP4]),
            Team(name="West Coast", manager=ADMIN, members=[FARMER], profile="farmer"),
        ],
        admins=[ADMIN],
    )


@pytest.fixture(autouse=True)
def _more_reps(slack):
    slack.add_user(REP3, name="kim", real_name="Kim Rep", display_name="Kim", tz="America/New_York")
    slack.add_user(REP4, name="sam", real_name="Sam Rep", display_name="Sam", tz="America/New_York")
    slack.add_user(FARMER, name="fay", real_name="Fay Farmer", display_name="Fay", tz="America/New_York")


def lines_of(response) -> list[str]:
    """The ranked lines, one per rep, in board order."""
    sections = [b["text"]["text"] for b in response.json()["blocks"] if b["type"] == "section"]
    return [line for text in sections for line in text.split("\n")]


def test_the_team_is_ranked_by_score_with_each_reps_own_scorecard(pacer):
    pacer.deal(REP, "60k Acme Corp")
    pacer.deal(REP, "20k Globex")
    pacer.activity(REP, "call 30")
    pacer.activity(REP, "lead 10")
    pacer.deal(REP2, "20k Initech")

    response = pacer.command(REP, "/leaderboard")
    assert response.json()["response_type"] == "ephemeral"
    assert "East leaderboard — November 2026" in response.text and "Ranked by *score*" in response.text
    lines = lines_of(response)
    # Dana: 32.00 + 15.00 + 7.50 + 7.50; Lee: revenue 20 % × 40 = 8.00 + 1 of 4 new customers × 30 = 7.50
    assert "Dana — *62.00 pts* · Below" in lines[0] and lines[0].startswith("`  1`")
    assert "Lee — *15.50 pts* · Below" in lines[1] and lines[1].startswith("`  2`")
    # Kim and Sam have never used Pacer: on the board with 0, sharing third place
    assert f"<@{REP3}> — *0.00 pts*" in lines[2] and lines[2].startswith("` =3`")
    assert f"<@{REP4}> — *0.00 pts*" in lines[3] and lines[3].startswith("` =3`")
    assert "medal" not in lines[2]


def test_ties_share_a_place_and_the_next_place_is_skipped(pacer):
    pacer.deal(REP, "60k Acme Corp")
    pacer.deal(REP2, "10k Globex")
    pacer.deal(REP3, "10k Initech")

    lines = lines_of(pacer.command(REP4, "/leaderboard", "revenue"))
    assert lines[0].startswith("`  1`") and "Dana — *$60,000* · 60 % of $100,000" in lines[0]
    assert lines[1].startswith("` =2`") and "Kim — *$10,000* · 10 % of $100,000" in lines[1]
    assert lines[2].startswith("` =2`") and "Lee — *$10,000*" in lines[2]
    assert lines[3].startswith("`  4`") and "Sam — *$0* · 0 % of $100,000" in lines[3]  # registered by asking


def test_the_callers_own_line_is_highlighted(pacer):
    pacer.deal(REP, "60k Acme Corp")
    lines = lines_of(pacer.command(REP2, "/leaderboard"))
    lee = next(line for line in lines if "Lee" in line)
    dana = next(line for line in lines if "Dana" in line)
    assert lee.endswith(":point_left: *you*") and "you" not in dana


def test_a_goal_sets_the_target_the_metric_board_compares_with(pacer):
    from bot.store import goals
    from scoring.periods import month_of
    from tests.support import reads

    pacer.deal(REP, "30k Acme Corp")
    member = reads.member(pacer.db, REP)
    with pacer.db.transaction() as session:
        goals.set_goal(
            session,
            workspace_id=member.workspace_id,
            member_id=member.id,
            metric="revenue",
            period=month_of(pacer.clock().date()),
            value=Decimal("40000"),
            set_by=MANAGER,
            source="admin",
            now=pacer.clock(),
        )
    lines = lines_of(pacer.command(REP, "/leaderboard", "revenue"))
    assert "Dana — *$30,000* · 75 % of $40,000" in lines[0]


def test_a_metric_without_targets_shows_values_with_units(pacer):
    pacer.activity(REP, "call 7")
    pacer.activity(REP2, "call 3")
    lines = lines_of(pacer.command(REP, "/leaderboard", "activities:call"))
    assert "Dana — *7*" in lines[0] and " of " not in lines[0]
    assert "Lee — *3*" in lines[1]


def test_an_earlier_period_can_be_asked_for(pacer):
    pacer.deal(REP, "10k Acme Corp date:2026-10-15")
    pacer.deal(REP2, "5k Globex")

    october = pacer.command(REP, "/leaderboard", "revenue last-month")
    assert "October 2026" in october.text
    assert "Dana — *$10,000*" in lines_of(october)[0]
    november = pacer.command(REP, "/leaderboard", "revenue")
    assert "November 2026" in november.text and "Lee — *$5,000*" in lines_of(november)[0]
    assert "Dana — *$0*" in " ".join(lines_of(november))


def test_a_period_alone_ranks_by_score(pacer):
    pacer.deal(REP, "10k Acme Corp date:2026-10-15")
    response = pacer.command(REP, "/leaderboard", "2026-10")
    assert "October 2026" in response.text and "Dana — *11.50 pts*" in lines_of(response)[0]


def test_a_bad_period_gets_an_example(pacer):
    text = pacer.command(REP, "/leaderboard", "revenue 2026-13").text
    assert ":warning:" in text and "Example: `/leaderboard" in text


def test_an_unknown_metric_lists_the_valid_ones_with_the_closest(pacer):
    text = pacer.command(REP, "/leaderboard", "revnue").text
    assert "no metric “revnue”" in text and "Did you mean *revenue*?" in text
    assert "new_customers" in text and "Example: `/leaderboard revenue this-month`" in text


def test_someone_in_no_team_is_told_how_teams_are_configured(pacer):
    text = pacer.command(OUTSIDER, "/leaderboard").text
    assert "not on a team" in text and "pacer.yml" in text and "teams:" in text


def test_the_manager_sees_the_same_board_without_a_line_of_their_own(pacer):
    pacer.deal(REP, "60k Acme Corp")
    manager = lines_of(pacer.command(MANAGER, "/leaderboard"))
    rep = lines_of(pacer.command(REP, "/leaderboard"))
    assert [line.replace("  :point_left: *you*", "") for line in rep] == manager


def test_an_admin_may_name_a_team_and_a_rep_may_not_name_another(pacer):
    pacer.deal(REP, "60k Acme Corp")
    admin = pacer.command(ADMIN, "/leaderboard", "revenue East")
    assert "East leaderboard" in admin.text and "Dana — *$60,000*" in lines_of(admin)[0]
    refused = pacer.command(REP, "/leaderboard", "West Coast").text
    assert "isn't yours" in refused


def test_help_lists_the_syntax(pacer):
    assert "/leaderboard revenue" in pacer.command(REP, "/leaderboard", "help").text


def test_a_team_of_farmers_is_ranked_by_quarter_by_default(pacer):
    pacer.deal(FARMER, "10k Acme Corp date:2026-10-15")
    response = pacer.command(FARMER, "/leaderboard", "revenue")
    assert "West Coast leaderboard — Q4 2026" in response.text
    assert "Fay — *$10,000*" in lines_of(response)[0]


def test_a_big_team_shows_fifty_lines_and_the_callers_own_place(pacer, slack, config):
    others = [f"UA{n:07d}" for n in range(59)]
    zoe = "UZOE00001"
    slack.add_user(zoe, name="zoe", real_name="Zoe Rep", display_name="Zoe", tz="UTC")
    big = config.model_copy(update={"teams": [Team(name="Everyone", manager=MANAGER, members=[*others, zoe])]})
    pacer.deps.config = big

    response = pacer.command(zoe, "/leaderboard")
    sections = [b["text"]["text"] for b in response.json()["blocks"] if b["type"] == "section"]
    lines = lines_of(response)
    assert all(len(text) < 3000 for text in sections)
    assert len(lines) == 52 and lines[50] == "… and 10 more"
    assert lines[-1].startswith("` =1`") and "Zoe" in lines[-1] and lines[-1].endswith(":point_left: *you*")
