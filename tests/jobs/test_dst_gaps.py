"""With a seven-day calendar the Sunday DST changes are nudge days: times inside a gap come at the
first instant after it, times repeated by a fall-back come once, at their first occurrence."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from bot.config import CalendarConfig, PacerConfig, Team
from tests.conftest import MANAGER, REP
from tests.jobs.conftest import at, register
from tests.support import reads


@pytest.fixture
def config() -> PacerConfig:
    return PacerConfig(teams=[Team(name="East", manager=MANAGER, members=[REP])], calendar=CalendarConfig(weekend=[]))


def sent(db, user_id: str) -> dict[str, datetime]:
    return {m.key.rsplit(":", 1)[1]: m.created_at for m in reads.outbox(db) if m.channel == user_id}


def run_around(pacer, user_id: str, local_time: str, day: date) -> None:
    """Choose the time two days before `day`, then run the job every 15 minutes until two days after."""
    now = datetime.combine(day - timedelta(days=2), time(0), tzinfo=UTC)
    pacer.clock.now = now
    register(pacer, user_id)
    assert pacer.command(user_id, "/pacer", f"nudges {local_time}").status == 200
    while now <= datetime.combine(day + timedelta(days=2), time(0), tzinfo=UTC):
        at(pacer, now)
        now += timedelta(minutes=15)


def test_havanas_midnight_spring_forward_nudges_at_one_oclock(pacer, slack, db):
    slack.add_user("UTZHAV001", tz="America/Havana")  # 8 Mar 2026 00:00 CST → 01:00 CDT
    run_around(pacer, "UTZHAV001", "00:30", date(2026, 3, 8))
    assert sent(db, "UTZHAV001") == {
        "2026-03-06": datetime(2026, 3, 6, 5, 30, tzinfo=UTC),
        "2026-03-07": datetime(2026, 3, 7, 5, 30, tzinfo=UTC),
        "2026-03-08": datetime(2026, 3, 8, 5, 0, tzinfo=UTC),  # 01:00 CDT, the first instant after the gap
        "2026-03-09": datetime(2026, 3, 9, 4, 30, tzinfo=UTC),
    }


def test_lord_howes_half_hour_spring_forward_nudges_at_half_past_two(pacer, slack, db):
    slack.add_user("UTZLHI001", tz="Australia/Lord_Howe")  # 4 Oct 2026 02:00 +10:30 → 02:30 +11
    run_around(pacer, "UTZLHI001", "02:15", date(2026, 10, 4))
    days = sent(db, "UTZLHI001")
    assert days["2026-10-04"] == datetime(2026, 10, 3, 15, 30, tzinfo=UTC)  # 02:30 +11
    assert days["2026-10-03"] == datetime(2026, 10, 2, 15, 45, tzinfo=UTC)  # 02:15 +10:30
    assert days["2026-10-05"] == datetime(2026, 10, 4, 15, 15, tzinfo=UTC)  # 02:15 +11


def test_a_time_repeated_by_new_yorks_fall_back_is_nudged_once_at_its_first_occurrence(pacer, db):
    run_around(pacer, REP, "1:30am", date(2026, 11, 1))  # 1 Nov 2026 02:00 EDT → 01:00 EST
    days = sent(db, REP)
    assert days["2026-11-01"] == datetime(2026, 11, 1, 5, 30, tzinfo=UTC)  # 01:30 EDT, not 01:30 EST
    assert days["2026-11-02"] == datetime(2026, 11, 2, 6, 30, tzinfo=UTC)
    assert len(days) == 4  # 30 Oct – 2 Nov, one each


def test_lord_howes_half_hour_fall_back_nudges_once(pacer, slack, db):
    slack.add_user("UTZLHI001", tz="Australia/Lord_Howe")  # 5 Apr 2026 02:00 +11 → 01:30 +10:30
    run_around(pacer, "UTZLHI001", "01:45", date(2026, 4, 5))
    days = sent(db, "UTZLHI001")
    assert days["2026-04-05"] == datetime(2026, 4, 4, 14, 45, tzinfo=UTC)  # the first 01:45 (+11)
    assert len(days) == 4
