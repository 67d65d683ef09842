"""`:seed` — three months of demo history for the demo reps, logged through the real slash commands
(`/deal … date:`, `/activity … date:`) so it is stored exactly as a rep's own logging would be."""

from __future__ import annotations

import random
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from bot.console.demo import FEMI, HANA, HUGO, SOFIA, Person
from bot.console.session import Console, ConsoleError

CUSTOMERS = {
    HANA.handle: ["Northwind", "Globex", "Initech", "Umbrella Labs", "Stark Foods", "Wayne Freight", "Hooli"],
    HUGO.handle: ["Acme Corp", "Vandelay Imports", "Soylent", "Cyberdyne", "Tyrell Farms", "Oscorp"],
    FEMI.handle: ["Bluth Company", "Dunder Mifflin", "Pied Piper", "Gringotts"],
    SOFIA.handle: ["Monarch Bank", "Wonka Industries", "Massive Dynamic", "Aperture Science"],
}
SIZES = {HANA.handle: (6, 30), HUGO.handle: (4, 22), FEMI.handle: (8, 40), SOFIA.handle: (15, 70)}
ACTIVITIES = {
    HANA.handle: ["call", "call", "email", "meeting", "demo", "lead"],
    HUGO.handle: ["call", "email", "lead", "followup"],
    FEMI.handle: ["visit", "call", "meeting", "followup"],
    SOFIA.handle: ["meeting", "demo", "proposal", "visit"],
}
DAYS = 90


def seed(console: Console) -> None:
    reps = [person for person in (HANA, HUGO, FEMI, SOFIA) if person.handle in console.people]
    if not reps:
        raise ConsoleError("`:seed` fills in the demo organisation's reps; start without --config to use it")
    shown, me, buttons = console.echo, console.me, console.buttons
    rng = random.Random(12)
    counts = {"deals": 0, "activities": 0}
    console.echo = lambda _text: None
    try:
        for rep in reps:
            console.me = rep
            _history(console, rep, rng, counts)
    finally:
        console.echo, console.me, console.buttons = shown, me, buttons
    console.echo(
        f"(seeded {counts['deals']} deals and {counts['activities']} activity entries over the last {DAYS} days "
        f"for {', '.join('@' + r.handle for r in reps)})"
    )


def _history(console: Console, rep: Person, rng: random.Random, counts: dict[str, int]) -> None:
    today = console.clock().astimezone(ZoneInfo(rep.tz)).date()
    low, high = SIZES[rep.handle]
    day = today - timedelta(days=DAYS)
    while day < today:
        if day.weekday() < 5:
            if rng.random() < 0.16:
                amount = rng.randint(low, high) * 1000 + rng.choice([0, 500])
                customer = rng.choice(CUSTOMERS[rep.handle])
                product = " product:Enterprise" if rep is SOFIA and rng.random() < 0.55 else ""
                stage = " stage:paid" if rng.random() < 0.5 else ""
                console.command(f"/deal {amount} {customer}{product}{stage} date:{_iso(day)}")
                counts["deals"] += 1
            if rng.random() < 0.6:
                kind = rng.choice(ACTIVITIES[rep.handle])
                count = rng.randint(1, 6) if kind in ("call", "email", "lead") else 1
                console.command(f"/activity {kind} {count} {rng.choice(CUSTOMERS[rep.handle])} date:{_iso(day)}")
                counts["activities"] += 1
        day += timedelta(days=1)


def _iso(day: date) -> str:
    return day.isoformat()
