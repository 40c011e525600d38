# Two commands: `make run` (set up from nothing, serve with demo data) and `make test`.
# the first Python 3.11+ on the PATH
PYTHON ?= $(shell for p in python3.13 python3.12 python3.11 python3; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null \
	&& echo $$p && break; done)
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 5000

.PHONY: run test lint bench clean

run: $(VENV)/.run-deps  ## set up from nothing, migrate, load the demo (embedded mode only), serve on 127.0.0.1:$(PORT)
	$(BIN)/flask --app wsgi db upgrade
	$(BIN)/flask --app wsgi seed-demo --if-embedded-and-empty
	PORT=$(PORT) scripts/serve

$(BIN)/python:
	@test -n "$(PYTHON)" || { echo "Python 3.11 or newer is needed (none found on the PATH)"; exit 1; }
	$(PYTHON) -m venv $(VENV)

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
