# The two commands a fresh machine needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
CONFIG ?= config/sample.toml
STAMP := $(VENV)/.installed

.PHONY: run test lint bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip setuptools wheel
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

# Imports the sample data on the first start only, starts the lab router the sample config
# names (lab-1) and NAS simulators for its two NAS, then runs the daemon in the foreground.
# Ctrl-C stops both: the daemon takes the SIGINT itself; the lab, a background job, ignores
# it, so the traps stop it.
run: $(STAMP)
	test -e var/provisiond.db || $(BIN)/provisiond import -c $(CONFIG) config/example-data.json
	$(BIN)/provisiond lab -c $(CONFIG) --nas lab-1 --nas nas-2 & lab=$$!; \
	trap 'kill $$lab 2>/dev/null; wait $$lab' EXIT INT TERM; \
	$(BIN)/provisiond run -c $(CONFIG)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

test: lint
	$(BIN)/pytest

bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) var .mypy_cache .pytest_cache .ruff_cache .hypothesis
