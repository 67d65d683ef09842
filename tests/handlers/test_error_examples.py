"""Every example an error shows is a complete command that works.

Each scenario sends a bad command as a signed slash command, takes the example out of the error reply,
and runs it as the command it names — as the person who got the error, or (after a refusal) as someone
allowed to run it — with `@name` placeholders typed the way Slack sends a picked mention. The reply must
not be an error.

While the table runs, every `PacerError` built with an example is recorded with the places in bot/,
handlers/ and scoring/ that built it, raised it or passed it on. The last tests compare those places with
a scan of the source for every call that passes an `example=`: an error example that no scenario reaches
fails the suite with its file and line. `pacer jobs run` errors get the same treatment through typer.
"""

from __future__ import annotations

import ast
import functools
import re
import shlex
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from types import FrameType, TracebackType

import pytest
from sqlmodel import select
from typer.testing import CliRunner

import bot.cli
import handlers
from bot.config import PacerConfig, ProductLine, Team
from bot.directory import Caller
from bot.services import admin as admin_service
from bot.services import appeal_filing
from bot.services import checkin_open as checkins_service
from bot.services import goals as goals_service
from bot.services import leaderboard as leaderboard_service
from bot.services.evaluations import freeze_one
from bot.store import members, workspaces
from bot.store.engine import Database
from bot.store.tables import Member
from handlers.errors import APOLOGY
from scoring.errors import PacerError
from scoring.metrics import metric
from scoring.periods import month_of
from tests.conftest import ADMIN, MANAGER, OUTSIDER, REP, REP2
from tests.fakes.slack_api import FakeSlack
from tests.support.appeals import open_appeal
from tests.support.harness import Pacer, Response

ROOT = Path(handlers.__file__).resolve().parents[1]
SCANNED = ("bot", "handlers", "scoring")

KIM = "UREP0003"  # North's only rep
SAM = "UREP0004"  # South's only rep
WES = "UMGR0002"  # manages West, which has no reps
NED = "UMGR0003"  # manages both North and South
STRANGER = "USTR0001"  # someone Pacer has never met
PEOPLE = {
    "dana": REP,
    "lee": REP2,
    "morgan": MANAGER,
    "ari": ADMIN,
    "olu": OUTSIDER,
    "kim": KIM,
    "sam": SAM,
    "wes": WES,
    "ned": NED,
}
DANA, LEE, KIM_MENTION = f"<@{REP}|dana>", f"<@{REP2}|lee>", f"<@{KIM}|kim>"
CUSTOMERS = ("Acme Corp", "Globex", "Initech", "Umbrella", "Hooli", "Vandelay", "Wonka", "Tyrell", "Soylent")
CUSTOMERS += ("Cyberdyne", "Oscorp", "Gringotts")


@pytest.fixture
def config() -> PacerConfig:
    return PacerConfig(
        currency="USD",
        recognition="signed",
        product_lines=[ProductLine(name="Core"), ProductLine(name="Enterprise", premium=True)],
        teams=[
            Team(name="East", manager=MANAGER, members=[REP, REP2]),
            Team(name="West", manager=WES),
            Team(name="North", manager=NED, members=[KIM]),
            Team(name="South", manager=NED, members=[SAM]),
        ],
        admins=[ADMIN],
    )


@pytest.fixture
def slack(slack: FakeSlack) -> FakeSlack:
    slack.add_user(KIM, name="kim", real_name="Kim Rep", tz="America/Chicago")
    slack.add_user(SAM, name="sam", real_name="Sam Rep", tz="America/Chicago")
    slack.add_user(WES, name="wes", real_name="Wes West", tz="UTC")
    slack.add_user(NED, name="ned", real_name="Ned North", tz="UTC")
    return slack


# --- state the bad input, or its example, needs -------------------------------------------------------


def _says(response: Response, words: str) -> None:
    assert words in response.text, response.text


def deals_up_to_d12(pacer: Pacer) -> None:
    """Dana logs D-1 … D-12: the void and paid examples name D-12."""
    for number, customer in enumerate(CUSTOMERS, start=1):
        _says(pacer.deal(REP, f"{1000 * number} {customer}"), f"Logged D-{number}")


def activities_up_to_a7(pacer: Pacer) -> None:
    """Dana logs A-1 … A-7: the void example names A-7."""
    for number in range(1, 8):
        _says(pacer.activity(REP, f"call {number} {CUSTOMERS[number]}"), f"A-{number}")


def an_acme_deal(pacer: Pacer) -> None:
    """Acme Corp has a live deal (D-1, Dana's): what the CSAT examples need."""
    _says(pacer.deal(REP, "5000 Acme Corp date:2026-11-20"), "Logged D-1")


def a_voided_acme_deal(pacer: Pacer) -> None:
    an_acme_deal(pacer)
    _says(pacer.deal(REP, "void D-1 entered twice"), "Voided D-1")


def an_activity(pacer: Pacer) -> None:
    _says(pacer.activity(REP, "call 2 Acme Corp"), "A-1")


def lee_is_a_farmer(pacer: Pacer) -> None:
    """Lee moves to the quarterly farmer profile, so East mixes monthly and quarterly reps."""
    _says(pacer.command(ADMIN, "/pacer", f"profile {LEE} farmer"), "farmer")


def dana_has_used_pacer(pacer: Pacer) -> None:
    _says(pacer.command(REP, "/pacer", "help"), "/pacer")


def lee_has_used_pacer(pacer: Pacer) -> None:
    _says(pacer.command(REP2, "/pacer", "help"), "/pacer")


