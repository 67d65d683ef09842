"""Requests from slash-command text and modal fields: `/deal ...`, `/activity ...` and their modals.

Pure text in, frozen pydantic models out; anything wrong raises `InputError` (commands, with a
full example command) or `FieldErrors` (modals, one message per bad field). No Slack calls, no
database and no clock: `today` is always passed in.

Every free-text value, and whole command text, goes through the same rules first:
Slack's `&amp;` `&lt;` `&gt;` are unescaped, the text is NFKC-normalised (full-width `１２３`
is `123`) and stripped, and control characters and bidi overrides are refused. Customer names,
notes and void reasons also refuse Slack mention syntax (`<!channel>`, `<@U…>`, `<#C…>`).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Literal, TypeAlias, TypeVar, get_args

from pydantic import BaseModel, ConfigDict, Field

from scoring.customers import name_key
from scoring.errors import FieldErrors, InputError
from scoring.money import CurrencyMismatch, Money, format_amount, parse_amount, parse_amount_strict

CUSTOMER_MAX = 120
NOTE_MAX = 1000
REASON_MIN = 3
REASON_MAX = 300
COUNT_MAX = 500
EARLIEST_DATE = date(2000, 1, 1)

Stage: TypeAlias = Literal["signed", "paid"]
ActivityKind: TypeAlias = Literal["call", "email", "meeting", "visit", "demo", "proposal", "lead", "followup"]
ACTIVITY_KINDS: tuple[str, ...] = get_args(ActivityKind)

DEAL_OPTIONS = ("product", "stage", "date", "note")
ACTIVITY_OPTIONS = ("date", "note")

ACTIVITY_EXAMPLE = "/activity call 3 Acme Corp note:pricing follow-up"
ACTIVITY_VOID_EXAMPLE = "/activity void A-7 logged twice"
DEAL_VOID_EXAMPLE = "/deal void D-12 entered twice"

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


# --- models ----------------------------------------------------------------------------------------


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class DealRequest(_Frozen):
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


class ActivityRequest(_Frozen):
    """Activities to log: `count` of one `kind`, optionally for a customer. `on` is None for today."""

    kind: ActivityKind
    count: int = Field(default=1, ge=1, le=COUNT_MAX)
    customer: str | None = Field(default=None, min_length=1, max_length=CUSTOMER_MAX)
    note: str | None = Field(default=None, max_length=NOTE_MAX)
    on: date | None = None


class OpenDealModal(_Frozen):
    """`/deal` with no text: open the deal modal."""


class LogDeal(_Frozen):
    request: DealRequest


class ListDeals(_Frozen):
    """`/deal list`."""


class VoidDeal(_Frozen):
    """`/deal void <id> <reason>`."""

    number: int = Field(ge=1)
    reason: str = Field(min_length=REASON_MIN, max_length=REASON_MAX)


class MarkDealPaid(_Frozen):
    """`/deal paid <id> [YYYY-MM-DD]`; `on` is None for today."""

    number: int = Field(ge=1)
    on: date | None = None


class DealHelp(_Frozen):
    """`/deal help`."""


class OpenActivityModal(_Frozen):
    """`/activity` with no text: open the activity modal."""


class LogActivity(_Frozen):
    request: ActivityRequest


class ListActivities(_Frozen):
    """`/activity list`."""


class VoidActivity(_Frozen):
    """`/activity void <id> <reason>`."""

    number: int = Field(ge=1)
    reason: str = Field(min_length=REASON_MIN, max_length=REASON_MAX)


class ActivityHelp(_Frozen):
    """`/activity help`."""


DealCommand: TypeAlias = OpenDealModal | LogDeal | ListDeals | VoidDeal | MarkDealPaid | DealHelp
ActivityCommand: TypeAlias = OpenActivityModal | LogActivity | ListActivities | VoidActivity | ActivityHelp


# --- public parsers --------------------------------------------------------------------------------


def deal_example(product_lines: Sequence[str] = ()) -> str:
    """A full, correct `/deal` command for error messages, using a configured product if there is one."""
    product = next((p for p in product_lines if _usable_in_example(p)), None)
    product_part = f" product:{' '.join(product.split())}" if product else ""
    return f"/deal 12500 Acme Corp{product_part} stage:signed note:renewal"


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
    return _deal(
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
    return _activity(kind=kind, count=count, customer=customer, note=note, on=on, today=today, unescape=True)


def parse_deal_command(text: str, *, today: date, currency: str, product_lines: Sequence[str]) -> DealCommand:
    """Parse `/deal` text. Raises `InputError` with a message and a full example command."""
    example = deal_example(product_lines)
    try:
        return _deal_command(text, today=today, currency=currency.upper(), product_lines=product_lines)
    except _Problem as problem:
        raise InputError(problem.message, example=problem.example or example, field=problem.field) from None
    except CurrencyMismatch as error:
        amount = format_amount(Money(_EXAMPLE_AMOUNT, currency.upper()))
        raise InputError(error.message, example=example.replace("12500", amount, 1), field="amount") from None
    except FieldErrors as errors:
        field = next(iter(errors.errors))
        raise InputError(" ".join(errors.errors.values()), example=example, field=field) from None
    except InputError as error:
        raise InputError(error.message, example=example, field=error.field) from None


def parse_activity_command(text: str, *, today: date) -> ActivityCommand:
    """Parse `/activity` text. Raises `InputError` with a message and a full example command."""
    try:
        return _activity_command(text, today=today)
    except _Problem as problem:
        raise InputError(problem.message, example=problem.example or ACTIVITY_EXAMPLE, field=problem.field) from None
    except FieldErrors as errors:
        field = next(iter(errors.errors))
        raise InputError(" ".join(errors.errors.values()), example=ACTIVITY_EXAMPLE, field=field) from None


# --- shared text rules -----------------------------------------------------------------------------


class _Problem(Exception):
    """One thing wrong with the input; the public functions turn it into InputError/FieldErrors."""

    def __init__(self, message: str, *, field: str | None = None, example: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.example = example


_EXAMPLE_AMOUNT = Decimal(12500)
_HTML_ESCAPE = re.compile(r"&(amp|lt|gt);")
_HTML_CHARS = {"amp": "&", "lt": "<", "gt": ">"}
_SLACK_LINK = re.compile(r"<((?:https?|mailto|tel):[^<>|\s]*)(?:\|([^<>]*))?>")
_BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_MENTION = re.compile(r"<[!@#]")
_TOKEN = re.compile(r"\S+")
_OPTION = re.compile(r"([A-Za-z]+):(.*)", re.DOTALL)
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_ID = re.compile(r"(?:([A-Za-z])-?|#)?([0-9]{1,9})")
_COUNT = re.compile(r"[0-9]{1,6}")


def _show(text: str) -> str:
    """User text quoted back in a message: short, and never able to form Slack markup."""
    short = text if len(text) <= 40 else text[:39] + "…"
    return short.replace("<", "‹").replace(">", "›")


def _clean(raw: str, *, what: str, field: str | None, multiline: bool = False, unescape: bool = True) -> str:
    """Unescape Slack's three HTML entities, NFKC-normalise, strip; refuse control and bidi characters."""
    text = _HTML_ESCAPE.sub(lambda m: _HTML_CHARS[m.group(1)], raw) if unescape else raw
    text = unicodedata.normalize("NFKC", text).replace("\r\n", "\n").replace("\r", "\n").strip()
    for ch in text:
        if ch in _BIDI:
            raise _Problem(
                f"{what} contains an invisible text-direction character (U+{ord(ch):04X}), "
                "which can disguise text. Please retype it without that character.",
                field=field,
            )
        if unicodedata.category(ch) == "Cc" and not (multiline and ch in "\n\t"):
            if ch == "\n":
                raise _Problem(f"{what} must be on one line.", field=field)
            raise _Problem(
                f"{what} contains a control character (U+{ord(ch):04X}). Please retype it without it.",
                field=field,
            )
    return text


