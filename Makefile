# Tanvi Social — the two commands: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PYTEST_ARGS ?=
# Test processes (pytest-xdist; each has its own database and Redis database, see tests/conftest.py).
TEST_WORKERS ?= 2
XDIST := -n $(TEST_WORKERS) --dist loadfile
CI ?=
PG_TEST_URL ?= postgresql://postgres@127.0.0.1:5432/test

.PHONY: install run test test-sqlite test-postgres lint fmt typecheck bench migrate seed lock clean

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -c constraints.txt -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

migrate: install
	$(BIN)/tanvi-social migrate

seed: migrate
	$(BIN)/tanvi-social seed-demo

run: seed
	$(BIN)/tanvi-social serve --host 127.0.0.1 --port 5000

# The whole suite on SQLite (with branch coverage); again on PostgreSQL when CI=true or
# TANVI_TEST_DATABASE_URL is set: without coverage tracing (it slows every test by about a third and
# the SQLite pass alone covers 91 %) and without the tests that never touch the database.
test: install
	$(BIN)/python scripts/ensure_test_deps.py
	rm -f .coverage .coverage.*
	$(BIN)/coverage erase
	env -u TANVI_TEST_DATABASE_URL COVERAGE_FILE=.coverage.sqlite $(BIN)/pytest $(XDIST) --cov=tanvi_social --cov-branch --cov-report= $(PYTEST_ARGS)
	@if [ "$(CI)" = "true" ] || [ -n "$$TANVI_TEST_DATABASE_URL" ]; then \
	  echo "== PostgreSQL pass =="; \
	  TANVI_TEST_DATABASE_URL=$${TANVI_TEST_DATABASE_URL:-$(PG_TEST_URL)} \
	    $(BIN)/pytest $(XDIST) -m "not sqlite_only" --ignore=tests/web \
	      --ignore=tests/media/test_hostile_uploads.py $(PYTEST_ARGS) || exit 1; \
	fi
	$(BIN)/coverage combine -q .coverage.*
	$(BIN)/coverage report --fail-under=85 | tail -n 3

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/lint-imports
	$(BIN)/mypy

fmt: install
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

bench: install
	$(BIN)/python -m bench.run

lock:
	$(BIN)/python -m pip freeze --exclude-editable | grep -v '^tanvi-social' > constraints.txt

clean:
	rm -rf $(VENV) var .coverage* .pytest_cache .mypy_cache .ruff_cache
