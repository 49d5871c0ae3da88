# Two commands set everything up: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Notebooks run small (few replications, a quarter of the market) under `make test`;
# `make notebooks` runs them at full size.
NOTEBOOK_SMALL := CASHLESS_NOTEBOOK_REPLICATIONS=2 CASHLESS_NOTEBOOK_SCALE=0.25
export MPLBACKEND ?= Agg

.PHONY: demo test lint bench notebooks clean

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

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test: lint
	$(NOTEBOOK_SMALL) $(BIN)/python -m pytest tests src README.md --nbmake notebooks

notebooks: $(VENV)/.installed-test
	$(BIN)/python -m pytest --nbmake notebooks

bench: $(VENV)/.installed-test
	for b in benchmarks/bench_*.py; do $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) build dist .pytest_cache .ruff_cache .mypy_cache src/*.egg-info out
