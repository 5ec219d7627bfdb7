# The two commands of the README: `make run` and `make test`. Everything they need is set up here.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
export STATION_DATA_DIR ?= $(CURDIR)/data

.PHONY: run test test-unit test-e2e lint format bench venv browsers clean

venv: $(STAMP)

$(STAMP): requirements.txt requirements-dev.txt
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11 is required ($(PYTHON) not found)"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $(STAMP)

## run: set up and start the station with the simulator (and a demo central system unless one is configured)
run: venv
	$(PY) manage.py migrate --noinput -v0
	$(PY) manage.py ensure_admin
	$(PY) manage.py runstation --demo-csms-if-unconfigured $(RUN_ARGS)

## browsers: Debian's Chromium for the browser tests (Playwright cannot download its own here)
browsers:
	@command -v chromium >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; fi; }

## test: everything the suite needs, then the whole suite (unit, interop, station, browser)
test: venv browsers
	$(MAKE) --no-print-directory lint
	$(MAKE) --no-print-directory test-unit
	$(MAKE) --no-print-directory test-e2e

test-unit: venv
	$(PY) -m pytest -p no:playwright -n 2 --dist loadgroup --ignore=tests/e2e \
	  --cov=ocpp_core --cov-branch --cov-report=term --cov-fail-under=95 $(PYTEST_ARGS)

# Browser tests need their own pytest process (../shared/STACK.md §5, gotcha 1); exit 5 = none yet.
test-e2e: venv
	@if [ ! -d tests/e2e ]; then echo "no browser tests yet (tests/e2e)"; exit 0; fi; \
	$(PY) -m pytest tests/e2e $(PYTEST_ARGS); rc=$$?; if [ $$rc -eq 5 ]; then echo "no browser tests collected"; exit 0; fi; exit $$rc

lint: venv
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy .

format: venv
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

bench: venv
	$(PY) -m bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .coverage
