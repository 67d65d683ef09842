"""CSV import of deals, CSAT results and training completions (`pacer import`).

Two steps. `read()` validates every row of the file without touching the database and returns the
rows with each problem located by line (`deals.csv:7: amount: “12..5” has more than one decimal
point`). `store()` then writes the whole file in one transaction — or nothing: a problem found
against the database (an unknown customer, a survey no deal can attribute) rolls everything back,
and so does a dry run, after counting what would have been stored.

Each row carries a source key `csv:<sha256 of the normalised row>` (a second identical row in the
same file gets its own key), so importing the same file again adds nothing. Owners Pacer has not
met are registered by id alone, without asking Slack; their first request to Pacer fetches their
Slack profile.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal, TypeVar

from sqlmodel import Session, select

from bot.config import SLACK_USER_ID, PacerConfig
from bot.directory import placement_for
from bot.services import rules
from bot.services.admin import required_spelling
from bot.store import audit, csat, customers, deals, members, training, workspaces
from bot.store.engine import Database
from bot.store.tables import Workspace
from scoring.customers import close_matches, name_key
from scoring.errors import FieldErrors, InputError
from scoring.records import Source
from scoring.requests import DealRequest, customer_name, deal_from_fields
from scoring.text import invisible_problem

_T = TypeVar("_T")

Kind = Literal["deals", "csat", "training"]
KINDS: tuple[Kind, ...] = ("deals", "csat", "training")

ACTOR = "import"
SOURCE = Source.CSV_IMPORT
TEXT_MAX = 120
EARLIEST = date(2000, 1, 1)
ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")

REQUIRED: dict[Kind, tuple[str, ...]] = {
    "deals": ("owner", "customer", "amount", "signed_on"),
    "csat": ("customer", "score", "surveyed_on"),
    "training": ("member", "course", "completed_on"),
}
OPTIONAL: dict[Kind, tuple[str, ...]] = {
    "deals": ("paid_on", "product_line", "note"),
    "csat": ("owner",),
    "training": (),
}
# Field names of scoring.requests' deal validation, as the CSV calls them.
_DEAL_FIELDS = {"date": "signed_on", "product": "product_line"}


@dataclass(frozen=True)
class Problem:
    line: int
    column: str | None
    message: str

    def render(self, filename: str) -> str:
        where = f"{filename}:{self.line}:" if self.line else f"{filename}:"
        return f"{where} {self.column}: {self.message}" if self.column else f"{where} {self.message}"


@dataclass(frozen=True)
class DealRow:
    line: int
    key: str
    owner: str
    request: DealRequest
    signed_on: date
    paid_on: date | None


@dataclass(frozen=True)
class CsatRow:
    line: int
    key: str
    customer: str
    score: int
    surveyed_on: date
    owner: str | None


@dataclass(frozen=True)
class TrainingRow:
    line: int
    member: str
    course: str
    completed_on: date


Row = DealRow | CsatRow | TrainingRow


@dataclass
class Summary:
    imported: int = 0
    present: int = 0
    problems: list[Problem] = field(default_factory=list)
    registered: list[str] = field(default_factory=list)
    dry_run: bool = False


class _Invalid(Exception):
    def __init__(self, column: str | None, message: str) -> None:
        super().__init__(message)
        self.column = column
        self.message = message


# --- reading and validating ----------------------------------------------------------------------


def read(
    kind: Kind, text: str, *, config: PacerConfig, today: date, product_lines: Sequence[str] | None = None
) -> tuple[list[Row], list[Problem]]:
    """Every row of the CSV validated; the rows are usable only when there are no problems.

    `product_lines`: the names a deal may carry (default pacer.yml's; see `known_product_lines`).
    """
    lines_known = config.product_names if product_lines is None else list(product_lines)
    lines = list(_records(text))
    if not lines:
        return [], [Problem(0, None, f"the file is empty; the first line must name the columns: {_columns(kind)}")]
    header_line, header = lines[0]
    names = [cell.strip().lower().lstrip("\ufeff") for cell in header]
    problems = _check_header(kind, names, header_line)
    if problems:
        return [], problems
    rows: list[Row] = []
    seen: Counter[str] = Counter()
    for line, cells in lines[1:]:
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) > len(names):
            problems.append(
                Problem(line, None, f"{len(cells)} values but the header names {len(names)} columns (a stray comma?)")
            )
            continue
        values = {name: (cells[i].strip() if i < len(cells) else "") for i, name in enumerate(names)}
        try:
            rows.append(_row(kind, line, values, config=config, today=today, seen=seen, product_lines=lines_known))
        except _Invalid as invalid:
            problems.append(Problem(line, invalid.column, invalid.message))
        except FieldErrors as errors:
            problems += [
                Problem(line, _DEAL_FIELDS.get(name, name), _sentence(message))
                for name, message in errors.errors.items()
            ]
    if not rows and not problems:
        problems.append(Problem(header_line, None, "the file has a header but no rows"))
    return rows, problems


def known_product_lines(db: Database, *, team_id: str, config: PacerConfig) -> list[str]:
    """Every product line the workspace's rules ever published (old deals may name a retired one)."""
    with db.reading() as session:
        workspace_id = session.exec(select(Workspace.id).where(Workspace.team_id == team_id)).first()
        if workspace_id is None:
            return config.product_names
        return rules.every_product_name(session, workspace_id=workspace_id, config=config)


def _records(text: str) -> Iterator[tuple[int, list[str]]]:
    """(first line number, cells) of each CSV record; a quoted value may span lines."""
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""))
    start = 1
    for cells in reader:
        yield start, cells
        start = reader.line_num + 1


