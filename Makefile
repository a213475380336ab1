# Careers Hub Platform: `make demo` runs the demo, `make test` runs every check and test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export PATH := $(CURDIR)/$(BIN):$(PATH)

.PHONY: demo test install assets lint typecheck migrations-check scope-check pytest clean

install: $(VENV)/.installed node_modules/.installed assets

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

assets: node_modules/.installed
	npm run --silent build

demo: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_demo_data
	$(BIN)/python manage.py run_demo

lint:
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck:
	$(BIN)/mypy careershub tests conftest.py scripts bench

migrations-check:
	$(BIN)/python manage.py makemigrations --check --dry-run

scope-check:
	$(BIN)/python scripts/check_scoped_queries.py

# Two workers: the machines have two cores. PYTEST_ARGS="-n 0" runs in one process.
PYTEST_ARGS ?= -n 2
pytest:
	$(BIN)/pytest $(PYTEST_ARGS)

test: install lint typecheck migrations-check scope-check pytest

clean:
	rm -rf $(VENV) node_modules careershub/static/build staticfiles
