"""A mentioned person is resolved with Slack (`users.info`, cached) before anything is stored: an id
Slack doesn't know, an app, a deactivated account or someone from another workspace is refused and
never registered, and permission is checked before anything is written."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlmodel import select

from bot.config import PacerConfig, ProductLine, Team, TrainingConfig
from bot.store.tables import Goal, Member, TrainingCompletion
from handlers.goals import GOAL_MODAL
from tests.conftest import ADMIN, MANAGER, REP, REP2
from tests.support import reads
from tests.support.payloads import select as pick
from tests.support.payloads import text_input

NOSUCH = "U0NOSUCH01"
GHOST = "U0GHOST001"  # listed in pacer.yml's East team, unknown to Slack
NEWBIE = "UNEW00001"  # a real person of the workspace who hasn't used Pacer
OTHER_TEAM = "T2OTHER"
STRANGER = "UOTHER001"
DANA = f"<@{REP}|dana>"


@pytest.fixture
def config() -> PacerConfig:
    return PacerConfig(
        currency="USD",
        recognition="signed",
        product_lines=[ProductLine(name="Core"), ProductLine(name="Enterprise", premium=True)],
        teams=[Team(name="East", manager=MANAGER, members=[REP, REP2, GHOST, NEWBIE])],
        admins=[ADMIN],
        training=TrainingConfig(required=["Premium Selling"]),
    )


@pytest.fixture
def slack(slack):
    slack.add_user(NEWBIE, name="kim", real_name="Kim New", display_name="Kim", tz="America/Chicago")
    slack.add_user(STRANGER, team_id=OTHER_TEAM, name="sam", real_name="Sam Elsewhere", display_name="Sam")
    slack.add_user("UGONE0001", name="gone", real_name="Gone Away", deleted=True)
    slack.add_user("UBOT00001", name="deploybot", real_name="Deploy Bot", is_bot=True)
    return slack


def members(db) -> list[str]:
    with db.reading() as session:
        return sorted(m.user_id for m in session.exec(select(Member)))


def goals(db) -> list[Goal]:
    with db.reading() as session:
        return list(session.exec(select(Goal)))


def trainings(db) -> list[TrainingCompletion]:
    with db.reading() as session:
        return list(session.exec(select(TrainingCompletion)))


def audit_about(db, user_id: str) -> list[str]:
    """Actions of every audit row that names the user id (registered, placed, given a goal…)."""
    return [e.action for e in reads.audit(db) if user_id in f"{e.entity_id} {e.before} {e.after}"]


def lookups(slack, user_id: str) -> int:
    return sum(1 for call in slack.calls("users.info") if call.args.get("user") == user_id)


def known(pacer, *users: str) -> None:
    for user in users:
        pacer.command(user, "/pacer", "help")


# --- /goal ----------------------------------------------------------------------------------------------


def test_a_manager_setting_a_goal_for_an_unknown_id_is_refused_and_nothing_is_stored(pacer, db):
    known(pacer, MANAGER)
    reply = pacer.command(MANAGER, "/goal", f"<@{NOSUCH}> revenue 1")

    assert reply.status == 200 and reply.json()["response_type"] == "ephemeral"
    assert "Only that person's manager or an admin can set their targets" in reply.text and "Example:" in reply.text
    assert NOSUCH not in members(db) and goals(db) == [] and audit_about(db, NOSUCH) == []


def test_a_rep_who_mentions_an_unknown_id_gets_the_permission_refusal_and_no_one_is_registered(pacer, db):
    reply = pacer.command(REP, "/goal", f"<@{NOSUCH}> revenue 1")

    assert "Only that person's manager or an admin can set their targets" in reply.text
    assert members(db) == [REP] and goals(db) == [] and audit_about(db, NOSUCH) == []


def test_a_rep_who_mentions_a_real_colleague_pacer_has_not_met_is_refused_without_registering_them(pacer, db):
    reply = pacer.command(REP, "/goal", f"<@{NEWBIE}|kim> revenue 1")

    assert "Only Kim's manager or an admin can set their targets" in reply.text
    assert NEWBIE not in members(db) and goals(db) == []


def test_a_report_listed_in_pacer_yml_whom_slack_does_not_know_is_refused_to_their_manager(pacer, db):
    reply = pacer.command(MANAGER, "/goal", f"<@{GHOST}> revenue 120k")

    assert f"Slack knows no one with the id {GHOST} in this workspace, so nothing was changed" in reply.text
    assert "Example: `/goal @dana revenue 120k`" in reply.text
    assert GHOST not in members(db) and goals(db) == [] and audit_about(db, GHOST) == []


def test_an_admin_is_told_slack_knows_no_such_person_and_nothing_is_stored(pacer, db):
    known(pacer, ADMIN)
    for text in (f"<@{NOSUCH}> revenue 1", f"<@{NOSUCH}>", f"<@{NOSUCH}> 2026-12"):
        reply = pacer.command(ADMIN, "/goal", text)
        assert f"Slack knows no one with the id {NOSUCH}" in reply.text and "Example:" in reply.text
    assert NOSUCH not in members(db) and goals(db) == [] and audit_about(db, NOSUCH) == []


def test_a_real_person_pacer_has_not_met_is_registered_from_slack_and_given_the_goal(pacer, db):
    reply = pacer.command(MANAGER, "/goal", f"<@{NEWBIE}|kim> revenue 120k")

    assert "$120,000" in reply.text
    member = reads.member(db, NEWBIE)
    assert (member.name, member.tz, member.manager_user_id) == ("Kim", "America/Chicago", MANAGER)
    assert [g.value for g in goals(db)] == [Decimal(120000)]


def test_a_person_from_another_workspace_is_refused_and_not_registered(pacer, db):
    reply = pacer.command(ADMIN, "/goal", f"<@{STRANGER}|sam> revenue 1")

    assert f"Sam ({STRANGER}) is in another Slack workspace" in reply.text and "Example:" in reply.text
    assert reads.member(db, STRANGER) is None and reads.member(db, STRANGER, OTHER_TEAM) is None
    assert goals(db) == []


def test_the_goal_form_refuses_an_unknown_person_inline_and_stores_nothing(pacer, db):
    form = {
        "member": {"type": "users_select", "selected_user": GHOST},
        "metric": pick("revenue"),
        "value": text_input("120k"),
        "period": text_input(None),
    }
    body = pacer.submit(MANAGER, GOAL_MODAL, form).json()

    assert body["response_action"] == "errors" and set(body["errors"]) == {"member"}
    assert "Slack knows no one" in body["errors"]["member"]
    assert GHOST not in members(db) and goals(db) == []


def test_a_team_goal_leaves_out_a_listed_id_slack_does_not_know(pacer, db):
    reply = pacer.command(MANAGER, "/goal", "team revenue 300k")

    assert f"<@{GHOST}>" in str(reply.json()["blocks"])  # named as not included
    stored = {m: reads.member(db, m) for m in (REP, REP2, NEWBIE)}
    assert all(stored.values()) and GHOST not in members(db)
    assert sorted(g.value for g in goals(db)) == [Decimal(100000)] * 3


# --- admin commands -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "example"),
    [
        (f"profile <@{NOSUCH}> farmer", "/pacer profile @dana farmer"),
        (f"manager <@{NOSUCH}> <@{MANAGER}|morgan>", "/pacer manager @dana @morgan"),
        (f"manager {DANA} <@{NOSUCH}>", "/pacer manager @dana @morgan"),
        (f"team <@{NOSUCH}> East", "/pacer team @dana East"),
        (f"role <@{NOSUCH}> admin", "/pacer role @dana manager"),
        (f"training <@{NOSUCH}> Premium Selling done", "/pacer training @dana Premium Selling done"),
    ],
)
def test_admin_commands_refuse_an_unknown_id_and_store_nothing(pacer, db, text, example):
    known(pacer, ADMIN, REP, MANAGER)
    reply = pacer.command(ADMIN, "/pacer", text)

    assert f"Slack knows no one with the id {NOSUCH}" in reply.text and f"Example: `{example}`" in reply.text
    assert members(db) == sorted([ADMIN, REP, MANAGER]) and trainings(db) == []
    assert audit_about(db, NOSUCH) == [] and [e.action for e in reads.audit(db)] == ["member.registered"] * 3
    assert reads.member(db, REP).manager_user_id == MANAGER


def test_a_manager_change_naming_an_unknown_manager_registers_neither_person(pacer, db):
    reply = pacer.command(ADMIN, "/pacer", f"manager <@{NEWBIE}|kim> <@{NOSUCH}>")
    assert f"Slack knows no one with the id {NOSUCH}" in reply.text
    assert members(db) == [ADMIN]


@pytest.mark.parametrize(
    ("user_id", "says"),
    [
        ("UGONE0001", "Gone Away's Slack account (UGONE0001) is deactivated"),
        ("UBOT00001", "Deploy Bot (UBOT00001) is an app, not a person"),
        (STRANGER, f"Sam ({STRANGER}) is in another Slack workspace"),
    ],
)
def test_admin_commands_refuse_apps_deactivated_accounts_and_other_workspaces(pacer, db, user_id, says):
    reply = pacer.command(ADMIN, "/pacer", f"role <@{user_id}> manager")
    assert says in reply.text and "Example: `/pacer role @dana manager`" in reply.text
    assert members(db) == [ADMIN] and audit_about(db, user_id) == []


def test_a_rep_mentioning_an_unknown_id_in_an_admin_command_is_refused_without_a_slack_lookup(pacer, db, slack):
    reply = pacer.command(REP, "/pacer", f"role <@{NOSUCH}> admin")
    assert "Only a Pacer admin can change roles" in reply.text
    assert members(db) == [REP] and lookups(slack, NOSUCH) == 0


@pytest.mark.parametrize("failure", [{"status": 500}, {"reset": True}, {"status": 429}])
def test_when_slack_cannot_say_who_it_is_the_command_asks_to_try_again_and_stores_no_placeholder(
    pacer, db, slack, failure
):
    known(pacer, ADMIN)
    slack.fail("users.info", **failure)
    reply = pacer.command(ADMIN, "/pacer", f"team <@{NEWBIE}|kim> East")

    assert f"Slack couldn't tell me who {NEWBIE} is just now" in reply.text and "Try again" in reply.text
    assert NEWBIE not in members(db)
    # a failure to ask is not remembered: the next try asks Slack again and works
    again = pacer.command(ADMIN, "/pacer", f"team <@{NEWBIE}|kim> East")
    assert ":warning:" not in again.text and reads.member(db, NEWBIE).name == "Kim"


def test_an_enterprise_grid_user_who_belongs_to_this_workspace_is_accepted(pacer, db, slack):
    slack.add_user("WGRID0001", team_id="THOME", enterprise_id="E1", enterprise_teams=["THOME", "T1"], name="gia")
    slack.add_user("WGRID0002", team_id="THOME", enterprise_id="E1", name="gus")  # Slack lists no workspaces
    slack.add_user("WGRID0003", team_id="THOME", enterprise_id="E1", enterprise_teams=["THOME"], name="guy")

    assert ":warning:" not in pacer.command(ADMIN, "/pacer", "team <@WGRID0001> East").text
    assert ":warning:" not in pacer.command(ADMIN, "/pacer", "team <@WGRID0002> East").text
    assert "is in another Slack workspace" in pacer.command(ADMIN, "/pacer", "team <@WGRID0003> East").text
    assert {"WGRID0001", "WGRID0002"} <= set(members(db)) and "WGRID0003" not in members(db)


def test_users_info_is_asked_once_per_mentioned_id_within_the_cache_window(pacer, db, slack):
    known(pacer, ADMIN, MANAGER)
    for _ in range(3):
        pacer.command(ADMIN, "/goal", f"<@{NOSUCH}> revenue 1")
        pacer.command(MANAGER, "/goal", f"<@{NOSUCH}> revenue 1")
        pacer.command(ADMIN, "/pacer", f"role <@{STRANGER}> rep")
    pacer.command(ADMIN, "/pacer", f"team <@{NEWBIE}> East")
    pacer.command(ADMIN, "/pacer", f"role <@{NEWBIE}> manager")
    pacer.command(MANAGER, "/goal", f"<@{NEWBIE}> revenue 1")

    assert (lookups(slack, NOSUCH), lookups(slack, STRANGER), lookups(slack, NEWBIE)) == (1, 1, 1)
    assert reads.member(db, NEWBIE).role == "manager"


# --- reading commands never register anyone -----------------------------------------------------------


@pytest.mark.parametrize(
    ("command", "text"),
    [
        ("/progress", f"<@{NOSUCH}>"),
        ("/progress", f"<@{NEWBIE}|kim> last-month"),
        ("/scorecard", f"<@{NOSUCH}>"),
        ("/leaderboard", f"<@{NOSUCH}>"),
        ("/leaderboard", f"revenue <@{NOSUCH}>"),
    ],
)
def test_reading_commands_that_take_a_mention_register_no_one(pacer, db, command, text):
    reply = pacer.command(ADMIN, command, text)
    assert reply.status == 200 and "Sorry" not in reply.text
    assert members(db) == [ADMIN]
