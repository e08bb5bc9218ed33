# scarclinic: `make run` serves the app with demo data; `make test` runs every check.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PORT ?= 8000
PG_URL ?= postgres://postgres@127.0.0.1:5432/test
CHROMIUM ?= /usr/bin/chromium
export DJANGO_SETTINGS_MODULE := scarclinic.config.settings

.PHONY: serve worker run test lint typecheck migrations-check test-sqlite test-postgres test-e2e chromium clean demo bench bench-quick messages

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11 is needed ($(PYTHON) not found)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

venv: $(STAMP)

var:
	mkdir -p var

# The translations: each app's locale/<lang>/LC_MESSAGES/django.po (committed) compiled to
# .mo (not committed) with GNU gettext's msgfmt, installed from Debian if missing.
messages: $(STAMP)
	@command -v msgfmt >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gettext >/dev/null; }
	cd src && ../$(PY) ../manage.py compilemessages -v0

demo: $(STAMP) var messages
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo --patients $${DEMO_PATIENTS:-300} --seed 1

run: demo
	@echo ""
	@echo "  scarclinic is running at http://127.0.0.1:$(PORT)/"
	@echo "  Demo logins, password scarclinic-demo:"
	@echo "    physician, nurse, lab, frontdesk, director, admin, patient (portal)"
	@echo "    physician.lahore (a physician of the second clinic)"
	@echo ""
	DEBUG=$${DEBUG:-1} $(PY) manage.py runserver 127.0.0.1:$(PORT)

# Production-style serving (set SCARCLINIC_ENV=production, SECRET_KEY, DATABASE_URL, ...):
# gunicorn with WEB_WORKERS processes (default 2 x cores + 1), graceful on SIGTERM; settings
# in src/scarclinic/ops/gunicorn_conf.py (no access log: the app logs one JSON line a request).
serve: $(STAMP) messages
	$(PY) manage.py migrate --noinput
	$(PY) manage.py collectstatic --noinput -v0
	$(VENV)/bin/gunicorn -c python:scarclinic.ops.gunicorn_conf --bind 0.0.0.0:$(PORT) \
	  scarclinic.config.wsgi:application

# The background task worker (reminders, exports): TASKS_BACKEND=database; heartbeat for
# /readyz, SIGTERM lets the running task finish (scarclinic/ops/worker.py).
worker: $(STAMP)
	TASKS_BACKEND=database $(PY) manage.py run_worker

chromium:
	@test -x $(CHROMIUM) || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests bench conftest.py manage.py
	$(VENV)/bin/ruff format --check src tests bench conftest.py manage.py

typecheck: $(STAMP)
	$(VENV)/bin/mypy

migrations-check: $(STAMP) var
	$(PY) manage.py makemigrations --check --dry-run

test-sqlite: $(STAMP) var messages
	DATABASE_URL=sqlite:///var/test.sqlite3 $(VENV)/bin/pytest -m "not e2e" -n 2 -q

# The clinical core's tests touch no database (clinical/ imports no Django): they run once,
# in the SQLite run, not again here.
test-postgres: $(STAMP) messages
	DATABASE_URL=$(PG_URL) $(VENV)/bin/pytest -m "not e2e" -n 2 -q --ignore=src/scarclinic/clinical

test-e2e: $(STAMP) chromium var messages
	DATABASE_URL=sqlite:///var/e2e.sqlite3 SQLITE_TEST_FILE=var/test-e2e.sqlite3 CHROMIUM=$(CHROMIUM) $(VENV)/bin/pytest -m e2e -q -p no:xdist

test: lint typecheck migrations-check test-sqlite test-postgres test-e2e

# Benchmarks at clinic-network scale (docs/performance.md): PostgreSQL at 127.0.0.1:5432 by
# default (BENCH_ARGS=--db sqlite for SQLite); the data is built once per size and kept.
BENCH_STAMP := $(VENV)/.bench-installed
$(BENCH_STAMP): $(STAMP)
	$(PY) -m pip install --quiet -e '.[dev,bench]'
	touch $(BENCH_STAMP)

bench: $(BENCH_STAMP) var
	$(PY) -m bench $(BENCH_ARGS)

bench-quick: $(BENCH_STAMP) var
	$(PY) -m bench --quick $(BENCH_ARGS)

clean:
	rm -rf $(VENV) var
