"""Listing the workspaces of a database and erasing one completely, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlmodel import SQLModel

from bot.services import workspace_data
from bot.store import workspace_data as store
from bot.store.engine import Database
from tests.conftest import MANAGER, REP, REP2
from tests.support.every_table import fill_every_table
from tests.support.harness import Pacer

NOW = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)


def rows_per_table(db: Database, workspace_id: int) -> dict[str, int]:
    """Each table's rows for the workspace, `workspace` included, counted here without the code under test."""
    counts = {}
    with db.engine.connect() as connection:
        for table in SQLModel.metadata.sorted_tables:
            if "workspace_id" in table.c:
                where = table.c.workspace_id == workspace_id
            elif table.name == "workspace":
                where = table.c.id == workspace_id
            else:
                continue
            counts[table.name] = connection.execute(select(func.count()).select_from(table).where(where)).scalar_one()
    return counts


def test_every_table_but_the_workspaces_and_the_scheduler_lease_belongs_to_a_workspace():
    # erasing relies on it: a table holding a workspace's rows without `workspace_id` would be missed
    assert store.unscoped_tables() == {"workspace", "scheduler_lease"} == set(store.UNSCOPED)
    every_other = {table.name for table in SQLModel.metadata.sorted_tables} - store.UNSCOPED
    assert {table.name for table in store.scoped_tables()} == every_other
    assert {"member", "deal", "activity", "audit_log", "evaluation", "appeal", "outbox"} <= every_other


def test_erasing_a_workspace_leaves_no_row_of_it_in_any_table_and_the_others_untouched(db):
    kept_before = rows_per_table(db, fill_every_table(db, team_id="T0KEEP"))
    erased_id = fill_every_table(db, team_id="T0GONE")
    before = rows_per_table(db, erased_id)
    assert all(count == 1 for count in before.values()), before  # a row in every table, so all are tried

    plan = workspace_data.erase_workspace(db, team_id="T0GONE", now=NOW)

    assert rows_per_table(db, erased_id) == dict.fromkeys(before, 0)
    assert rows_per_table(db, fill_id(db, "T0KEEP")) == kept_before
    assert plan.rows == dict.fromkeys(before, 1) and plan.total == len(before)
    assert [w.team_id for w in workspace_data.workspaces(db)] == ["T0KEEP"]


def fill_id(db: Database, team_id: str) -> int:
    with db.reading() as session:
        found = store.find(session, team_id=team_id)
    assert found is not None
    return found.id


def test_the_erase_plan_counts_what_would_go_and_changes_nothing(db):
    erased_id = fill_every_table(db, team_id="T0GONE")
    before = rows_per_table(db, erased_id)

    plan = workspace_data.erase_plan(db, team_id="T0GONE")

    assert plan.rows == dict(before) and plan.total == sum(before.values())
    assert list(plan.rows)[-1] == "workspace"  # deleted last: every other row refers to it
    assert rows_per_table(db, erased_id) == before


def test_an_unknown_workspace_is_refused_naming_the_ones_the_database_holds(db):
    fill_every_table(db, team_id="T0KEEP")

    with pytest.raises(workspace_data.UnknownWorkspace) as refused:
        workspace_data.erase_workspace(db, team_id="T0NONE", now=NOW)

    assert refused.value.message == "there is no workspace T0NONE in this database (it holds: T0KEEP)"
    assert rows_per_table(db, fill_id(db, "T0KEEP"))["deal"] == 1


def test_a_workspace_erased_while_still_installed_starts_afresh_on_its_next_request(pacer: Pacer):
    assert "Logged D-1" in pacer.deal(REP, "12.5k Acme Corp").text
    assert "Logged D-1" in pacer.deal(REP, "3k Globex", team_id="T2").text
    assert "Logged D-2" in pacer.deal(REP2, "4k Initech").text

    plan = workspace_data.erase_workspace(pacer.db, team_id="T1", now=NOW)

    assert plan.rows["deal"] == 2 and plan.rows["customer"] == 2 and plan.rows["member"] == 2
    # someone this process has not met in the last minute (docs/operations.md: uninstall first)
    assert "Logged D-1" in pacer.deal(MANAGER, "5k Hooli").text  # a new workspace T1, numbered from 1
    found = {w.team_id: w for w in workspace_data.workspaces(pacer.db)}
    assert (found["T2"].deals, found["T2"].people) == (1, 1) and (found["T1"].deals, found["T1"].people) == (1, 1)


def test_the_list_gives_each_workspace_with_its_people_deals_and_last_activity(pacer: Pacer, clock):
    pacer.deal(REP, "12.5k Acme Corp")
    pacer.activity(REP2, "call 3 Acme Corp")
    clock.advance(hours=2)
    pacer.deal(REP2, "4k Initech")
    pacer.deal(REP, "3k Globex", team_id="T2")
    with pacer.db.transaction() as session:
        store.remember_name(session, team_id="T1", name="Acme Sales", now=clock())

    t1, t2 = workspace_data.workspaces(pacer.db)

    assert (t1.team_id, t1.name, t1.people, t1.deals, t1.activities) == ("T1", "Acme Sales", 2, 2, 1)
    assert (t2.team_id, t2.name, t2.people, t2.deals, t2.activities) == ("T2", None, 1, 1, 0)
    assert t1.first_seen == NOW and t1.last_activity == NOW + timedelta(hours=2)
