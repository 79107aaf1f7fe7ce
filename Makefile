# The two commands: `make demo` and `make test`. Both bootstrap .venv from the machine's python3.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint unit clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/alliance demo

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy smart_launch plugin/alliance
	$(BIN)/lint-imports

# axe-core for the browser tests, when npm is there (without it those tests skip, or fail in CI).
tests/browser/node_modules: tests/browser/package-lock.json
	if command -v npm >/dev/null 2>&1; then npm ci --prefix tests/browser --no-audit --no-fund \
	  && touch $@; fi

test: lint tests/browser/node_modules
	$(BIN)/pytest

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
