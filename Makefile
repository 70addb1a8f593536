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

.PHONY: demo test browser figures lint format bench baseline docs clean

$(BIN)/.installed: pyproject.toml
	@if [ -z "$(PYTHON)" ]; then echo "make: no Python >= 3.12 found; install one or run make PYTHON=/path/to/python3.12" >&2; exit 2; fi
	@echo "Using $(PYTHON) ($$($(PYTHON) --version))"
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@

demo: $(BIN)/.installed
	@$(BIN)/python -m analysis.dashboard_assets >/dev/null \
	  || echo "make: Solara's browser files could not be installed: the dashboard needs internet" >&2
	$(BIN)/tpn compare tpn_2021 dyad no_twinning --out results/demo --force

test: $(BIN)/.installed browser
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest

# tests/test_browser.py drives `tpn dashboard` in Debian's Chromium (Playwright's own browser
# download cannot work here): installed with apt-get when missing, if we are root and have it;
# otherwise the test is skipped locally (CI=true makes it fail). Then Solara's browser files,
# from the npm registry, so that the dashboard works without reaching Solara's CDN.
CHROMIUM := /usr/bin/chromium
browser: $(BIN)/.installed
	@if [ -x $(CHROMIUM) ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "Installing Debian's chromium for the browser test"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) \
	    || echo "make: apt-get could not install chromium: tests/test_browser.py will be skipped (failed under CI)" >&2; \
	else \
	  echo "make: $(CHROMIUM) is missing and only root with apt-get can install it here (sudo apt-get install chromium): tests/test_browser.py will be skipped" >&2; \
	fi
	@$(BIN)/python -m analysis.dashboard_assets >/dev/null \
	  || echo "make: Solara's browser files could not be installed: the dashboard needs internet" >&2

# The README's figures from the commands it shows, and the dashboard's screenshot from its
# browser test, so that they never go stale (analysis/readme_figures.py).
figures: $(BIN)/.installed browser
	$(BIN)/python -m analysis.readme_figures
	TPN_UPDATE_DOCS=1 $(BIN)/python -m pytest tests/test_browser.py -q -k test_dashboard_in_chromium

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
	$(BIN)/python -m analysis.paramdoc

clean:
	rm -rf $(VENV) results .pytest_cache
