"""Mistakes at the console: one line saying why, with an example that works; the session goes on."""

from __future__ import annotations

from sqlmodel import select

from bot.store.engine import Database
from bot.store.tables import Deal
from tests.console.conftest import Session


def test_each_mistake_gets_one_line_with_an_example_and_the_session_goes_on(session: Session, db: Database) -> None:
    shown = session(
        """
:frobnicate
:as @nobody
:at 2026-11-01T09:00
:tick soon
deal 5k Acme
/nosuch thing
:press 3
/deal 5k Acme Corp
"""
    )
    refusals = [line for line in shown.splitlines() if line.startswith("console: ")]
    assert refusals == [
        "console: ':frobnicate' is not something the console knows; e.g. :tick 1d (:help lists everything)",
        "console: no one called '@nobody' here; try :as @maya (:people lists all)",
        "console: the clock only moves forward (it is 2026-11-30T19:00Z); e.g. :tick 1d",
        "console: 'soon' is not a duration; e.g. :tick 1d, :tick 3h or :tick 30m",
        "console: 'deal' is not something the console knows; e.g. :tick 1d (:help lists everything)",
        "console: Pacer has no /nosuch command; e.g. /deal 12.5k Acme Corp (:help lists them)",
        "console: there is no button to press yet; /deal 12.5k Acme Corp shows some",
    ]
    assert "Logged *D-1* — *$5,000* with *Acme Corp*" in shown
    with db.reading() as s:
        assert len(s.exec(select(Deal)).all()) == 1


def test_a_pacer_error_is_the_app_s_own_answer_with_its_example(session: Session) -> None:
    shown = session("/deal twelve Acme\n:press 9\n/deal 5k Acme\n:press 9\n")
    assert "12.5k" in shown.split("@hana> /deal twelve Acme", 1)[1]
    assert "console: press a number from 1 to 2, e.g. :press 1" in shown


def test_help_and_people_list_everything(session: Session) -> None:
    shown = session(":help\n:people\n:now\n")
    for word in (":as @name", ":press N", ":home", ":tick 1d", ":at 2026-12-01T09:00", ":seed", "/checkin"):
        assert word in shown
    assert " → @hana     Hana Ito" in shown and "@rui" in shown and "@ada" in shown
    assert "(it is Mon 30 Nov 2026 14:00 EST)" in shown
