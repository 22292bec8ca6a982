# Set-up and checks. `make demo` and `make test` do everything on a fresh machine.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install demo test lint typecheck pytest browser test-postgres bench bench-quick bench-curtois clean

install: $(STAMP)

# Re-installs only when pyproject.toml or this file change: running it twice is a no-op.
$(STAMP): pyproject.toml Makefile
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --config-settings editable_mode=compat -e '.[test]'
	touch $(STAMP)

demo: install
	$(BIN)/callcenter demo

lint: install
	$(BIN)/ruff check .

typecheck: install
	$(BIN)/mypy

# PYTEST_ARGS passes options on, e.g. PYTEST_ARGS=--database-tests-only (CI's PostgreSQL pass).
pytest: install browser
	$(BIN)/pytest $(PYTEST_ARGS)

# The browser test drives Debian's Chromium; install it when missing and we may (root + apt).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "note: install Chromium (apt-get install chromium) for the browser test"; fi; }

test: lint typecheck pytest

# The suite against PostgreSQL (needs a server; see README "Testing on PostgreSQL").
PG_TEST_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
test-postgres: install
	CALLCENTER_TEST_DATABASE_URL=$(PG_TEST_URL) $(MAKE) test

bench: install
	$(BIN)/python -m pip install --quiet --config-settings editable_mode=compat -e '.[bench]'
	$(BIN)/python -m benchmarks

# The roster benchmark with short limits (about 4 minutes), for development.
bench-quick: install
	BENCH_QUICK=1 $(BIN)/python -m benchmarks.bench_roster

# Curtois & Qu instances at 60 s and 600 s each, engine beside the one-model anchor (hours).
bench-curtois: install
	$(BIN)/python -m benchmarks.bench_curtois --limits 60,600 --workers 2

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache .mypy_cache .ruff_cache out callcenter.db*
