"""Appeals: who may decide one, and how one reviewer is chosen fairly (issue 11).

An appeal on an evaluation is decided by someone independent of it. From the configured pool
(`reviewers:` in pacer.yml, the rep's team's pool when there is one), `choose_reviewer`:

1. never picks the appellant or the evaluating manager;
2. avoids anyone in the rep's reporting line (their manager's managers, up the chain) when the pool
   has anyone else; only when it has no one else does a reporting-line reviewer get it — and the
   choice says so;
3. among those left, picks the least loaded (fewest undecided appeals), then the one who waited
   longest since their last assignment (never assigned first), then a stable draw: a hash of the
   appeal's own key and the reviewer's id, so ties fall to different people for different appeals
   and the same appeal always draws the same person (a retried assignment agrees with itself).

With nobody eligible it returns None; the caller sends the case to the admins and tells the
appellant so. The returned `Choice` carries the reason in words, for the audit log.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Candidate:
    """A reviewer in the pool, with their load: undecided appeals now, and their last assignment."""

    user_id: str
    open_cases: int = 0
    last_assigned_at: datetime | None = None


@dataclass(frozen=True)
class Choice:
    user_id: str
    reason: str
    in_reporting_line: bool


def choose_reviewer(
    pool: Sequence[Candidate],
    *,
    appellant: str,
    manager: str | None,
    reporting_line: Collection[str] = (),
    draw: str,
) -> Choice | None:
    """The reviewer for an appeal keyed `draw` (e.g. "appeal:42"), or None when nobody may decide it."""
    barred = {appellant} | ({manager} if manager else set())
    eligible = _unique(c for c in pool if c.user_id not in barred)
    if not eligible:
        return None
    independent = [c for c in eligible if c.user_id not in reporting_line]
    field = independent or eligible
    chosen = min(field, key=lambda c: _rank(c, draw))
    tied = [c for c in field if c.open_cases == chosen.open_cases]
    reason = f"least loaded of {len(field)} eligible reviewer{'s' if len(field) != 1 else ''}"
    reason += f" ({chosen.open_cases} undecided appeal{'s' if chosen.open_cases != 1 else ''})"
    if len(tied) > 1:
        waited = [c for c in tied if c.last_assigned_at == chosen.last_assigned_at]
        reason += (
            "; tie broken by the longest wait since a last assignment"
            if len(waited) == 1
            else "; tie broken by a draw keyed on the appeal"
        )
    if not independent:
        reason += "; everyone else in the pool is the appellant, the manager or in the rep's reporting line"
    return Choice(user_id=chosen.user_id, reason=reason, in_reporting_line=not independent)


def _unique(candidates: Iterable[Candidate]) -> list[Candidate]:
    """The pool without repeats (a reviewer listed twice is one reviewer, with their first load)."""
    seen: dict[str, Candidate] = {}
    for candidate in candidates:
        seen.setdefault(candidate.user_id, candidate)
    return list(seen.values())


def _rank(candidate: Candidate, draw: str) -> tuple[int, int, float, str]:
    last = candidate.last_assigned_at
    digest = hashlib.sha256(f"{draw}\x00{candidate.user_id}".encode()).hexdigest()
    return (candidate.open_cases, 0 if last is None else 1, 0.0 if last is None else last.timestamp(), digest)
