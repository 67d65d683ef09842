"""Requests to log work, and the field rules every entry point shares.

`DealRequest` and `ActivityRequest` are what the use cases take, whichever way they arrived: a
slash command, a modal or a CSV import. `deal_from_fields` and `activity_from_fields` check a form
(or an import row) and raise `FieldErrors` naming every bad field at once; the slash-command
parser (`handlers/parse.py`) reads its text into the same fields and calls `deal_request` /
`activity_request`, so all three entry points accept and refuse exactly the same values.

Pure: text in, frozen pydantic models out. No Slack calls, no database and no clock: `today` is
always passed in.

Every free-text value goes through the same rules first: Slack's `&amp;` `&lt;` `&gt;` are
unescaped (unless the caller already did), invisible characters that carry no meaning are dropped
(`Ac\u200bme` is `Acme`; an emoji's joiner stays: see `scoring/text.py`), the text is
NFKC-normalised (full-width `１２３` is `123`), Slack link markup of any scheme becomes its label
(`<https://acme.example|Acme>` is `Acme`, typed into a modal or pasted into a command alike) and
the text is stripped; control characters and bidi overrides are refused. Customer names, notes and
void reasons also refuse Slack mention syntax (`<!channel>`, `<@U…>`, `<#C…>`). Amounts and counts
keep characters that only look like digits (`²`, `½`, `٣`) out of NFKC, so they are refused rather
than read as other digits (`10²` is not 102).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta
from typing import Literal, TypeAlias, TypeVar, get_args

from pydantic import BaseModel, ConfigDict, Field

from scoring.customers import name_key
from scoring.errors import FieldErrors, InputError
from scoring.money import Money, parse_amount
from scoring.numerals import describe, first_lookalike, normalize
from scoring.text import fold, strip_invisible, unlink

CUSTOMER_MAX = 120
NOTE_MAX = 1000
REASON_MIN = 3
REASON_MAX = 300
COUNT_MAX = 500
EARLIEST_DATE = date(2000, 1, 1)

Stage: TypeAlias = Literal["signed", "paid"]
ActivityKind: TypeAlias = Literal["call", "email", "meeting", "visit", "demo", "proposal", "lead", "followup"]
ACTIVITY_KINDS: tuple[str, ...] = get_args(ActivityKind)

_KIND_ALIASES: dict[str, ActivityKind] = {
    "call": "call",
    "calls": "call",
    "email": "email",
    "emails": "email",
    "e-mail": "email",
    "e-mails": "email",
    "meeting": "meeting",
    "meetings": "meeting",
    "visit": "visit",
    "visits": "visit",
    "demo": "demo",
    "demos": "demo",
    "proposal": "proposal",
    "proposals": "proposal",
    "lead": "lead",
    "leads": "lead",
    "followup": "followup",
    "followups": "followup",
    "follow-up": "followup",
    "follow-ups": "followup",
}


# --- requests ----------------------------------------------------------------------------------------


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class DealRequest(Frozen):
    """A deal to log. `on` is None for today; `product` is the canonical configured name."""

    amount: Money
    customer: str = Field(min_length=1, max_length=CUSTOMER_MAX)
    product: str | None = None
    stage: Stage = "signed"
    on: date | None = None
    note: str | None = Field(default=None, max_length=NOTE_MAX)

    @property
    def money(self) -> Money:
        return self.amount


class ActivityRequest(Frozen):
    """Activities to log: `count` of one `kind`, optionally for a customer. `on` is None for today."""

    kind: ActivityKind
    count: int = Field(default=1, ge=1, le=COUNT_MAX)
    customer: str | None = Field(default=None, min_length=1, max_length=CUSTOMER_MAX)
    note: str | None = Field(default=None, max_length=NOTE_MAX)
    on: date | None = None


# --- form fields -------------------------------------------------------------------------------------


def deal_from_fields(
    *,
    amount: str,
    customer: str,
    product: str | None,
    stage: str | None,
    on: str | date | None,
    note: str | None,
    today: date,
    currency: str,
    product_lines: Sequence[str],
) -> DealRequest:
    """Validate the deal modal. Raises `FieldErrors` naming every bad field at once
    ("amount", "customer", "product", "stage", "date", "note")."""
    return deal_request(
        amount=amount,
        customer=customer,
        product=product,
        stage=stage,
        on=on,
        note=note,
        today=today,
        currency=currency,
        product_lines=product_lines,
        unescape=True,
    )


def activity_from_fields(
    *,
    kind: str,
    count: str | int | None,
    customer: str | None,
    note: str | None,
    on: str | date | None,
    today: date,
) -> ActivityRequest:
    """Validate the activity modal. Raises `FieldErrors` naming every bad field at once
    ("kind", "count", "customer", "note", "date")."""
    return activity_request(kind=kind, count=count, customer=customer, note=note, on=on, today=today, unescape=True)


# --- shared text rules -----------------------------------------------------------------------------


class Problem(Exception):
    """One thing wrong with the input; the public functions turn it into InputError/FieldErrors."""

    def __init__(self, message: str, *, field: str | None = None, example: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.example = example


_HTML_ESCAPE = re.compile(r"&(amp|lt|gt);")
_HTML_CHARS = {"amp": "&", "lt": "<", "gt": ">"}
_BIDI = re.compile(r"[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
# Unicode's control characters (category Cc, a set Unicode never changes): C0, DEL and C1. One regex
# finds them without asking unicodedata about every character of every field.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
MENTION = re.compile(r"<[!@#]")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_COUNT = re.compile(r"[0-9]{1,6}")


def show(text: str) -> str:
    """User text quoted back in a message: short, and never able to form Slack markup."""
    short = text if len(text) <= 40 else text[:39] + "…"
    return short.replace("<", "‹").replace(">", "›")


def clean_text(
    raw: str,
    *,
    what: str,
    field: str | None,
    multiline: bool = False,
    unescape: bool = True,
    keep_lookalikes: bool = False,
) -> str:
    """Unescape Slack's three HTML entities, drop meaningless invisible characters, NFKC-normalise,
    turn link markup into its label, strip; refuse control and bidi characters.

    With `keep_lookalikes`, characters that only look like digits are kept as typed (for a number
    reader to refuse) instead of being normalised into other digits.
    """
    text = _HTML_ESCAPE.sub(lambda m: _HTML_CHARS[m.group(1)], raw) if unescape else raw
    if bidi := _BIDI.search(text):  # refused, not dropped: checked before the other invisible characters go
        raise Problem(
            f"{what} contains an invisible text-direction character (U+{ord(bidi.group()):04X}), "
            "which can disguise text. Please retype it without that character.",
            field=field,
        )
    visible = strip_invisible(text)
    text = unlink(normalize(visible) if keep_lookalikes else unicodedata.normalize("NFKC", visible))
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    for control in _CONTROL.finditer(text):
        ch = control.group()
        if not (multiline and ch in "\n\t"):
            if ch == "\n":
                raise Problem(f"{what} must be on one line.", field=field)
            raise Problem(
                f"{what} contains a control character (U+{ord(ch):04X}). Please retype it without it.",
                field=field,
            )
    return text


def no_mentions(text: str, *, what: str, field: str, example: str | None = None) -> None:
    if MENTION.search(text):
        raise Problem(
            f"{what} can't contain mentions or channel alerts (@channel, @here, @someone or #channel). "
            "Write the name instead.",
            field=field,
            example=example,
        )


def _customer(raw: str, *, unescape: bool) -> str:
    text = " ".join(clean_text(raw, what="The customer name", field="customer", unescape=unescape).split())
    if not text:
        raise Problem("Enter the customer's name.", field="customer")
    no_mentions(text, what="Customer names", field="customer")
    if len(text) > CUSTOMER_MAX:
        raise Problem(
            f"Customer names can be at most {CUSTOMER_MAX} characters; yours has {len(text)}.",
            field="customer",
        )
    if not name_key(text):
        raise Problem("The customer name needs at least one letter or number.", field="customer")
    return text


def customer_name(raw: str, *, example: str) -> str:
    """A customer's name typed to find a customer (`/pacer csat`, a CSAT import row): the rules of
    logging a deal, so every entry point means the same customer. Raises `InputError`."""
    try:
        return _customer(raw, unescape=True)
    except Problem as problem:
        raise InputError(problem.message, example=example, field="customer") from None


def _note(raw: str | None, *, unescape: bool) -> str | None:
    if raw is None:
        return None
    text = clean_text(raw, what="The note", field="note", multiline=True, unescape=unescape)
    if not text:
        return None
    no_mentions(text, what="Notes", field="note")
    if len(text) > NOTE_MAX:
        raise Problem(f"Notes can be at most {NOTE_MAX:,} characters; yours has {len(text):,}.", field="note")
    return text


def parse_reason(raw: str, *, example: str) -> str:
    text = " ".join(unicodedata.normalize("NFKC", raw).split())
    if not text:
        raise Problem("Add a reason after the id, so the team knows why.", field="reason", example=example)
    no_mentions(text, what="The reason", field="reason", example=example)
    if not REASON_MIN <= len(text) <= REASON_MAX:
        raise Problem(
            f"The reason must be {REASON_MIN} to {REASON_MAX} characters; yours has {len(text)}.",
            field="reason",
            example=example,
        )
    return text


def parse_day(raw: str | date | None, *, today: date, unescape: bool = True) -> date | None:
    if raw is None:
        return None
    if isinstance(raw, datetime):
        day: date = raw.date()
    elif isinstance(raw, date):
        day = raw
    else:
        text = clean_text(raw, what="The date", field="date", unescape=unescape).lower()
        if not text:
            return None
        if text == "today":
            return today
        if text == "yesterday":
            return today - timedelta(days=1)
        if not _DATE.fullmatch(text):
            raise Problem(
                f"Write the date as YYYY-MM-DD, like {today.isoformat()}.",
                field="date",
            )
        try:
            day = date.fromisoformat(text)
        except ValueError:
            raise Problem(f"{text} isn't a real date. Write it as YYYY-MM-DD.", field="date") from None
    if day > today:
        raise Problem(f"The date can't be in the future; today is {today.isoformat()}.", field="date")
    if day < EARLIEST_DATE:
        raise Problem(f"The date can't be before {EARLIEST_DATE.isoformat()}.", field="date")
    return day


def _product(raw: str | None, product_lines: Sequence[str], *, unescape: bool) -> str | None:
    if raw is None:
        return None
    text = " ".join(clean_text(raw, what="The product", field="product", unescape=unescape).split())
    if not text:
        return None
    if not product_lines:
        raise Problem("No product lines are configured yet, so leave the product out.", field="product")
    wanted = fold(text)
    for line in product_lines:
        if fold(line) == wanted:
            return line
    choices = ", ".join(product_lines)
    raise Problem(f"“{show(text)}” isn't one of your product lines. Choose one of: {choices}.", field="product")


def _stage(raw: str | None, *, unescape: bool) -> Stage:
    text = "" if raw is None else clean_text(raw, what="The stage", field="stage", unescape=unescape).lower()
    if text in ("", "signed"):
        return "signed"
    if text == "paid":
        return "paid"
    raise Problem("The stage must be signed or paid.", field="stage")


def parse_kind(raw: str, *, unescape: bool) -> ActivityKind:
    text = clean_text(raw, what="The activity type", field="kind", unescape=unescape).lower()
    kinds = ", ".join(ACTIVITY_KINDS)
    if not text:
        raise Problem(f"Choose an activity type: {kinds}.", field="kind")
    kind = _KIND_ALIASES.get(text)
    if kind is None:
        raise Problem(f"“{show(text)}” isn't an activity type. Use one of: {kinds}.", field="kind")
    return kind


def _count(raw: str | int | None, *, unescape: bool) -> int:
    if raw is None:
        return 1
    problem = Problem(f"The count must be a whole number from 1 to {COUNT_MAX}.", field="count")
    if isinstance(raw, bool):
        raise problem
    if isinstance(raw, int):
        number = raw
    else:
        text = clean_text(raw, what="The count", field="count", unescape=unescape, keep_lookalikes=True)
        if not text:
            return 1
        if (lookalike := first_lookalike(text)) is not None:
            raise Problem(f"{problem.message} {describe(lookalike)} isn't one of the digits 0-9.", field="count")
        if not _COUNT.fullmatch(text):
            raise problem
        number = int(text)
    if not 1 <= number <= COUNT_MAX:
        raise problem
    return number


def _amount(raw: str | Money, *, currency: str, unescape: bool) -> Money:
    if isinstance(raw, Money):
        return raw
    text = clean_text(raw, what="The amount", field="amount", unescape=unescape, keep_lookalikes=True)
    return parse_amount(text, currency=currency)


_T = TypeVar("_T")


def _collect(errors: dict[str, str], field: str, check: Callable[[], _T]) -> _T | None:
    try:
        return check()
    except (Problem, InputError) as problem:
        errors[field] = problem.message
        return None


def deal_request(
    *,
    amount: str | Money,
    customer: str,
    product: str | None,
    stage: str | None,
    on: str | date | None,
    note: str | None,
    today: date,
    currency: str,
    product_lines: Sequence[str],
    unescape: bool,
) -> DealRequest:
    errors: dict[str, str] = {}
    money = _collect(errors, "amount", lambda: _amount(amount, currency=currency.upper(), unescape=unescape))
    name = _collect(errors, "customer", lambda: _customer(customer, unescape=unescape))
    line = _collect(errors, "product", lambda: _product(product, product_lines, unescape=unescape))
    stage_ = _collect(errors, "stage", lambda: _stage(stage, unescape=unescape))
    day = _collect(errors, "date", lambda: parse_day(on, today=today, unescape=unescape))
    text = _collect(errors, "note", lambda: _note(note, unescape=unescape))
    if errors or money is None or name is None or stage_ is None:
        raise FieldErrors(errors)
    return DealRequest(amount=money, customer=name, product=line, stage=stage_, on=day, note=text)


def activity_request(
    *,
    kind: str,
    count: str | int | None,
    customer: str | None,
    note: str | None,
    on: str | date | None,
    today: date,
    unescape: bool,
) -> ActivityRequest:
    errors: dict[str, str] = {}
    kind_ = _collect(errors, "kind", lambda: parse_kind(kind, unescape=unescape))
    number = _collect(errors, "count", lambda: _count(count, unescape=unescape))
    name = _collect(errors, "customer", lambda: _optional_customer(customer, unescape=unescape))
    text = _collect(errors, "note", lambda: _note(note, unescape=unescape))
    day = _collect(errors, "date", lambda: parse_day(on, today=today, unescape=unescape))
    if errors or kind_ is None or number is None:
        raise FieldErrors(errors)
    return ActivityRequest(kind=kind_, count=number, customer=name, note=text, on=day)


def _optional_customer(raw: str | None, *, unescape: bool) -> str | None:
    if raw is None or not clean_text(raw, what="The customer name", field="customer", unescape=unescape):
        return None
    return _customer(raw, unescape=unescape)
