"""Every list Pacer shows fits Slack's Block Kit limits however long it gets: 3,000 characters a
section, 2,000 a context element, 50 blocks a message and 100 a view. Long lists are split into
sections and paged with Show more (or end with a truthful "…and N more — see …").

The workspace here is big on purpose: a team of 500 reps with 80-character names full of `&` and
`<` (each grows fivefold when escaped), an 80-character team name, 100 product lines of 60
characters, long course names and holidays."""

from __future__ import annotations

import json
import random
import string
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from slack_sdk.models.blocks import ContextBlock, SectionBlock

from bot.config import CalendarConfig, PacerConfig, ProductLine, Team, TrainingConfig, Wins
from bot.store import members, workspaces
from bot.store.members import Placement, SlackUser
from handlers import ids
from handlers.blocks.common import clip, inline_list, listed, more_context, slack_len
from tests.conftest import ADMIN, MANAGER, REP, TEST_NOW, WINS_CHANNEL
from tests.jobs.conftest import deliver, digest_at
from tests.support import limits, reads

CROWD = [f"UC{n:07d}" for n in range(500)]
TEAM = ("Northeast Enterprise & Strategic Accounts <Key> Division — Renewals & Expansion")[:80]
MONDAY_9_LONDON = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


def long_name(n: int) -> str:
    """80 characters, a third of them `&`, `<` or `>` (escaped to `&amp;`, `&lt;`, `&gt;`)."""
    return f"Rep {n:03d} Ñoël & <Co> O'Brien-Smith & Sons <Sales> & <Ops> " + "&<>" * 20 + "x" * 80


@pytest.fixture
def config() -> PacerConfig:
    lines = [(f"Line {n:03d} " + "Cloud & Data Platform Suite Premium " * 2)[:60].strip() for n in range(100)]
    return PacerConfig(
        currency="USD",
        recognition="signed",
        product_lines=[ProductLine(name=name, premium=n % 3 == 0) for n, name in enumerate(lines)],
        wins=Wins(channel=WINS_CHANNEL, threshold=Decimal("50000")),
        teams=[Team(name=TEAM, manager=MANAGER, members=CROWD)],
        admins=[ADMIN],
        training=TrainingConfig(
            required=[f"Course {n:02d} " + "Advanced Negotiation & Objection Handling " * 3 for n in range(30)]
        ),
        calendar=CalendarConfig(holidays=[date(2026, 1, 1) + timedelta(days=7 * n) for n in range(40)]),
    )


@pytest.fixture
def crowd(db, slack) -> list[str]:
    """The 500 reps, known to Pacer (registered today) and to Slack, with their long names."""
    with db.transaction() as session:
        workspace = workspaces.ensure_workspace(session, team_id="T1", now=TEST_NOW)
        assert workspace.id is not None
        for n, user_id in enumerate(CROWD):
            name = long_name(n)[:80]
            members.register(
                session,
                workspace_id=workspace.id,
                user=SlackUser(user_id=user_id, name=name, real_name=name, tz="UTC"),
                placement=Placement(role="rep", team=TEAM, manager_user_id=MANAGER),
                now=TEST_NOW,
            )
    for n, user_id in enumerate(CROWD):
        slack.add_user(user_id, name=f"rep{n}", real_name=long_name(n)[:80], tz="UTC")
    return CROWD


def customer_name(n: int) -> str:
    """120 characters, nothing like any other's (so Pacer doesn't ask "did you mean…?")."""
    words = random.Random(n).choices(string.ascii_lowercase, k=120)
    return "".join(c if i % 9 else " " for i, c in enumerate(words)).strip().title()[:120]


def esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def within_limits(payload: dict) -> dict:
    assert limits.message_problems(payload) == []
    return payload


def sections(payload: dict) -> list[str]:
    return [b["text"]["text"] for b in payload["blocks"] if b["type"] == "section"]


def show_more(payload: dict, action_id: str) -> str | None:
    """The value of the message's Show more button, if it has one."""
    for block in payload["blocks"]:
        accessory = block.get("accessory") or {}
        if accessory.get("action_id") == action_id:
            return str(accessory["value"])
    return None


def follow(pacer, user_id: str, first: dict, action_id: str) -> list[dict]:
    """The first reply and every page its Show more buttons lead to, each checked against the limits."""
    pages = [within_limits(first)]
    while (value := show_more(pages[-1], action_id)) is not None:
        pacer.slack.clear()
        response = pacer.click(user_id, action_id, value)
        assert response.status == 200
        [post] = pacer.slack.wait_for("response_url")
        assert post.args["response_type"] == "ephemeral" and post.args.get("replace_original") is False
        pages.append(within_limits(post.args))
        assert len(pages) < 30, "Show more never ends"
    return pages


# --- the helpers ------------------------------------------------------------------------------------


