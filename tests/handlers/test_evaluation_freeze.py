"""Evaluations frozen at close, end to end: what is frozen is, line by line and to the cent, what a signed
`/progress <period>` showed for that period at close — and nothing later changes it: not a deal, a void,
a goal, nor a new pacer.yml."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from bot.config import PacerConfig, ProductLine, Team, TrainingConfig, Wins
from bot.jobs import period_close
from bot.jobs.base import JobContext
from bot.services import evaluations as service
from bot.services import progress as progress_service
from bot.services.evaluations import EvaluationView
from scoring.evaluations import Snapshot, rescore, scorecard_of
from scoring.metrics import format_value, plain_number
from scoring.money import Money, format_amount
from scoring.periods import month_of
from scoring.profiles import HUNTER, STRATEGIC
from scoring.records import Source
from tests.conftest import ADMIN, MANAGER, REP, REP2, WINS_CHANNEL
from tests.support import reads
from tests.support.harness import Pacer, Response

CLOSE = datetime(2026, 12, 1, 6, 0, tzinfo=UTC)  # 06:00 on 1 December in pacer.yml's zone (UTC)
NOVEMBER = month_of(datetime(2026, 11, 1).date())
DANA, LEE = f"<@{REP}|dana>", f"<@{REP2}|lee>"


@pytest.fixture
def config() -> PacerConfig:
    return PacerConfig(
        currency="USD",
        product_lines=[ProductLine(name="Core"), ProductLine(name="Enterprise", premium=True)],
        wins=Wins(channel=WINS_CHANNEL, threshold=Decimal("50000")),
        teams=[Team(name="East", manager=MANAGER, members=[REP, REP2])],
        admins=[ADMIN],
        training=TrainingConfig(required=["Negotiation", "Premium Selling"]),
    )


@pytest.fixture
def november(pacer: Pacer) -> None:
    """A November of work with cents in it: Dana (hunter) with a goal, Lee (strategic) with premium deals,
    surveys and a course."""
    pacer.clock.now = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)
    for user in (ADMIN, MANAGER, REP, REP2):
        assert pacer.command(user, "/pacer", "help").status == 200
    assert "strategic" in pacer.command(ADMIN, "/pacer", f"profile {LEE} strategic").text
    replies = [
        pacer.deal(REP, "12,345.67 Acme Corp"),
        pacer.deal(REP, "40k Globex product:Enterprise"),
        pacer.deal(REP, "1,000.01 Initech date:2026-11-02"),
        pacer.deal(REP2, "30,000.50 Hooli product:Enterprise"),
        pacer.deal(REP2, "9,999.99 Umbrella product:Core"),
        pacer.deal(REP2, "5,432.10 Hooli product:Enterprise"),
        pacer.activity(REP, "lead 7"),
        pacer.activity(REP, "call 12"),
        pacer.command(MANAGER, "/goal", f"{DANA} revenue 75k 2026-11"),
        pacer.command(MANAGER, "/goal", f"{LEE} premium_share 60% 2026-11"),
        pacer.command(ADMIN, "/pacer", "csat Hooli 4 2026-11-20"),
        pacer.command(ADMIN, "/pacer", "csat Umbrella 2 2026-11-21"),
        pacer.command(ADMIN, "/pacer", f"training {LEE} Negotiation done 2026-11-12"),
    ]
    assert all(reply.status == 200 and ":warning:" not in reply.text for reply in replies)
    pacer.settle()


def close(pacer: Pacer, config: PacerConfig | None = None, now: datetime = CLOSE):
    pacer.clock.now = now
    context = JobContext(db=pacer.db, config=config or pacer.deps.config, client=pacer.deps.client, now=now)
    return period_close.run(context)


def evaluation(pacer: Pacer, user_id: str, period_key: str = "2026-11") -> EvaluationView:
    member = reads.member(pacer.db, user_id)
    with pacer.db.reading() as session:
        found = service.evaluation_of(
            session, workspace_id=member.workspace_id, member_id=member.id, period_key=period_key
        )
    assert found is not None
    return found


def sections(response: Response) -> list[str]:
    return [block["text"]["text"] for block in response.json()["blocks"] if block["type"] == "section"]


def contexts(response: Response) -> list[str]:
    return [e["text"] for block in response.json()["blocks"] if block["type"] == "context" for e in block["elements"]]


def assert_progress_shows(response: Response, snapshot: Snapshot) -> None:
    """Every scorecard line of `/progress` shows the snapshot's actual, target and its origin, weight, points
    and reason; then the same sum, score, rating, payout lines and sources."""
    currency = snapshot.currency
    shown = sections(response)
    for line in snapshot.lines:
        [block] = [text for text in shown if text.startswith(f"*{line.label}* ")]
        actual = format_value(line.unit, line.actual, currency=currency)
        if line.target is None:
            assert f"{actual} · no target set" in block
        else:
            origin = "your goal" if line.target_from == "goal" else "profile default"
            assert f"— {actual} of {format_value(line.unit, line.target, currency=currency)} ({origin})" in block
        assert f"weight {plain_number(line.weight)} → *{line.points} pts*" in block
        if line.reason:
            assert f"*{line.points} pts* ({line.reason})" in block
    sums = " + ".join(str(line.points) for line in snapshot.lines)
    assert any(text.startswith(f"{sums} = {snapshot.total} pts.") for text in contexts(response))
    assert f"*Score {snapshot.total} pts — {snapshot.rating}*" in shown
    [payout] = [text for text in shown if text.startswith("*Estimated payout")]
    money = [f"• {line.label}: {format_amount(Money(line.amount, currency))}" for line in snapshot.payout.lines]
    total = format_amount(Money(snapshot.payout.total, currency))
    assert payout.split("\n") == [f"*Estimated payout for {snapshot.period.label}: {total}*", *money]
    parts = [
        f"{kind.capitalize()}: "
        + ", ".join(f"{n} {Source(source).label}" for source, n in sorted(snapshot.sources[kind].items()))
        for kind in ("deals", "activities", "surveys", "courses")
        if snapshot.sources.get(kind)
    ]
    assert f"Where the numbers come from — {'; '.join(parts)}" in contexts(response)


@pytest.mark.usefixtures("november")
@pytest.mark.parametrize("user_id", [REP, REP2], ids=["hunter", "strategic"])
def test_the_frozen_evaluation_is_what_progress_showed_for_the_period_at_close_line_by_line(pacer, user_id):
    close(pacer)
    shown = pacer.command(user_id, "/progress", "2026-11")
    frozen = evaluation(pacer, user_id).snapshot

    assert_progress_shows(shown, frozen)
    # and exactly, to the last digit: the figures /progress computes for the period at close
    member = reads.member(pacer.db, user_id)
    with pacer.db.reading() as session:
        report = progress_service.progress(
            session, _caller(pacer, user_id), member, config=pacer.deps.config, period=NOVEMBER
        )
    assert [(line.actual, line.target, line.contribution) for line in report.score.lines] == [
        (line.actual, line.target, line.points) for line in frozen.lines
    ]
    assert (report.score.total, report.payout.total) == (frozen.total, frozen.payout.total)
    assert frozen.rules.recognition == "signed" and frozen.rules.premium_lines == ("Enterprise",)


def test_the_hunters_evaluation_has_cents_goals_and_sources(pacer, november):  # noqa: ARG001
    close(pacer)
    dana = evaluation(pacer, REP).snapshot

    revenue = dana.line("revenue")
    assert (revenue.actual, revenue.target, revenue.target_from) == (Decimal("53345.68"), Decimal("75000"), "goal")
    assert revenue.sources == {"command": 3} and dana.sources["activities"] == {"command": 19}
    assert dana.line("new_leads").actual == 7 and dana.line("new_leads").target_from == "profile"
    assert dana.payout.total == sum(line.amount for line in dana.payout.lines)
    assert str(dana.payout.lines[0].amount) == "2667.28"  # 5 % of $53,345.68, to the cent


@pytest.mark.usefixtures("november")
def test_a_deal_a_void_and_a_goal_changed_after_close_leave_the_evaluation_unchanged(pacer):
    close(pacer)
    before = evaluation(pacer, REP)
    progress_at_close = pacer.command(REP, "/progress", "2026-11").json()

    pacer.clock.now = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)
    assert "Logged" in pacer.deal(REP, "50k Wayne Enterprises date:2026-11-20").text
    assert "Voided" in pacer.deal(REP, "void D-1 wrong customer").text
    assert ":warning:" not in pacer.command(MANAGER, "/goal", f"{DANA} revenue 200k 2026-11").text
    pacer.settle()
    again = close(pacer, now=datetime(2026, 12, 2, 10, 0, tzinfo=UTC))

    assert pacer.command(REP, "/progress", "2026-11").json() != progress_at_close  # /progress moved on …
    assert again.counts["frozen"] == 0
    after = evaluation(pacer, REP)
    assert after == before  # … the evaluation did not
    assert after.snapshot.line("revenue").target == Decimal("75000")
    with pacer.db.reading() as session:
        assert len(service.versions_of(session, evaluation_id=after.id)) == 1


@pytest.mark.usefixtures("november")
def test_a_weight_changed_in_pacer_yml_after_close_changes_neither_the_evaluation_nor_its_scorecard(
    pacer, db, slack, clock
):
    close(pacer)
    before = evaluation(pacer, REP)
    reweighted = PacerConfig(
        **pacer.deps.config.model_dump(exclude={"profiles"}),
        profiles={
            "hunter": {
                "scorecard": {"metrics": [{"metric": "revenue", "weight": 70}, {"metric": "activities", "weight": 30}]}
            }
        },
    )
    later = Pacer(db=db, slack=slack, clock=clock, config=reweighted)
    try:
        assert "weight 70" in later.command(REP, "/progress", "2026-11").text  # pacer.yml changed …
        close(later, reweighted, now=datetime(2026, 12, 5, 9, 0, tzinfo=UTC))
        on_demand = service.freeze_one(
            db,
            config=reweighted,
            workspace_id=reads.member(db, REP).workspace_id,
            user_id=REP,
            period=NOVEMBER,
            now=datetime(2026, 12, 5, 9, 0, tzinfo=UTC),
            actor=MANAGER,
        )
    finally:
        later.close()

    after = evaluation(pacer, REP)
    assert after == before == on_demand  # … the evaluation did not
    assert scorecard_of(after.snapshot) == HUNTER.scorecard != reweighted.profile_named("hunter").scorecard
    corrected = rescore(after.snapshot, {"revenue": Decimal("75000")})  # an appeal later: weight 40 still
    assert corrected.line("revenue").points == Decimal("40.00") and corrected.line("revenue").weight == 40
    assert scorecard_of(evaluation(pacer, REP2).snapshot) == STRATEGIC.scorecard


def _caller(pacer: Pacer, user_id: str):
    from zoneinfo import ZoneInfo

    from bot.directory import Caller
    from bot.store.members import as_person

    member = reads.member(pacer.db, user_id)
    return Caller(
        workspace_id=member.workspace_id,
        team_id="T1",
        member_id=member.id,
        person=as_person(member),
        tz=ZoneInfo("UTC"),
        today=CLOSE.date(),
        stale=False,
    )
