# `make run` starts the bot (or, without Slack credentials, the local console), `make test` runs every
# check. Both install what they need first.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HASH := $(shell cksum < pyproject.toml | cut -d' ' -f1)
# what running Pacer needs (make run), and on top of it the test and lint tools (make test)
RUNTIME := $(VENV)/.runtime-$(HASH)
DEV := $(VENV)/.dev-$(HASH)

.PHONY: run console walkthrough test lint typecheck unit container bench clean

$(RUNTIME): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Pacer needs Python 3.11 or newer (found %s)" % sys.version.split()[0])'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	@rm -f $(VENV)/.runtime-* $(VENV)/.installed-*
	@touch $(RUNTIME)

$(DEV): $(RUNTIME)
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@rm -f $(VENV)/.dev-*
	@touch $(DEV)

# `pacer start` runs the bot when Slack credentials are set, otherwise says so and opens the console;
# `pacer run` itself still refuses to start without them.
run: $(RUNTIME)
	$(BIN)/pacer start

console: $(RUNTIME)
	$(BIN)/pacer console

# rewrite the README's "Try it in one minute" transcript from docs/console-walkthrough.txt
walkthrough: $(RUNTIME)
	$(BIN)/python -m bot.console.walkthrough

test: lint typecheck unit container

lint: $(DEV)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(DEV)
	$(BIN)/mypy bot handlers scoring

unit: $(DEV)
	$(BIN)/pytest

# the container image built and smoke-tested where a Docker engine runs; elsewhere it says so and passes
container:
	@.ci/container

bench: $(DEV)
	$(BIN)/python benchmarks/ack_latency.py

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis
