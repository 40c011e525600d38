# Two commands: `make run` (set up from nothing, serve with demo data) and `make test`.
# Both install from the locks (requirements*.txt: every version pinned, with hashes); `make lock`
# remakes the locks from the *.in files after a requirement changes.
# the first Python 3.11+ on the PATH
PYTHON ?= $(shell for p in python3.13 python3.12 python3.11 python3; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null \
	&& echo $$p && break; done)
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 5000

.PHONY: run test lint bench lock clean
INSTALL := $(BIN)/pip install --quiet --require-hashes
COMPILE := $(BIN)/pip-compile --quiet --generate-hashes --strip-extras --no-emit-index-url --no-emit-find-links

run: $(VENV)/.run-deps  ## set up from nothing, migrate, load the demo (embedded mode only), serve on 127.0.0.1:$(PORT)
	$(BIN)/flask --app wsgi db upgrade
	$(BIN)/flask --app wsgi seed-demo --if-embedded-and-empty
	PORT=$(PORT) scripts/serve

$(BIN)/python:
	@test -n "$(PYTHON)" || { echo "Python 3.11 or newer is needed (none found on the PATH)"; exit 1; }
	$(PYTHON) -m venv $(VENV)

$(VENV)/.run-deps: requirements.txt | $(BIN)/python
	$(INSTALL) -r requirements.txt
	touch $@

# tests/bench runs the benchmark, so the tests need its extras too (requirements-bench.txt)
$(VENV)/.dev-deps: requirements.txt requirements-dev.txt requirements-bench.txt | $(BIN)/python
	$(INSTALL) -r requirements.txt -r requirements-dev.txt -r requirements-bench.txt
	touch $@ $(VENV)/.run-deps $(VENV)/.bench-deps

$(VENV)/.bench-deps: requirements.txt requirements-bench.txt | $(BIN)/python
	$(INSTALL) -r requirements.txt -r requirements-bench.txt
	touch $@ $(VENV)/.run-deps

# axe-core for the accessibility tests, pinned by tests/web/a11y/package-lock.json (npm ci: exactly the lock)
A11Y := tests/web/a11y
$(A11Y)/node_modules/.package-lock.json: $(A11Y)/package.json $(A11Y)/package-lock.json
	cd $(A11Y) && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error

test: $(VENV)/.dev-deps $(A11Y)/node_modules/.package-lock.json  ## lint, then the whole suite (PostgreSQL/Redis parts need TEST_DATABASE_URL/REDIS_URL)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.dev-deps
	$(BIN)/ruff check .
	$(BIN)/ruff format --check market tests bench

bench: $(VENV)/.bench-deps  ## the matching benchmark (figures in bench/README.md)
	$(BIN)/python bench/matching.py

lock: | $(BIN)/python  ## remake the locks from requirements*.in (run-time first: the others are held to it)
	$(BIN)/pip install --quiet pip-tools==7.6.2
	$(COMPILE) -o requirements.txt requirements.in
	$(COMPILE) -o requirements-dev.txt requirements-dev.in
	$(COMPILE) -o requirements-bench.txt requirements-bench.in

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis $(A11Y)/node_modules
