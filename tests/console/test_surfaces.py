"""Buttons, modals with inline errors, the clock across a period close, the Home tab, :seed."""

from __future__ import annotations

from sqlmodel import select

from bot.store.engine import Database
from bot.store.tables import Activity, Deal, Evaluation
from tests.console.conftest import Session


def _all(db: Database, model: type) -> list:
    with db.reading() as s:
        return list(s.exec(select(model)).all())


def test_pressing_undo_voids_the_deal_it_was_shown_with(session: Session, db: Database) -> None:
    shown = session("/deal 12.5k Acme Corp\n1\n")
    assert "(you press “Undo”)" in shown and "Voided *D-1*" in shown
    (deal,) = _all(db, Deal)
    assert deal.voided_at is not None


def test_a_modal_shows_the_error_on_its_field_and_takes_the_fix(session: Session, db: Database) -> None:
    shown = session(
        """
/deal
12,5q
Globex
2



25k
"""
    )
    assert "── modal: Log a deal" in shown
    assert "  ⚠ Amount: “q” isn't a number" in shown
    assert "  Amount: 25k" in shown and "Logged *D-1* — *$25,000* with *Globex* · Enterprise" in shown
    (deal,) = _all(db, Deal)
    assert (deal.amount_minor, deal.product_line, deal.source) == (2_500_000, "Enterprise", "modal")


def test_a_modal_can_be_closed_half_filled_and_stores_nothing(session: Session, db: Database) -> None:
    shown = session("/deal\n5k\n:cancel\n/progress\n")
    assert "(modal closed)" in shown and "@hana> /progress" in shown
    assert _all(db, Deal) == []


def test_ticking_across_the_month_end_closes_it_and_opens_the_check_in_thread(session: Session, db: Database) -> None:
    shown = session("/deal 12.5k Acme Corp\n:tick 1d\n")
    assert "═══ Tue 01 Dec 2026 06:00 EST ═══" in shown
    assert "── group DM (@hana, @maya, Pacer) ──" in shown and "Check-in: @hana with @maya — November 2026" in shown
    assert "── group DM (@hana, @maya, Pacer) · in the thread" in shown
    assert "[1] Write self-review   [2] Write feedback" in shown
    assert "· DM from Pacer to @hugo:" in shown  # someone else's nudge: one line
    assert "(it is now Tue 01 Dec 2026 14:00 EST)" in shown
    frozen = {e.period_key for e in _all(db, Evaluation)}
    assert frozen == {"2026-11"}


def test_the_monday_digest_reaches_the_manager(session: Session) -> None:
    shown = session(":as @maya\n:at 2026-12-07T10:00\n", start="2026-12-04T12:00:00-05:00")
    assert "Your team — week of Mon 07 Dec" in shown


def test_the_home_tab_shows_the_current_person_s_dashboard(session: Session) -> None:
    shown = session("/deal 12.5k Acme Corp\n:home\n:as @maya\n:home\n")
    hana = shown.split("@hana> :home", 1)[1].split("@hana> :as", 1)[0]
    assert "── Home tab of @hana" in hana and "$12,500" in hana
    maya = shown.split("@maya> :home", 1)[1]
    assert "── Home tab of @maya" in maya and "hana" in maya


def test_seed_loads_three_months_of_deals_and_activities(session: Session, db: Database) -> None:
    shown = session(":seed\n:as @maya\n/leaderboard\n")
    assert "(seeded " in shown and "over the last 90 days" in shown
    deals, activities = _all(db, Deal), _all(db, Activity)
    assert len(deals) > 20 and len(activities) > 80
    assert min(d.signed_on for d in deals).isoformat() < "2026-09-15"
