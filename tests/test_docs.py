"""The documentation cannot drift from the program: every `pacer …` command shown in README.md and
docs/*.md is one the CLI accepts, every relative link leads to a file (and heading) that exists,
every command of the CLI is in the command reference, and every page is linked from the README."""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import typer
import typer.main

from bot.cli import cli

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
CLI = typer.main.get_command(cli)  # typer's own (vendored) click command tree


def is_group(command: Any) -> bool:
    return hasattr(command, "commands")


@dataclass(frozen=True)
class Shown:
    """A `pacer …` command as a page shows it: a line of a code block, to be run as it stands, or a
    mention in the text (`pacer workspace erase`), whose command and options must exist."""

    page: str
    line: int
    words: list[str]
    runnable: bool

    def __str__(self) -> str:
        return f"{self.page}:{self.line}: pacer {' '.join(self.words)}"


def code_of(text: str) -> list[tuple[int, str, bool]]:
    """(line number, text, in a fenced block) of every code line and every inline code span."""
    found, fenced = [], False
    for number, line in enumerate(text.splitlines(), start=1):
        if line.lstrip().startswith("```"):
            fenced = not fenced
            continue
        if fenced:
            found.append((number, line, True))
        else:
            found += [(number, span, False) for span in re.findall(r"`([^`\n]+)`", line)]
    return found


#: What ends a command on a shell line: another command, a redirection, a comment.
ENDS = {"&&", "||", "|", ";", "&", ">", ">>", "2>&1", "#"}


def commands_in(page: Path) -> list[Shown]:
    return commands_in_text(page.read_text(encoding="utf-8"), page.relative_to(ROOT).as_posix())


def commands_in_text(markdown: str, name: str) -> list[Shown]:
    shown = []
    for number, text, fenced in code_of(markdown):
        line = text.strip().removeprefix("$ ")
        try:
            words = shlex.split(line, comments=fenced)  # a shell comment ends a line of a code block
        except ValueError:
            words = line.split()
        for i, word in enumerate(words[:-1]):
            program = word.rpartition("=")[2]  # ExecStart=/opt/pacer/.venv/bin/pacer
            if program != "pacer" and not program.endswith("bin/pacer"):
                continue  # not the program (`/pacer` is the slash command in Slack, /srv/pacer a folder)
            if i > 0 and words[i - 1] in ("-u", "--user", "-g", "--group", "useradd"):
                continue  # the system user called pacer
            rest = words[i + 1 :]
            if not re.match(r"^(--)?[a-z]", rest[0]):
                continue  # `sudo pacer …` in prose: no command named
            cut = next((n for n, w in enumerate(rest) if w in ENDS or w.startswith((">", "2>"))), len(rest))
            shown.append(Shown(name, number, rest[:cut], runnable=fenced))
            break
    return shown


SHOWN = [command for page in PAGES for command in commands_in(page)]


def is_placeholder(word: str) -> bool:
    return bool(re.search(r"[<>\[\]|…$]|\.\.\.", word)) or bool(re.fullmatch(r"[A-Z]+(?:-[A-Z]+)*", word))


def resolve(words: list[str]) -> tuple[Any, list[str], list[str]]:
    """The command the words name, its path, and the words after it."""
    command: Any = CLI
    path: list[str] = []
    rest = list(words)
    while is_group(command) and rest and not rest[0].startswith("-"):
        found = command.commands.get(rest[0])
        if found is None or found.hidden:
            raise AssertionError(f"no command `pacer {' '.join([*path, rest[0]])}`")
        command, path, rest = found, [*path, rest.pop(0)], rest
    return command, path, rest


def option_names(command: Any) -> set[str]:
    names = {"--help"}
    for param in command.params:
        if param.param_type_name == "option" and not param.hidden:
            names |= {*param.opts, *param.secondary_opts}
    return names


def test_the_pages_show_many_pacer_commands_including_the_operators_ones():
    shown = {" ".join(resolve(command.words)[1]) for command in SHOWN}
    assert len(SHOWN) >= 60, len(SHOWN)
    assert {"run", "db backup", "db upgrade", "workspace list", "workspace erase", "outbox status"} <= shown


@pytest.mark.parametrize("shown", SHOWN, ids=str)
def test_every_pacer_command_the_docs_show_is_one_the_cli_accepts(shown: Shown, tmp_path, monkeypatch):
    try:
        command, path, rest = resolve(shown.words)
    except AssertionError as exc:
        raise AssertionError(f"{shown}: {exc}") from None
    if is_group(command):  # a group named in prose (`pacer db`): nothing may follow
        assert not rest or rest[0].startswith("-"), f"{shown}: `{rest[0]}` is not a command of `pacer {path}`"
    known = option_names(command)
    for word in rest:
        for option in re.split(r"[|=]", word.strip("[](){}")):
            if option.startswith("--"):
                assert option in known, f"{shown}: `pacer {' '.join(path)}` has no option {option}"
    if not shown.runnable or any(is_placeholder(word) for word in rest) or is_group(command):
        return  # a mention, or a synopsis (`pacer jobs run JOB [--at ISO-TIME]`): checked above
    monkeypatch.chdir(tmp_path)  # files a command must find (an import's CSV) exist, empty, here
    for word in rest:
        if re.fullmatch(r"[\w.-]+(?:/[\w.-]+)*\.(?:csv|txt|yml)", word):
            (tmp_path / word).parent.mkdir(parents=True, exist_ok=True)
            (tmp_path / word).touch()
    try:
        command.make_context(" ".join(["pacer", *path]), list(rest))
    except typer.Exit:
        pass  # --version, --help
    except typer.TyperException as exc:  # a usage error: unknown option, missing value, wrong choice
        message = exc.format_message() if hasattr(exc, "format_message") else str(exc)
        raise AssertionError(f"{shown}: {message}") from None


