# Dumas — the two commands of the README:
#   make demo   run the main job on sample complaints against a local Dovecot, output in demo-output/
#   make test   run the test suite (what CI runs through .ci/run)
# Both install what they need: Debian packages (when run as root), a virtualenv with pinned
# dependencies in .venv/.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PYTEST_ARGS ?=

.PHONY: demo test setup system venv bench clean lock migration

demo: setup
	$(PY) -m tests.demo.run --out demo-output

test: setup
	$(PY) -m pytest $(PYTEST_ARGS)

setup: system venv

system:
	@bash .ci/system-packages.sh

venv: $(VENV)/.installed

$(VENV)/.installed: requirements.lock pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	@touch $@

bench: setup
	$(PY) bench/intake.py
	$(PY) bench/documents.py
	$(PY) bench/recap.py

# Re-pin after changing dependencies in pyproject.toml.
lock:
	rm -rf .lockvenv && $(PYTHON) -m venv .lockvenv
	.lockvenv/bin/pip install --quiet '.[test]'
	.lockvenv/bin/pip freeze --exclude dumas > requirements.lock
	rm -rf .lockvenv

# After changing workflow/store/models.py: make migration MSG="what changed"
migration: venv
	$(PY) -c 'import sys; from dumas.workflow.store.db import new_migration; new_migration(sys.argv[1])' "$(MSG)"

clean:
	rm -rf $(VENV) demo-output .pytest_cache
