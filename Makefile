# Two commands: `make run` sets up and runs the app, `make test` sets up and runs the tests.
# Both build one virtual environment in .venv from pyproject.toml (re-installed when it or
# this file changes).
PYTHON ?= python3
VENV ?= .venv
STAMP := $(VENV)/.installed

.PHONY: run test demo screenshots bench lint

$(STAMP): pyproject.toml Makefile
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e '.[test]' --config-settings editable_mode=compat
	touch $(STAMP)

run: $(STAMP)
	$(VENV)/bin/debugtui $(ARGS)

demo: $(STAMP)
	$(VENV)/bin/debugtui demo

test: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/pytest $(PYTEST_ARGS)

screenshots: $(STAMP)
	$(VENV)/bin/python -m debugtui.tui.screenshots screenshots

bench: $(STAMP)
	$(VENV)/bin/python -m bench $(ARGS)