def test_a_command_the_cli_does_not_have_is_caught():
    with pytest.raises(AssertionError, match="no command `pacer workspace delete`"):
        resolve(["workspace", "delete", "T1"])
    [wrong] = commands_in_text("```sh\nsudo pacer db backup --to x.db   # a comment\n```\n", "example.md")
    command, _, rest = resolve(wrong.words)
    assert wrong.runnable and "--to" not in option_names(command) and rest == ["--to", "x.db"]
    assert commands_in_text("`/pacer fairness` and `sudo useradd -u pacer` and /srv/pacer", "example.md") == []


def leaf_commands(group: Any, prefix: tuple[str, ...] = ()) -> list[str]:
    found = []
    for name, command in group.commands.items():
        if command.hidden:
            continue
        if is_group(command):
            found += leaf_commands(command, (*prefix, name))
        else:
            found.append(" ".join((*prefix, name)))
    return found


def test_every_command_of_the_cli_is_in_the_command_reference():
    assert is_group(CLI)
    reference = {" ".join(resolve(c.words)[1]) for c in SHOWN if c.page == "docs/commands.md"}
    missing = sorted(set(leaf_commands(CLI)) - reference)
    assert not missing, f"add these to docs/commands.md: {missing}"


# --- links ----------------------------------------------------------------------------------------


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped (letters, digits, `_`, `-` and
    spaces kept), spaces as hyphens."""
    text = re.sub(r"`|\*\*|\[([^\]]*)\]\([^)]*\)", lambda m: m.group(1) or "", heading.strip().lower())
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def anchors(page: Path) -> set[str]:
    found, seen, fenced = set(), dict[str, int](), False
    for line in page.read_text(encoding="utf-8").splitlines():
        if line.lstrip().startswith("```"):
            fenced = not fenced
        if fenced:
            continue
        heading = re.match(r"#{1,6} (.+)", line)
        if heading:
            base = slug(heading.group(1))
            count = seen.get(base, 0)
            seen[base] = count + 1
            found.add(base if count == 0 else f"{base}-{count}")
        found |= set(re.findall(r'<a id="([^"]+)"', line))
    return found


def links_in(page: Path) -> list[tuple[int, str]]:
    found, fenced = [], False
    for number, line in enumerate(page.read_text(encoding="utf-8").splitlines(), start=1):
        if line.lstrip().startswith("```"):
            fenced = not fenced
            continue
        if fenced:
            continue
        prose = re.sub(r"`[^`]*`", "", line)
        found += [(number, target) for target in re.findall(r"\]\(([^)\s]+)\)", prose)]
    return found


LINKS = [
    (page, number, target)
    for page in PAGES
    for number, target in links_in(page)
    if not re.match(r"[a-z]+:", target)  # https:, mailto:
]


def test_the_pages_link_to_each_other():
    assert len(LINKS) >= 80, len(LINKS)


@pytest.mark.parametrize(
    ("page", "number", "target"), LINKS, ids=[f"{p.relative_to(ROOT)}:{n}:{t}" for p, n, t in LINKS]
)
def test_every_relative_link_leads_to_a_file_and_heading_that_exist(page: Path, number: int, target: str):
    path, _, anchor = target.partition("#")
    destination = (page.parent / path).resolve() if path else page
    where = f"{page.relative_to(ROOT)}:{number}: ({target})"
    assert destination.exists(), f"{where}: no file {destination.relative_to(ROOT)}"
    if anchor:
        assert destination.suffix == ".md", f"{where}: an anchor into a file that is not a page"
        assert anchor in anchors(destination), f"{where}: no heading #{anchor} in {destination.name}"


def test_every_page_of_docs_is_linked_from_the_readme():
    linked = {(ROOT / target.partition("#")[0]).resolve() for _, target in links_in(ROOT / "README.md")}
    orphans = [page.name for page in PAGES[1:] if page.resolve() not in linked]
    assert not orphans, f"link these from README.md's Documentation: {orphans}"


def test_the_anchor_rule_is_githubs():
    assert slug("Uninstalling Pacer and erasing a workspace's data") == (
        "uninstalling-pacer-and-erasing-a-workspaces-data"
    )
    assert slug("The `pacer` command") == "the-pacer-command"
    assert slug('"Sorry — something went wrong on Pacer\'s side"') == "sorry--something-went-wrong-on-pacers-side"
    assert slug("`invalid_auth`, `token_revoked`") == "invalid_auth-token_revoked"