def dana_sold_in_october(pacer: Pacer) -> None:
    """Only Dana had revenue last month, so a weighted East goal would give Lee nothing."""
    _says(pacer.deal(REP, "5000 Acme Corp date:2026-10-15"), "Logged D-1")


def counting_changes_in_january(pacer: Pacer) -> None:
    _says(pacer.command(ADMIN, "/pacer", "counting paid from 2027-01"), "January 2027")


def east_are_farmers(pacer: Pacer) -> None:
    """Dana and Lee both move to the quarterly farmer profile."""
    lee_is_a_farmer(pacer)
    _says(pacer.command(ADMIN, "/pacer", f"profile {DANA} farmer"), "farmer")


def another_admin_changes_the_rules_at_the_same_moment(monkeypatch: pytest.MonkeyPatch) -> None:
    # Reachable from Slack only when two admins race; the store's insert reports that it lost.
    monkeypatch.setattr("bot.store.rules.add", lambda *_, **__: None)


# --- errors no slash command can reach: the service or parser is called directly ------------------------


def _as(pacer: Pacer, user_id: str, work: Callable[[Caller], object]) -> None:
    pacer.deps.uow.run(pacer.team_id, user_id, work)


def goals_of_someone_pacer_never_met(pacer: Pacer) -> None:
    # /goal registers a mentioned member before it looks them up, so member_of never misses from Slack.
    def work(caller: Caller) -> None:
        with pacer.db.reading() as session:
            goals_service.member_of(session, caller, STRANGER)

    _as(pacer, MANAGER, work)


def a_target_that_skipped_parsing(pacer: Pacer) -> None:
    # Every way in parses the value with parse_goal_value first, which runs the same check_target.
    dana_has_used_pacer(pacer)

    def work(caller: Caller) -> None:
        with pacer.db.transaction() as session:
            dana = members.get(session, workspace_id=caller.workspace_id, user_id=REP)
            assert dana is not None
            goals_service.set_goal(
                session,
                caller,
                dana,
                metric_name="revenue",
                value=Decimal(-1),
                period=month_of(caller.today),
                config=pacer.deps.config,
                source="command",
                now=pacer.deps.clock(),
            )

    _as(pacer, MANAGER, work)


def checkin_for_someone_pacer_never_met(pacer: Pacer) -> None:
    # /checkin registers a mentioned member before it looks them up, so target never misses from Slack.
    def work(caller: Caller) -> None:
        checkins_service.target(
            pacer.db, caller, config=pacer.deps.config, user_id=STRANGER, period_text="", now=pacer.deps.clock()
        )

    _as(pacer, MANAGER, work)


def an_appeal_button_on_a_checkin_never_opened(pacer: Pacer) -> None:
    # The Appeal button is a click, not a command: its refusal (an ephemeral) carries the example.
    dana_has_used_pacer(pacer)
    member = members_of(pacer, REP)
    view = freeze_one(
        pacer.db,
        config=pacer.deps.config,
        workspace_id=member.workspace_id,
        user_id=REP,
        period=month_of(datetime(2026, 10, 1, tzinfo=UTC).date()),
        now=pacer.deps.clock(),
        actor=MANAGER,
    )

    def work(caller: Caller) -> None:
        with pacer.db.reading() as session:
            appeal_filing.form_choice(
                session, caller, config=pacer.deps.config, now=pacer.deps.clock(), evaluation_id=view.id
            )

    _as(pacer, REP, work)


def members_of(pacer: Pacer, user_id: str) -> Member:
    with pacer.db.reading() as session:
        found = session.exec(select(Member).where(Member.user_id == user_id)).one()
    return found


def a_goal_for_a_team_that_is_not_configured(pacer: Pacer) -> None:
    # /goal team only takes a team name it found in pacer.yml, so the name always exists.
    _as(pacer, ADMIN, lambda caller: goals_service.team_for(pacer.deps.config, caller, "Narnia"))


def a_leaderboard_for_a_team_that_is_not_configured(pacer: Pacer) -> None:
    # /leaderboard only takes a team name it found in pacer.yml, so the name always exists.
    _as(pacer, ADMIN, lambda caller: leaderboard_service.team_for(pacer.deps.config, caller, "Narnia"))


class _DirectoryThatCannotRegister:
    """The real directory, except that registering someone silently stores nothing."""

    def __init__(self, real: object) -> None:
        self.real = real

    def __getattr__(self, name: str) -> object:
        return getattr(self.real, name)

    def register_user(self, *args: object, **kwargs: object) -> None:
        pass


def a_placement_for_someone_slack_could_not_register(pacer: Pacer) -> None:
    # The real directory registers every person Slack knows; here Slack knows them, but storing fails.
    pacer.slack.add_user(STRANGER, name="sam", real_name="Sam Stranger")

    def work(caller: Caller) -> None:
        admin_service.change_member(
            pacer.db,
            _DirectoryThatCannotRegister(pacer.deps.directory),  # type: ignore[arg-type]
            caller,
            config=pacer.deps.config,
            user_id=STRANGER,
            field="profile",
            value="farmer",
            now=pacer.deps.clock(),
        )

    _as(pacer, ADMIN, work)


def an_unknown_metric_name_in_code(_: Pacer) -> None:
    # Commands check metric names with metric_named (goals) or metric_name (leaderboard) first;
    # the leaderboard builds an UnknownMetric only for its suggestion, and never shows it.
    metric("revnue")


