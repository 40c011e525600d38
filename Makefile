# Two commands: `make run` (set up from nothing, serve with demo data) and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 5000

.PHONY: run test lint bench clean

$(BIN)/python:
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11 or newer is needed"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.run-deps: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev-deps: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.run-deps

test: $(VENV)/.dev-deps  ## lint, then the whole suite (PostgreSQL/Redis parts need TEST_DATABASE_URL/REDIS_URL)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.dev-deps
	$(BIN)/ruff check .
	$(BIN)/ruff format --check market tests bench

bench: $(VENV)/.dev-deps  ## the matching benchmark (figures in bench/README.md)
	$(BIN)/python bench/matching.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
