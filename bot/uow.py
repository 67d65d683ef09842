"""The unit of work behind every Slack request: one transaction, the caller identified inside it.

`run(team_id, user_id, work)` opens a transaction, identifies the caller, and calls
`work(session, caller)`. A first contact is registered outside the transaction (it needs a
`users.info` call, and no lock may be held across the network) and the work then runs. If two
copies of the same request race on PostgreSQL, the loser's unique-key violation rolls it back and
the work runs again, now finding what the winner stored — so it answers the same, records nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from bot.clock import Clock
from bot.directory import Caller, Directory
from bot.store.engine import Database

T = TypeVar("T")

ATTEMPTS = 3


class UnitOfWork:
    def __init__(self, *, db: Database, directory: Directory, clock: Clock) -> None:
        self.db = db
        self.directory = directory
        self.clock = clock

    def run(self, team_id: str, user_id: str, work: Callable[[Session, Caller], T]) -> T:
        for attempt in range(ATTEMPTS):
            now = self.clock()
            try:
                with self.db.transaction() as session:
                    caller = self.directory.known(session, team_id=team_id, user_id=user_id, now=now)
                    if caller is not None:
                        return work(session, caller)
            except IntegrityError:
                if attempt == ATTEMPTS - 1:
                    raise
                continue
            self.directory.register(self.db, team_id=team_id, user_id=user_id, now=now)
        raise RuntimeError(f"could not identify {user_id} in {team_id}")
