# Guanjia 管家 — developer tasks. `make run` to try it, `make test` before pushing.
# `make help` lists every target.

SHELL := /bin/bash
.DEFAULT_GOAL := help
.DELETE_ON_ERROR:

PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
MANAGE := $(PY) manage.py
# Extra pytest options, e.g. `make test-sqlite PYTEST_ARGS="-k policies -x"`.
PYTEST_ARGS ?=
# pytest-xdist workers for the non-browser suites: one per CPU ("0" runs in one process).
PYTEST_WORKERS ?= $(shell n=$$(nproc 2>/dev/null || echo 1); [ "$$n" -gt 1 ] && echo $$n || echo 0)
PYTEST := $(BIN)/pytest -q $(if $(filter-out 0,$(PYTEST_WORKERS)),-n $(PYTEST_WORKERS)) $(PYTEST_ARGS)
# The stages of `make test`, in order; the first failure stops the run.
# The SQLite suite runs once, with the clock on the first of TEST_DATES (test-date-first); PostgreSQL runs
# it on the real date. On a 2-CPU machine each run of the suite takes 7–20 minutes, and CI stops at 85.
TEST_STAGES := lint check-migrations test-date-first test-api-schema test-pg test-browser test-smoke

export PIP_DISABLE_PIP_VERSION_CHECK := 1
export PIP_NO_INPUT := 1
export PYTHONDONTWRITEBYTECODE := 1

# --- virtualenv ---------------------------------------------------------------
# pip runs only when a requirements file is newer than its stamp.

$(PY):
	$(PYTHON) -m venv $(VENV)

$(VENV)/.stamp-runtime: requirements.txt | $(PY)
	$(BIN)/pip install -r requirements.txt
	touch $@

$(VENV)/.stamp-dev: requirements.txt requirements-dev.txt | $(PY)
	$(BIN)/pip install -r requirements-dev.txt
	touch $@ $(VENV)/.stamp-runtime

.PHONY: venv venv-dev
venv: $(VENV)/.stamp-runtime ## create .venv with the runtime requirements
venv-dev: $(VENV)/.stamp-dev ## create .venv with the development requirements

var:
	mkdir -p var

# --- running ------------------------------------------------------------------
# `manage.py demo` builds the demo data (idempotent) and prints the logins; later runs only print them.

.PHONY: run
run: export DEBUG := 1
run: $(VENV)/.stamp-runtime | var ## migrate, load the demo data once, serve on http://127.0.0.1:8000
	@fresh=; { [ -f var/guanjia.sqlite3 ] && [ -f var/.demo-loaded ]; } || fresh=1; \
	$(MANAGE) migrate --noinput && \
	if [ -n "$$fresh" ]; then $(MANAGE) demo && touch var/.demo-loaded; else $(MANAGE) demo --logins; fi
	$(MANAGE) runserver 127.0.0.1:8000

# --- checks and tests ---------------------------------------------------------

.PHONY: test lint format check-migrations test-sqlite test-api-schema test-pg test-dates test-date-first test-browser
test: $(VENV)/.stamp-dev | var ## lint, migrations check, tests on SQLite, on PostgreSQL, in Chromium
	@MAKE="$(MAKE)" scripts/test-stages $(TEST_STAGES)

lint: $(VENV)/.stamp-dev ## ruff check + ruff format --check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.stamp-dev ## apply ruff fixes and formatting
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

check-migrations: export GUANJIA_TESTING := 1
check-migrations: $(VENV)/.stamp-dev ## system checks; fail if a model change lacks a migration
	unset DATABASE_URL; $(MANAGE) check && $(MANAGE) makemigrations --check --dry-run

test-sqlite: $(VENV)/.stamp-dev ## pytest on SQLite (not the browser tests)
	unset DATABASE_URL; $(PYTEST) -m "not browser and not api_schema"

# The OpenAPI schema tells the truth (issue 10): schemathesis drives every operation through the WSGI
# application with a staff and an owner token, valid and invalid input; 0 server errors, 0 answers
# outside the schema. API_SCHEMA_EXAMPLES bounds the cases per operation, token and mode.
API_SCHEMA_EXAMPLES ?= 4
test-api-schema: $(VENV)/.stamp-dev ## schemathesis over /api/schema/ (a bounded run, SQLite)
	unset DATABASE_URL; API_SCHEMA_EXAMPLES=$(API_SCHEMA_EXAMPLES) $(BIN)/pytest -q -m api_schema $(PYTEST_ARGS)

test-pg: $(VENV)/.stamp-dev ## pytest on a throwaway PostgreSQL cluster (not the browser tests)
	scripts/with-postgres $(PYTEST) -m "not browser and not api_schema"

