"""Published rules, versioned: the counting rule and the product lines (which are premium).

pacer.yml gives the first rule set (version 0). An admin's change is a new version that takes effect
from the first day of a period — the next month unless the admin says otherwise — so a period's
score is never computed under rules announced after it started without someone deciding so.

- The counting rule governs each deal by the day it was signed (see `Counting`).
- The product lines, and which are premium, are those in force on a period's first day.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta

from scoring.errors import InputError, NotFound
from scoring.recognition import Counting, Rule
from scoring.text import fold

RULE_WORDS: dict[Rule, str] = {"signed": "when signed", "paid": "when payment is received"}


@dataclass(frozen=True)
class ProductLine:
    name: str
    premium: bool = False


@dataclass(frozen=True)
class RuleSet:
    """One published version of the rules. Version 0 (no start day) is pacer.yml."""

    version: int
    effective_from: date | None
    recognition: Rule
    product_lines: tuple[ProductLine, ...] = ()

    @property
    def premium_lines(self) -> frozenset[str]:
        return frozenset(line.name for line in self.product_lines if line.premium)

    @property
    def product_names(self) -> list[str]:
        return [line.name for line in self.product_lines]

    def line(self, name: str) -> ProductLine | None:
        """The line with this name, compared in `fold`'s form: case, spacing and invisible characters aside."""
        wanted = fold(name)
        return next((line for line in self.product_lines if fold(line.name) == wanted), None)


def flag_word(premium: bool) -> str:
    return "premium" if premium else "standard"


@dataclass(frozen=True)
class RuleBook:
    """Every version of a workspace's rules; `versions[0]` is pacer.yml's, the rest ascend by start day
    (a later version with the same start day replaces an earlier one)."""

    versions: tuple[RuleSet, ...]

    def __post_init__(self) -> None:
        if not self.versions or self.versions[0].effective_from is not None:
            raise ValueError("a rule book starts with the base rule set (no start day)")

    @property
    def _starts(self) -> list[date]:
        return [v.effective_from for v in self.versions[1:] if v.effective_from is not None]

    def in_force(self, on: date) -> RuleSet:
        """The rule set in force on a day."""
        index = bisect_right(self._starts, on)
        return self.versions[index]

    def counting(self, *, until: date) -> Counting:
        """How deals signed up to `until` are counted (later versions can't govern them)."""
        changes = tuple(
            (v.effective_from, v.recognition)
            for v in self.versions[1:]
            if v.effective_from is not None and v.effective_from <= until
        )
        return Counting(base=self.versions[0].recognition, changes=changes)

    def scheduled(self, *, after: date) -> list[RuleSet]:
        """Versions that take effect after a day (announced, not yet in force)."""
        return [v for v in self.versions[1:] if v.effective_from is not None and v.effective_from > after]

    @property
    def latest(self) -> RuleSet:
        return self.versions[-1]

    def changed(
        self,
        *,
        effective_from: date,
        today: date,
        recognition: Rule | None = None,
        lines: Mapping[str, bool] | None = None,
    ) -> RuleSet:
        """The rule set that a change would publish, built on the rules in force on its start day.

        `lines` maps product line names to their premium flag (a new line is added). An admin's product
        change goes through `adding`, `flagged` and `without_line`, which refuse what would change nothing.
        Raises InputError for a start day the rules can't move to.
        """
        base = self._check_start(effective_from, today=today)
        product_lines = list(base.product_lines)
        for name, premium in (lines or {}).items():
            existing = base.line(name)
            if existing is None:
                product_lines.append(ProductLine(name=name, premium=premium))
            else:
                product_lines[product_lines.index(existing)] = replace(existing, premium=premium)
        return RuleSet(
            version=self.latest.version + 1,
            effective_from=effective_from,
            recognition=recognition or base.recognition,
            product_lines=tuple(product_lines),
        )

    def adding(self, name: str, *, premium: bool, effective_from: date, today: date) -> RuleSet:
        """The rule set that adds a product line from `effective_from` (`premium`: the admin said so).

        A line already there on that day, or scheduled to be added later, is refused as "already there"
        whatever flag was asked for: a flag changes only through `premium`/`standard`. A line a scheduled
        change retires from that day is kept after all, with the flag it had unless `premium` is said.
        """
        existing = self.in_force(effective_from).line(name)
        if existing is not None:
            added = self._first_with(existing.name, after=today)
            scheduled = f"is already scheduled to be added from {month_name(added)}" if added else ""
            raise _already_there(existing, scheduled)
        later = next((v for v in self.scheduled(after=effective_from) if v.line(name) is not None), None)
        if later is not None:
            found = later.line(name)
            assert found is not None and later.effective_from is not None
            raise _already_there(found, f"is already scheduled to be added from {month_name(later.effective_from)}")
        retiring = self.in_force(effective_from - timedelta(days=1)).line(name)
        if retiring is not None:
            return self.changed(
                effective_from=effective_from, today=today, lines={retiring.name: premium or retiring.premium}
            )
        return self.changed(effective_from=effective_from, today=today, lines={name: premium})

    def flagged(self, name: str, *, premium: bool, effective_from: date, today: date) -> RuleSet:
        """The rule set that makes an existing product line premium (or standard) from `effective_from`."""
        action = flag_word(premium)
        existing = self.in_force(effective_from).line(name)
        if existing is None:
            raise self._no_line(name, action=action, effective_from=effective_from)
        if existing.premium == premium:
            other = flag_word(not premium)
            raise InputError(
                f"{existing.name} is already a {action} product line from {month_name(effective_from)}: "
                f"nothing was published. To make it {other}, use `/pacer products {other} {existing.name}`.",
                example=f"/pacer products {other} {existing.name}",
            )
        return self.changed(effective_from=effective_from, today=today, lines={existing.name: premium})

    def without_line(self, name: str, *, effective_from: date, today: date) -> RuleSet:
        existing = self.in_force(effective_from).line(name)
        if existing is None:
            raise self._no_line(name, action="remove", effective_from=effective_from)
        base = self._check_start(effective_from, today=today)
        return RuleSet(
            version=self.latest.version + 1,
            effective_from=effective_from,
            recognition=base.recognition,
            product_lines=tuple(line for line in base.product_lines if line != existing),
        )

    def _no_line(self, name: str, *, action: str, effective_from: date) -> NotFound:
        """There is no such line on `effective_from`: say whether a scheduled change retires it then."""
        when = month_name(effective_from)
        at_start = self.in_force(effective_from)
        retired = self.in_force(effective_from - timedelta(days=1)).line(name)
        if retired is not None:
            if action == "remove":
                return NotFound(
                    f"{retired.name} is already retired from {when}: nothing was published.", example="/pacer rules"
                )
            return NotFound(
                f"{retired.name} is retired from {when} (a change already published), so it can't be made "
                f"{action} then. To keep it, add it back first: `/pacer products add {retired.name}`.",
                example=f"/pacer products add {retired.name}",
            )
        known = at_start.product_names
        return NotFound(
            f"There is no product line “{name}” from {when}. Product lines: {', '.join(known) or 'none'}.",
            example=f"/pacer products {action} {known[0]}" if known else "/pacer products add Cloud Suite premium",
        )

    def _first_with(self, name: str, *, after: date) -> date | None:
        """The start day of the scheduled change that adds `name`, if it isn't a product line on `after` yet."""
        if self.in_force(after).line(name) is not None:
            return None
        return next((v.effective_from for v in self.scheduled(after=after) if v.line(name) is not None), None)

    def _check_start(self, effective_from: date, *, today: date) -> RuleSet:
        this_month = today.replace(day=1)
        if effective_from < this_month:
            raise InputError(
                f"Rules for {effective_from:%B %Y} can't change any more: that period has closed and its "
                "scores stand. Changes take effect from the next month, or from this one with `now`.",
                example="/pacer counting paid now",
            )
        latest = self.latest.effective_from
        if latest is not None and effective_from < latest:
            raise InputError(
                f"A change is already scheduled from {latest:%B %Y}, so a new change must start then or later "
                f"(it builds on that one). Say `from {latest:%Y-%m}` to change what takes effect then.",
                example=f"/pacer counting signed from {latest:%Y-%m}",
            )
        return self.in_force(effective_from)