NOBODY = "U0NOSUCH01"  # an id Slack knows no one by
GHOST, ELSEWHERE, ROBOT = "UGONE0001", "UELSE0001", "UBOT00001"
NOBODY_MENTION = f"<@{NOBODY}>"


def people_slack_refuses(pacer: Pacer) -> None:
    """Slack knows a deactivated account, someone of another workspace and an app."""
    pacer.slack.add_user(GHOST, name="gone", real_name="Gone Away", deleted=True)
    pacer.slack.add_user(ELSEWHERE, name="else", real_name="Else Where", team_id="T9OTHER")
    pacer.slack.add_user(ROBOT, name="robot", real_name="Robot", is_bot=True)


def slack_cannot_say_who_anyone_is(pacer: Pacer) -> None:
    """The people who act have used Pacer; the next users.info call fails (Slack's own error)."""
    for person in (MANAGER, ADMIN, NED):
        pacer.command(person, "/pacer", "help")
    pacer.settle()
    pacer.slack.fail("users.info", error="internal_error")


def enterprise_is_premium_now(pacer: Pacer) -> None:
    """Nothing to do: Enterprise is a premium line in this workspace's pacer.yml."""


def an_open_appeal(pacer: Pacer) -> None:
    """Dana appeals her October evaluation (AP-1), decided by Olu: what the reassign example names."""
    open_appeal(pacer, rep=REP, manager=MANAGER, reviewer=OUTSIDER)


def core_is_retired_from_january(pacer: Pacer) -> None:
    _says(pacer.command(ADMIN, "/pacer", "products remove Core"), "Core")


# --- the table ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Bad:
    """A bad input and the error it must get (`says` is part of the message)."""

    id: str
    user: str = REP
    command: str = ""
    text: str = ""
    says: str = ""
    setup: Callable[[Pacer], None] | None = None
    patch: Callable[[pytest.MonkeyPatch], None] | None = None  # only while the bad input is answered
    direct: Callable[[Pacer], None] | None = None  # unreachable from Slack: raises the error itself
    runner: str | None = None  # who runs the example; default: the person who got the error


def bad(
    id: str,
    user: str,
    line: str,
    says: str,
    *,
    setup: Callable[[Pacer], None] | None = None,
    patch: Callable[[pytest.MonkeyPatch], None] | None = None,
    runner: str | None = None,
) -> Bad:
    """`user` sends the slash command `line` and is answered with an error that `says` so."""
    command, _, text = line.partition(" ")
    return Bad(id, user, command, text, says, setup=setup, patch=patch, runner=runner)


def direct(id: str, call: Callable[[Pacer], None], says: str, runner: str) -> Bad:
    """`call` raises an error that `says` so; `runner` runs its example."""
    return Bad(id, says=says, direct=call, runner=runner)


LONG = "x" * 81

