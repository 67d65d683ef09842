"""The Dockerfile agrees with the repository: the files it copies exist and reach the build, the
command it runs is a `pacer` command, the port and the health check are the ones Pacer serves, it
installs the runtime only and runs as an unprivileged user.

No container is built here (that needs a Docker engine, see docs/deploy.md); these checks read the
Dockerfile, .dockerignore and pyproject.toml, and ask the CLI, the settings and a running app.
"""

from __future__ import annotations

import json
import re
import shlex
import tomllib
from pathlib import Path

import pytest
import typer.main

from bot.cli import cli
from bot.settings import Settings

ROOT = Path(__file__).resolve().parent.parent


def instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) in order, continuation lines joined and comments dropped."""
    found, pending = [], ""
    for line in text.splitlines():
        if not pending and (not line.strip() or line.lstrip().startswith("#")):
            continue
        if line.rstrip().endswith("\\"):
            pending += line.rstrip()[:-1] + " "
            continue
        whole = (pending + line).strip()
        pending = ""
        keyword, _, rest = whole.partition(" ")
        found.append((keyword.upper(), rest.strip()))
    return found


DOCKERFILE = instructions((ROOT / "Dockerfile").read_text(encoding="utf-8"))
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def every(keyword: str) -> list[str]:
    return [rest for name, rest in DOCKERFILE if name == keyword]


def one(keyword: str) -> str:
    [rest] = every(keyword)
    return rest


def env() -> dict[str, str]:
    values = {}
    for rest in every("ENV"):
        for word in shlex.split(rest):
            name, _, value = word.partition("=")
            values[name] = value
    return values


def ignored(path: str) -> bool:
    """Whether .dockerignore keeps `path` (relative to the repository) out of the build context, as Docker
    reads it: patterns are relative to the root, `*` stays within a folder, `**` spans folders, a pattern
    that matches a folder keeps out all it holds, the last matching pattern wins and `!` brings back."""
    lines = (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
    parts = path.split("/")
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    result = False
    for line in (line.strip() for line in lines):
        if not line or line.startswith("#"):
            continue
        negated, pattern = line.startswith("!"), _pattern(line.lstrip("!"))
        if any(pattern.fullmatch(prefix) for prefix in prefixes):
            result = not negated
    return result


def _pattern(text: str) -> re.Pattern[str]:
    segments = []
    for segment in text.strip("/").split("/"):
        if segment == "**":
            segments.append(".*")
            continue
        segments.append("".join("[^/]*" if c == "*" else "[^/]" if c == "?" else re.escape(c) for c in segment))
    return re.compile("/".join(segments).replace(".*/", "(?:.*/)?"))


def copied() -> list[tuple[str, str]]:
    """(source, destination) of every COPY."""
    pairs = []
    for rest in every("COPY"):
        words = [word for word in shlex.split(rest) if not word.startswith("--")]
        *sources, destination = words
        pairs += [(source, destination) for source in sources]
    return pairs


def test_the_image_is_python_3_11_slim_which_pyproject_accepts():
    assert one("FROM") == "python:3.11-slim"
    assert PYPROJECT["project"]["requires-python"] == ">=3.11"


def test_every_copied_file_exists_and_is_not_kept_out_of_the_build_by_dockerignore():
    sources = [source for source, _ in copied()]
    assert sources, "the Dockerfile copies nothing"
    for source in sources:
        assert (ROOT / source).exists(), f"COPY {source}: no such file or folder in the repository"
        assert not ignored(source), f"COPY {source}: .dockerignore keeps it out of the build context"


def test_the_image_gets_everything_pip_install_needs():
    sources = {Path(source).name for source, _ in copied()}
    needed = {
        "pyproject.toml",
        PYPROJECT["project"]["readme"],
        *PYPROJECT["tool"]["setuptools"]["packages"]["find"]["include"],
    }
    assert {name.rstrip("*") for name in needed} <= sources
    # the migrations ship as package data: each pattern finds files that reach the build
    for package, patterns in PYPROJECT["tool"]["setuptools"]["package-data"].items():
        found = [path for pattern in patterns for path in (ROOT / package).glob(pattern)]
        assert any(path.name.startswith("0001_") for path in found), package
        assert not any(ignored(path.relative_to(ROOT).as_posix()) for path in found)
    assert not ignored("bot/migrations/versions/0001_initial_tables.py") and not ignored("bot/cli.py")


def test_dockerignore_keeps_secrets_databases_and_local_tools_out_of_the_image():
    for path in (".env", "pacer.env", "pacer.yml", "pacer.db", "pacer.db-wal", "pacer.db-shm", "pacer.db.lock"):
        assert ignored(path), path
    for path in (".venv/bin/python", ".git/HEAD", "tests/conftest.py", "bot/__pycache__/cli.cpython-311.pyc"):
        assert ignored(path), path


def test_it_installs_the_runtime_dependencies_only_and_not_editable():
    [install] = [rest for rest in every("RUN") if "pip install" in rest]
    command = install.split("&&")[0].split()
    assert command[:2] == ["pip", "install"] and command[2:] == ["/src"], install
    assert "[" not in install and "-e" not in command and "dev" not in install
    assert {destination for source, destination in copied() if source == "pyproject.toml"} == {"/src/"}


def test_it_runs_pacer_run_a_command_the_cli_has():
    entrypoint, command = json.loads(one("ENTRYPOINT")), json.loads(one("CMD"))
    assert entrypoint + command == ["pacer", "run"]
    assert PYPROJECT["project"]["scripts"]["pacer"] == "bot.cli:main"
    assert "run" in typer.main.get_command(cli).commands  # type: ignore[attr-defined]


def test_it_listens_on_the_port_pacer_defaults_to():
    assert one("EXPOSE") == str(Settings.model_fields["port"].default) == env()["PORT"] == "3000"
    assert env()["HOST"] == Settings.model_fields["host"].default


def test_every_pacer_setting_it_sets_is_one_pacer_reads():
    known = {name.upper() for name in Settings.model_fields}
    ours = {name for name in env() if not name.startswith(("PYTHON", "PIP_"))}
    assert ours and ours <= known, ours - known


def test_the_sqlite_file_is_on_the_volume_and_the_user_is_not_root():
    [volume] = json.loads(one("VOLUME"))
    database = env()["DATABASE_URL"]
    assert database.startswith("sqlite:////") and Path(database.removeprefix("sqlite:///")).parent == Path(volume)
    assert every("WORKDIR")[-1] == volume  # ./pacer.yml is read from the working directory
    user = one("USER")
    creates_user = " ".join(every("RUN")).split("&&")[0].strip()
    assert user not in ("root", "0") and re.search(rf"useradd .*\b{user}$", creates_user)
    order = [name for name, _ in DOCKERFILE]
    assert order.index("USER") > max(i for i, name in enumerate(order) if name == "RUN")  # nothing runs as root after
    assert f"chown {user}:{user} {volume}" in " ".join(every("RUN"))


def test_the_health_check_asks_the_path_pacer_answers(pacer):
    check = json.loads(one("HEALTHCHECK").split(" CMD ", 1)[1])
    [path] = re.findall(r"/healthz", check[-1])
    assert check[0] == "python" and "PORT" in check[-1]

    response = pacer.get(path)

    assert response.status == 200 and response.json() == {"ok": True, "database": "ok"}


@pytest.mark.parametrize("path", ["/", "/health"])
def test_other_paths_are_not_a_health_check(pacer, path):
    assert pacer.get(path).status == 404
