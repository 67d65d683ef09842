"""`/pacer`: help for everyone, admin subcommands for admins only — each change stored and audited."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlmodel import select

from bot.config import PacerConfig, ProductLine, Team, TrainingConfig, Wins
from bot.store.tables import CsatResult, TrainingCompletion
from tests.conftest import ADMIN, MANAGER, OUTSIDER, REP, REP2, WINS_CHANNEL
from tests.support import reads

DANA = f"<@{REP}|dana>"
LEE = f"<@{REP2}|lee>"
MORGAN = f"<@{MANAGER}|morgan>"
OLU = f"<@{OUTSIDER}|olu>"
COURSES = ["Premium Selling", "Negotiation"]


@pytest.fixture
def config() -> PacerConfig:
    return PacerConfig(
        currency="USD",
        recognition="signed",
        product_lines=[ProductLine(name="Core"), ProductLine(name="Enterprise", premium=True)],
        wins=Wins(channel=WINS_CHANNEL, threshold=Decimal("50000")),
        teams=[Team(name="East", manager=MANAGER, members=[REP, REP2])],
        admins=[ADMIN],
        training=TrainingConfig(required=COURSES),
    )


def csat_rows(db):
    with db.transaction() as session:
        return list(session.exec(select(CsatResult)))


def training_rows(db):
    with db.transaction() as session:
        return list(session.exec(select(TrainingCompletion)))


# --- help ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["", "help"])
def test_help_lists_every_command_with_an_example(pacer, text):
    response = pacer.command(REP, "/pacer", text)
    body = response.text
    assert response.json()["response_type"] == "ephemeral"
    for command in ("/deal", "/activity", "/progress", "/scorecard", "/goal", "/leaderboard", "/checkin", "/pacer"):
        assert f"`{command} " in body
    assert "`/appeal` — appeal your own evaluation" in body and "`/appeal status`" in body
    assert "/pacer profile" not in body and "Admin" not in body
    assert "`/pacer nudges 08:30`" in body and "`/pacer rules`" in body


def test_help_adds_the_admin_subcommands_for_an_admin(pacer):
    body = pacer.command(ADMIN, "/pacer", "help").text
    for example in ("/pacer settings", "/pacer profile @dana farmer", "/pacer csat Acme Corp 5", "pacer import deals"):
        assert example in body


def test_help_says_what_the_reviewer_role_does_and_where_reviewers_get_appeals(pacer):
    body = pacer.command(ADMIN, "/pacer", "help").text
    assert "`reviewer`: not nudged or evaluated; decides the appeals given to them" in body
    assert "pacer.yml `reviewers:`" in body and "`/pacer appeal reassign`" in body


def test_an_unknown_subcommand_lists_the_valid_ones(pacer):
    body = pacer.command(REP, "/pacer", "frobnicate").text
    assert "I don't know “/pacer frobnicate”" in body and "settings" in body and "Example: `/pacer help`" in body


# --- member placement ------------------------------------------------------------------------------


def test_an_admin_assigns_a_profile_and_it_is_audited(pacer, db):
    pacer.command(REP, "/progress", "")  # Dana has used Pacer
    body = pacer.command(ADMIN, "/pacer", f"profile {DANA} farmer").text

    assert f"Dana (<@{REP}>): profile is now *farmer* (was not set)" in body
    assert reads.member(db, REP).profile == "farmer"
    entry = reads.audit(db, "member.profile_changed")[-1]
    assert entry.actor == ADMIN and entry.before == {"profile": None} and entry.after == {"profile": "farmer"}
    assert "Profile *farmer* (quarterly)" in pacer.command(REP, "/progress", "").text


def test_assigning_the_same_profile_again_changes_nothing(pacer, db):
    pacer.command(ADMIN, "/pacer", f"profile {DANA} farmer")
    body = pacer.command(ADMIN, "/pacer", f"profile {DANA} farmer").text
    assert "already *farmer*; nothing changed" in body
    assert len(reads.audit(db, "member.profile_changed")) == 1


def test_an_unknown_profile_lists_the_profiles(pacer, db):
    body = pacer.command(ADMIN, "/pacer", f"profile {DANA} closer").text
    assert "no profile “closer”" in body and "farmer, hunter, strategic" in body and "Example: `/pacer profile" in body
    assert reads.audit(db, "member.profile_changed") == []


@pytest.mark.parametrize(
    "text",
    [f"profile {DANA} farmer", f"manager {DANA} {OLU}", f"team {DANA} West", f"role {DANA} admin", "settings"],
)
def test_a_non_admin_is_refused_and_nothing_changes(pacer, db, text):
    pacer.command(REP, "/progress", "")
    before = reads.member(db, REP)
    for user in (REP, MANAGER):
        body = pacer.command(user, "/pacer", text).text
        assert "Only a Pacer admin can" in body and "Example: `/pacer help`" in body
    after = reads.member(db, REP)
    assert (after.profile, after.manager_user_id, after.team, after.role) == (
        before.profile,
        before.manager_user_id,
        before.team,
        before.role,
    )
    assert [e for e in reads.audit(db) if e.action.startswith("member.") and e.action != "member.registered"] == []


def test_an_admin_changes_manager_team_and_role_and_the_db_wins_over_pacer_yml(pacer, db):
    pacer.command(REP, "/progress", "")
    assert "is now <@UOUT0001>" in pacer.command(ADMIN, "/pacer", f"manager {DANA} {OLU}").text
    assert "is now *West*" in pacer.command(ADMIN, "/pacer", f"team {DANA} West").text
    body = pacer.command(ADMIN, "/pacer", f"role {DANA} manager").text
    assert "is now *manager* (was *rep*)" in body and "overrides pacer.yml" in body

    member = reads.member(db, REP)
    assert (member.manager_user_id, member.team, member.role) == (OUTSIDER, "West", "manager")
    assert reads.audit(db, "member.manager_changed")[-1].before == {"manager_user_id": MANAGER}
    assert reads.audit(db, "member.team_changed")[-1].after == {"team": "West"}
    # The new manager sees Dana's progress at once; the old one no longer does.
    assert "$0 of $100,000" in pacer.command(OUTSIDER, "/progress", DANA).text
    assert "isn't one of yours" in pacer.command(MANAGER, "/progress", DANA).text


def test_a_member_made_admin_can_use_admin_commands_at_once(pacer):
    pacer.command(OUTSIDER, "/pacer", "help")
    assert "Only a Pacer admin" in pacer.command(OUTSIDER, "/pacer", "settings").text
    pacer.command(ADMIN, "/pacer", f"role {OLU} admin")
    assert "Pacer settings" in pacer.command(OUTSIDER, "/pacer", "settings").text


def test_a_member_who_never_used_pacer_is_registered_then_changed(pacer, db):
    assert reads.member(db, REP2) is None
    pacer.command(ADMIN, "/pacer", f"profile {LEE} strategic")
    member = reads.member(db, REP2)
    assert member.profile == "strategic" and member.name == "Lee" and member.team == "East"
    assert [e.after["user_id"] for e in reads.audit(db, "member.registered")] == [ADMIN, REP2]


@pytest.mark.parametrize(
    ("text", "message", "example"),
    [
        ("profile @dana farmer", "@-menu", "/pacer profile @dana farmer"),
        ("profile farmer", "Start with the member", "/pacer profile @dana farmer"),
        (f"manager {DANA} morgan", "Start with the manager", "/pacer manager @dana @morgan"),
        (f"manager {DANA} {DANA}", "their own manager", "/pacer manager @dana @morgan"),
        (f"role {DANA} boss", "“boss” isn't a role. Use one of: rep, manager, reviewer, admin", "/pacer role"),
        (f"team {DANA} <!channel>", "can't contain mentions", "/pacer team @dana East"),
        (f"team {DANA} {'x' * 81}", "at most 80 characters", "/pacer team @dana East"),
    ],
)
def test_bad_placement_input_gets_a_message_and_an_example(pacer, db, text, message, example):
    body = pacer.command(ADMIN, "/pacer", text).text
    assert message in body and f"Example: `{example}" in body
    assert [e for e in reads.audit(db) if e.action.startswith("member.") and e.action != "member.registered"] == []


def test_clearing_a_manager_with_none(pacer, db):
    pacer.command(REP, "/progress", "")
    assert "is now not set" in pacer.command(ADMIN, "/pacer", f"manager {DANA} none").text
    assert reads.member(db, REP).manager_user_id is None


# --- CSAT ------------------------------------------------------------------------------------------


def test_csat_is_attributed_to_the_rep_of_the_latest_deal_and_counts_in_a_farmers_progress(pacer, db):
    pacer.command(ADMIN, "/pacer", f"profile {DANA} farmer")
    pacer.deal(REP2, "5k Acme Corp date:2026-10-01")
    pacer.deal(REP, "10k Acme Corp date:2026-11-02")

    body = pacer.command(ADMIN, "/pacer", "csat acme corp 4 2026-11-20").text
    assert "CSAT *4* of 5 for *Acme Corp*" in body and "counts for Dana" in body
    pacer.command(ADMIN, "/pacer", "csat Acme Corp 5")

    rows = csat_rows(db)
    assert [(r.score, r.surveyed_on.isoformat(), r.source) for r in rows] == [
        (4, "2026-11-20", "admin"),
        (5, "2026-11-24", "admin"),  # the admin's today (UTC)
    ]
    assert {r.member_id for r in rows} == {reads.member(db, REP).id}
    assert reads.audit(db, "csat.recorded")[0].after["score"] == 4
    text = pacer.command(REP, "/progress", "").text
    assert "*CSAT*" in text and "4.5 of 4.5" in text
    assert "Surveys: 2 admin entry" in text  # where the figure comes from


def test_csat_is_recorded_once_per_request(pacer, db):
    pacer.deal(REP, "10k Acme Corp")
    first = pacer.command(ADMIN, "/pacer", "csat Acme Corp 3", trigger_id="trigger-csat-1").text
    again = pacer.command(ADMIN, "/pacer", "csat Acme Corp 3", trigger_id="trigger-csat-1").text
    assert first == again and len(csat_rows(db)) == 1
    assert csat_rows(db)[0].source_key == "command:trigger-csat-1"


def test_csat_for_an_unknown_customer_suggests_close_names(pacer, db):
    pacer.deal(REP, "10k Globex Corporation")
    body = pacer.command(ADMIN, "/pacer", "csat Globex Corporatoin 5").text
    assert "No customer called “Globex Corporatoin”" in body and "Did you mean Globex Corporation?" in body
    assert csat_rows(db) == []


def test_csat_for_a_customer_without_live_deals_cannot_be_attributed(pacer, db):
    pacer.deal(REP, "10k Acme Corp")
    pacer.deal(REP, "void D-1 wrong customer")
    body = pacer.command(ADMIN, "/pacer", "csat Acme Corp 5").text
    assert "Acme Corp has no live deal, so there is no rep to attribute" in body
    assert csat_rows(db) == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("csat Acme Corp 6", "“6” isn't a CSAT score"),
        ("csat Acme Corp 4.5", "“4.5” isn't a CSAT score"),
        ("csat Acme Corp 5 2026-11-25", "can't be in the future; today is 2026-11-24"),
        ("csat Acme Corp 5 2026-02-30", "2026-02-30 isn't a real date"),
        ("csat 5", "Write the customer, then the score"),
        ("csat Acme Corp ٣", "“٣” isn't a CSAT score"),
    ],
)
def test_bad_csat_input_gets_an_example_and_stores_nothing(pacer, db, text, message):
    pacer.deal(REP, "10k Acme Corp")
    body = pacer.command(ADMIN, "/pacer", text).text
    assert message in body and "Example: `/pacer csat Acme Corp 5 2026-11-20`" in body
    assert csat_rows(db) == []


def test_a_non_admin_cannot_record_csat(pacer, db):
    pacer.deal(REP, "10k Acme Corp")
    assert "Only a Pacer admin can record CSAT" in pacer.command(REP, "/pacer", "csat Acme Corp 5").text
    assert csat_rows(db) == []


# --- training --------------------------------------------------------------------------------------


def test_training_completion_counts_in_a_strategic_reps_training_line(pacer, db):
    pacer.command(ADMIN, "/pacer", f"profile {DANA} strategic")
    assert "Training* `░░░░░░░░░░` 0 %" in pacer.command(REP, "/progress", "").text

    body = pacer.command(ADMIN, "/pacer", f"training {DANA} premium selling done 2026-11-10").text
    assert "completed *Premium Selling* on Tue 10 Nov 2026" in body

    [row] = training_rows(db)
    assert (row.course, row.completed_on.isoformat(), row.source) == ("Premium Selling", "2026-11-10", "admin")
    assert reads.audit(db, "training.recorded")[0].after["course"] == "Premium Selling"
    assert "Training* `▓▓▓▓▓░░░░░` 50 %" in pacer.command(REP, "/progress", "").text


def test_recording_a_training_again_updates_nothing_and_says_so(pacer, db):
    pacer.command(ADMIN, "/pacer", f"training {DANA} Negotiation done 2026-11-10")
    body = pacer.command(ADMIN, "/pacer", f"training {DANA} Negotiation done").text
    assert "already completed *Negotiation* on Tue 10 Nov 2026; nothing changed" in body
    assert [r.completed_on.isoformat() for r in training_rows(db)] == ["2026-11-10"]
    assert len(reads.audit(db, "training.recorded")) == 1


def test_a_course_that_is_not_required_is_recorded_with_a_note(pacer, db):
    body = pacer.command(ADMIN, "/pacer", f"training {DANA} Cold Calling 101 done").text
    assert "isn't a required course" in body and "Premium Selling, Negotiation" in body
    assert [r.course for r in training_rows(db)] == ["Cold Calling 101"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (f"training {DANA} Negotiation", "then `done`"),
        (f"training {DANA} done", "Add the course name"),
        (f"training {DANA} Negotiation done 2026-12-01", "can't be in the future"),
        (f"training {DANA} Negotiation done yesterday", "Write the date as YYYY-MM-DD"),
        ("training Negotiation done", "Start with the member"),
    ],
)
def test_bad_training_input_gets_an_example_and_stores_nothing(pacer, db, text, message):
    body = pacer.command(ADMIN, "/pacer", text).text
    assert message in body and "Example: `/pacer training @dana Premium Selling done" in body
    assert training_rows(db) == []


def test_a_non_admin_cannot_record_training(pacer, db):
    body = pacer.command(MANAGER, "/pacer", f"training {DANA} Negotiation done").text
    assert "Only a Pacer admin can record training" in body
    assert training_rows(db) == []


# --- settings --------------------------------------------------------------------------------------


def test_settings_show_the_effective_configuration_and_every_members_placement(pacer):
    pacer.command(REP, "/progress", "")
    pacer.command(MANAGER, "/progress", "")
    pacer.command(ADMIN, "/pacer", f"profile {DANA} farmer")

    body = pacer.command(ADMIN, "/pacer", "settings").text
    assert "*Currency* USD" in body and "*deals count* when signed" in body
    assert "Core, Enterprise (premium)" in body
    assert f"<#{WINS_CHANNEL}>, deals of $50,000 or more" in body
    assert "weekend sat, sun" in body and "*Required courses* Premium Selling, Negotiation" in body
    assert "farmer, hunter (default), strategic" in body
    assert f"Dana (<@{REP}>) — rep · farmer _assigned_ · East · manager <@{MANAGER}>" in body
    assert f"Morgan (<@{MANAGER}>) — manager · hunter · no team · no manager" in body
    assert f"(<@{ADMIN}>) — admin" in body
