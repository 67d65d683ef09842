"""The README's walkthrough: `docs/console-walkthrough.txt` run in scripted mode on a fresh demo
database from a fixed time, and its transcript kept in README.md between two markers.

    python -m bot.console.walkthrough           # rewrite the transcript in README.md (`make walkthrough`)
    python -m bot.console.walkthrough --check   # exit 1 when README.md shows something else
"""

from __future__ import annotations

import sys
import tempfile
from datetime import datetime
from pathlib import Path

from bot.console.demo import DEMO_PEOPLE, demo_config
from bot.console.repl import run_script, script_asker
from bot.console.seed import seed
from bot.console.session import Console

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "docs" / "console-walkthrough.txt"
README = ROOT / "README.md"
START = "2026-11-30T14:00:00-05:00"  # a Monday afternoon in New York, the day before November closes
BEGIN, END = "<!-- walkthrough: begin (make walkthrough) -->", "<!-- walkthrough: end -->"
COMMAND = f"pacer console --script docs/console-walkthrough.txt --fresh --start {START}"


def transcript(script: Path = SCRIPT) -> str:
    """What `pacer console --script` prints for the walkthrough, from an empty demo database."""
    out: list[str] = []
    lines = iter(script.read_text(encoding="utf-8").splitlines())
    with tempfile.TemporaryDirectory(prefix="pacer-walkthrough-") as folder:
        console = Console(
            config=demo_config(),
            people=DEMO_PEOPLE,
            database_url=f"sqlite:///{Path(folder) / 'pacer-demo.db'}",
            start=datetime.fromisoformat(START),
            echo=out.append,
            ask=script_asker(lines, out.append),
        )
        try:
            run_script(console, lines, seed=seed)
        finally:
            console.close()
    return "\n".join(out) + "\n"


def readme_block(text: str) -> str:
    """The transcript as README.md shows it, between its markers."""
    if BEGIN not in text or END not in text:
        raise SystemExit(f"README.md lacks the markers {BEGIN} … {END}")
    return text.split(BEGIN, 1)[1].split(END, 1)[0]


def block_for(shown: str) -> str:
    return f"\n```text\n$ {COMMAND}\n{shown}```\n"


def main(argv: list[str]) -> int:
    readme = README.read_text(encoding="utf-8")
    wanted = block_for(transcript())
    if "--check" in argv:
        if readme_block(readme) != wanted:
            sys.stdout.write("README.md's walkthrough differs from what the console prints; run `make walkthrough`\n")
            return 1
        return 0
    before, rest = readme.split(BEGIN, 1)
    after = rest.split(END, 1)[1]
    README.write_text(before + BEGIN + wanted + END + after, encoding="utf-8")
    sys.stdout.write("README.md: walkthrough transcript rewritten\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
