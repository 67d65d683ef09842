"""Appeal deadlines go out through the existing `reminders` job and the outbox: the due-soon reminder to the
reviewer before the decision is due, the overdue escalation to each admin after it, across a weekend, and
nothing once the appeal is decided or withdrawn (its reminders cancelled). Scheduling them is the filing's
work; these tests schedule them as it does, with the keys of `bot.services.appeals`."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.config import PacerConfig, ProductLine, Team
from bot.jobs import reminders as reminders_job
from bot.jobs.base import JobContext
from bot.services import appeals
from bot.store import reminders
from scoring.periods import Calendar
from scoring.schedule import after_working_days
from tests.conftest import ADMIN, MANAGER, REP, REP2
from tests.support import reads
from tests.support.checkins import deliver_all
from tests.support.fairness import OCTOBER, REVIEWER, appeal, frozen
from tests.support.harness import Pacer

ADMIN2 = "UADM0002"
FRIDAY = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)  # filed on a Friday afternoon
UTC_ZONE = ZoneInfo("UTC")
NINE = time(9, 0)


@pytest.fixture
def config() -> PacerConfig:
    return PacerConfig(
        currency="USD",
        recognition="signed",
        product_lines=[ProductLine(name="Core")],
        teams=[Team(name="East", manager=MANAGER, members=[REP, REP2])],
        admins=[ADMIN, ADMIN2],
    )


def evaluation_workspace(pacer: Pacer) -> int:
    member = reads.member(pacer.db, REP)
    assert member is not None
    return member.workspace_id


def run_reminders(pacer: Pacer, now: datetime) -> int:
    pacer.clock.now = now
    context = JobContext(db=pacer.db, config=pacer.deps.config, client=pacer.deps.client, now=now)
    queued = reminders_job.run(context).counts["queued"]
    deliver_all(pacer)
    return queued


def filed_with_deadline_reminders(pacer: Pacer, user_id: str) -> tuple[int, datetime, datetime]:
    """An appeal filed on FRIDAY, due 5 working days later (Friday 4 December, 09:00), reminded one working day
    before (Thursday 3 December, 09:00), escalated to each admin when due; (id, due-soon time, due time)."""
    for user in (ADMIN, MANAGER, user_id):
        assert pacer.command(user, "/pacer", "help").status == 200
    pacer.settle()
    evaluation = frozen(pacer, user_id, OCTOBER, actor=MANAGER)
    due = after_working_days(FRIDAY, 5, UTC_ZONE, NINE, Calendar())
    soon = after_working_days(FRIDAY, 4, UTC_ZONE, NINE, Calendar())
    appeal_id = appeal(pacer.db, evaluation, status="open", created_at=FRIDAY, due_at=due)
    number = appeals.number(appeal_id)
    owed = [
        {
            "key": appeals.key(appeal_id, "due-soon"),
            "recipient": REVIEWER,
            "kind": appeals.KIND,
            "due_at": soon,
            "text": f"{number} is due for a decision tomorrow at 09:00 UTC.",
        },
        *(
            {
                "key": appeals.key(appeal_id, f"overdue:{admin}"),
                "recipient": admin,
                "kind": appeals.KIND,
                "due_at": due,
                "text": f"{number} is overdue: its decision was due today at 09:00 UTC.",
            }
            for admin in (ADMIN, ADMIN2)
        ),
    ]
    workspace_id = evaluation_workspace(pacer)
    with pacer.db.transaction() as session:
        reminders.schedule_many(session, workspace_id=workspace_id, reminders=owed, now=FRIDAY)
    return appeal_id, soon, due


def test_the_reviewer_is_reminded_the_working_day_before_and_each_admin_when_the_decision_is_overdue(pacer):
    pacer.slack.add_user(REVIEWER, name="rae", real_name="Rae Reviewer", tz="UTC")
    pacer.slack.add_user(ADMIN2, name="ada", real_name="Ada Admin", tz="UTC")
    appeal_id, soon, due = filed_with_deadline_reminders(pacer, REP)

    assert (soon, due) == (datetime(2026, 12, 3, 9, 0, tzinfo=UTC), datetime(2026, 12, 4, 9, 0, tzinfo=UTC))
    assert run_reminders(pacer, datetime(2026, 11, 30, 9, 0, tzinfo=UTC)) == 0  # the weekend is not counted
    assert run_reminders(pacer, soon - timedelta(minutes=1)) == 0
    assert run_reminders(pacer, soon) == 1
    [reminder] = pacer.slack.messages(REVIEWER)
    assert reminder["text"] == f"AP-{appeal_id} is due for a decision tomorrow at 09:00 UTC."
    assert pacer.slack.messages(ADMIN) == [] and run_reminders(pacer, due - timedelta(seconds=1)) == 0
    assert run_reminders(pacer, due) == 2
    for admin in (ADMIN, ADMIN2):
        [escalation] = pacer.slack.messages(admin)
        assert escalation["text"] == f"AP-{appeal_id} is overdue: its decision was due today at 09:00 UTC."
    assert run_reminders(pacer, due + timedelta(days=3)) == 0  # each goes once
    assert len(pacer.slack.messages(REVIEWER)) == 1


def test_an_appeal_decided_or_withdrawn_before_its_deadline_sends_no_reminder_once_they_are_cancelled(pacer):
    appeal_id, soon, due = filed_with_deadline_reminders(pacer, REP)
    workspace_id = evaluation_workspace(pacer)
    with pacer.db.transaction() as session:  # as the decision (or the withdrawal) does
        for what in ("due-soon", f"overdue:{ADMIN}", f"overdue:{ADMIN2}"):
            assert reminders.cancel(
                session, workspace_id=workspace_id, key=appeals.key(appeal_id, what), now=soon - timedelta(hours=1)
            )

    assert run_reminders(pacer, due + timedelta(days=10)) == 0
    assert pacer.slack.messages(REVIEWER) == [] and pacer.slack.messages(ADMIN) == []
