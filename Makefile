# Two commands for a newcomer: `make run` (set up and serve) and `make test` (set up and test).
# Settings from .env (see .env.example), if there is one, reach every command below.
-include .env
export
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8000
export PORT
# The test suite runs persistence and channel-layer tests against real servers (as CI does).
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/postgres
TEST_REDIS_URL ?= redis://127.0.0.1:6379/0

.PHONY: run test setup setup-dev lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: requirements.txt constraints.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt constraints.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $@ $(VENV)/.installed

setup: $(VENV)/.installed
	scripts/system-deps.sh run
	$(BIN)/python manage.py compilemessages --ignore '$(VENV)/*' -v 0
	$(BIN)/python scripts/fetch_models.py
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo

setup-dev: $(VENV)/.installed-dev
	scripts/system-deps.sh test
	$(BIN)/python manage.py compilemessages --ignore '$(VENV)/*' -v 0
	$(BIN)/python scripts/fetch_models.py

## run: set up, create a demo interview, print its invite link and serve on PORT (no API keys needed)
run: setup
	@$(BIN)/python manage.py create_interview --template backend-engineer-en --candidate "Demo Candidate"
	@echo "Korean demo: $(BIN)/python manage.py create_interview --template backend-engineer-ko --candidate 'Demo'"
	@echo "Japanese demo: $(BIN)/python manage.py create_interview --template backend-engineer-ja --candidate 'Demo'"
	$(BIN)/python -m interview_project.serve -b 0.0.0.0 -p $(PORT) interview_project.asgi:application

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy

## test: set up and run lint and the whole test suite (browser tests included)
test: setup-dev lint
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) $(BIN)/python -m pytest

bench: $(VENV)/.installed-dev
	$(BIN)/python bench/latency.py --turns 20

clean:
	rm -rf $(VENV) var