def _columns(kind: Kind) -> str:
    optional = f" (optional: {', '.join(OPTIONAL[kind])})" if OPTIONAL[kind] else ""
    return ", ".join(REQUIRED[kind]) + optional


def _check_header(kind: Kind, names: list[str], line: int) -> list[Problem]:
    problems = []
    known = REQUIRED[kind] + OPTIONAL[kind]
    unknown = [n for n in names if n not in known]
    if unknown:
        problems.append(
            Problem(
                line, None, f"unknown column(s) {', '.join(map(repr, unknown))}; {kind} files have: {_columns(kind)}"
            )
        )
    doubled = sorted({n for n in names if names.count(n) > 1 and n in known})
    if doubled:
        problems.append(Problem(line, None, f"column(s) named twice: {', '.join(doubled)}"))
    missing = [n for n in REQUIRED[kind] if n not in names]
    if missing:
        problems.append(
            Problem(line, None, f"missing column(s) {', '.join(missing)}; {kind} files have: {_columns(kind)}")
        )
    return problems


def _sentence(message: str) -> str:
    return message[:-1] if message.endswith(".") and not message.endswith("..") else message


def _key(kind: Kind, parts: list[str], seen: Counter[str]) -> str:
    """`csv:<sha256>` of the normalised row; the n-th identical row of a file gets its own key."""
    normalised = "\x1f".join([kind, *parts])
    seen[normalised] += 1
    if seen[normalised] > 1:
        normalised += f"\x1f#{seen[normalised]}"
    return "csv:" + hashlib.sha256(normalised.encode()).hexdigest()


def _row(
    kind: Kind,
    line: int,
    values: dict[str, str],
    *,
    config: PacerConfig,
    today: date,
    seen: Counter[str],
    product_lines: Sequence[str],
) -> Row:
    if kind == "deals":
        return _deal_row(line, values, config=config, today=today, seen=seen, product_lines=product_lines)
    if kind == "csat":
        return _csat_row(line, values, today=today, seen=seen)
    errors: dict[str, str] = {}
    member = _collect(errors, lambda: _user_id(values["member"], column="member"))
    course = _collect(errors, lambda: _course(values["course"]))
    completed_on = _collect(errors, lambda: _date(values["completed_on"], column="completed_on", today=today))
    if errors or member is None or course is None or completed_on is None:
        raise FieldErrors(errors)
    return TrainingRow(line=line, member=member, course=course, completed_on=completed_on)


def _deal_row(
    line: int,
    values: dict[str, str],
    *,
    config: PacerConfig,
    today: date,
    seen: Counter[str],
    product_lines: Sequence[str],
) -> DealRow:
    errors: dict[str, str] = {}
    owner = _collect(errors, lambda: _user_id(values["owner"], column="owner"))
    signed_on = _collect(errors, lambda: _date(values["signed_on"], column="signed_on", today=today))
    paid_raw = values.get("paid_on", "")
    paid_on = _collect(errors, lambda: _date(paid_raw, column="paid_on", today=today) if paid_raw else None)
    request = None
    try:
        request = deal_from_fields(
            amount=values["amount"],
            customer=values["customer"],
            product=values.get("product_line") or None,
            stage=None,
            on=signed_on,
            note=values.get("note") or None,
            today=today,
            currency=config.currency,
            product_lines=product_lines,
        )
    except FieldErrors as more:
        errors.update({k: v for k, v in more.errors.items() if k != "date"})
    if errors or owner is None or signed_on is None or request is None:
        raise FieldErrors(errors)
    if paid_on is not None and paid_on < signed_on:
        raise _Invalid("paid_on", f"{paid_on.isoformat()} is before signed_on {signed_on.isoformat()}")
    parts = [
        owner,
        name_key(request.customer),
        f"{request.money.amount:.2f}",
        request.money.currency,
        signed_on.isoformat(),
        paid_on.isoformat() if paid_on else "",
        request.product or "",
        request.note or "",
    ]
    return DealRow(
        line=line,
        key=_key("deals", parts, seen),
        owner=owner,
        request=request,
        signed_on=signed_on,
        paid_on=paid_on,
    )


