"""Store helpers behave the same on SQLite and PostgreSQL."""

from datetime import UTC, datetime

from bot.store.common import insert_ignoring_conflict
from bot.store.tables import Workspace

NOW = datetime(2026, 11, 24, tzinfo=UTC)


def test_insert_ignoring_conflict_reports_whether_it_inserted(db):
    values = {"team_id": "T1", "created_at": NOW, "deal_seq": 0, "activity_seq": 0}
    with db.transaction() as session:
        assert insert_ignoring_conflict(session, Workspace, values, ["team_id"]) is True
    with db.transaction() as session:
        assert insert_ignoring_conflict(session, Workspace, {**values, "name": "other"}, ["team_id"]) is False
        assert session.get(Workspace, 1).name is None
