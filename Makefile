# Two entry points on a fresh machine: `make demo` and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python

$(PY):
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

.PHONY: install install-dev demo test test-fast lint
install: $(PY)
	$(PY) -m pip install --quiet -e .

install-dev: $(PY)
	$(PY) -m pip install --quiet -e '.[dev]'

demo: install
	$(VENV)/bin/lira demo

test: install-dev
	$(VENV)/bin/ruff check src tests scripts benchmarks
	$(VENV)/bin/mypy src
	$(PY) -m pytest

# the unit tests only: no test marked slow (training, the quick benchmark, the demo) or data (../shared/data)
test-fast: install-dev
	$(PY) -m pytest -m "not slow and not data"

lint: install-dev
	$(VENV)/bin/ruff check src tests scripts benchmarks
	$(VENV)/bin/mypy src
