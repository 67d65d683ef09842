"""Slash-command text into typed commands: `/deal ...` and `/activity ...`.

Only the command syntax lives here (sub-commands, the amount at the front, the count after the
activity type, `key:value` options);
the values themselves are checked by the same field rules the modals and the CSV import use
(`scoring/requests.py`). Anything wrong raises `InputError` with a message and a full example
command. No Slack calls, no database and no clock: `today` is always passed in.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import TypeAlias

from pydantic import Field

from scoring.errors import FieldErrors, InputError
from scoring.money import CurrencyMismatch, Money, format_amount, parse_amount_strict, spoils_an_amount
from scoring.numerals import describe, first_lookalike, is_lookalike
from scoring.requests import (
    COUNT_MAX,
    MENTION,
    REASON_MAX,
    REASON_MIN,
    ActivityRequest,
    DealRequest,
    Frozen,
    Problem,
    activity_request,
    clean_text,
    deal_request,
    parse_day,
    parse_kind,
    parse_reason,
    show,
)
from scoring.text import unlink

DEAL_OPTIONS = ("product", "stage", "date", "note")
ACTIVITY_OPTIONS = ("date", "note")

ACTIVITY_EXAMPLE = "/activity call 3 Acme Corp note:pricing follow-up"
ACTIVITY_VOID_EXAMPLE = "/activity void A-7 logged twice"
DEAL_VOID_EXAMPLE = "/deal void D-12 entered twice"


# --- commands --------------------------------------------------------------------------------------


class OpenDealModal(Frozen):
    """`/deal` with no text: open the deal modal."""


class LogDeal(Frozen):
    request: DealRequest


class ListDeals(Frozen):
    """`/deal list`."""


class VoidDeal(Frozen):
    """`/deal void <id> <reason>`."""

    number: int = Field(ge=1)
    reason: str = Field(min_length=REASON_MIN, max_length=REASON_MAX)


class MarkDealPaid(Frozen):
    """`/deal paid <id> [YYYY-MM-DD]`; `on` is None for today."""

    number: int = Field(ge=1)
    on: date | None = None


class DealHelp(Frozen):
    """`/deal help`."""


class OpenActivityModal(Frozen):
    """`/activity` with no text: open the activity modal."""


class LogActivity(Frozen):
    request: ActivityRequest


class ListActivities(Frozen):
    """`/activity list`."""


class VoidActivity(Frozen):
    """`/activity void <id> <reason>`."""

    number: int = Field(ge=1)
    reason: str = Field(min_length=REASON_MIN, max_length=REASON_MAX)


class ActivityHelp(Frozen):
    """`/activity help`."""


DealCommand: TypeAlias = OpenDealModal | LogDeal | ListDeals | VoidDeal | MarkDealPaid | DealHelp
ActivityCommand: TypeAlias = OpenActivityModal | LogActivity | ListActivities | VoidActivity | ActivityHelp


# --- public parsers --------------------------------------------------------------------------------


def deal_example(product_lines: Sequence[str] = ()) -> str:
    """A full, correct `/deal` command for error messages, using a configured product if there is one."""
    product = next((p for p in product_lines if _usable_in_example(p)), None)
    product_part = f" product:{' '.join(product.split())}" if product else ""
    return f"/deal 12500 Acme Corp{product_part} stage:signed note:renewal"


def parse_deal_command(text: str, *, today: date, currency: str, product_lines: Sequence[str]) -> DealCommand:
    """Parse `/deal` text. Raises `InputError` with a message and a full example command (made only
    then: a command that parses needs none)."""
    try:
        return _deal_command(text, today=today, currency=currency.upper(), product_lines=product_lines)
    except Problem as problem:
        example = problem.example or deal_example(product_lines)
        raise InputError(problem.message, example=example, field=problem.field) from None
    except CurrencyMismatch as error:
        amount = format_amount(Money(_EXAMPLE_AMOUNT, currency.upper()))
        example = deal_example(product_lines).replace("12500", amount, 1)
        raise InputError(error.message, example=example, field="amount") from None
    except FieldErrors as errors:
        field = next(iter(errors.errors))
        raise InputError(" ".join(errors.errors.values()), example=deal_example(product_lines), field=field) from None
    except InputError as error:
        raise InputError(error.message, example=deal_example(product_lines), field=error.field) from None


def parse_activity_command(text: str, *, today: date) -> ActivityCommand:
    """Parse `/activity` text. Raises `InputError` with a message and a full example command."""
    try:
        return _activity_command(text, today=today)
    except Problem as problem:
        raise InputError(problem.message, example=problem.example or ACTIVITY_EXAMPLE, field=problem.field) from None
    except FieldErrors as errors:
        field = next(iter(errors.errors))
        raise InputError(" ".join(errors.errors.values()), example=ACTIVITY_EXAMPLE, field=field) from None


_EXAMPLE_AMOUNT = Decimal(12500)
_TOKEN = re.compile(r"\S+")
_OPTION = re.compile(r"([A-Za-z]+):(.*)", re.DOTALL)
_ID = re.compile(r"(?:([A-Za-z])-?|#)?([0-9]{1,9})")


# --- command text ----------------------------------------------------------------------------------


def _command_text(text: str) -> str:
    """Whole-command rules: Slack's own link markup becomes its label while its entities are still
    escaped (a label may hold `&gt;`), then the shared text rules (which unlink typed markup too).

    Digit look-alikes are kept as typed, so the amount and the count can refuse them; the customer,
    options and note are normalised again by their own field rules.
    """
    return clean_text(unlink(text), what="Your command", field=None, multiline=True, keep_lookalikes=True)


def _usable_in_example(product: str) -> bool:
    words = product.split()
    return bool(words) and not any(_OPTION.fullmatch(w) for w in words) and not MENTION.search(product)


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
            raise Problem(f"{current}: needs a value right after it, like {_OPTION_EXAMPLES[current]}.")
        options[current] = " ".join(value)

    for token in tokens[start:]:
        match = _is_option(token.group())
        if match is None:
            (words if current is None else value).append(token.group())
            continue
        key = match.group(1).lower()
        if key not in known:
            valid = ", ".join(f"{k}:" for k in known[:-1]) + f" and {known[-1]}:"
            raise Problem(f"I don't know the option “{match.group(1)}:”. The options are {valid}")
        if key in options or key == current:
            raise Problem(f"You gave {key}: twice. Give each option once.")
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
        raise Problem(f"“{show(token)}” isn't {thing} id. Use the id shown on it, like {letter}-12.", example=example)
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
            raise Problem("/deal list doesn't take anything after it.", example="/deal list")
        return ListDeals()
    if head == "void":
        if len(tokens) < 2:
            raise Problem("Say which deal to void and why.", example=DEAL_VOID_EXAMPLE)
        number = _number(tokens[1].group(), letter="D", thing="a deal", example=DEAL_VOID_EXAMPLE)
        rest = cleaned[tokens[1].end() :]
        return VoidDeal(number=number, reason=parse_reason(rest, example=DEAL_VOID_EXAMPLE))
    if head == "paid":
        paid_example = f"/deal paid D-12 {today.isoformat()}"
        if not 2 <= len(tokens) <= 3:
            raise Problem("Write the deal id, then optionally the date it was paid.", example=paid_example)
        number = _number(tokens[1].group(), letter="D", thing="a deal", example=paid_example)
        day = None
        if len(tokens) == 3:
            raw_day = tokens[2].group()
            raw_day = raw_day[5:] if raw_day.lower().startswith("date:") else raw_day
            try:
                day = parse_day(raw_day, today=today, unescape=False)
            except Problem as problem:
                raise Problem(problem.message, field="date", example=paid_example) from None
        return MarkDealPaid(number=number, on=day)

    money, used = _amount_prefix(tokens, currency=currency)
    words, options = _options(cleaned, tokens, used, DEAL_OPTIONS)
    if not words:
        raise Problem("Add the customer's name after the amount.", field="customer")
    return LogDeal(
        request=deal_request(
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


_AMOUNT_TOKENS = 10  # `$ 1 000 000 000 000 USD` is seven words
_SIGNS = "+-\u2212"
_SEPARATORS = ".,_'"
_NUMBER_LITERAL = re.compile(
    r"[-+\u2212]?(?:(?:[0-9]+\.?[0-9]*|\.[0-9]+)e[-+]?[0-9]+|0x[0-9a-f]+|0o[0-7]+|0b[01]+)", re.IGNORECASE
)
_NOT_NUMBERS = frozenset({"nan", "snan", "inf", "infinity"})


def _digitlike(ch: str) -> bool:
    return "0" <= ch <= "9" or is_lookalike(ch)


def _has_digit(text: str) -> bool:
    return any(ch.isdigit() or is_lookalike(ch) for ch in text)


def _numberish(word: str) -> bool:
    """Digits (or look-alikes) and separators only, after an optional sign: `000`, `1.5`, `-1`, `²`."""
    body = word[1:] if word[:1] in _SIGNS else word
    # `all` first: a customer's name fails it at its first letter
    return all(_digitlike(ch) or ch in _SEPARATORS for ch in body) and any(_digitlike(ch) for ch in body)


def _amount_prefix(tokens: Sequence[re.Match[str]], *, currency: str) -> tuple[Money, int]:
    """The longest run of leading tokens that reads as an amount (`$ 12,500`, `12500 USD`, `25 000`).

    Digit groups split by spaces are one amount when every group after the first has three digits
    (`25 000 Acme` is 25000 for Acme). A number that follows an amount ending in a digit without
    grouping that way (`12 50 Acme`, `25 0001 Acme`, `5000 7 Eleven`) is refused as unclear instead
    of becoming the start of the customer's name; a name that starts with digits and letters
    (`5000 3M`, `5000 7-Eleven`) is no number, and an amount that ends in its currency or a
    multiplier (`5000 USD 7 Eleven`, `5k 7 Eleven`) is over before the name starts.
    """
    best: tuple[Money, int] | None = None
    mismatch: tuple[CurrencyMismatch, int] | None = None
    first_error: InputError | None = None
    for length in range(1, min(_AMOUNT_TOKENS, len(tokens)) + 1):
        token = tokens[length - 1].group()
        if _is_option(token):
            break
        if (best is not None or first_error is not None) and spoils_an_amount(token, currency=currency):
            break  # this run and every longer one are refused, and what they are refused for goes unused
        chunk = " ".join(t.group() for t in tokens[:length])
        try:
            best = (parse_amount_strict(chunk, currency=currency), length)
        except CurrencyMismatch as error:
            if mismatch is None:
                mismatch = (error, length)
        except InputError as error:
            if first_error is None and _has_digit(chunk):
                first_error = error
    if mismatch is not None and (best is None or mismatch[1] > best[1]):
        wrong, length = mismatch
        message = wrong.message
        if best is not None:
            word = tokens[length - 1].group()
            message += (
                f" If “{show(word)}” is part of the customer's name, write the amount as {format_amount(best[0])}."
            )
        raise CurrencyMismatch(message, example=wrong.example or "", written=wrong.written)
    if best is not None:
        _refuse_a_number_after_the_amount(tokens, best[1], currency=currency)
        return best
    first = tokens[0].group()
    amountish = _has_digit(first) or not any(ch.isalpha() for ch in first)
    if first_error is not None and (amountish or _is_currency(first, currency=currency)):
        raise first_error
    raise Problem("Start with the amount (a number like 12500), then the customer's name.", field="amount")


def _refuse_a_number_after_the_amount(tokens: Sequence[re.Match[str]], used: int, *, currency: str) -> None:
    if used >= len(tokens) or not _numberish(following := tokens[used].group()):
        return
    if not (tokens[used - 1].group()[-1].isdigit() or tokens[used - 1].group()[-1] in _SEPARATORS):
        return  # the amount ended in its currency or a multiplier: `5000 USD 7 Eleven`, `5k 7 Eleven`
    if (lookalike := first_lookalike(following)) is not None:
        raise Problem(
            f"{describe(lookalike)} isn't one of the digits 0-9. Write the amount with 0-9 only, like 12500.",
            field="amount",
        )
    written = " ".join(t.group() for t in tokens[: used + 1])
    raise Problem(
        f"I can't tell where the amount ends in “{show(written)}”. Digits after the amount are part of it only "
        "in groups of three (25 000 or 1 250 000). If the customer's name starts with a number, put the "
        f"currency after the amount: /deal 5000 {currency} 7 Eleven.",
        field="amount",
    )


def _is_currency(token: str, *, currency: str) -> bool:
    """Whether `token` is a currency sign or code, as in `usd 12.5k`."""
    try:
        parse_amount_strict(f"{token} 1", currency=currency)
    except CurrencyMismatch:
        return True
    except InputError:
        return False
    return True


def _countish(word: str, *, alone: bool) -> bool:
    """Whether the word right after the activity type is a count that isn't a valid one.

    Numbers in any other shape (`-1`, `+2`, `1.5`, `3,5`, `1e3`, `0x10`, `²`, `٣`) are; so is a lone
    `NaN` or `Infinity` (a customer called "Nan Fang" still works). Names that mix digits and
    letters (`3M`, `7-Eleven`, `24/7 Fitness`) are not.
    """
    if _numberish(word) or _NUMBER_LITERAL.fullmatch(word):
        return True
    body = word[1:] if word[:1] in _SIGNS else word
    return body.lower() in _NOT_NUMBERS and (alone or body != word)


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
            raise Problem("/activity list doesn't take anything after it.", example="/activity list")
        return ListActivities()
    if head == "void":
        if len(tokens) < 2:
            raise Problem("Say which activity to void and why.", example=ACTIVITY_VOID_EXAMPLE)
        number = _number(tokens[1].group(), letter="A", thing="an activity", example=ACTIVITY_VOID_EXAMPLE)
        rest = cleaned[tokens[1].end() :]
        return VoidActivity(number=number, reason=parse_reason(rest, example=ACTIVITY_VOID_EXAMPLE))

    kind = parse_kind(tokens[0].group(), unescape=False)
    start = 1
    count: str | None = None
    if len(tokens) > 1 and tokens[1].group().isascii() and tokens[1].group().isdigit():
        count, start = tokens[1].group(), 2
    elif len(tokens) > 1 and _countish(
        tokens[1].group(), alone=len(tokens) == 2 or bool(_is_option(tokens[2].group()))
    ):
        word = tokens[1].group()
        lookalike = first_lookalike(word)
        digits = f" {describe(lookalike)} isn't one of the digits 0-9." if lookalike else ""
        raise Problem(
            f"“{show(word)}” isn't a count. The count must be a whole number from 1 to {COUNT_MAX}.{digits}",
            field="count",
            example=f"/activity {kind} 3 Acme Corp",
        )
    words, options = _options(cleaned, tokens, start, ACTIVITY_OPTIONS)
    return LogActivity(
        request=activity_request(
            kind=kind,
            count=count,
            customer=" ".join(words) or None,
            note=options.get("note"),
            on=options.get("date"),
            today=today,
            unescape=False,
        )
    )
