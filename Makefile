# The README's commands. `make run` and `make test` set everything up on a machine that has only
# Python 3.11 and pip: uv, the locked environment, the dbt manifest, a Dagster home.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# The project's variables (RAW_DIR, DATA_DIR, DAGSTER_HOME, …) are read by Python alone, from the
# environment and then `.env`, the same way for `make run`, `make dev` and the tests
# (orchestration/lib/settings.py): make neither reads `.env` nor sets defaults of its own.
# Telemetry off (dbt honours DO_NOT_TRACK; Dagster's is off in dagster.yaml as well).
DO_NOT_TRACK := 1
DAGSTER_DISABLE_TELEMETRY := 1
export DO_NOT_TRACK DAGSTER_DISABLE_TELEMETRY

UV_VERSION := 0.13.9
# uv: the one on PATH (the fast path); else the project-local one of an earlier `make setup`; else
# `python3 -m uv`, which setup pip-installs, unless python3 is "externally managed" (PEP 668: pip
# refuses to install into it): then a project-local virtual environment, .uv-bootstrap/, holds it.
UV_BOOTSTRAP := $(CURDIR)/.uv-bootstrap
UV := $(shell command -v uv 2>/dev/null \
  || { test -x "$(UV_BOOTSTRAP)/bin/uv" && echo "$(UV_BOOTSTRAP)/bin/uv"; } \
  || { python3 -m uv --version >/dev/null 2>&1 && echo "python3 -m uv"; } \
  || { python3 -c 'import os, sys, sysconfig; sys.exit(sys.prefix == sys.base_prefix and os.path.isfile(os.path.join(sysconfig.get_path("stdlib"), "EXTERNALLY-MANAGED")))' 2>/dev/null && echo "python3 -m uv"; } \
  || echo "$(UV_BOOTSTRAP)/bin/uv")
UV_INSTALL := $(if $(findstring $(UV_BOOTSTRAP),$(UV)),python3 -m venv "$(UV_BOOTSTRAP)" && "$(UV_BOOTSTRAP)/bin/python" -m,python3 -m) pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"
RUN := $(UV) run --locked --no-sync
# DATA_DIR as the job sees it (environment, then .env, then data/), for the targets that name it.
DATA_DIR_RESOLVED = $(shell $(RUN) python -c 'from orchestration.lib.settings import load_settings; print(load_settings().data_dir)')

.PHONY: help setup manifest browser run test test-fast dev lint format clean corpus bench sql

help:
	@echo "make run    materialize every asset into DATA_DIR (default data/; sources: RAW_DIR, default raw/);"
	@echo "            skipped when nothing changed since the last complete run (FORCE=1: rebuild anyway)"
	@echo "make test   the tests (CI runs make lint, then make test)"
	@echo "make test-fast  the tests that run no part of the stack (pytest -m 'not slow'), under a minute"
	@echo "make dev    the Dagster UI on http://127.0.0.1:3000"
	@echo "make sql    a SQL shell on the published marts, read-only (SQL on stdin: runs it and exits)"
	@echo "make lint   ruff + sqlfluff"
	@echo "make corpus a synthetic 20-vintage corpus under DATA_DIR/corpus (for make bench)"
	@echo "make bench  time and measure the job (shipped sources and corpus); prints one table and the bars"

# uv itself, then the locked environment (a no-op in about a second when nothing changed).
setup:
	@$(UV) --version >/dev/null 2>&1 || { $(UV_INSTALL); }
	@$(UV) sync --locked --quiet

# dbt parse only when the dbt project changed (fingerprint kept in dbt_project/target/).
manifest: setup
	@$(RUN) python -m orchestration.prepare

run: setup
	@$(RUN) python -m orchestration.cli $(if $(FORCE),--force)

# Headless Chromium (Debian's package) for the scorecard test: the test tooling installs it, and
# stops `make test` with one line saying how when it cannot.
CHROMIUM_MISSING := headless Chromium is required for the scorecard test: apt-get install chromium (as root)
browser:
	@command -v chromium >/dev/null 2>&1 || { echo "installing Debian's chromium for the scorecard test"; \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; } >/dev/null 2>&1; \
	  command -v chromium >/dev/null 2>&1 || { echo "$(CHROMIUM_MISSING)" >&2; exit 1; }; }

# sqlfluff's dbt templater compiles the project against a scratch DuckDB file and into a scratch
# target folder: never the warehouse, never dbt_project/target.
SQLFLUFF := cd dbt_project && scratch=$$(mktemp -d) && DUCKDB_PATH=$$scratch/lint.duckdb \
  DBT_TARGET_PATH=$$scratch/target $(RUN) sqlfluff lint models --processes 2

# Two pytest-xdist workers: one builds the session's shared `make run` while the other takes the
# tests that need no run of the job (tests/conftest.py orders them). The tests that read one run of
# their own go to one worker as a group (loadgroup); the groups keep conftest's order
# (--no-loadscope-reorder: by default the largest group goes first, and both workers began by
# waiting for the shared run). sqlfluff is `make lint`'s.
TEST_WORKERS ?= 2
DIST := -n $(TEST_WORKERS) --dist loadgroup --no-loadscope-reorder
test: manifest browser
	$(RUN) ruff check orchestration tests
	$(RUN) pytest $(DIST) --durations=15

# The tests that run no part of the stack (no job, dbt, GX or Dagster run: not marked `slow`), the
# property tests on a few examples each (tests/conftest.py: hypothesis profile `fast`).
test-fast: manifest
	$(RUN) pytest -m "not slow" $(DIST) --hypothesis-profile=fast --durations=10

# A SQL shell on the published marts (MARTS_PATH, default DATA_DIR/marts.duckdb), read-only, from
# Harlequin in the locked environment: its terminal IDE from a terminal; with SQL on stdin, its `hsql`
# runs it, prints the results and exits (non-zero on an error, a write included).
sql: setup
	@marts="$$($(RUN) python -c 'from orchestration.lib.settings import load_settings; print(load_settings().marts_path)')"; \
	test -f "$$marts" || { echo "$$marts does not exist yet: make run first" >&2; exit 1; }; \
	if [ -t 0 ]; then exec $(RUN) harlequin --read-only "$$marts"; else exec $(RUN) hsql --read-only -f - "$$marts"; fi

dev: manifest
	$(RUN) python -m orchestration.dev -h 127.0.0.1 -p 3000

lint: setup
	$(RUN) ruff check orchestration tests
	$(RUN) ruff format --check orchestration tests
	$(SQLFLUFF)

format: setup
	$(RUN) ruff format orchestration tests
	$(RUN) ruff check --fix orchestration tests

# A synthetic 20-vintage corpus (plus the shipped sources) under data/corpus/raw, for the benchmark.
corpus: setup
	@$(RUN) python -m orchestration.tools.corpus --out $(DATA_DIR_RESOLVED)/corpus

# Speed and memory of the whole job on the shipped sources and the corpus; prints one table.
bench: setup manifest
	@$(RUN) python -m orchestration.tools.bench

clean: setup
	rm -rf "$(DATA_DIR_RESOLVED)" dbt_project/target dbt_project/logs
