# Everything runs in .venv, made from the machine's python3: a fresh clone needs nothing else.
#   make demo   plan and apply the tutorial example against a local IAM emulator
#   make test   the test suite
#   make test-fast  the tests that need no emulator server and start no process (about a minute)
#   make lint   ruff and mypy
#   make docs   the documentation site, built strictly into site/ (a warning or broken link fails)
#   make mutate mutation testing of the pure core (about 15 minutes)
#   make lock   re-resolve the pinned versions in constraints.txt (a deliberate upgrade)
#   make release-check  build the sdist and wheel, try the wheel in a fresh venv (demo included)

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Reinstall only when the dependencies may have changed.
INSTALLED := $(VENV)/.installed
# Every install is held to the versions CI tested (constraints.txt); `make lock` moves them.
PIP_INSTALL := $(BIN)/python -m pip install --quiet -c constraints.txt

.DEFAULT_GOAL := help
.PHONY: help venv install demo test test-fast lint docs bench mutate lock release-check

help:
	@echo "make demo   plan and apply examples/tutorial/account.yaml against a local IAM emulator"
	@echo "make test   run the test suite"
	@echo "make test-fast  the tests that need no emulator server and start no process"
	@echo "make lint   ruff check and mypy"
	@echo "make docs   build the documentation site into site/ (strict: any warning fails)"
	@echo "make mutate mutation testing of the pure core, score per module (about 15 minutes)"
	@echo "make venv   create .venv and install iamctl with its test, lint and docs tools"
	@echo "make lock   re-resolve constraints.txt to the newest versions (then run make test)"
	@echo "make release-check  build dist/ and run the wheel alone in a fresh venv (the demo too)"

venv install: $(INSTALLED)

$(INSTALLED): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(PIP_INSTALL) -e '.[test,lint,docs]'
	touch $@

demo: $(INSTALLED)
	$(BIN)/python scripts/demo.py

test: $(INSTALLED)
	$(BIN)/python -m pytest -n auto tests/

# The tiers are pytest markers (pyproject.toml; tests/tiers.py sets them).
test-fast: $(INSTALLED)
	$(BIN)/python -m pytest -n auto -m "not emulator and not process and not slow" tests/

lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/mypy reconciler/ tests/
	$(BIN)/lint-imports

# tests/project/test_docs.py runs the same build, so `make test` (and CI) fails on a broken link.
# NO_MKDOCS_2_WARNING: Material's notice of its end of life (May 2027) on every build, which
# is not about this site.
docs: $(INSTALLED)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --site-dir site

# What the release workflow runs before it publishes dist/ (scripts/release_check.py).
release-check: $(INSTALLED)
	$(BIN)/python scripts/release_check.py

bench: $(INSTALLED)
	$(BIN)/python bench/run.py

# Not part of `make test`'s install: mutmut comes with the `mutate` extra.
mutate: $(VENV)/.installed-mutate
	$(BIN)/python scripts/mutate.py

$(VENV)/.installed-mutate: $(INSTALLED)
	$(PIP_INSTALL) -e '.[test,lint,docs,mutate]'
	touch $@

# Resolve every extra afresh in a scratch environment and pin what it got. Commit the new
# constraints.txt on its own, after make test and make lint pass with it.
lock:
	rm -rf $(VENV)-lock
	$(PYTHON) -m venv $(VENV)-lock
	$(VENV)-lock/bin/python -m pip install --quiet '.[test,lint,docs,mutate]'
	{ echo "# The versions make test, make lint and CI install (make lock rewrites this file)."; \
	  $(VENV)-lock/bin/python -m pip freeze --exclude iamctl; } > constraints.txt
	rm -rf $(VENV)-lock