CASES = [
    # /appeal
    bad("appeal-unknown-word", REP, "/appeal wat", "takes `status`"),
    bad("appeal-withdraw-without-number", REP, "/appeal withdraw banana", "Which appeal?"),
    bad("appeal-withdraw-unknown", REP, "/appeal withdraw AP-99", "You have no appeal AP-99"),
    bad("appeal-nothing-to-appeal", REP, "/appeal", "no evaluation to appeal yet"),
    direct("appeal-checkin-never-opened", an_appeal_button_on_a_checkin_never_opened, "not been opened", REP),
    # /checkin
    bad("checkin-no-mention", MANAGER, "/checkin dana", "Whose check-in"),
    bad("checkin-someone-new-outside-the-team", MANAGER, f"/checkin <@{OUTSIDER}|olu>", "Only Olu"),
    bad("checkin-not-their-manager", REP2, f"/checkin {DANA}", "Only Dana's manager", setup=dana_has_used_pacer),
    bad(
        "checkin-wrong-cadence", MANAGER, f"/checkin {DANA} 2026-Q3", "evaluated every month", setup=dana_has_used_pacer
    ),
    bad("checkin-period-running", MANAGER, f"/checkin {DANA} 2026-11", "still running", setup=dana_has_used_pacer),
    bad("checkin-bad-period", MANAGER, f"/checkin {DANA} 2026-13", "no month 13", setup=dana_has_used_pacer),
    bad("checkin-no-manager", ADMIN, f"/checkin <@{OUTSIDER}|olu>", "has no manager"),
    direct("checkin-someone-pacer-never-met", checkin_for_someone_pacer_never_met, "isn't a Pacer member", MANAGER),
    # /deal
    bad("deal-list-with-words", REP, "/deal list all", "doesn't take anything after it"),
    bad("deal-void-alone", REP, "/deal void", "Say which deal to void", setup=deals_up_to_d12),
    bad("deal-void-bad-id", REP, "/deal void X-1 oops", "isn't a deal id", setup=deals_up_to_d12),
    bad("deal-void-without-reason", REP, "/deal void D-1", "Add a reason", setup=deals_up_to_d12),
    bad("deal-void-reason-too-short", REP, "/deal void D-1 no", "3 to 300 characters", setup=deals_up_to_d12),
    bad(
        "deal-void-reason-mentions",
        REP,
        f"/deal void D-1 {LEE} did it",
        "can't contain mentions",
        setup=deals_up_to_d12,
    ),
    bad("deal-paid-alone", REP, "/deal paid", "Write the deal id", setup=deals_up_to_d12),
    bad("deal-paid-bad-id", REP, "/deal paid Q-3", "isn't a deal id", setup=deals_up_to_d12),
    bad("deal-paid-future-date", REP, "/deal paid D-1 2027-01-01", "can't be in the future", setup=deals_up_to_d12),
    bad("deal-without-amount", REP, "/deal Acme Corp", "Start with the amount"),
    bad("deal-bad-amount", REP, "/deal 12.5.0 Acme Corp", "more than one decimal point"),
    bad("deal-amount-in-euros", REP, "/deal 500 EUR Acme Corp", "counts revenue in USD"),
    bad("deal-bad-stage", REP, "/deal 12500 Acme Corp stage:won", "signed or paid"),
    bad("deal-void-unknown", REP, "/deal void D-99 entered twice", "no deal D-99"),
    bad("deal-void-someone-elses", REP2, "/deal void D-1 entered twice", "belongs to Dana", setup=an_acme_deal),
    bad("deal-paid-after-void", REP, "/deal paid D-1", "was voided", setup=a_voided_acme_deal),
    bad("deal-paid-before-signed", REP, "/deal paid D-1 2026-11-10", "signed on 2026-11-20", setup=an_acme_deal),
    # /activity
    bad("activity-list-with-words", REP, "/activity list all", "doesn't take anything after it"),
    bad("activity-void-alone", REP, "/activity void", "Say which activity", setup=activities_up_to_a7),
    bad("activity-void-bad-id", REP, "/activity void B-2 oops", "isn't an activity id", setup=activities_up_to_a7),
    bad("activity-void-without-reason", REP, "/activity void A-1", "Add a reason", setup=activities_up_to_a7),
    bad("activity-unknown-kind", REP, "/activity lunch 2", "isn't an activity type"),
    bad("activity-count-zero", REP, "/activity call 0 Acme Corp", "whole number from 1 to 500"),
    bad("activity-count-negative", REP, "/activity call -1 Acme Corp", "isn't a count"),
    bad("activity-void-unknown", REP, "/activity void A-99 logged twice", "no activity A-99"),
    bad("activity-void-someone-elses", REP2, "/activity void A-1 logged twice", "belongs to Dana", setup=an_activity),
    # /goal for one rep
    bad("goal-mention-typed-as-text", MANAGER, "/goal @dana revenue 120k", "Pick the person"),
    bad("goal-without-anyone", MANAGER, "/goal revenue 120k", "Who is the goal for?"),
    bad("goal-unknown-metric", MANAGER, f"/goal {DANA} revnue 120k", "Did you mean *revenue*?"),
    bad("goal-bad-money-value", MANAGER, f"/goal {DANA} revenue 12.5.0", "more than one decimal point"),
    bad("goal-money-in-euros", MANAGER, f"/goal {DANA} revenue €120k", "counts revenue in USD"),
    bad("goal-bad-count-value", MANAGER, f"/goal {DANA} deals 1.5", "whole numbers"),
    bad("goal-bad-period", MANAGER, f"/goal {DANA} revenue 120k 2026-13", "no month 13"),
    bad(
        "goal-bad-period-for-a-farmer",
        MANAGER,
        f"/goal {LEE} revenue 120k 2026-13",
        "no month 13",
        setup=east_are_farmers,
    ),
    bad("goal-quarter-for-a-monthly-rep", MANAGER, f"/goal {DANA} revenue 120k 2026-Q4", "targets are monthly"),
    bad("goal-set-by-yourself", REP, f"/goal {DANA} revenue 120k", "set by your manager"),
    bad("goal-set-by-an-outsider", OUTSIDER, f"/goal {DANA} revenue 120k", "Only Dana's manager", runner=MANAGER),
    bad("goal-list-someone-elses", REP, f"/goal {LEE}", "isn't one of yours"),
    bad("goal-list-bad-period", REP, "/goal list 2026-13", "no month 13"),
    # /goal team
    bad("team-goal-without-metric", MANAGER, "/goal team", "Which metric and how much?"),
    bad("team-goal-unknown-metric", MANAGER, "/goal team revnue 300k", "Did you mean *revenue*?"),
    bad("team-goal-bad-value", MANAGER, "/goal team revenue lots", "isn't a number"),
    bad("team-goal-bad-period", MANAGER, "/goal team revenue 300k 2026-13", "no month 13"),
    bad("team-goal-of-a-rate", MANAGER, "/goal team csat 4.5", "is a rate"),
    bad("team-goal-too-small-to-split", MANAGER, "/goal team deals 1", "can't be split"),
    bad(
        "team-goal-weighted-to-zero",
        MANAGER,
        "/goal team revenue 300k weighted",
        "a target of 0",
        setup=dana_sold_in_october,
    ),
    bad(
        "team-goal-mixed-cadences",
        MANAGER,
        "/goal team revenue 300k",
        "mixes monthly and quarterly",
        setup=lee_is_a_farmer,
    ),
    bad("team-goal-by-a-rep", REP, "/goal team revenue 300k", "You don't manage a team"),
    bad("team-goal-for-another-team", REP, "/goal team East revenue 300k", "Only East's manager", runner=MANAGER),
    bad("team-goal-by-an-admin-without-a-team", ADMIN, "/goal team revenue 300k", "Name the team"),
    bad("team-goal-by-a-manager-of-two-teams", NED, "/goal team revenue 300k", "You manage 2 teams"),
    bad("team-goal-for-a-team-of-no-one", WES, "/goal team revenue 300k", "No one in West", runner=MANAGER),
    # /progress, /scorecard, /leaderboard
    bad("progress-mention-typed-as-text", MANAGER, "/progress @dana", "Pick the person"),
    bad("progress-of-someone-new", MANAGER, f"/progress {KIM_MENTION}", "hasn't used Pacer yet"),
    bad("progress-of-someone-elses-rep", REP, f"/progress {LEE}", "isn't one of yours", setup=lee_has_used_pacer),
    bad("progress-bad-period", REP, "/progress 2026-13", "no month 13"),
    bad("progress-bad-period-of-a-farmer", REP2, "/progress last-year", "isn't a period", setup=lee_is_a_farmer),
    bad("scorecard-unknown-profile", REP, "/scorecard closer", "no profile “closer”"),
    bad("leaderboard-unknown-metric", REP, "/leaderboard revnue", "Did you mean *revenue*?"),
    bad("leaderboard-bad-period", REP, "/leaderboard revenue 2026-13", "no month 13"),
    bad("leaderboard-of-another-team", REP, "/leaderboard West", "isn't yours"),
    bad("leaderboard-of-an-admin-without-a-team", ADMIN, "/leaderboard", "Which team?"),
    # /pacer for everyone
    bad("pacer-unknown-subcommand", REP, "/pacer frobnicate", "I don't know"),
    bad("pacer-invisible-character", REP, "/pacer he\u202elp", "invisible or control character"),
    bad("pacer-admin-only", REP, "/pacer settings", "Only a Pacer admin"),
    # /pacer appeal reassign (issue 11): the example names AP-1, Dana's open appeal
    bad(
        "appeal-reassign-not-a-number",
        ADMIN,
        f"/pacer appeal reassign APX {LEE}",
        "not an appeal number",
        setup=an_open_appeal,
    ),
    bad("appeal-reassign-no-mention", ADMIN, "/pacer appeal reassign AP-1 lee", "@-menu", setup=an_open_appeal),
    bad(
        "appeal-reassign-unknown-action",
        ADMIN,
        f"/pacer appeal move AP-1 {LEE}",
        "takes reassign",
        setup=an_open_appeal,
    ),
    # /pacer fairness
    bad("fairness-admin-only", REP, "/pacer fairness", "Only a Pacer admin can see the fairness report"),
    bad("fairness-bad-period", ADMIN, "/pacer fairness 2026-13", "no month 13"),
    bad("nudges-bad-time", REP, "/pacer nudges soonish", "isn't a time of day"),
    # /pacer placements
    bad("profile-mention-typed-as-text", ADMIN, "/pacer profile @dana farmer", "Pick the member"),
    bad("profile-without-member", ADMIN, "/pacer profile farmer", "Start with the member"),
    bad("profile-without-profile", ADMIN, f"/pacer profile {DANA}", "one profile name"),
    bad("profile-unknown", ADMIN, f"/pacer profile {DANA} closer", "no profile “closer”"),
    bad("manager-typed-as-text", ADMIN, f"/pacer manager {DANA} morgan", "Start with the manager"),
    bad("manager-with-extra-words", ADMIN, f"/pacer manager {DANA} {LEE} please", "nothing after"),
    bad("manager-of-themselves", ADMIN, f"/pacer manager {DANA} {DANA}", "their own manager"),
    bad("team-name-missing", ADMIN, f"/pacer team {DANA}", "Add the team name"),
    bad("team-name-with-a-mention", ADMIN, f"/pacer team {DANA} {LEE}", "can't contain mentions"),
    bad("team-name-too-long", ADMIN, f"/pacer team {DANA} {LONG}", "at most 80 characters"),
    bad("role-unknown", ADMIN, f"/pacer role {DANA} boss", "isn't a role"),
    # /pacer csat and training
    bad("csat-without-score", ADMIN, "/pacer csat Acme", "then the score", setup=an_acme_deal),
    bad("csat-bad-score", ADMIN, "/pacer csat Acme Corp nine", "isn't a CSAT score", setup=an_acme_deal),
    bad("csat-unreal-date", ADMIN, "/pacer csat Acme Corp 5 2026-13-01", "isn't a real date", setup=an_acme_deal),
    bad("csat-future-date", ADMIN, "/pacer csat Acme Corp 5 2026-12-01", "can't be in the future", setup=an_acme_deal),
    bad("csat-ancient-date", ADMIN, "/pacer csat Acme Corp 5 1999-12-31", "before 2000-01-01", setup=an_acme_deal),
    bad("csat-customer-mention", ADMIN, f"/pacer csat {DANA} 5", "can't contain mentions", setup=an_acme_deal),
    bad("csat-customer-misspelt", ADMIN, "/pacer csat Acme Corpp 5", "Did you mean Acme Corp", setup=an_acme_deal),
    bad("csat-customer-unknown", ADMIN, "/pacer csat Zyxwvut 5", "No customer called", setup=an_acme_deal),
    bad("csat-customer-without-live-deal", ADMIN, "/pacer csat Acme Corp 5", "no live deal", setup=a_voided_acme_deal),
    bad("training-without-member", ADMIN, "/pacer training dana Sales done", "Start with the member"),
    bad("training-without-done", ADMIN, f"/pacer training {DANA} Sales", "then `done`"),
    bad("training-words-after-date", ADMIN, f"/pacer training {DANA} Sales done 2026-11-20 ok", "Only a date"),
    bad("training-word-for-date", ADMIN, f"/pacer training {DANA} Sales done yesterday", "YYYY-MM-DD"),
    bad("training-without-course", ADMIN, f"/pacer training {DANA} done", "Add the course name"),
    # /pacer rules, counting, products
    bad("counting-unknown-word", ADMIN, "/pacer counting maybe", "Say when a deal counts"),
    bad("counting-from-bad-period", ADMIN, "/pacer counting paid from 2026-13", "no month 13"),
    bad("counting-from-closed-month", ADMIN, "/pacer counting paid from 2026-10", "can't change any more"),
    bad(
        "counting-before-scheduled-change",
        ADMIN,
        "/pacer counting signed from 2026-12",
        "already scheduled from January 2027",
        setup=counting_changes_in_january,
    ),
    bad(
        "counting-at-the-same-moment-as-another-admin",
        ADMIN,
        "/pacer counting paid",
        "at the same moment",
        patch=another_admin_changes_the_rules_at_the_same_moment,
    ),
    bad("products-unknown-action", ADMIN, "/pacer products rename Core", "/pacer products takes"),
    bad("products-add-without-name", ADMIN, "/pacer products add", "Add the product line name"),
    bad("products-premium-unknown", ADMIN, "/pacer products premium Widgets", "no product line “Widgets”"),
    bad("products-remove-unknown", ADMIN, "/pacer products remove Widgets", "no product line “Widgets”"),
    bad("products-add-invisible", ADMIN, "/pacer products add Or\u200bbit", "invisible character"),
    bad("products-add-existing", ADMIN, "/pacer products add Enterprise", "is already a product line"),
    bad("products-flag-it-has", ADMIN, "/pacer products premium Enterprise", "already a premium product line"),
    bad(
        "products-remove-retired",
        ADMIN,
        "/pacer products remove Core",
        "already retired",
        setup=core_is_retired_from_january,
    ),
    bad(
        "products-flag-retired",
        ADMIN,
        "/pacer products premium Core",
        "add it back first",
        setup=core_is_retired_from_january,
    ),
    # mentioned people Slack refuses (issue 9: nothing is registered for them)
    bad("profile-of-an-unknown-id", ADMIN, f"/pacer profile {NOBODY_MENTION} farmer", "Slack knows no one"),
    bad("training-of-an-unknown-id", ADMIN, f"/pacer training {NOBODY_MENTION} Sales done", "Slack knows no one"),
    bad(
        "profile-of-a-deactivated-account",
        ADMIN,
        f"/pacer profile <@{GHOST}> farmer",
        "deactivated",
        setup=people_slack_refuses,
    ),
    bad(
        "profile-of-someone-elsewhere",
        ADMIN,
        f"/pacer profile <@{ELSEWHERE}> farmer",
        "another Slack workspace",
        setup=people_slack_refuses,
    ),
    bad("profile-of-an-app", ADMIN, f"/pacer profile <@{ROBOT}> farmer", "is an app", setup=people_slack_refuses),
    bad(
        "goal-when-slack-cannot-say-who",
        NED,
        f"/goal <@{KIM}> revenue 120k",
        "couldn't tell me who",
        setup=slack_cannot_say_who_anyone_is,
        runner=MANAGER,
    ),
    bad(
        "team-goal-when-slack-cannot-say-who",
        MANAGER,
        "/goal team revenue 300k",
        "couldn't tell me who",
        setup=slack_cannot_say_who_anyone_is,
    ),
    # errors no slash command reaches (each function says why)
    direct("goals-of-someone-pacer-never-met", goals_of_someone_pacer_never_met, "isn't a Pacer member", MANAGER),
    direct("goal-value-that-skipped-parsing", a_target_that_skipped_parsing, "must be more than 0", MANAGER),
    direct("team-goal-for-an-unconfigured-team", a_goal_for_a_team_that_is_not_configured, "“Narnia”", MANAGER),
    direct("leaderboard-of-an-unconfigured-team", a_leaderboard_for_a_team_that_is_not_configured, "“Narnia”", REP),
    direct("placement-nobody-could-register", a_placement_for_someone_slack_could_not_register, "registered", ADMIN),
    direct("metric-unknown-to-code", an_unknown_metric_name_in_code, "unknown metric 'revnue'", MANAGER),
]


