"""The console's lines: slash commands, `:` commands, button numbers; the interactive loop (with
readline history and tab completion) and the scripted mode (a file of lines, echoed as a transcript)."""

from __future__ import annotations

import contextlib
import re
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.app import SLASH_COMMANDS
from bot.console.session import Console, ConsoleError

COMMANDS = SLASH_COMMANDS  # every slash command the app registers (the manifest test keeps them equal)

HELP = """\
Type a slash command as the current person, e.g. /deal 12.5k Acme Corp (mention people as @hana).
  /deal /activity /progress /goal /scorecard /leaderboard /checkin /appeal /pacer   (/pacer help: all)
  N  or  :press N        press button N of the last message that had buttons
  :as @name              speak as someone else (:people lists everyone)
  :people                the demo organisation: who is who
  :home                  open the Home tab of the current person
  :tick 1d | 3h | 30m    move the clock forward, running the scheduled jobs on the way (nudges,
                         the Monday digest, the period close and its check-ins, reminders)
  :at 2026-12-01T09:00   move the clock to that time (in the current person's zone, or give Z/+hh:mm)
  :now                   the console's time
  :seed                  three months of demo deals and activities for the demo reps
  :help                  this list
  :quit                  leave (Ctrl-D too); a modal's fields accept :cancel
"""

CONSOLE_WORDS = (":press", ":as", ":people", ":home", ":tick", ":at", ":now", ":seed", ":help", ":quit")

_DURATION = re.compile(r"^(\d+)\s*([dhm])$")


def parse_duration(text: str) -> timedelta:
    match = _DURATION.match(text.strip().lower())
    if not match or int(match.group(1)) == 0:
        raise ConsoleError(f"{text.strip() or 'nothing'!r} is not a duration; e.g. :tick 1d, :tick 3h or :tick 30m")
    amount, unit = int(match.group(1)), match.group(2)
    if unit == "d" and amount > 400:
        raise ConsoleError("at most 400 days at a time; e.g. :tick 30d")
    return {"d": timedelta(days=amount), "h": timedelta(hours=amount), "m": timedelta(minutes=amount)}[unit]


def parse_time(text: str, console: Console) -> datetime:
    try:
        at = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ConsoleError(f"{text.strip() or 'nothing'!r} is not a time; e.g. :at 2026-12-01T09:00") from None
    if at.tzinfo is None:
        from zoneinfo import ZoneInfo

        at = at.replace(tzinfo=ZoneInfo(console.me.tz))
    return at.astimezone(UTC)


def run_line(console: Console, line: str, *, seed: Callable[[Console], None]) -> bool:
    """Do one console line; False when the session should end. Mistakes raise ConsoleError."""
    line = line.strip()
    if not line or line.startswith("#"):
        return True
    if line.startswith("/"):
        command = line.split(" ", 1)[0]
        if command not in COMMANDS:
            raise ConsoleError(f"Pacer has no {command} command; e.g. /deal 12.5k Acme Corp (:help lists them)")
        console.command(line)
        return True
    if line.isdigit():
        console.press(int(line))
        return True
    word, _, rest = line.partition(" ")
    rest = rest.strip()
    if word == ":press":
        if not rest.isdigit():
            raise ConsoleError("press a button by its number, e.g. :press 1")
        console.press(int(rest))
    elif word == ":as":
        if not rest:
            raise ConsoleError("say who, e.g. :as @maya (:people lists everyone)")
        console.me = console.person(rest)
        console.echo(f"(you are now @{console.me.handle}, {console.me.role})")
    elif word == ":people":
        for person in console.people.values():
            marker = "→" if person is console.me else " "
            console.echo(f" {marker} @{person.handle:<8} {person.real_name:<16} {person.role} · {person.tz}")
    elif word == ":home":
        console.home()
    elif word == ":tick":
        console.advance(console.clock() + parse_duration(rest))
    elif word == ":at":
        console.advance(parse_time(rest, console))
    elif word == ":now":
        console.echo(f"(it is {console.local(console.clock())})")
    elif word == ":seed":
        seed(console)
    elif word == ":help":
        console.echo(HELP.rstrip())
    elif word in (":quit", ":exit", ":q"):
        return False
    else:
        raise ConsoleError(f"{word!r} is not something the console knows; e.g. :tick 1d (:help lists everything)")
    return True


def run_script(console: Console, lines: Iterator[str], *, seed: Callable[[Console], None]) -> int:
    """Scripted mode: each line echoed after a prompt, then what it showed. Returns the number of
    lines that were refused (each explained, and the script goes on)."""
    refused = 0
    for line in lines:
        line = line.rstrip("\n")
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        console.echo(f"{prompt(console)}{line}")
        try:
            if not run_line(console, line, seed=seed):
                break
        except ConsoleError as error:
            refused += 1
            console.echo(f"console: {error}")
    return refused


def prompt(console: Console) -> str:
    return f"@{console.me.handle}> "


def script_asker(lines: Iterator[str], echo: Callable[[str], None]) -> Callable[[str], str | None]:
    """A modal's fields, answered from the script's next lines (a blank line is an empty answer)."""

    def ask(question: str) -> str | None:
        answer = next(lines, None)
        if answer is None:
            echo(f"{question}(end of script)")
            return None
        answer = answer.rstrip("\n")
        echo(f"{question}{answer}")
        return answer

    return ask


def terminal_asker(question: str) -> str | None:
    try:
        return input(question)
    except EOFError:
        return None


def interactive(console: Console, *, seed: Callable[[Console], None], history: Path | None) -> None:
    """The loop: readline history (kept in `history`) and tab completion of commands and people."""
    try:
        import readline
    except ImportError:  # pragma: no cover - Windows without pyreadline
        readline = None  # type: ignore[assignment]
    if readline is not None:
        words = [*COMMANDS, *CONSOLE_WORDS, *(f"@{h}" for h in console.people)]

        def complete(text: str, state: int) -> str | None:
            found = [w + " " for w in words if w.startswith(text)]
            return found[state] if state < len(found) else None

        readline.set_completer_delims(" \t")
        readline.set_completer(complete)
        readline.parse_and_bind("tab: complete")
        if history is not None and history.exists():
            with contextlib.suppress(OSError):
                readline.read_history_file(history)
    console.echo(HELP.rstrip())
    console.echo(f"(you are @{console.me.handle}, {console.me.role}; it is {console.local(console.clock())})")
    try:
        while True:
            try:
                line = input(prompt(console))
            except EOFError:
                console.echo("")
                break
            except KeyboardInterrupt:
                console.echo("\n(Ctrl-C: leaving; Ctrl-D or :quit next time)")
                break
            try:
                if not run_line(console, line, seed=seed):
                    break
            except ConsoleError as error:
                console.echo(f"console: {error}")
            except KeyboardInterrupt:
                console.echo("\n(interrupted; what was stored stays stored)")
                break
    finally:
        if readline is not None and history is not None:
            try:
                readline.set_history_length(1000)
                readline.write_history_file(history)
            except OSError:
                pass


def echo_to_stdout(text: str) -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()
