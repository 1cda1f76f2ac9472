# Dumas — the two commands of the README:
#   make demo   run the main job on sample complaints against a local Dovecot, output in demo-output/
#   make test   run the test suite (what CI runs through .ci/run)
# Both install what they need: Debian packages (when run as root), a virtualenv with pinned
# dependencies in .venv/.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PYTEST_ARGS ?=

.PHONY: demo test lint setup system venv bench clean lock migration

demo: setup
	$(PY) -m tests.demo.run --out demo-output

test: setup
	$(PY) -m pytest $(PYTEST_ARGS)

# The checks CI runs before the tests: formatting and lint (ruff), types (mypy), and the import
# directions of CONTRIBUTING.md (import-linter, tests/unit/test_architecture.py).
lint: venv
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

setup: system venv

system:
	@bash .ci/system-packages.sh

venv: $(VENV)/.installed

$(VENV)/.installed: requirements.lock pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	@touch $@

# No test may depend on the day it runs. The tests whose results follow the date (marked `dates`:
# they register, number, schedule) run again under libfaketime (Debian `faketime`) with the wall
# clock moved, for every child process too (Dovecot, PostgreSQL, `dumas` runs): see
# tests/rig/faketime.py. Each run is "wall clock,suite instant": the first puts the wall clock on
# a month's and a year's last evening; the second on another month's last day, and the tests' own
# instant (--test-now, tests/conftest.py) on New Year's first hour in WIB, still the old year in
# UTC. A test that fails here reads the real clock, or hard-codes what it should derive from its.
DATES_RUNS  ?= 2026-12-31T23:30:00+07:00, 2027-02-28T23:30:00+07:00,2027-01-01T00:30:00+07:00
DATES_TESTS ?= -m dates

.PHONY: test-dates
test-dates: setup
	@set -e; for run in $(DATES_RUNS); do \
	  $(PY) -m tests.rig.faketime --wall "$${run%%,*}" --test-now "$${run#*,}" \
	    -- -p no:cacheprovider $(DATES_TESTS) $(PYTEST_ARGS); \
	done

bench: setup
	$(PY) bench/intake.py
	$(PY) bench/documents.py
	$(PY) bench/recap.py
	$(PY) bench/idle.py
	$(PY) -m bench.burst
	$(PY) -m bench.bigmail
	$(PY) -m bench.hostile_text

# Re-pin after changing dependencies in pyproject.toml.
lock:
	rm -rf .lockvenv && $(PYTHON) -m venv .lockvenv
	.lockvenv/bin/pip install --quiet '.[test,lint]'
	.lockvenv/bin/pip freeze --exclude dumas > requirements.lock
	rm -rf .lockvenv

# After changing workflow/store/models.py: make migration MSG="what changed"
migration: venv
	$(PY) -c 'import sys; from dumas.workflow.store.db import new_migration; new_migration(sys.argv[1])' "$(MSG)"

clean:
	rm -rf $(VENV) demo-output .pytest_cache