# --- recording where errors with examples come from ----------------------------------------------------

Position = tuple[str, int]  # ("handlers/parse.py", 217)


@dataclass(frozen=True, order=True)
class Site:
    """A call in the source that passes `example=` (an error, or a helper that builds one)."""

    path: str
    line: int
    end: int
    code: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}  {self.code}"

    def holds(self, position: Position) -> bool:
        return position[0] == self.path and self.line <= position[1] <= self.end


def _position(filename: str, line: int) -> Position | None:
    try:
        relative = Path(filename).resolve().relative_to(ROOT)
    except ValueError:
        return None
    return (relative.as_posix(), line) if relative.parts[0] in SCANNED else None


def _frame_positions(frame: FrameType | None) -> list[Position]:
    found = []
    while frame is not None:
        if (position := _position(frame.f_code.co_filename, frame.f_lineno)) is not None:
            found.append(position)
        frame = frame.f_back
    return found


def _traceback_positions(tb: TracebackType | None) -> list[Position]:
    found = []
    while tb is not None:
        if (position := _position(tb.tb_frame.f_code.co_filename, tb.tb_lineno)) is not None:
            found.append(position)
        tb = tb.tb_next
    return found


class Recorder:
    """Every PacerError built while a scenario runs, with the stack that built it."""

    def __init__(self) -> None:
        self.built: list[tuple[PacerError, list[Position]]] = []

    def stack_of(self, error: BaseException) -> list[Position]:
        return next((stack for built, stack in self.built if built is error), [])

    def shown(self, example: str) -> PacerError:
        """The error whose example the reply showed: the last one raised with exactly that example."""
        raised = [e for e, _ in self.built if e.example == example and e.__traceback__ is not None]
        assert raised, f"no PacerError carried the example {example!r}"
        return raised[-1]


