# Skaitykla: `make demo` runs it with demo data on SQLite; `make test` runs every check.
# The Makefile bootstraps .venv itself; nothing needs to be installed by hand.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PG_URL ?= postgres://postgres@127.0.0.1:5432/skaitykla

.PHONY: demo test test-sqlite test-postgresql lint format browser-deps bench messages clean install

install: $(STAMP)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "Python >= 3.11 is required"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

demo: $(STAMP)
	$(BIN)/skaitykla migrate --noinput
	$(BIN)/skaitykla seed_demo
	$(BIN)/skaitykla demo

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy src/skaitykla benchmarks

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

browser-deps:
	@bash scripts/ensure-browser.sh

test: $(STAMP) browser-deps lint
	@bash scripts/run-tests.sh

test-sqlite: $(STAMP) browser-deps
	DATABASE_URL= $(BIN)/pytest

test-postgresql: $(STAMP) browser-deps
	DATABASE_URL=$(PG_URL) $(BIN)/pytest

messages: $(STAMP)
	cd src/skaitykla && ../../$(BIN)/skaitykla makemessages -l lt -l en --no-obsolete && ../../$(BIN)/skaitykla compilemessages

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) var build *.egg-info
