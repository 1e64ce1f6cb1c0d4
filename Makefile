# Two commands: `make run` (the app with demo data) and `make test` (lint + every test).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PG_URL ?= postgres://postgres@127.0.0.1:5432/canopy
# Where `make run` serves: `make run PORT=8010` when 8000 is taken.
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run test test-sqlite test-postgres test-browser browser-deps lint bench-sandbox bench bench-sqlite probe-security clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e ".[test]"
	touch $(STAMP)

install: $(STAMP)

# The port is checked first; every database is migrated (on SQLite the sandbox POS has its own); the demo
# cards are pointed at the address served; serve stops the web server and the task cluster together.
run: install
	@$(BIN)/python manage.py serve --check-port $(HOST):$(PORT)
	$(BIN)/python manage.py migrate_all --noinput
	$(BIN)/python manage.py load_demo --base-url http://$(HOST):$(PORT)
	exec $(BIN)/python manage.py serve $(HOST):$(PORT)

lint: install
	$(BIN)/ruff check .

test-sqlite: install
	$(BIN)/pytest -m "not browser"

# PostgreSQL is optional on a laptop; CI always has one on 127.0.0.1:5432.
test-postgres: install
	@if $(BIN)/python -c "import socket; socket.create_connection(('127.0.0.1', 5432), 2)" 2>/dev/null; then \
		echo "== PostgreSQL run =="; DATABASE_URL=$(PG_URL) $(BIN)/pytest -m "not browser"; \
	else \
		echo "PostgreSQL does not answer on 127.0.0.1:5432: skipping the PostgreSQL run."; \
	fi

# Debian's Chromium; Playwright's own browser download does not work here.
browser-deps:
	@if [ ! -x /usr/bin/chromium ]; then \
		if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null; then \
			(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
				|| echo "Could not install chromium with apt-get."; \
		else \
			echo "Chromium is missing: run 'sudo apt-get install chromium' to enable the browser tests."; \
		fi; \
	fi

test-browser: install browser-deps
	$(BIN)/pytest -m browser

test: lint test-sqlite test-postgres test-browser

# Benchmarks print their figures and write them to docs/PERFORMANCE.md; not part of `make test`.
bench-sandbox: install
	$(BIN)/python tests/benchmarks/bench_sandbox.py
	@if $(BIN)/python -c "import socket; socket.create_connection(('127.0.0.1', 5432), 2)" 2>/dev/null; then \
		DATABASE_URL=$(PG_URL) $(BIN)/python tests/benchmarks/bench_sandbox.py; fi

# Inventory sync of a 100,000-product Dutchie location (fetch -> map -> ingest); PostgreSQL only.
bench: install
	@if [ -n "$(filter postgres%,$(DATABASE_URL))" ]; then $(BIN)/python tests/benchmarks/bench_sync.py; \
	elif $(BIN)/python -c "import socket; socket.create_connection(('127.0.0.1', 5432), 2)" 2>/dev/null; then \
		DATABASE_URL=$(PG_URL) $(BIN)/python tests/benchmarks/bench_sync.py; \
	else echo "bench: PostgreSQL does not answer on 127.0.0.1:5432: skipped."; fi

# Attacks the demo app over HTTP (tenancy, secrets, SSRF, roles, bad input, throttling, production mode, POS
# faults) on a scratch SQLite database; table in docs/SECURITY.md. Not part of `make test`.
probe-security: install
	$(BIN)/python tests/benchmarks/probe_security.py

# SQLite, the embedded default: a 100,000-product first sync and unchanged resync with a real task
# cluster, while a reader measures admin pages (p95) before and during the sync.
bench-sqlite: install
	env -u DATABASE_URL $(BIN)/python tests/benchmarks/bench_sqlite.py

clean:
	rm -rf $(VENV) .test-db .pytest_cache .ruff_cache