def _no_mentions(text: str, *, what: str, field: str, example: str | None = None) -> None:
    if _MENTION.search(text):
        raise _Problem(
            f"{what} can't contain mentions or channel alerts (@channel, @here, @someone or #channel). "
            "Write the name instead.",
            field=field,
            example=example,
        )


def _customer(raw: str, *, unescape: bool) -> str:
    text = " ".join(_clean(raw, what="The customer name", field="customer", unescape=unescape).split())
    if not text:
        raise _Problem("Enter the customer's name.", field="customer")
    _no_mentions(text, what="Customer names", field="customer")
    if len(text) > CUSTOMER_MAX:
        raise _Problem(
            f"Customer names can be at most {CUSTOMER_MAX} characters; yours has {len(text)}.",
            field="customer",
        )
    if not name_key(text):
        raise _Problem("The customer name needs at least one letter or number.", field="customer")
    return text


def _note(raw: str | None, *, unescape: bool) -> str | None:
    if raw is None:
        return None
    text = _clean(raw, what="The note", field="note", multiline=True, unescape=unescape)
    if not text:
        return None
    _no_mentions(text, what="Notes", field="note")
    if len(text) > NOTE_MAX:
        raise _Problem(f"Notes can be at most {NOTE_MAX:,} characters; yours has {len(text):,}.", field="note")
    return text