def _collect(errors: dict[str, str], check: Callable[[], _T]) -> _T | None:
    """The checked value, or None with the problem noted under its column."""
    try:
        return check()
    except _Invalid as invalid:
        errors[invalid.column or "row"] = invalid.message
        return None


def _csat_row(line: int, values: dict[str, str], *, today: date, seen: Counter[str]) -> CsatRow:
    errors: dict[str, str] = {}
    customer = _collect(errors, lambda: _customer(values["customer"]))
    score = _collect(errors, lambda: _score(values["score"]))
    surveyed_on = _collect(errors, lambda: _date(values["surveyed_on"], column="surveyed_on", today=today))
    owner_raw = values.get("owner", "")
    owner = _collect(errors, lambda: _user_id(owner_raw, column="owner") if owner_raw else None)
    if errors or customer is None or score is None or surveyed_on is None:
        raise FieldErrors(errors)
    parts = [name_key(customer), str(score), surveyed_on.isoformat(), owner or ""]
    return CsatRow(
        line=line,
        key=_key("csat", parts, seen),
        customer=customer,
        score=score,
        surveyed_on=surveyed_on,
        owner=owner,
    )


def _user_id(raw: str, *, column: str) -> str:
    if not raw:
        raise _Invalid(column, "required: the Slack user id (like U012AB3CD)")
    if not SLACK_USER_ID.match(raw):
        raise _Invalid(column, f"“{_show(raw)}” is not a Slack user id (like U012AB3CD; profile → ⋮ → Copy member ID)")
    return raw


def _date(raw: str, *, column: str, today: date) -> date:
    if not raw:
        raise _Invalid(column, "required: a date as YYYY-MM-DD")
    if not ISO_DATE.fullmatch(raw):
        raise _Invalid(column, f"“{_show(raw)}” is not a date as YYYY-MM-DD")
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        raise _Invalid(column, f"{raw} isn't a real date") from None
    if day > today:
        raise _Invalid(column, f"{raw} is in the future (today is {today.isoformat()})")
    if day < EARLIEST:
        raise _Invalid(column, f"{raw} is before {EARLIEST.isoformat()}")
    return day


def _score(raw: str) -> int:
    if not raw.isdigit() or not 1 <= int(raw) <= 5:
        raise _Invalid("score", f"“{_show(raw)}” is not a whole number from 1 to 5")
    return int(raw)


def _customer(raw: str) -> str:
    """The customer a CSAT row names: the rules `/pacer csat` and logging a deal use."""
    try:
        return customer_name(raw, example="")
    except InputError as error:
        raise _Invalid("customer", error.message) from None


def _course(raw: str) -> str:
    """A course name, as `/pacer training` takes it: no markup, no invisible character."""
    text = " ".join(unicodedata.normalize("NFKC", raw).split())
    if not text:
        raise _Invalid("course", "required")
    if len(text) > TEXT_MAX:
        raise _Invalid("course", f"at most {TEXT_MAX} characters; this has {len(text)}")
    if "<" in text or ">" in text or any(unicodedata.category(ch) == "Cc" for ch in text):
        raise _Invalid("course", "can't contain angle brackets or control characters")
    problem = invisible_problem(text, what="course name")
    if problem:
        raise _Invalid("course", problem)
    return text


def _show(text: str) -> str:
    return text if len(text) <= 40 else text[:39] + "…"


# --- storing -------------------------------------------------------------------------------------


class _Rollback(Exception):
    pass


def store(
    db: Database,
    *,
    team_id: str,
    rows: list[Row],
    config: PacerConfig,
    now: datetime,
    dry_run: bool = False,
) -> Summary:
    """Write every row in one transaction — all or nothing (a dry run, or any problem, rolls back)."""
    summary = Summary(dry_run=dry_run)
    try:
        with db.transaction() as session:
            workspace = workspaces.ensure_workspace(session, team_id=team_id, now=now)
            assert workspace.id is not None
            writer = _Writer(session, workspace.id, config=config, now=now, summary=summary)
            for row in rows:
                writer.write(row)
            if summary.problems or dry_run:
                raise _Rollback
    except _Rollback:
        pass
    return summary


