"""The fairness report read from stored appeals and evaluations, on SQLite and PostgreSQL, against figures
worked out by hand."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bot.config import PacerConfig
from bot.services import fairness
from scoring.fairness import AppealStats
from tests.conftest import ADMIN, MANAGER, REP
from tests.fakes.slack_api import FakeSlack
from tests.support import reads
from tests.support.fairness import (
    KIM,
    NOVEMBER,
    NOW,
    OCTOBER,
    WES,
    appeal,
    at,
    fairness_config,
    frozen,
    in_force,
    seven_appeals,
    with_kim_and_wes,
)
from tests.support.harness import Pacer

D = Decimal


@pytest.fixture
def config() -> PacerConfig:
    return fairness_config()


@pytest.fixture
def slack(slack: FakeSlack) -> FakeSlack:
    return with_kim_and_wes(slack)


def the_report(pacer: Pacer, period=OCTOBER):
    member = reads.member(pacer.db, ADMIN)
    assert member is not None
    with pacer.db.reading() as session:
        return fairness.report(
            session, workspace_id=member.workspace_id, config=pacer.deps.config, period=period, now=NOW
        )


def test_appeals_are_counted_per_team_now_and_per_evaluating_manager_with_the_hand_computed_figures(pacer):
    seven_appeals(pacer)

    found = the_report(pacer)

    assert (found.period_key, found.period_label) == ("2026-10", "October 2026")
    teams = {group.name: group.stats for group in found.by_team}
    assert teams == {
        "East": AppealStats(
            filed=3, open=1, withdrawn=0, upheld=1, partly_upheld=0, rejected=1,
            median_days_to_decision=D(4), overdue_now=1, decided_late=1,
        ),
        "West": AppealStats(
            filed=4, open=1, withdrawn=1, upheld=0, partly_upheld=1, rejected=1,
            median_days_to_decision=D("0.5"), overdue_now=0, decided_late=0,
        ),
    }  # fmt: skip
    assert teams["East"].uphold_rate == D("50.0") and teams["West"].uphold_rate == D("50.0")
    managers = {group.name: group.stats for group in found.by_manager}
    assert managers == {
        MANAGER: AppealStats(
            filed=5, open=1, withdrawn=1, upheld=1, partly_upheld=1, rejected=1,
            median_days_to_decision=D(2), overdue_now=1, decided_late=1,
        ),
        WES: AppealStats(
            filed=2, open=1, withdrawn=0, upheld=0, partly_upheld=0, rejected=1,
            median_days_to_decision=D(0), overdue_now=0, decided_late=0,
        ),
    }  # fmt: skip
    assert managers[MANAGER].uphold_rate == D("66.7") and managers[WES].uphold_rate == D("0.0")
    assert found.manager_name(MANAGER) == f"Morgan ({MANAGER})"
    overall = found.overall
    assert (overall.filed, overall.open, overall.withdrawn, overall.decided) == (7, 2, 1, 4)
    assert (overall.uphold_rate, overall.median_days_to_decision) == (D("50.0"), D("1.5"))  # 0, 1, 2, 6
    assert (overall.overdue_now, overall.decided_late) == (1, 1)


def test_the_score_spread_of_each_profile_comes_from_the_versions_in_force_in_band_order(pacer):
    seven_appeals(pacer)

    found = the_report(pacer)

    hunter, strategic = found.profiles
    # Dana's revenue corrected to 100k (40 points), Lee's to 50k (20 points); nothing else counts
    assert (hunter.profile, hunter.count) == ("hunter", 2)
    spread = hunter.spread
    assert (spread.minimum, spread.q1, spread.median, spread.q3, spread.maximum) == (
        D("20.00"), D("25.00"), D("30.00"), D("35.00"), D("40.00"),
    )  # fmt: skip
    assert [(b.band, b.count, b.percent) for b in hunter.bands] == [
        ("Exceeds", 0, D("0.0")),
        ("Meets", 0, D("0.0")),
        ("Partially meets", 0, D("0.0")),
        ("Below", 2, D("100.0")),
    ]
    kim = in_force(pacer.db, frozen(pacer, KIM, OCTOBER, actor=MANAGER))  # already frozen: read back
    assert (strategic.profile, strategic.count) == ("strategic", 1)
    assert strategic.spread.minimum == strategic.spread.median == strategic.spread.maximum == kim.snapshot.total
    assert [b.band for b in strategic.bands if b.count] == [kim.snapshot.rating]


def test_a_period_counts_only_appeals_on_its_evaluations_and_the_default_is_the_latest_period_evaluated(pacer):
    seven_appeals(pacer)
    pacer.clock.now = NOW
    dana_november = frozen(pacer, REP, NOVEMBER, actor=MANAGER)
    appeal(pacer.db, dana_november, status="rejected", created_at=at(2, month=12), due_at=at(9, month=12),
           decided_at=at(3, month=12))  # fmt: skip

    latest = the_report(pacer, period=None)
    october = the_report(pacer)

    assert latest.period_key == "2026-11" and latest.overall.filed == 1 and latest.overall.rejected == 1
    assert [p.profile for p in latest.profiles] == ["hunter"] and latest.profiles[0].count == 1
    assert october.overall.filed == 7


def test_a_workspace_without_evaluations_has_an_empty_report(pacer):
    assert pacer.command(ADMIN, "/pacer", "help").status == 200

    found = the_report(pacer, period=None)

    assert found.period_key is None and found.overall.filed == 0 and found.profiles == () and found.by_team == ()
