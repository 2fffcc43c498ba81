# The two commands of README.md: `make serve` runs the service on its embedded
# defaults; `make test` runs the whole test suite. Both set up .venv first.

VENV ?= .venv
PYTHON ?= python3
BIN = $(VENV)/bin
STAMP = $(VENV)/.installed-stamp

.PHONY: install serve test lint format clean

$(STAMP): setup.py operator/pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip "setuptools<82" wheel
	$(BIN)/pip install --quiet -e ".[test]" -e "./operator[test]"
	touch $(STAMP)

install: $(STAMP)

# One process on http://localhost:6543: the REST API and Socket.IO (/socket.io/) on one port
# (development.ini's realtime server runner: granian, ASGI; docs/realtime.md).
serve: $(STAMP)
	$(BIN)/novel-pyramid db upgrade --ini development.ini
	$(BIN)/pserve development.ini

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) novel_pyramid.sqlite* .pytest_cache
