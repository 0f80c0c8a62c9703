# Two commands do all set-up on a fresh machine with only Python and make:
#   make run   — create .venv if missing, install uprising, run the main job
#   make test  — same bootstrap, then the whole test suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# `make run` needs only the package; `make test` adds the test tools (mesa, playwright, nbclient...).
RUN_STAMP := $(VENV)/.installed-run
# The main job: the Gas War scenario (`make run MAIN=epstein-1` runs Epstein's Run 2 instead).
MAIN   ?= bolivia-2003

.PHONY: run test install browser docs clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Reinstalled whenever pyproject.toml changes.
$(RUN_STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e .
	touch $(RUN_STAMP)

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP) $(RUN_STAMP)

install: $(STAMP)

# Debian's chromium for the report's browser tests (Playwright drives it; no browser download).
# Never fails the build: without root, apt-get or a network it warns and the tests skip.
browser:
	@if command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1; then \
	  :; \
	elif [ "$$(id -u)" != "0" ]; then \
	  echo "warning: chromium is not installed and installing it needs root; browser tests will be skipped" >&2; \
	elif ! command -v apt-get >/dev/null 2>&1; then \
	  echo "warning: chromium is not installed and there is no apt-get; browser tests will be skipped" >&2; \
	elif ! ( timeout 300 apt-get update -qq >/dev/null 2>&1 && \
	         DEBIAN_FRONTEND=noninteractive timeout 900 apt-get install -y -qq --no-install-recommends chromium >/dev/null 2>&1 ); then \
	  echo "warning: could not install chromium (offline?); browser tests will be skipped" >&2; \
	fi

run: $(RUN_STAMP)
	$(BIN)/uprising run $(MAIN) --out results/$(MAIN)

test: $(STAMP) browser
	$(BIN)/python -m pytest -n 2 -q

# Regenerate docs/scenarios.md from the schema (a test fails when it is stale).
docs: $(STAMP)
	$(BIN)/uprising show --doc > docs/scenarios.md

clean:
	rm -rf $(VENV) results .pytest_cache