@pytest.fixture
def recorder(monkeypatch: pytest.MonkeyPatch) -> Recorder:
    recorder = Recorder()
    init = PacerError.__init__

    def recording(self: PacerError, message: str, *, example: str | None = None, field: str | None = None) -> None:
        init(self, message, example=example, field=field)
        recorder.built.append((self, _frame_positions(sys._getframe(1))))

    monkeypatch.setattr(PacerError, "__init__", recording)
    return recorder


def _chain(error: BaseException) -> Iterator[BaseException]:
    """The error and those it was raised while handling (a wrapper's `from None` keeps `__context__`)."""
    seen: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and not any(current is s for s in seen):
        seen.append(current)
        yield current
        current = current.__cause__ or current.__context__


def examples_and_positions(error: PacerError, recorder: Recorder) -> tuple[list[str], set[Position]]:
    """Every example carried along the way to `error` (it and the errors it wraps), and where each
    was built, raised or passed on. Wrapped errors' examples must work too: they are someone's example."""
    examples: list[str] = []
    positions: set[Position] = set()
    for link in _chain(error):
        example = getattr(link, "example", None)
        if not example:
            continue
        if example not in examples:
            examples.append(example)
        positions.update(_traceback_positions(link.__traceback__))
        positions.update(recorder.stack_of(link))
    return examples, positions


