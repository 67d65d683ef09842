# `make run` starts the bot (or, without Slack credentials, the local console), `make test` runs every
# check. Both install what they need first.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum < pyproject.toml | cut -d' ' -f1)

.PHONY: run console walkthrough test lint typecheck unit bench clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Pacer needs Python 3.11 or newer (found %s)" % sys.version.split()[0])'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@rm -f $(VENV)/.installed-*
	@touch $(STAMP)

# `pacer start` runs the bot when Slack credentials are set, otherwise says so and opens the console;
# `pacer run` itself still refuses to start without them.
run: $(STAMP)
	$(BIN)/pacer start

console: $(STAMP)
	$(BIN)/pacer console

# rewrite the README's "Try it in one minute" transcript from docs/console-walkthrough.txt
walkthrough: $(STAMP)
	$(BIN)/python -m bot.console.walkthrough

test: lint typecheck unit

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy bot handlers scoring

unit: $(STAMP)
	$(BIN)/pytest

bench: $(STAMP)
	$(BIN)/python benchmarks/ack_latency.py

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis
