"""The period close: each cadence's period frozen once it ends, at `evaluations.close_at` in pacer.yml's
time zone — once, however late or often the job runs, and never a second evaluation for anyone."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlmodel import col, select

from bot.config import ConfigError, EvaluationsConfig, PacerConfig, ProductLine, Team, load_config
from bot.jobs import period_close
from bot.jobs.base import JobContext
from bot.services import evaluations as service
from bot.store import evaluations as store
from bot.store.tables import Evaluation, EvaluationVersion, Member, PeriodClose
from scoring.evaluations import FROZEN_AT_CLOSE
from scoring.periods import month_of
from tests.conftest import ADMIN, MANAGER, REP, REP2
from tests.jobs.conftest import at, register
from tests.support import reads

FARMER_REP = "UREP0003"
LATE = "UREP0004"  # joins after November has ended
BOT = "UBOT0001"
OTHER_TEAM, OTHER_REP = "T2OTHER", "UOTHER001"
NOVEMBER = month_of(datetime(2026, 11, 1).date())

# 06:00 in Shanghai (UTC+8, no daylight saving) on the first day after each period
DEC_1_CLOSE = datetime(2026, 11, 30, 22, 0, tzinfo=UTC)
JAN_1_CLOSE = datetime(2026, 12, 31, 22, 0, tzinfo=UTC)


@pytest.fixture
def config() -> PacerConfig:
    return PacerConfig(
        currency="USD",
        timezone="Asia/Shanghai",
        product_lines=[ProductLine(name="Core"), ProductLine(name="Enterprise", premium=True)],
        teams=[Team(name="East", manager=MANAGER, members=[REP, REP2, FARMER_REP, LATE])],
        admins=[ADMIN],
    )


@pytest.fixture
def team(pacer, slack):
    """Dana (hunter), Lee (strategic) and Fay (farmer), with some work logged in November."""
    slack.add_user(FARMER_REP, name="fay", real_name="Fay Farmer", display_name="Fay", tz="Asia/Shanghai")
    slack.add_user(LATE, name="lou", real_name="Lou Late", display_name="Lou", tz="Asia/Shanghai")
    pacer.clock.now = datetime(2026, 11, 10, 3, 0, tzinfo=UTC)
    register(pacer, ADMIN, MANAGER, REP, REP2, FARMER_REP)
    assert "strategic" in pacer.command(ADMIN, "/pacer", f"profile <@{REP2}|lee> strategic").text
    assert "farmer" in pacer.command(ADMIN, "/pacer", f"profile <@{FARMER_REP}|fay> farmer").text
    pacer.deal(REP, "60k Acme Corp")
    pacer.deal(REP2, "30k Globex product:Enterprise")
    pacer.deal(FARMER_REP, "20k Initech")
    pacer.activity(REP, "call 12")
    pacer.settle()
    # Pacer has been running: October and Q3 closed with no one to freeze (everyone joined in November)
    assert close(pacer, pacer.clock.now).counts == {"closed": 2, "frozen": 0, "checkins": 0}


def close(pacer, now: datetime, config: PacerConfig | None = None):
    if config is None:
        return at(pacer, now, period_close.run)
    pacer.clock.now = now
    return period_close.run(JobContext(db=pacer.db, config=config, client=pacer.deps.client, now=now))


def read(db, fn):
    with db.reading() as session:
        return fn(session)


def workspace_of(db) -> int:
    return reads.member(db, REP).workspace_id


def frozen(db) -> list[tuple[str, str]]:
    """(user id, period key) of every evaluation, by member and period."""
    with db.reading() as session:
        rows = session.exec(
            select(Member.user_id, Evaluation.period_key)
            .join(Member, col(Member.id) == col(Evaluation.member_id))
            .order_by(col(Evaluation.member_id), col(Evaluation.period_key))
        )
        return [(user_id, key) for user_id, key in rows]


def closes(db) -> list[tuple[str, str, int, bool]]:
    with db.reading() as session:
        rows = session.exec(select(PeriodClose).order_by(col(PeriodClose.id)))
        return [(row.cadence, row.period_key, row.frozen, row.finished_at is not None) for row in rows]


@pytest.mark.usefixtures("team")
def test_nothing_closes_before_the_close_time_on_the_first_day_after_the_month(pacer, db):
    result = close(pacer, datetime(2026, 11, 30, 21, 59, tzinfo=UTC))  # 05:59 on 1 December in Shanghai

    assert result.counts == {"closed": 0, "frozen": 0, "checkins": 0}
    assert frozen(db) == [] and closes(db) == [("month", "2026-10", 0, True), ("quarter", "2026-Q3", 0, True)]


@pytest.mark.usefixtures("team")
def test_hunters_and_strategic_reps_are_frozen_when_the_month_closes_and_farmers_are_not(pacer, db):
    result = close(pacer, DEC_1_CLOSE)

    assert frozen(db) == [(REP, "2026-11"), (REP2, "2026-11")]
    assert closes(db)[2:] == [("month", "2026-11", 2, True)]
    assert result.counts == {"closed": 1, "frozen": 2, "checkins": 2}
    lee = read(
        db,
        lambda s: store.evaluation_of(
            s, workspace_id=workspace_of(db), member_id=reads.member(db, REP2).id, period_key="2026-11"
        ),
    )
    assert (lee.profile, lee.cadence, lee.manager_user_id, lee.version) == ("strategic", "month", MANAGER, 1)
    assert (lee.period_start.isoformat(), lee.period_end.isoformat()) == ("2026-11-01", "2026-11-30")


@pytest.mark.usefixtures("team")
def test_farmers_are_frozen_only_when_the_quarter_closes(pacer, db):
    close(pacer, DEC_1_CLOSE)
    close(pacer, JAN_1_CLOSE)

    assert (FARMER_REP, "2026-Q4") in frozen(db)
    assert [key for user_id, key in frozen(db) if user_id == FARMER_REP] == ["2026-Q4"]
    assert [key for user_id, key in frozen(db) if user_id == REP] == ["2026-11", "2026-12"]
    farmer = read(
        db,
        lambda s: service.evaluation_of(
            s, workspace_id=workspace_of(db), member_id=reads.member(db, FARMER_REP).id, period_key="2026-Q4"
        ),
    )
    assert farmer.snapshot.scorecard.cadence == "quarter" and farmer.snapshot.period.label == "Q4 2026 (Oct–Dec)"
    assert farmer.snapshot.line("repeat_revenue") is not None


@pytest.mark.usefixtures("team")
def test_a_run_two_days_late_still_closes_the_month_once(pacer, db):
    late = datetime(2026, 12, 3, 2, 30, tzinfo=UTC)

    first = close(pacer, late)
    again = close(pacer, late)
    later = close(pacer, datetime(2026, 12, 20, 9, 0, tzinfo=UTC))

    assert first.counts["frozen"] == 2
    assert again.counts == later.counts == {"closed": 0, "frozen": 0, "checkins": 0}
    assert frozen(db) == [(REP, "2026-11"), (REP2, "2026-11")]
    assert len(reads.audit(db, "evaluation.frozen")) == 2


@pytest.mark.usefixtures("team")
def test_after_downtime_over_a_whole_month_only_the_latest_month_closes(pacer, db):
    close(pacer, datetime(2027, 1, 5, 2, 0, tzinfo=UTC))

    assert [key for user_id, key in frozen(db) if user_id == REP] == ["2026-12"]
    assert ("month", "2026-11") not in [(cadence, key) for cadence, key, _, _ in closes(db)]


@pytest.mark.usefixtures("team")
def test_bots_managers_deactivated_members_and_members_who_joined_after_the_period_are_not_evaluated(pacer, slack, db):
    slack.add_user(BOT, name="helper", is_bot=True)
    register(pacer, BOT)
    with db.transaction() as session:  # a rep who has left the company
        member = session.exec(select(Member).where(Member.user_id == REP2)).one()
        member.deleted = True
        session.add(member)
    pacer.clock.now = datetime(2026, 11, 30, 16, 30, tzinfo=UTC)  # 00:30 on 1 December in Shanghai
    register(pacer, LATE)

    close(pacer, DEC_1_CLOSE)

    assert frozen(db) == [(REP, "2026-11")]


@pytest.mark.usefixtures("team")
def test_each_frozen_evaluation_is_audited_with_its_score(pacer, db):
    close(pacer, DEC_1_CLOSE)

    entries = {entry.entity_id: entry for entry in reads.audit(db, "evaluation.frozen")}
    with db.reading() as session:
        rows = list(session.exec(select(EvaluationVersion).order_by(col(EvaluationVersion.id))))
    assert sorted(entries) == sorted(row.evaluation_id for row in rows)
    dana = next(row for row in rows if row.snapshot["member"]["user_id"] == REP)
    entry = entries[dana.evaluation_id]
    assert (entry.actor, entry.source, entry.entity, entry.at) == ("system", "period_close", "evaluation", DEC_1_CLOSE)
    assert entry.after == {
        "member": REP,
        "period": "2026-11",
        "version": 1,
        "total": str(dana.total),
        "rating": dana.rating,
        "manager": MANAGER,
    }
    assert (dana.version, dana.reason, dana.created_by) == (1, FROZEN_AT_CLOSE, "system")


@pytest.mark.usefixtures("team")
def test_a_batch_that_fails_half_way_is_frozen_by_the_next_run_and_no_one_twice(pacer, db, monkeypatch):
    one_per_batch = pacer.deps.config.model_copy(update={"evaluations": EvaluationsConfig(batch_size=1)})
    real = store.insert_frozen
    calls = []

    def second_batch_fails(session, **kwargs):
        calls.append(kwargs["evaluations"][0].member_id)
        if len(calls) == 2:
            raise RuntimeError("the database went away")
        return real(session, **kwargs)

    monkeypatch.setattr(store, "insert_frozen", second_batch_fails)
    failed = close(pacer, DEC_1_CLOSE, one_per_batch)
    assert failed.counts == {"closed": 0, "frozen": 0, "checkins": 0, "failed": 1}
    assert frozen(db) == [(REP, "2026-11")]  # the first batch committed, the second rolled back
    assert closes(db)[2:] == [("month", "2026-11", 0, False)]  # started, not finished

    result = close(pacer, DEC_1_CLOSE, one_per_batch)

    assert frozen(db) == [(REP, "2026-11"), (REP2, "2026-11")]
    assert result.counts["frozen"] == 1
    assert closes(db)[2:] == [("month", "2026-11", 2, True)]
    assert len(reads.audit(db, "evaluation.frozen")) == 2


@pytest.mark.usefixtures("team")
def test_a_workspace_whose_close_fails_holds_back_no_other_workspace(pacer, slack, db, monkeypatch):
    slack.add_user(OTHER_REP, team_id=OTHER_TEAM, name="sam", tz="Europe/Paris")
    pacer.clock.now = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    assert "Logged" in pacer.deal(OTHER_REP, "7k Acme Corp", team_id=OTHER_TEAM).text
    broken = workspace_of(db)
    real = store.insert_frozen

    def first_workspace_fails(session, **kwargs):
        if kwargs["workspace_id"] == broken:
            raise RuntimeError("a bad row")
        return real(session, **kwargs)

    monkeypatch.setattr(store, "insert_frozen", first_workspace_fails)
    result = close(pacer, DEC_1_CLOSE)
    assert result.counts == {
        "closed": 2,
        "frozen": 1,
        "checkins": 0,
        "failed": 1,
        "without_manager": 1,
    }  # the other's Nov, Q3
    assert frozen(db) == [(OTHER_REP, "2026-11")]

    monkeypatch.setattr(store, "insert_frozen", real)
    assert close(pacer, DEC_1_CLOSE).counts == {"closed": 1, "frozen": 2, "checkins": 2}
    assert sorted(frozen(db)) == sorted([(REP, "2026-11"), (REP2, "2026-11"), (OTHER_REP, "2026-11")])


@pytest.mark.usefixtures("team")
def test_freezing_one_rep_on_demand_is_what_the_close_freezes_and_happens_once(pacer, db):
    after = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)
    config = pacer.deps.config

    first = service.freeze_one(
        db, config=config, workspace_id=workspace_of(db), user_id=REP, period=NOVEMBER, now=after, actor=MANAGER
    )
    again = service.freeze_one(
        db, config=config, workspace_id=workspace_of(db), user_id=REP, period=NOVEMBER, now=after, actor=MANAGER
    )
    close(pacer, DEC_1_CLOSE)

    assert first == again
    assert frozen(db) == [(REP, "2026-11"), (REP2, "2026-11")]
    versions = read(db, lambda s: service.versions_of(s, evaluation_id=first.id))
    assert [(v.version, v.created_by, v.reason) for v in versions] == [(1, MANAGER, FROZEN_AT_CLOSE)]
    assert first.progression.label == "Open"


@pytest.mark.usefixtures("team")
def test_a_running_period_or_one_of_another_cadence_is_not_frozen_on_demand(pacer, db):
    config = pacer.deps.config
    with pytest.raises(service.PeriodNotEnded, match="November 2026 is still running: it ends on 30 November 2026"):
        service.freeze_one(
            db,
            config=config,
            workspace_id=workspace_of(db),
            user_id=REP,
            period=NOVEMBER,
            now=datetime(2026, 11, 30, 15, 59, tzinfo=UTC),  # 23:59 on 30 November in Shanghai
            actor=MANAGER,
        )
    with pytest.raises(service.NotTheirCadence, match="Fay is evaluated every quarter"):
        service.freeze_one(
            db,
            config=config,
            workspace_id=workspace_of(db),
            user_id=FARMER_REP,
            period=NOVEMBER,
            now=JAN_1_CLOSE,
            actor=MANAGER,
        )
    assert frozen(db) == []


# --- pacer.yml `evaluations:` ------------------------------------------------------------------------


def test_the_close_time_is_read_from_pacer_yml(tmp_path: Path):
    path = tmp_path / "pacer.yml"
    path.write_text('evaluations:\n  close_at: "07:30"\n  batch_size: 200\n')
    config = load_config(path)
    assert config.evaluations.close_time.isoformat() == "07:30:00" and config.evaluations.batch_size == 200
    assert PacerConfig().evaluations == EvaluationsConfig(close_at="06:00", batch_size=500)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("close_at: 18:30", 'evaluations.close_at: write the time in quotes, such as "06:00"'),
        ('close_at: "6am"', 'evaluations.close_at: a time of day as "HH:MM" on the 24-hour clock'),
        ('close_at: "24:00"', 'evaluations.close_at: a time of day as "HH:MM"'),
        ("batch_size: 0", "evaluations.batch_size: Input should be greater than or equal to 1"),
        ("closing: monthly", "evaluations.closing: unknown key"),
    ],
)
def test_a_bad_evaluations_setting_is_refused_with_the_key_and_a_correct_form(tmp_path: Path, text, problem):
    path = tmp_path / "pacer.yml"
    path.write_text(f"evaluations:\n  {text}\n")
    with pytest.raises(ConfigError) as refused:
        load_config(path)
    assert problem in str(refused.value)