HIT: set[Site] = set()
RAN: set[str] = set()


@functools.cache
def example_sites() -> list[Site]:
    """Every call in bot/, handlers/ and scoring/ with an `example=` that is not None or ""."""
    sites = []
    for package in SCANNED:
        for path in sorted((ROOT / package).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if not isinstance(node, ast.Call):
                    continue
                for keyword in node.keywords:
                    value = keyword.value
                    if keyword.arg != "example" or (isinstance(value, ast.Constant) and value.value in (None, "")):
                        continue
                    code = f"{ast.unparse(node.func)}(…, example={ast.unparse(value)})"
                    sites.append(Site(path.relative_to(ROOT).as_posix(), node.lineno, node.end_lineno or 0, code))
    return sorted(sites)


# --- reading replies and running examples -----------------------------------------------------------


def error_parts(response: Response) -> tuple[str, str | None]:
    """(the warning text, the example) of an error reply; ("", None) when the reply is not an error."""
    blocks = response.json().get("blocks") or []
    first = blocks[0] if blocks else {}
    warning = (first.get("text") or {}).get("text", "") if first.get("type") == "section" else ""
    if not warning.startswith(":warning: "):
        warning = ""
    examples = [
        element["text"]
        for block in blocks
        if block.get("type") == "context"
        for element in block.get("elements", [])
        if element.get("text", "").startswith("Example: `")
    ]
    assert len(examples) <= 1, examples
    if not examples:
        return warning, None
    shown = examples[0].removeprefix("Example: `").removesuffix("`")
    return warning, shown.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


PLACEHOLDER = re.compile(r"(?<![\w<|])@([a-z]+)\b")


def as_slack_sends_it(example: str) -> str:
    """`@dana` as Slack sends a mention picked from the @-menu: `<@UREP0001|dana>`."""

    def mention(match: re.Match[str]) -> str:
        name = match.group(1)
        assert name in PEOPLE, f"the example {example!r} names @{name}, who is nobody in the workspace"
        return f"<@{PEOPLE[name]}|{name}>"

    return PLACEHOLDER.sub(mention, example)


def assert_well_formed(example: str) -> None:
    assert example.startswith("/") and example == example.strip(), f"{example!r} isn't a slash command"
    assert "\n" not in example, f"{example!r} is more than one line"
    assert not set(example) & set("<>…"), f"{example!r} has a placeholder nobody can type"


def run_example(pacer: Pacer, user_id: str, example: str) -> None:
    """Send `example` as `user_id` would type it, and require a reply that is not an error."""
    for name in PLACEHOLDER.findall(example):  # the colleague an example names has used Pacer
        if name in PEOPLE:
            pacer.command(PEOPLE[name], "/pacer", "help")
    command, _, text = as_slack_sends_it(example).partition(" ")
    response = pacer.command(user_id, command, text)
    assert response.status == 200, f"{example!r} → HTTP {response.status}: {response.body}"
    warning, shown = error_parts(response)
    assert not warning and shown is None, f"the example {example!r} is refused: {warning} (example: {shown})"
    assert APOLOGY not in response.text, f"the example {example!r} failed inside Pacer"
    assert response.json().get("response_type") == "ephemeral" and response.text.strip(), response.body


# --- the scenarios --------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_the_example_in_every_error_is_a_command_that_works(
    case: Bad, pacer: Pacer, recorder: Recorder, monkeypatch: pytest.MonkeyPatch
) -> None:
    RAN.add(case.id)
    if case.setup is not None:
        case.setup(pacer)
    recorder.built.clear()

    if case.direct is not None:
        with pytest.raises(PacerError) as caught:
            case.direct(pacer)
        error: PacerError = caught.value
        assert case.says in error.message
        assert error.example, f"{error.message!r} has no example"
        shown = error.example
    else:
        with monkeypatch.context() as patched:
            if case.patch is not None:
                case.patch(patched)
            response = pacer.command(case.user, case.command, case.text)
        warning, example = error_parts(response)
        assert warning and case.says in warning, response.text
        assert example is not None, f"the error has no example: {response.text}"
        shown = example
        error = recorder.shown(shown)

    examples, positions = examples_and_positions(error, recorder)
    assert examples[0] == shown
    HIT.update(site for site in example_sites() if any(site.holds(p) for p in positions))

    for example in examples:
        assert_well_formed(example)
        run_example(pacer, case.runner or case.user, example)


