# Two commands set everything up: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Notebooks run small (few replications, a quarter of the market) under `make test`;
# `make notebooks` runs them at full size.
NOTEBOOK_SMALL := CASHLESS_NOTEBOOK_REPLICATIONS=2 CASHLESS_NOTEBOOK_SCALE=0.25
export MPLBACKEND ?= Agg
# The web page's browser tests drive Debian's Chromium through its chromedriver.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: demo test lint native bench notebooks clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed-demo: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[all]'
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[all,test]'
	touch $@ $(VENV)/.installed-demo

demo: $(VENV)/.installed-demo
	$(BIN)/python examples/demo.py

$(VENV)/.browser: | $(BIN)/python
	command -v chromium >/dev/null && command -v chromedriver >/dev/null || \
		($(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium chromium-driver)
	touch $@

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# The payload readers compiled by mypyc (optional: plain Python runs without them); the
# script does nothing when the build matches the sources. `make test` builds them and
# checks them against the plain readers.
native: $(VENV)/.installed-test
	command -v cc >/dev/null || ($(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq gcc)
	$(BIN)/python scripts/build_native.py

test: lint native $(VENV)/.browser
	$(NOTEBOOK_SMALL) CASHLESS_REQUIRE_NATIVE=1 $(BIN)/python -m pytest tests src README.md --nbmake notebooks

notebooks: $(VENV)/.installed-test
	$(BIN)/python -m pytest --nbmake notebooks

$(VENV)/.installed-bench: pyproject.toml $(VENV)/.installed-test
	$(BIN)/python -m pip install --quiet -e '.[all,test,bench]'
	touch $@

bench: $(VENV)/.installed-bench native
	for b in benchmarks/bench_*.py; do $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) build dist .pytest_cache .ruff_cache .mypy_cache src/*.egg-info out
	rm -f src/cashless/payload/*_native*.so