def test_listed_packs_lines_into_sections_under_slacks_limit_and_says_what_it_left_off():
    lines = [f"line {n} " + "é" * 300 for n in range(200)]

    blocks = listed(lines, room=10, heading="*Heading*", more=lambda _, hidden: more_context(hidden, "see X"))

    assert len(blocks) == 10
    texts = [b.text.text for b in blocks[:-1] if isinstance(b, SectionBlock)]
    assert all(slack_len(text) <= 2900 for text in texts) and texts[0].startswith("*Heading*\nline 0 ")
    shown = sum(text.count("\n") + 1 for text in texts) - 1
    last = blocks[-1]
    assert isinstance(last, ContextBlock) and last.elements[0].text == f"…and {200 - shown} more — see X"
    assert [line for text in texts for line in text.split("\n")][1:] == lines[:shown]


def test_listed_keeps_every_line_when_they_fit():
    blocks = listed(["a", "b", "c"], room=1)
    assert [b.text.text for b in blocks] == ["a\nb\nc"]  # type: ignore[attr-defined]
    assert listed([], room=3) == [] and listed(["a"], room=0) == []


def test_a_clipped_text_never_ends_inside_a_mention_or_an_entity():
    assert clip("abc <@U12345> def", 9) == "abc …"
    assert clip("abc &amp; def", 8) == "abc …"
    assert clip("short", 10) == "short"
    assert slack_len(clip("😀" * 100, 11)) <= 11


def test_an_inline_list_says_how_many_it_left_off():
    items = [f"item {n}" for n in range(100)]
    text = inline_list(items, limit=60, more=" — see /pacer rules")
    assert len(text) <= 60 and text.endswith(" more — see /pacer rules") and text.startswith("item 0, item 1")
    hidden = int(text.split(" and ")[1].split(" ")[0])
    assert text.count(",") + 1 + hidden == 100
    assert inline_list([], limit=10, empty="none") == "none"
    assert inline_list(["a", "b"], limit=10) == "a, b"


# --- every list at 500 members ------------------------------------------------------------------


@pytest.mark.usefixtures("crowd")
def test_every_list_fits_slacks_limits_with_500_members_and_long_names(pacer, db):
    for n in range(15):
        customer = customer_name(n)
        assert pacer.deal(REP, f"1200 {customer}").status == 200
        assert pacer.activity(REP, f"call 3 {customer}").status == 200
    assert len(reads.deals(db)) == 15 and len(reads.activities(db)) == 15
    pacer.slack.clear()
    pacer.event({"type": "app_home_opened", "user": MANAGER, "channel": "D0HOME", "tab": "home", "event_ts": "1.2"})
    pacer.settle()
    [publish] = pacer.slack.wait_for("views.publish")
    assert limits.view_problems(publish.args["view"]) == []
    home = json.loads(publish.args["view"]) if isinstance(publish.args["view"], str) else publish.args["view"]
    assert "Your team" in json.dumps(home) and "`/leaderboard` shows everyone" in json.dumps(home)

    assert digest_at(pacer, TEST_NOW).counts["queued"] == 0  # plans the manager's Monday digest
    assert digest_at(pacer, MONDAY_9_LONDON).counts["queued"] == 1
    pacer.slack.clear()
    assert deliver(pacer) >= 1
    [digest] = [c for c in pacer.slack.calls("chat.postMessage") if c.args["channel"] == MANAGER]
    assert limits.message_problems(digest.args) == []
    assert "… and 460 more — `/leaderboard` shows everyone" in json.dumps(digest.args, ensure_ascii=False)

    for n in range(2):  # two scheduled changes for /pacer rules (announced to all 500 later)
        name = f"Scheduled {n} " + "Quantum & Edge Analytics " * 2
        assert "published" in pacer.command(ADMIN, "/pacer", f"products add {name[:60].strip()} from 2027-01").text

    commands = [
        (ADMIN, "/pacer", "settings"),
        (ADMIN, "/pacer", "help"),
        (REP, "/pacer", "rules"),
        (MANAGER, "/goal", "team revenue 5m"),
        (MANAGER, "/goal", "team deals 1000 weighted"),
        (MANAGER, "/goal", f"<@{CROWD[7]}>"),
        (REP, "/goal", "list"),
        (MANAGER, "/leaderboard", ""),
        (MANAGER, "/leaderboard", "revenue"),
        (CROWD[499], "/leaderboard", ""),
        (REP, "/deal", "list"),
        (REP, "/deal", "help"),
        (REP, "/activity", "list"),
        (REP, "/scorecard", ""),
        (MANAGER, "/scorecard", f"<@{CROWD[3]}>"),
        (REP, "/progress", ""),
        (MANAGER, "/progress", f"<@{CROWD[3]}>"),
    ]
    for user_id, command, text in commands:
        response = pacer.command(user_id, command, text)
        assert response.status == 200, (command, text)
        assert limits.message_problems(response.json()) == [], (command, text)
        assert "Sorry" not in response.text, (command, text)


