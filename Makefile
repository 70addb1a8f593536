# Set-up is automatic: every target below builds .venv first with a Python >= 3.12 found on this machine.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
# A Python >= 3.12: the first of python3.13, python3.12, python3, python on PATH that is new enough,
# else one under pyenv's versions folder or /usr/local/bin. Override with `make PYTHON=/path/to/python3.12`.
PYTHON ?= $(shell \
  ok() { "$$1" -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1; }; \
  for p in python3.13 python3.12 python3 python; do \
    if ok "$$p"; then command -v "$$p"; exit 0; fi; \
  done; \
  for p in "$${PYENV_ROOT:-$$HOME/.pyenv}"/versions/3.1[2-9]*/bin/python3 /usr/local/bin/python3.1[2-9] /usr/bin/python3.1[2-9]; do \
    if ok "$$p"; then echo "$$p"; exit 0; fi; \
  done)

.PHONY: demo test lint format bench baseline docs clean

$(BIN)/.installed: pyproject.toml
	@if [ -z "$(PYTHON)" ]; then echo "make: no Python >= 3.12 found; install one or run make PYTHON=/path/to/python3.12" >&2; exit 2; fi
	@echo "Using $(PYTHON) ($$($(PYTHON) --version))"
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@

demo: $(BIN)/.installed
	$(BIN)/tpn compare tpn_2021 dyad no_twinning --out results/demo --force

test: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest

lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(BIN)/.installed
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: $(BIN)/.installed
	$(BIN)/tpn bench

baseline: $(BIN)/.installed
	$(BIN)/python -m tests.baseline --update

docs: $(BIN)/.installed
	$(BIN)/python -m sim.paramdoc

clean:
	rm -rf $(VENV) results .pytest_cache
