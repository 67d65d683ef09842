"""Evaluations exported for HR records: one row per evaluation of a period, as CSV or JSON.

A row is the version in force of one evaluation: the rep (user id and name as frozen), their manager
at the freeze, their team, the profile, the period, score, rating, the check-in's status (derived from
its step times), version, when it was frozen, the payout estimate's total and currency, and one
`points:<metric>` column per metric of the profiles present (empty where a rep's profile lacks it).

CSV is meant to be opened in a spreadsheet, so every text cell — names, team, rating, profile: text that
people wrote — that starts with a character a spreadsheet reads as a formula (`= + - @`, tab, carriage
return) is prefixed with `'`. Numbers Pacer produces (score, points, payout, version) are written as
plain numbers and never prefixed. JSON keeps text exactly as stored and writes every number as an exact
decimal string; each row also carries every metric's full line.

Pure: no clock, no database.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from scoring.evaluations import MetricResult, Snapshot

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""What a spreadsheet may read as the start of a formula (OWASP's CSV injection list)."""

POINTS = "points:"

FIXED_COLUMNS = (
    "workspace",
    "period",
    "rep_user_id",
    "rep_name",
    "manager_user_id",
    "team",
    "profile",
    "score",
    "rating",
    "status",
    "version",
    "frozen_at",
    "payout_total",
    "currency",
)

Cell = str | Decimal | int | datetime | None
"""A `str` is text (neutralised in CSV); a Decimal or int is a number Pacer produced (never neutralised)."""


def neutralise(text: str) -> str:
    """`text` made safe for a spreadsheet cell: a leading formula character gets a `'` before it."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


@dataclass(frozen=True)
class EvaluationRecord:
    """One evaluation as exported: the version in force, with the facts around it."""

    workspace: str  # the Slack workspace id (T…)
    period: str  # the period key: 2026-11, 2026-Q4, FY2026-Q1
    rep_user_id: str
    rep_name: str  # as frozen
    manager_user_id: str | None  # at the freeze
    team: str | None  # the rep's team now (teams are not frozen)
    profile: str
    score: Decimal
    rating: str
    status: str  # the check-in's step, as shown in Slack ("Open", "Self-review in", …)
    version: int
    frozen_at: datetime
    payout_total: Decimal
    currency: str
    lines: tuple[MetricResult, ...]

    def points(self, metric_name: str) -> Decimal | None:
        return next((line.points for line in self.lines if line.metric == metric_name), None)

    def fixed_cells(self) -> tuple[Cell, ...]:
        return (
            self.workspace,
            self.period,
            self.rep_user_id,
            self.rep_name,
            self.manager_user_id,
            self.team,
            self.profile,
            self.score,
            self.rating,
            self.status,
            self.version,
            self.frozen_at,
            self.payout_total,
            self.currency,
        )


def record_of(
    snapshot: Snapshot,
    *,
    workspace: str,
    team: str | None,
    profile: str,
    manager_user_id: str | None,
    version: int,
    status: str,
    frozen_at: datetime,
) -> EvaluationRecord:
    """The export row of an evaluation whose version in force holds `snapshot`."""
    return EvaluationRecord(
        workspace=workspace,
        period=snapshot.period.key,
        rep_user_id=snapshot.member.user_id,
        rep_name=snapshot.member.name,
        manager_user_id=manager_user_id,
        team=team,
        profile=profile,
        score=snapshot.total,
        rating=snapshot.rating,
        status=status,
        version=version,
        frozen_at=frozen_at,
        payout_total=snapshot.payout.total,
        currency=snapshot.currency,
        lines=snapshot.lines,
    )


def ordered(records: Iterable[EvaluationRecord]) -> list[EvaluationRecord]:
    """Rows by rep name (case-insensitive), then user id: the order HR reads them in."""
    return sorted(records, key=lambda r: (r.rep_name.casefold(), r.rep_name, r.rep_user_id))


def metric_names(records: Sequence[EvaluationRecord]) -> list[str]:
    """The union of the rows' metrics: profile by profile (by name), each in its scorecard's order."""
    names: dict[str, None] = {}
    for record in sorted(records, key=lambda r: r.profile):
        for line in record.lines:
            names.setdefault(line.metric, None)
    return list(names)


def table(records: Sequence[EvaluationRecord]) -> tuple[list[str], list[list[Cell]]]:
    """The header and one row of cells per record (in `ordered` order)."""
    names = metric_names(records)
    rows = [[*record.fixed_cells(), *(record.points(name) for name in names)] for record in ordered(records)]
    return [*FIXED_COLUMNS, *(POINTS + name for name in names)], rows


def _number(value: Decimal) -> str:
    return format(value, "f")


def _time(value: datetime) -> str:
    at = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    return at.astimezone(UTC).isoformat(timespec="seconds")


def csv_cell(cell: Cell) -> str:
    """A cell as CSV text: numbers as plain digits, times in UTC ISO 8601, text neutralised."""
    if cell is None:
        return ""
    if isinstance(cell, Decimal):
        return _number(cell)
    if isinstance(cell, bool):  # never produced; a bool is an int to Python, so refuse it explicitly
        raise TypeError("a CSV cell can't be a bool")
    if isinstance(cell, int):
        return str(cell)
    if isinstance(cell, datetime):
        return _time(cell)
    return neutralise(cell)


def to_csv(records: Sequence[EvaluationRecord]) -> str:
    """UTF-8 CSV text (RFC 4180 line ends) with a header row: just the header when there are no records."""
    columns, rows = table(records)
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(neutralise(name) for name in columns)
    writer.writerows([csv_cell(cell) for cell in row] for row in rows)
    return out.getvalue()


def _exact(value: Decimal | None) -> str | None:
    return None if value is None else _number(value)


def _line(line: MetricResult) -> dict[str, Any]:
    return {
        "metric": line.metric,
        "actual": _exact(line.actual),
        "target": _exact(line.target),
        "target_from": line.target_from,
        "weight": _exact(line.weight),
        "points": _exact(line.points),
    }


def as_json(records: Sequence[EvaluationRecord]) -> list[dict[str, Any]]:
    """Plain JSON data: the CSV's fields (numbers as exact decimal strings, text as stored) and `metrics`,
    every line of the rep's scorecard (metric, actual, target, target_from, weight, points)."""
    names = metric_names(records)
    data = []
    for record in ordered(records):
        row: dict[str, Any] = {}
        for column, cell in zip(FIXED_COLUMNS, record.fixed_cells(), strict=True):
            if isinstance(cell, Decimal):
                row[column] = _number(cell)
            elif isinstance(cell, datetime):
                row[column] = _time(cell)
            else:
                row[column] = cell
        for name in names:
            row[POINTS + name] = _exact(record.points(name))
        row["metrics"] = [_line(line) for line in record.lines]
        data.append(row)
    return data


def to_json(records: Sequence[EvaluationRecord]) -> str:
    """A JSON list of objects (`[]` when there are no records), ending with a newline."""
    return json.dumps(as_json(records), ensure_ascii=False, indent=2) + "\n"
