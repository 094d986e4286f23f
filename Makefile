# Everything runs in .venv, made from the machine's python3: a fresh clone needs nothing else.
#   make demo   plan and apply the tutorial example against a local IAM emulator
#   make test   the test suite
#   make lint   ruff and mypy
#   make mutate mutation testing of the pure core (about 15 minutes)

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Reinstall only when the dependencies may have changed.
INSTALLED := $(VENV)/.installed

.DEFAULT_GOAL := help
.PHONY: help venv install demo test lint bench mutate

help:
	@echo "make demo   plan and apply examples/tutorial/account.yaml against a local IAM emulator"
	@echo "make test   run the test suite"
	@echo "make lint   ruff check and mypy"
	@echo "make mutate mutation testing of the pure core, score per module (about 15 minutes)"
	@echo "make venv   create .venv and install iamctl with its test and lint tools"

venv install: $(INSTALLED)

$(INSTALLED): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -e '.[test,lint]'
	touch $@

demo: $(INSTALLED)
	$(BIN)/python scripts/demo.py

test: $(INSTALLED)
	$(BIN)/python -m pytest -n auto tests/

lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/mypy reconciler/
	$(BIN)/lint-imports

bench: $(INSTALLED)
	$(BIN)/python bench/run.py

# Not part of `make test`'s install: mutmut comes with the `mutate` extra.
mutate: $(VENV)/.installed-mutate
	$(BIN)/python scripts/mutate.py

$(VENV)/.installed-mutate: $(INSTALLED)
	$(BIN)/python -m pip install --quiet -e '.[test,lint,mutate]'
	touch $@