def test_every_error_example_in_the_source_is_shown_and_run_by_a_scenario() -> None:
    not_run = {case.id for case in CASES} - RAN
    if not_run:
        pytest.skip(f"{len(not_run)} scenarios did not run in this session, so the sites can't be checked")
    sites = example_sites()
    assert len(sites) > 50, "the scan found too few sites: is ROOT right?"
    missing = [site for site in sites if site not in HIT]
    assert not missing, (
        "These calls give an error an example, but no scenario in tests/handlers/test_error_examples.py "
        "reaches them, so nobody checks that the example works. Add a bad input to CASES for each:\n"
        + "\n".join(f"  {site}" for site in missing)
    )


# --- the command line ------------------------------------------------------------------------------------

CLI_EXAMPLE = re.compile(r"[Ff]or example: (pacer [^\n(]*?)\s*(?:\(|$)", re.MULTILINE)
CLI_HIT: set[Site] = set()
CLI_RAN: set[str] = set()
CLI_CASES = {
    "job-not-named": ["jobs", "run"],
    "job-unknown": ["jobs", "run", "nudge"],
    "at-not-a-time": ["jobs", "run", "reminders", "--at", "yesterday"],
    "at-without-a-zone": ["jobs", "run", "reminders", "--at", "2026-11-24T09:00"],
    "export-unknown-period": ["export", "evaluations", "--period", "2026-13", "--format", "json"],
    "export-without-a-workspace": ["export", "evaluations", "--period", "last-month"],
    "fairness-unknown-period": ["report", "fairness", "--period", "2026-13", "--format", "csv"],
    "fairness-without-a-workspace": ["report", "fairness", "--format", "json"],
    "manifest-not-https": ["manifest", "--url", "http://pacer.acme-sales.com"],
    # erasing a workspace without --yes lists what would go and shows the command that erases it
    "erase-without-yes": ["workspace", "erase", "T1"],
    # the console refuses the bot's own database; its example starts the console on stdin's end of input
    "console-on-the-bots-database": ["console", "--database", "{DATABASE_URL}"],
}


def two_workspaces(db: Database) -> None:
    with db.transaction() as session:
        for team_id in ("T1", "T2"):
            workspaces.ensure_workspace(session, team_id=team_id, now=datetime(2026, 11, 24, tzinfo=UTC))


CLI_SETUP: dict[str, Callable[[Database], None]] = {
    "export-without-a-workspace": two_workspaces,
    "fairness-without-a-workspace": two_workspaces,
    "erase-without-yes": two_workspaces,
}


def cli_example_sites() -> list[Site]:
    """Every `fail(...)` in bot/cli.py whose message gives an example."""
    path = Path(bot.cli.__file__).resolve()
    sites = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "fail" and node.args:
            texts = [
                n.value for n in ast.walk(node.args[0]) if isinstance(n, ast.Constant) and isinstance(n.value, str)
            ]
            if any("example" in text.lower() for text in texts):
                sites.append(Site(path.relative_to(ROOT).as_posix(), node.lineno, node.end_lineno or 0, "fail(…)"))
    return sorted(sites)


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, database_url: str) -> Iterator[dict[str, str]]:
    """No .env and no credentials but the test's own: the database and a fake Slack."""
    monkeypatch.chdir(tmp_path)
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "SLACK_API_URL", "DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("PACER_CONFIG", raising=False)
    with FakeSlack() as slack:
        yield {"DATABASE_URL": database_url, "SLACK_BOT_TOKEN": slack.token, "SLACK_API_URL": slack.url}


@pytest.mark.parametrize("case", CLI_CASES)
def test_the_example_in_every_command_line_error_is_a_command_that_works(
    case: str, cli_env: dict[str, str], monkeypatch: pytest.MonkeyPatch, db: Database
) -> None:
    CLI_RAN.add(case)
    if case in CLI_SETUP:  # otherwise the tables are empty
        CLI_SETUP[case](db)
    failed: list[tuple[str, list[Position]]] = []
    fail = bot.cli.fail

    def recording(message: str) -> object:
        failed.append((message, _frame_positions(sys._getframe(1))))
        return fail(message)

    with monkeypatch.context() as patched:
        patched.setattr(bot.cli, "fail", recording)
        args = [arg.replace("{DATABASE_URL}", cli_env["DATABASE_URL"]) for arg in CLI_CASES[case]]
        refused = CliRunner().invoke(bot.cli.cli, args, env=cli_env)

    assert refused.exit_code == 2, refused.output
    [example] = CLI_EXAMPLE.findall(refused.output)
    [(message, positions)] = failed
    assert example in message
    CLI_HIT.update(site for site in cli_example_sites() if any(site.holds(p) for p in positions))

    assert "<" not in example and "…" not in example, example
    ran = CliRunner().invoke(bot.cli.cli, shlex.split(example)[1:], env=cli_env)
    assert ran.exit_code == 0, f"{example!r} failed: {ran.output}"


def test_every_command_line_error_example_is_run_by_a_scenario() -> None:
    if set(CLI_CASES) - CLI_RAN:
        pytest.skip("some command-line scenarios did not run in this session")
    sites = cli_example_sites()
    missing = [site for site in sites if site not in CLI_HIT]
    assert sites and not missing, "add a scenario to CLI_CASES for:\n" + "\n".join(f"  {s}" for s in missing)