def _reason(raw: str, *, example: str) -> str:
    text = " ".join(raw.split())
    if not text:
        raise _Problem("Add a reason after the id, so the team knows why.", field="reason", example=example)
    _no_mentions(text, what="The reason", field="reason", example=example)
    if not REASON_MIN <= len(text) <= REASON_MAX:
        raise _Problem(
            f"The reason must be {REASON_MIN} to {REASON_MAX} characters; yours has {len(text)}.",
            field="reason",
            example=example,
        )
    return text


def _day(raw: str | date | None, *, today: date, unescape: bool = True) -> date | None:
    if raw is None:
        return None
    if isinstance(raw, datetime):
        day: date = raw.date()
    elif isinstance(raw, date):
        day = raw
    else:
        text = _clean(raw, what="The date", field="date", unescape=unescape).lower()
        if not text:
            return None
        if text == "today":
            return today
        if text == "yesterday":
            return today - timedelta(days=1)
        if not _DATE.fullmatch(text):
            raise _Problem(
                f"Write the date as YYYY-MM-DD, like {today.isoformat()}.",
                field="date",
            )
        try:
            day = date.fromisoformat(text)
        except ValueError:
            raise _Problem(f"{text} isn't a real date. Write it as YYYY-MM-DD.", field="date") from None
    if day > today:
        raise _Problem(f"The date can't be in the future; today is {today.isoformat()}.", field="date")
    if day < EARLIEST_DATE:
        raise _Problem(f"The date can't be before {EARLIEST_DATE.isoformat()}.", field="date")
    return day


def _product(raw: str | None, product_lines: Sequence[str], *, unescape: bool) -> str | None:
    if raw is None:
        return None
    text = " ".join(_clean(raw, what="The product", field="product", unescape=unescape).split())
    if not text:
        return None
    if not product_lines:
        raise _Problem("No product lines are configured yet, so leave the product out.", field="product")
    wanted = text.casefold()
    for line in product_lines:
        if " ".join(unicodedata.normalize("NFKC", line).split()).casefold() == wanted:
            return line
    choices = ", ".join(product_lines)
    raise _Problem(f"“{_show(text)}” isn't one of your product lines. Choose one of: {choices}.", field="product")


def _stage(raw: str | None, *, unescape: bool) -> Stage:
    text = "" if raw is None else _clean(raw, what="The stage", field="stage", unescape=unescape).lower()
    if text in ("", "signed"):
        return "signed"
    if text == "paid":
        return "paid"
    raise _Problem("The stage must be signed or paid.", field="stage")


def _kind(raw: str, *, unescape: bool) -> ActivityKind:
    text = _clean(raw, what="The activity type", field="kind", unescape=unescape).lower()
    kinds = ", ".join(ACTIVITY_KINDS)
    if not text:
        raise _Problem(f"Choose an activity type: {kinds}.", field="kind")
    kind = _KIND_ALIASES.get(text)
    if kind is None:
        raise _Problem(f"“{_show(text)}” isn't an activity type. Use one of: {kinds}.", field="kind")
    return kind


def _count(raw: str | int | None, *, unescape: bool) -> int:
    if raw is None:
        return 1
    problem = _Problem(f"The count must be a whole number from 1 to {COUNT_MAX}.", field="count")
    if isinstance(raw, bool):
        raise problem
    if isinstance(raw, int):
        number = raw
    else:
        text = _clean(raw, what="The count", field="count", unescape=unescape)
        if not text:
            return 1
        if not _COUNT.fullmatch(text):
            raise problem
        number = int(text)
    if not 1 <= number <= COUNT_MAX:
        raise problem
    return number


def _amount(raw: str | Money, *, currency: str, unescape: bool) -> Money:
    if isinstance(raw, Money):
        return raw
    text = _clean(raw, what="The amount", field="amount", unescape=unescape)
    return parse_amount(text, currency=currency)


_T = TypeVar("_T")


def _collect(errors: dict[str, str], field: str, check: Callable[[], _T]) -> _T | None:
    try:
        return check()
    except (_Problem, InputError) as problem:
        errors[field] = problem.message
        return None


