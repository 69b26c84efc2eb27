# The single entry point: `make serve` starts twostep on the embedded default, `make test` runs every test.
VENV   ?= .venv
PY     := $(VENV)/bin/python
DATA   ?= data/demo
HOST   ?= 127.0.0.1
PORT   ?= 8000
PYTEST_ARGS ?= -n auto

.PHONY: install serve test test-postgres lint format bench clean

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[test,dev]"
	touch $@

install: $(VENV)/.installed

serve: install
	$(VENV)/bin/twostep quickstart --data-dir $(DATA) --host $(HOST) --port $(PORT)

# The whole suite once per engine: SQLite (the embedded default), then PostgreSQL on 127.0.0.1:5432.
# Tests marked `postgres` need PostgreSQL itself (several servers on one database) and run in the second pass.
# The PostgreSQL pass runs even when the SQLite pass failed; the target fails at the end if either did.
test: install
	@sqlite=0; postgresql=0; \
	TWOSTEP_TEST_DATABASE=sqlite $(PY) -m pytest $(PYTEST_ARGS) -m "not postgres" || sqlite=$$?; \
	TWOSTEP_TEST_DATABASE=postgresql $(PY) -m pytest $(PYTEST_ARGS) || postgresql=$$?; \
	echo "make test: SQLite pass exit $$sqlite, PostgreSQL pass exit $$postgresql"; \
	test $$sqlite -eq 0 && test $$postgresql -eq 0

lint: install
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/ruff format --check src tests bench
	$(VENV)/bin/mypy

format: install
	$(VENV)/bin/ruff format src tests bench
	$(VENV)/bin/ruff check --fix src tests bench

bench: install
	$(PY) -m bench

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