# The suite must not depend on the day it runs (DESIGN house style): run it on SQLite with the
# system clock moved (Debian's faketime) to the 5th of next month, 10:00 Shanghai — the day a
# monthly "by the 5th" duty is still open and due today — and to 2 January of next year, past the years
# chinese-calendar knows. Override with TEST_DATES="2027-03-05 2028-01-02".
TEST_DATES ?= $(shell date -u -d "$$(date -u +%Y-%m-15) +1 month" +%Y-%m-05) $(shell echo $$(( $$(date -u +%Y) + 1 )))-01-02
test-dates: $(VENV)/.stamp-dev ## pytest on SQLite (not the browser tests) with the clock set to each of TEST_DATES
	@command -v faketime >/dev/null || { echo "faketime not found: apt-get install faketime"; exit 1; }
	unset DATABASE_URL; for day in $(TEST_DATES); do \
	  echo "== tests on $$day 10:00 Asia/Shanghai"; \
	  TZ=UTC faketime "$$day 02:00:00" $(PYTEST) -m "not browser and not api_schema" -p no:cacheprovider || exit 1; \
	done

test-date-first: $(VENV)/.stamp-dev ## pytest on SQLite with the clock on the first of TEST_DATES only (make test's SQLite run)
	@$(MAKE) --no-print-directory test-dates TEST_DATES="$(firstword $(TEST_DATES))"

# pytest exits 5 when it collects nothing: no browser tests is not a failure.
test-browser: $(VENV)/.stamp-dev ## pytest -m browser (Playwright driving /usr/bin/chromium)
	unset DATABASE_URL; $(BIN)/pytest -q -m browser $(PYTEST_ARGS) || [ $$? -eq 5 ]

# The production stack as deploy/ runs it: DEBUG off, gunicorn (deploy/gunicorn.conf.py) on a loopback
# port, one db_worker, a throwaway PostgreSQL; signs in, files a ticket through the API, waits for the
# worker to deliver its notification, fetches a static file, stops everything.
.PHONY: test-smoke
test-smoke: $(VENV)/.stamp-dev ## start the production configuration on a throwaway PostgreSQL and walk through it
	scripts/smoke

LOAD_CLIENTS ?= 32
LOAD_SECONDS ?= 60
# LOAD_DB=sqlite for the same run on a SQLite file
LOAD_DB ?= postgresql
.PHONY: load
load: $(VENV)/.stamp-dev ## the smoke stack under LOAD_CLIENTS API clients for LOAD_SECONDS, import uploads alongside
	scripts/smoke $(if $(filter sqlite,$(LOAD_DB)),--sqlite) --load $(LOAD_CLIENTS) $(LOAD_SECONDS)

# --- benchmarks ---------------------------------------------------------------

.PHONY: bench
bench: export SQLITE_PATH := $(CURDIR)/var/bench/bench.sqlite3
bench: export SECRET_KEY := bench-only-not-a-secret
bench: export DEBUG := 0
bench: export MEDIA_ROOT := $(CURDIR)/var/bench/media
bench: $(VENV)/.stamp-dev | var ## import (100,000 rooms, beside a raw SQL insert), search, service-desk (1M tickets), survey (20,000 households) and billing-run (300,000 rooms, beside a raw insert) benchmarks on a throwaway SQLite DB in var/bench/
	rm -rf var/bench && mkdir -p var/bench
	unset DATABASE_URL; $(MANAGE) migrate --noinput -v 0 && $(MANAGE) bench_import && $(MANAGE) bench_search && $(MANAGE) bench_desk && $(MANAGE) bench_survey && $(MANAGE) bench_billing

# Arrears ageing and the collection rate over BENCH_LINES bill lines (5 communities, five years) on a
# throwaway PostgreSQL, each reading beside hand-written SQL, with its query count and EXPLAIN.
BENCH_LINES ?= 10000000
.PHONY: bench-pg
bench-pg: export SECRET_KEY := bench-only-not-a-secret
bench-pg: export DEBUG := 0
bench-pg: export MEDIA_ROOT := $(CURDIR)/var/bench/media
bench-pg: $(VENV)/.stamp-dev | var ## arrears ageing and the collection rate over BENCH_LINES (10M) bill lines on a throwaway PostgreSQL, beside hand-written SQL
	mkdir -p var/bench
	scripts/with-postgres $(MANAGE) bench_arrears --lines $(BENCH_LINES)

# --- translations -------------------------------------------------------------

.PHONY: messages
messages: export GUANJIA_TESTING := 1
messages: $(VENV)/.stamp-dev ## refresh locale/*/django.po from the source and compile the .mo files
	$(MANAGE) makemessages -l zh_Hans -l en --ignore='.venv/*' --ignore='var/*' --ignore='tmp/*' \
		--add-location=file --no-obsolete
	@# msgmerge's guesses ("fuzzy") for new strings are usually wrong: leave them untranslated.
	for po in locale/*/LC_MESSAGES/django.po; do msgattrib --clear-fuzzy --empty --clear-previous -o "$$po" "$$po"; done
	$(MANAGE) compilemessages --ignore='.venv/*' --ignore='var/*'

# --- housekeeping -------------------------------------------------------------

.PHONY: clean distclean help
clean: ## remove caches, test logs, benchmark data and collected static files (keeps the dev database)
	rm -rf var/bench var/test-logs var/static .pytest_cache .ruff_cache .hypothesis
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -exec rm -rf {} +

distclean: clean ## also remove .venv and var/ (the dev database and uploaded files)
	rm -rf $(VENV) var

help: ## list the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/^([a-z-]+):.*## /\1\t/' | \
		awk -F'\t' '{ printf "  make %-18s %s\n", $$1, $$2 }'
