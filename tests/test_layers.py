"""The staircase holds: handler → service → store, `scoring/` pure underneath, Block Kit builders
beside the handlers (docs/architecture.md). Every import in the source tree is read with `ast` —
lazy imports inside functions included — and checked against the rules below."""

from __future__ import annotations

import ast
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("bot", "handlers", "scoring")

# Third-party packages `scoring/` may use besides the standard library.
SCORING_MAY_IMPORT = frozenset({"pydantic", "pydantic_core", "annotated_types", "typing_extensions"})


@dataclass(frozen=True)
class Import:
    path: str  # relative to the tree's root, with forward slashes
    line: int
    module: str  # the absolute module imported, e.g. "handlers.blocks.nudges"

    def __str__(self) -> str:
        return f"{self.path}:{self.line} imports {self.module}"


def imports_in(root: Path) -> list[Import]:
    """Every import statement under `root`'s packages, relative imports made absolute."""
    found: list[Import] = []
    for package in PACKAGES:
        for file in sorted((root / package).rglob("*.py")):
            relative = file.relative_to(root).as_posix()
            if "/migrations/versions/" in relative:
                continue
            tree = ast.parse(file.read_text(encoding="utf-8"), filename=relative)
            here = relative.removesuffix(".py").replace("/", ".").split(".")
            for node in ast.walk(tree):
                if isinstance(node, ast.Import):
                    found += [Import(relative, node.lineno, alias.name) for alias in node.names]
                elif isinstance(node, ast.ImportFrom):
                    base = node.module or ""
                    if node.level:
                        base = ".".join([*here[: -node.level], *([base] if base else [])])
                    found += [Import(relative, node.lineno, f"{base}.{a.name}" if base else a.name) for a in node.names]
    return found


def _under(module: str, *prefixes: str) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


def violations(root: Path) -> list[str]:
    """What breaks the layering, one line per import."""
    bad: list[str] = []
    for imp in imports_in(root):
        path, module = imp.path, imp.module
        top = module.split(".")[0]
        if path.startswith("scoring/"):
            if top not in sys.stdlib_module_names and top not in SCORING_MAY_IMPORT and top != "scoring":
                bad.append(f"{imp}: scoring/ may import only the standard library, pydantic and scoring")
        elif path.startswith("bot/jobs/"):
            if _under(module, "handlers") and not _under(module, "handlers.blocks"):
                bad.append(f"{imp}: jobs may use the Block Kit builders (handlers.blocks), no other handler code")
        elif path.startswith("bot/") and path != "bot/app.py" and _under(module, "handlers"):
            bad.append(f"{imp}: below the handlers, nothing imports them (only bot/app.py wires them in)")
        if path.startswith("handlers/") and _under(module, "bot.store"):
            bad.append(f"{imp}: handlers reach the store through a service")
        if (
            path.startswith("handlers/blocks/")
            and _under(module, "handlers")
            and not _under(module, "handlers.blocks", "handlers.ids")
        ):
            bad.append(f"{imp}: Block Kit builders use only other builders and handlers.ids")
        if path.startswith("bot/store/") and _under(module, "bot") and not _under(module, "bot.store"):
            bad.append(f"{imp}: the store is the bottom step; of bot/ it imports only other store modules")
        if path.startswith("bot/services/") and _under(module, "bot.jobs", "bot.deps", "bot.app", "bot.cli"):
            bad.append(f"{imp}: services are called by jobs and the wiring, never the other way round")
    return bad


def test_the_source_tree_keeps_to_the_layers() -> None:
    assert violations(ROOT) == []


def test_the_import_reader_sees_every_package_of_the_tree() -> None:
    files = {imp.path.split("/")[0] for imp in imports_in(ROOT)}
    assert files == set(PACKAGES)


# The imports that ran the wrong way before the layers were cleaned up, each of which the check must catch.
REVERSED = {
    "bot/services/deals.py": "from handlers.parse import DealRequest\n",
    "bot/services/activities.py": "from handlers.parse import ActivityRequest\n",
    "bot/importer.py": "from handlers.parse import DealRequest, deal_from_fields\n",
    "bot/jobs/nudges.py": "from handlers.blocks.nudges import nudge_message\nfrom handlers.home import HOME\n",
    "bot/store/members.py": "from bot.services import home\n",
    "handlers/deals.py": "from bot.store import deals as deal_store\nfrom bot.store import outbox, pending\n",
    "handlers/events.py": "from bot.store import receipts, workspaces\n",
    "handlers/goals.py": "from bot.store import members, receipts\n",
    "handlers/replies.py": "def run():\n    from bot.store.members import SlackUser\n",
    "handlers/blocks/nudges.py": "from handlers.home import HOME_LOG_DEAL\nfrom handlers import ids\n",
    "scoring/pace.py": "import sqlmodel\nfrom bot.config import PacerConfig\nfrom decimal import Decimal\n",
}


def test_each_import_that_once_ran_the_wrong_way_is_caught(tmp_path: Path) -> None:
    for package in PACKAGES:
        (tmp_path / package).mkdir()
    for relative, source in REVERSED.items():
        file = tmp_path / relative
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_text(source, encoding="utf-8")

    found = violations(tmp_path)

    assert sorted(line.split(": ")[0] for line in found) == sorted(
        [
            "bot/services/deals.py:1 imports handlers.parse.DealRequest",
            "bot/services/activities.py:1 imports handlers.parse.ActivityRequest",
            "bot/importer.py:1 imports handlers.parse.DealRequest",
            "bot/importer.py:1 imports handlers.parse.deal_from_fields",
            "bot/jobs/nudges.py:2 imports handlers.home.HOME",  # the Block Kit import on line 1 is allowed
            "bot/store/members.py:1 imports bot.services.home",
            "handlers/deals.py:1 imports bot.store.deals",
            "handlers/deals.py:2 imports bot.store.outbox",
            "handlers/deals.py:2 imports bot.store.pending",
            "handlers/events.py:1 imports bot.store.receipts",
            "handlers/events.py:1 imports bot.store.workspaces",
            "handlers/goals.py:1 imports bot.store.members",
            "handlers/goals.py:1 imports bot.store.receipts",
            "handlers/replies.py:2 imports bot.store.members.SlackUser",  # a lazy import inside a function
            "handlers/blocks/nudges.py:1 imports handlers.home.HOME_LOG_DEAL",  # handlers.ids on line 2 is allowed
            "scoring/pace.py:1 imports sqlmodel",
            "scoring/pace.py:2 imports bot.config.PacerConfig",  # decimal, the standard library, is allowed
        ]
    )


def test_relative_imports_are_checked_as_the_modules_they_name(tmp_path: Path) -> None:
    for package in PACKAGES:
        (tmp_path / package).mkdir()
    (tmp_path / "handlers" / "home.py").write_text("from ..bot.store import members\nfrom .blocks import home\n")
    (tmp_path / "bot" / "services").mkdir()
    (tmp_path / "bot" / "services" / "home.py").write_text("from ...handlers import replies\n")

    found = violations(tmp_path)

    assert [line.split(": ")[0] for line in found] == [
        "bot/services/home.py:1 imports handlers.replies",
        "handlers/home.py:1 imports bot.store.members",
    ]
