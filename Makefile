# The two commands a newcomer runs: `make serve` and `make test`. Each sets up what it needs.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
HOST   ?= 127.0.0.1
PORT   ?= 5000

.PHONY: serve test build lint deps system-deps clean

serve: build
	$(BIN)/plangraph serve --host $(HOST) --port $(PORT)

test: deps
	@bash scripts/install-system-deps.sh test
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy
	$(BIN)/pytest

build: deps
	$(BIN)/plangraph build

lint: deps
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy

deps: system-deps $(STAMP)

# Debian packages (the German Hunspell dictionary and Enchant): installed only when missing.
system-deps:
	@bash scripts/install-system-deps.sh

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache build dist src/*.egg-info
