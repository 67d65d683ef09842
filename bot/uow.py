"""The unit of work behind every Slack request: identify the caller, then do the work.

`run(team_id, user_id, work)` identifies the caller (cached; a first contact is registered from
`users.info` outside any transaction) and calls `work(caller)`, which opens the transactions it
needs (see `handlers.replies.transactional` for the common one-transaction case).
If two copies of the same request race on a unique key, the loser's violation rolls it back and
the work runs again, now finding what the winner stored — so it answers the same, records nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.exc import IntegrityError

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

    def run(self, team_id: str, user_id: str, work: Callable[[Caller], T]) -> T:
        caller = self.directory.identify(self.db, team_id=team_id, user_id=user_id, now=self.clock())
        for attempt in range(ATTEMPTS):
            try:
                return work(caller)
            except IntegrityError:
                if attempt == ATTEMPTS - 1:
                    raise
        raise AssertionError("unreachable")
