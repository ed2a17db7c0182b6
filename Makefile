# make serve / make test create .venv and install the project on first use.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: serve test lint bench install clean

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "需要 $(PYTHON)（或用 make PYTHON=python3 …）"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

serve: $(STAMP)
	$(BIN)/triage serve --host $(or $(HOST),127.0.0.1) --port $(or $(PORT),8000)

lint: $(STAMP)
	$(BIN)/ruff check classifier triage api tests bench

test: $(STAMP) lint
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python bench/classify.py
	$(BIN)/python bench/accuracy.py
	$(BIN)/python bench/startup.py
	$(BIN)/python bench/matching.py
	$(BIN)/python bench/dedupe.py
	$(BIN)/python bench/intake.py
	$(BIN)/python bench/http.py

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
