# The two commands a new user needs: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: demo test lint clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)  ## set up, play the five seed cases on the embedded SQLite store, then serve
	$(BIN)/chuishao demo
	$(BIN)/chuishao serve

# Tests run in two processes (pytest-xdist), a test file per worker at a time: every test
# has a database schema and a directory of its own, so they do not see each other.
TEST_WORKERS ?= 2

test: $(STAMP) lint  ## set up, then run every test (PostgreSQL tests need a server on 127.0.0.1:5432)
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy --strict domain application infrastructure interfaces projections

clean:
	rm -rf $(VENV) data
