# Two commands do all set-up on a fresh machine with only Python and make:
#   make run   — create .venv if missing, install uprising, run the main job
#   make test  — same bootstrap, then the whole test suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test install browser clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

install: $(STAMP)

# Debian's chromium for the report's browser tests (Playwright drives it; no browser download).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  (apt-get update -qq && apt-get install -y -qq chromium >/dev/null) \
	  || echo "warning: could not install chromium; browser tests will be skipped"; }

run: $(STAMP)
	$(BIN)/uprising run epstein-1 --out results/epstein-1

test: $(STAMP) browser
	$(BIN)/python -m pytest -n 2 -q

clean:
	rm -rf $(VENV) results .pytest_cache