def _deal(
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
    day = _collect(errors, "date", lambda: _day(on, today=today, unescape=unescape))
    text = _collect(errors, "note", lambda: _note(note, unescape=unescape))
    if errors or money is None or name is None or stage_ is None:
        raise FieldErrors(errors)
    return DealRequest(amount=money, customer=name, product=line, stage=stage_, on=day, note=text)


def _activity(
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
    kind_ = _collect(errors, "kind", lambda: _kind(kind, unescape=unescape))
    number = _collect(errors, "count", lambda: _count(count, unescape=unescape))
    name = _collect(errors, "customer", lambda: _optional_customer(customer, unescape=unescape))
    text = _collect(errors, "note", lambda: _note(note, unescape=unescape))
    day = _collect(errors, "date", lambda: _day(on, today=today, unescape=unescape))
    if errors or kind_ is None or number is None:
        raise FieldErrors(errors)
    return ActivityRequest(kind=kind_, count=number, customer=name, note=text, on=day)


def _optional_customer(raw: str | None, *, unescape: bool) -> str | None:
    if raw is None or not _clean(raw, what="The customer name", field="customer", unescape=unescape):
        return None
    return _customer(raw, unescape=unescape)


# --- command text ----------------------------------------------------------------------------------


def _command_text(text: str) -> str:
    """Whole-command rules: Slack link markup becomes its label, then the shared text rules."""
    unlinked = _SLACK_LINK.sub(lambda m: m.group(2) or m.group(1), text)
    return _clean(unlinked, what="Your command", field=None, multiline=True)


def _usable_in_example(product: str) -> bool:
    words = product.split()
    return bool(words) and not any(_OPTION.fullmatch(w) for w in words) and not _MENTION.search(product)


def _is_option(token: str) -> re.Match[str] | None:
    match = _OPTION.fullmatch(token)
    if match is None or match.group(2).startswith("//"):  # a URL, not an option
        return None
    return match


def _options(
    text: str, tokens: Sequence[re.Match[str]], start: int, known: tuple[str, ...]
) -> tuple[list[str], dict[str, str]]:
    """Split tokens into the leading free words and `key:value` options.

    An option's value runs until the next option; `note:` takes the rest of the text verbatim.
    """
    words: list[str] = []
    options: dict[str, str] = {}
    current: str | None = None
    value: list[str] = []

    def finish() -> None:
        if current is None:
            return
        if not value:
            raise _Problem(f"{current}: needs a value right after it, like {_OPTION_EXAMPLES[current]}.")
        options[current] = " ".join(value)

    for token in tokens[start:]:
        match = _is_option(token.group())
        if match is None:
            (words if current is None else value).append(token.group())
            continue
        key = match.group(1).lower()
        if key not in known:
            valid = ", ".join(f"{k}:" for k in known[:-1]) + f" and {known[-1]}:"
            raise _Problem(f"I don't know the option “{match.group(1)}:”. The options are {valid}")
        if key in options or key == current:
            raise _Problem(f"You gave {key}: twice. Give each option once.")
        finish()
        if key == "note":
            options["note"] = text[token.start() + len(match.group(1)) + 1 :].strip()
            return words, options
        current, value = key, ([match.group(2)] if match.group(2) else [])
    finish()
    return words, options


_OPTION_EXAMPLES = {"product": "product:Enterprise", "stage": "stage:paid", "date": "date:2024-05-31"}


def _number(token: str, *, letter: str, thing: str, example: str) -> int:
    match = _ID.fullmatch(token)
    prefix = match.group(1) if match else None
    if match is None or (prefix is not None and prefix.upper() != letter) or int(match.group(2)) == 0:
        raise _Problem(f"“{_show(token)}” isn't {thing} id. Use the id shown on it, like {letter}-12.", example=example)
    return int(match.group(2))


def _deal_command(text: str, *, today: date, currency: str, product_lines: Sequence[str]) -> DealCommand:
    cleaned = _command_text(text)
    tokens = list(_TOKEN.finditer(cleaned))
    if not tokens:
        return OpenDealModal()
    head = tokens[0].group().lower()
    if head in ("help", "?"):
        return DealHelp()
    if head == "list":
        if len(tokens) > 1:
            raise _Problem("/deal list doesn't take anything after it.", example="/deal list")
        return ListDeals()
    if head == "void":
        if len(tokens) < 2:
            raise _Problem("Say which deal to void and why.", example=DEAL_VOID_EXAMPLE)
        number = _number(tokens[1].group(), letter="D", thing="a deal", example=DEAL_VOID_EXAMPLE)
        rest = cleaned[tokens[1].end() :]
        return VoidDeal(number=number, reason=_reason(rest, example=DEAL_VOID_EXAMPLE))
    if head == "paid":
        paid_example = f"/deal paid D-12 {today.isoformat()}"
        if not 2 <= len(tokens) <= 3:
            raise _Problem("Write the deal id, then optionally the date it was paid.", example=paid_example)
        number = _number(tokens[1].group(), letter="D", thing="a deal", example=paid_example)
        day = None
        if len(tokens) == 3:
            raw_day = tokens[2].group()
            raw_day = raw_day[5:] if raw_day.lower().startswith("date:") else raw_day
            try:
                day = _day(raw_day, today=today, unescape=False)
            except _Problem as problem:
                raise _Problem(problem.message, field="date", example=paid_example) from None
        return MarkDealPaid(number=number, on=day)

    money, used = _amount_prefix(tokens, currency=currency)
    words, options = _options(cleaned, tokens, used, DEAL_OPTIONS)
    if not words:
        raise _Problem("Add the customer's name after the amount.", field="customer")
    return LogDeal(
        request=_deal(
            amount=money,
            customer=" ".join(words),
            product=options.get("product"),
            stage=options.get("stage"),
            on=options.get("date"),
            note=options.get("note"),
            today=today,
            currency=currency,
            product_lines=product_lines,
            unescape=False,
        )
    )


_AMOUNT_TOKENS = 4


def _amount_prefix(tokens: Sequence[re.Match[str]], *, currency: str) -> tuple[Money, int]:
    """The longest run of leading tokens that reads as an amount (`$ 12,500`, `12500 USD`)."""
    best: tuple[Money, int] | None = None
    mismatch: tuple[CurrencyMismatch, int] | None = None
    first_error: InputError | None = None
    for length in range(1, min(_AMOUNT_TOKENS, len(tokens)) + 1):
        if _is_option(tokens[length - 1].group()):
            break
        chunk = " ".join(t.group() for t in tokens[:length])
        try:
            best = (parse_amount_strict(chunk, currency=currency), length)
        except CurrencyMismatch as error:
            if mismatch is None:
                mismatch = (error, length)
        except InputError as error:
            if first_error is None and any(ch.isdigit() for ch in chunk):
                first_error = error
    if mismatch is not None and (best is None or mismatch[1] > best[1]):
        wrong, length = mismatch
        message = wrong.message
        if best is not None:
            word = tokens[length - 1].group()
            message += (
                f" If “{_show(word)}” is part of the customer's name, write the amount as {format_amount(best[0])}."
            )
        raise CurrencyMismatch(message, example=wrong.example or "", written=wrong.written)
    if best is not None:
        return best
    first = tokens[0].group()
    amountish = any(ch.isdigit() for ch in first) or not any(ch.isalpha() for ch in first)
    if first_error is not None and (amountish or _is_currency(first, currency=currency)):
        raise first_error
    raise _Problem("Start with the amount (a number like 12500), then the customer's name.", field="amount")


def _is_currency(token: str, *, currency: str) -> bool:
    """Whether `token` is a currency sign or code, as in `usd 12.5k`."""
    try:
        parse_amount_strict(f"{token} 1", currency=currency)
    except CurrencyMismatch:
        return True
    except InputError:
        return False
    return True


def _activity_command(text: str, *, today: date) -> ActivityCommand:
    cleaned = _command_text(text)
    tokens = list(_TOKEN.finditer(cleaned))
    if not tokens:
        return OpenActivityModal()
    head = tokens[0].group().lower()
    if head in ("help", "?"):
        return ActivityHelp()
    if head == "list":
        if len(tokens) > 1:
            raise _Problem("/activity list doesn't take anything after it.", example="/activity list")
        return ListActivities()
    if head == "void":
        if len(tokens) < 2:
            raise _Problem("Say which activity to void and why.", example=ACTIVITY_VOID_EXAMPLE)
        number = _number(tokens[1].group(), letter="A", thing="an activity", example=ACTIVITY_VOID_EXAMPLE)
        rest = cleaned[tokens[1].end() :]
        return VoidActivity(number=number, reason=_reason(rest, example=ACTIVITY_VOID_EXAMPLE))

    kind = _kind(tokens[0].group(), unescape=False)
    start = 1
    count: str | None = None
    if len(tokens) > 1 and tokens[1].group().isascii() and tokens[1].group().isdigit():
        count, start = tokens[1].group(), 2
    words, options = _options(cleaned, tokens, start, ACTIVITY_OPTIONS)
    return LogActivity(
        request=_activity(
            kind=kind,
            count=count,
            customer=" ".join(words) or None,
            note=options.get("note"),
            on=options.get("date"),
            today=today,
            unescape=False,
        )
    )