def month_name(day: date) -> str:
    return f"{day:%B %Y}"


def _already_there(line: ProductLine, scheduled: str) -> InputError:
    """Adding a line that is already there: say so, with its flag and how to change that."""
    other = flag_word(not line.premium)
    return InputError(
        f"{line.name} {scheduled or 'is already a product line'} ({flag_word(line.premium)}): nothing was published "
        f"and no one was told. To make it {other}, use `/pacer products {other} {line.name}`.",
        example=f"/pacer products {other} {line.name}",
    )


def next_month_start(today: date) -> date:
    return date(today.year + today.month // 12, today.month % 12 + 1, 1)


def differences(before: RuleSet, after: RuleSet) -> list[str]:
    """What a change does, one plain sentence per difference (for the announcement DM and the audit)."""
    lines: list[str] = []
    if before.recognition != after.recognition:
        lines.append(
            f"Deals count {RULE_WORDS[after.recognition]} (until now: {RULE_WORDS[before.recognition]}), "
            "for deals signed from the start day on; earlier deals keep the rule they were signed under."
        )
    old = {line.name: line for line in before.product_lines}
    new = {line.name: line for line in after.product_lines}
    for name, line in new.items():
        if name not in old:
            lines.append(f"New product line: {name}{' (premium)' if line.premium else ''}.")
        elif old[name].premium != line.premium:
            lines.append(f"{name} is {'now' if line.premium else 'no longer'} a premium product line.")
    retired = [name for name in old if name not in new]
    lines.extend(f"Product line {name} is retired: deals can no longer be logged on it." for name in retired)
    return lines


def same_rules(a: RuleSet, b: RuleSet) -> bool:
    return a.recognition == b.recognition and a.product_lines == b.product_lines


def book_of(base: RuleSet, versions: Sequence[RuleSet]) -> RuleBook:
    """The book from the base and stored versions; a later version with the same start day wins."""
    by_start: dict[date, RuleSet] = {}
    for version in sorted(versions, key=lambda v: v.version):
        assert version.effective_from is not None
        by_start[version.effective_from] = version
    return RuleBook(versions=(base, *(by_start[start] for start in sorted(by_start))))
