# Sozialraum: `make run` serves the application, `make test` runs the whole suite.
# Both work from a fresh clone: they create .venv and use the embedded PostgreSQL under var/
# unless DATABASE_URL is set.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
MANAGE := $(PY) manage.py
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test bench backup restore lint format messages install install-dev clean

$(VENV)/bin/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' || { echo "Python 3.11 is needed; set PYTHON=/path/to/python3.11"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.runtime: requirements.txt | $(VENV)/bin/python
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(VENV)/bin/python
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.runtime

install: $(VENV)/.runtime
install-dev: $(VENV)/.dev

# One run per folder (a second one stops with a message); the web server and the background
# worker run side by side and Ctrl+C or SIGTERM stops both and the embedded PostgreSQL
# (sozialraum/management/commands/serve.py).
run: export DJANGO_DEBUG = true
run: $(VENV)/.runtime
	$(MANAGE) serve --setup $(HOST):$(PORT)

# The suite runs in one process per core (pytest-xdist; at most 4, each with its own test
# database): 18 minutes on 2 cores instead of 40. TEST_PROCESSES=0 runs it in this process.
TEST_PROCESSES ?= auto
test: $(VENV)/.dev
	$(VENV)/bin/pytest -n $(TEST_PROCESSES) --maxprocesses 4 $(PYTEST_ARGS)

# Measure the dashboard and activity list with BENCH_COUNT activities (default 1,000,000) in a
# database of their own (embedded: "sozialraum_bench"; or point DATABASE_URL at a spare one).
BENCH_COUNT ?= 1000000
bench: export DJANGO_DB_NAME = sozialraum_bench
bench: export DJANGO_SECRET_KEY = bench-only-not-secret
bench: export DJANGO_HTTPS = false
bench: export DJANGO_PLAIN_STATIC = true
bench: export DJANGO_ALLOWED_HOSTS = testserver
# The benchmark signs in as its users directly (no second factor to type).
bench: export DJANGO_2FA_REQUIRED_ROLES =
bench: $(VENV)/.runtime
	$(MANAGE) migrate --noinput
	$(MANAGE) load_district
	$(MANAGE) load_demo --force
	@have=$$($(MANAGE) shell -c "from teams.models import Activity; print(Activity.objects.count())" | tail -1); \
	if [ $$have -lt $(BENCH_COUNT) ]; then $(MANAGE) generate_activities --count $$(($(BENCH_COUNT) - $$have)) --seed 1; fi
	$(MANAGE) bench

# Back up the whole database into var/backups/ (it holds personal data: store it encrypted), and
# restore one: make restore FILE=var/backups/sozialraum-YYYYMMDD-HHMMSS.dump. Without a
# DJANGO_SECRET_KEY (a development machine) they run in development mode, like "make run".
backup restore: export DJANGO_DEBUG ?= $(if $(DJANGO_SECRET_KEY),false,true)
backup: $(VENV)/.runtime
	$(MANAGE) backup_db

# Checked when the Makefile is read, so that "make restore" without FILE fails before anything
# is installed or run (also with "make -n").
ifneq ($(filter restore,$(MAKECMDGOALS)),)
ifeq ($(strip $(FILE)),)
$(error Usage: make restore FILE=var/backups/sozialraum-YYYYMMDD-HHMMSS.dump)
endif
endif
restore: $(VENV)/.runtime
	$(MANAGE) restore_db "$(FILE)"

lint: $(VENV)/.dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(VENV)/.dev
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# Update the German catalogue after changing texts, then translate and compile it.
messages: export DJANGO_DEBUG = true
messages: $(VENV)/.dev
	$(MANAGE) makemessages -l de --no-obsolete --ignore=.venv --ignore=var --ignore=tests --ignore=staticfiles
	$(MANAGE) compilemessages --ignore=.venv

clean:
	rm -rf $(VENV) staticfiles