# --- end to end: the three that broke -------------------------------------------------------------


@pytest.mark.usefixtures("crowd")
def test_pacer_settings_for_500_members_shows_every_member_once_across_its_show_more_pages(pacer):
    first = pacer.command(ADMIN, "/pacer", "settings").json()

    pages = follow(pacer, ADMIN, first, ids.SETTINGS_MORE)

    assert len(pages) > 1
    text = "\n".join(line for page in pages for section in sections(page) for line in section.split("\n"))
    for user_id in [*CROWD, ADMIN]:
        assert text.count(f"(<@{user_id}>) —") == 1, user_id
    assert f"• {esc(long_name(42)[:80])} (<@{CROWD[42]}>) — rep · hunter · {esc(TEAM)} · manager <@{MANAGER}>" in text
    assert "Line 000" in sections(first)[0] and "more — see `/pacer rules`" in sections(first)[0]


def test_show_more_on_the_settings_is_for_admins_only(pacer, crowd):
    del crowd
    pacer.command(REP, "/pacer", "help")
    pacer.slack.clear()
    response = pacer.click(REP, ids.SETTINGS_MORE, "40")
    assert response.status == 200
    [post] = pacer.slack.wait_for("response_url")
    assert "admin" in json.dumps(post.args) and "<@UC0000050>" not in json.dumps(post.args)


@pytest.mark.usefixtures("crowd")
def test_a_team_goal_for_60_reps_sets_and_lists_each_of_them(pacer, db, config):
    sixty = CROWD[:60]
    pacer.deps.config = config.model_copy(update={"teams": [Team(name=TEAM, manager=MANAGER, members=sixty)]})

    response = pacer.command(MANAGER, "/goal", "team revenue 600k")

    reply = within_limits(response.json())
    text = "\n".join(sections(reply))
    assert "goal for November 2026: *$600,000*, split equally" in text
    for n in range(60):
        assert f"• {esc(long_name(n)[:80])}: *$10,000*" in text
    assert len(sections(reply)) > 1  # 60 long lines are more than one section holds
    assert len(reads.audit(db, "goal.set")) == 60


@pytest.mark.usefixtures("crowd")
def test_the_leaderboard_of_500_reps_pages_50_places_at_a_time_and_keeps_the_callers_own_line(pacer):
    caller = CROWD[321]
    assert pacer.deal(CROWD[400], "90k Acme Corp").status == 200

    first = pacer.command(caller, "/leaderboard", "revenue").json()
    pages = follow(pacer, caller, first, ids.LEADERBOARD_MORE)

    assert len(pages) == 10
    ranked = [line for page in pages for text in sections(page) for line in text.split("\n") if line.startswith("`")]
    own = [line for line in ranked if line.endswith(":point_left: *you*")]
    assert len(own) == len(pages)  # on its own page, and at the end of every other one
    assert ranked[0].startswith("`  1`") and "*$90,000*" in ranked[0]
    places = {line for line in ranked if not line.endswith(":point_left: *you*")}
    assert len(places) == 500 - 1  # everyone once; the caller's line is the one marked *you*
    assert "… and 450 more" in "\n".join(sections(first))
    assert "places 51–100 of 500" in json.dumps(pages[1], ensure_ascii=False)


def test_a_forged_leaderboard_page_is_a_bad_request(pacer):
    pacer.command(REP, "/leaderboard", "")
    for value in ("page 2", json.dumps({"metric": "nope", "period": "2026-11", "team": "East", "from": 50}), "[]"):
        assert pacer.click(REP, ids.LEADERBOARD_MORE, value).status == 400


def test_a_rep_cannot_page_through_another_teams_board(pacer, config):
    pacer.deps.config = config.model_copy(
        update={
            "teams": [
                Team(name="East", manager=MANAGER, members=[REP]),
                Team(name="West", manager=ADMIN, members=CROWD[:3]),
            ]
        }
    )
    pacer.command(REP, "/leaderboard", "")
    pacer.slack.clear()
    value = json.dumps({"metric": "score", "period": "2026-11", "team": "West", "from": 1})
    assert pacer.click(REP, ids.LEADERBOARD_MORE, value).status == 200
    [post] = pacer.slack.wait_for("response_url")
    assert "isn't yours" in json.dumps(post.args)


@pytest.mark.usefixtures("crowd")
def test_a_weighted_team_goal_refused_for_59_reps_names_a_few_and_counts_the_rest(pacer, db, config):
    sixty = CROWD[:60]
    pacer.deps.config = config.model_copy(update={"teams": [Team(name=TEAM, manager=MANAGER, members=sixty)]})
    assert pacer.deal(CROWD[0], "50k Acme Corp date:2026-10-05").status == 200

    response = pacer.command(MANAGER, "/goal", "team revenue 600k weighted")

    within_limits(response.json())
    assert "target of 0" in response.text and "and 54 more" in response.text
    assert reads.audit(db, "goal.set") == []