class _Writer:
    def __init__(self, session: Session, workspace_id: int, *, config: PacerConfig, now: datetime, summary: Summary):
        self.session = session
        self.workspace_id = workspace_id
        self.config = config
        self.now = now
        self.summary = summary
        self._members: dict[str, int] = {}

    def write(self, row: Row) -> None:
        if isinstance(row, DealRow):
            self._deal(row)
        elif isinstance(row, CsatRow):
            self._csat(row)
        else:
            self._training(row)

    def _audit(self, action: str, entity: str, entity_id: int | None, after: dict[str, object]) -> None:
        audit.record(
            self.session,
            workspace_id=self.workspace_id,
            actor=ACTOR,
            action=action,
            entity=entity,
            entity_id=entity_id,
            source=SOURCE.value,
            at=self.now,
            after=after,
        )

    def _member(self, user_id: str) -> int:
        if user_id in self._members:
            return self._members[user_id]
        member = members.get(self.session, workspace_id=self.workspace_id, user_id=user_id)
        if member is None:
            placement = placement_for(self.config, user_id)
            members.register_unseen(
                self.session, workspace_id=self.workspace_id, user_id=user_id, placement=placement, now=self.now
            )
            member = members.get(self.session, workspace_id=self.workspace_id, user_id=user_id)
            assert member is not None
            self.summary.registered.append(user_id)
            self._audit(
                "member.registered",
                "member",
                member.id,
                {
                    "user_id": user_id,
                    "name": user_id,
                    "role": placement.role,
                    "team": placement.team,
                    "manager_user_id": placement.manager_user_id,
                },
            )
        assert member.id is not None
        self._members[user_id] = member.id
        return member.id

    def _deal(self, row: DealRow) -> None:
        if deals.id_by_source_key(self.session, workspace_id=self.workspace_id, source_key=row.key) is not None:
            self.summary.present += 1
            return
        owner_id = self._member(row.owner)
        customer, created = customers.ensure(
            self.session,
            workspace_id=self.workspace_id,
            name=row.request.customer,
            source=SOURCE.value,
            actor=ACTOR,
            now=self.now,
        )
        if created:
            self._audit("customer.created", "customer", customer.id, {"name": customer.name})
        values = deals.values_for(
            workspace_id=self.workspace_id,
            number=workspaces.next_number(self.session, workspace_id=self.workspace_id, kind="deal"),
            owner_id=owner_id,
            customer_id=customer.id,
            money=row.request.money,
            product_line=row.request.product,
            signed_on=row.signed_on,
            paid_on=row.paid_on,
            note=row.request.note,
            source=SOURCE,
            source_key=row.key,
            now=self.now,
        )
        deal_id = deals.insert_once(self.session, values)
        assert deal_id is not None  # the key was free a moment ago, inside this transaction
        self._audit("deal.imported", "deal", deal_id, deals.snapshot(values))
        self.summary.imported += 1

    def _csat(self, row: CsatRow) -> None:
        if csat.id_by_source_key(self.session, workspace_id=self.workspace_id, source_key=row.key) is not None:
            self.summary.present += 1
            return
        customer = customers.find_ref(self.session, workspace_id=self.workspace_id, name=row.customer)
        if customer is None:
            known = customers.keys_and_names(self.session, workspace_id=self.workspace_id)
            suggestions = close_matches(row.customer, known)
            hint = f"; did you mean {' or '.join(suggestions)}?" if suggestions else " (import their deals first)"
            self.summary.problems.append(Problem(row.line, "customer", f"no customer “{row.customer}”{hint}"))
            return
        if row.owner is not None:
            owner_id = self._member(row.owner)
        else:
            found = csat.owner_of_latest_deal(self.session, workspace_id=self.workspace_id, customer_id=customer.id)
            if found is None:
                self.summary.problems.append(
                    Problem(
                        row.line,
                        "customer",
                        f"{customer.name} has no live deal, so no rep to attribute the survey to; "
                        "fill in the owner column",
                    )
                )
                return
            owner_id = found
        values = csat.values_for(
            workspace_id=self.workspace_id,
            member_id=owner_id,
            customer_id=customer.id,
            score=row.score,
            surveyed_on=row.surveyed_on,
            source=SOURCE.value,
            source_key=row.key,
            recorded_by=ACTOR,
            now=self.now,
        )
        new_id = csat.insert_once(self.session, values)
        assert new_id is not None
        self._audit("csat.imported", "csat", new_id, csat.snapshot(values))
        self.summary.imported += 1

    def _training(self, row: TrainingRow) -> None:
        member_id = self._member(row.member)
        values = training.values_for(
            workspace_id=self.workspace_id,
            member_id=member_id,
            course=required_spelling(self.config, row.course),
            completed_on=row.completed_on,
            source=SOURCE.value,
            recorded_by=ACTOR,
            now=self.now,
        )
        new_id = training.insert_once(self.session, values)
        if new_id is None:
            self.summary.present += 1
            return
        self._audit("training.imported", "training", new_id, training.snapshot(values))
        self.summary.imported += 1
