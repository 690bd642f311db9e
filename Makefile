# Run `make help` to see the targets.
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
HOST ?= 127.0.0.1
PORT ?= 5000

.DEFAULT_GOAL := help

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-13s %s\n", $$1, $$2}'

$(BIN)/activate: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(BIN)/activate

venv: $(BIN)/activate ## Create .venv and install the pinned requirements

run: venv ## Migrate, seed demo data on a new database, serve on 127.0.0.1:5000
	$(FLASK) db upgrade
	$(FLASK) seed demo
	@echo "Serving on http://$(HOST):$(PORT)/  (Ctrl-C stops)"
	$(FLASK) run --host $(HOST) --port $(PORT)

test: venv ## Run the whole test suite (on PostgreSQL instead when TEST_DATABASE_URL is set)
	$(BIN)/pytest $(PYTEST_ARGS)

bench: venv ## Run every benchmark, print one table (PostgreSQL: DATABASE_URL; BENCH_LARGE=1)
	$(BIN)/python -m bench

chaos: venv ## Break things on purpose (kills, outages, full disk) and print the figures
	$(BIN)/pytest tests/reliability -m reliability -s

guard-report: venv ## Print the privacy guard's precision and recall by disguise and language
	$(BIN)/python -m tests.outbound.guard_eval

mutation: venv ## Mutation-test the guard, signing, workflow, routing (MODULES=... for some)
	$(BIN)/python -m tests.mutation $(MODULES)

lint: venv ## Check style with ruff
	$(BIN)/ruff check .
	$(BIN)/ruff format --check helpdesk tests bench wsgi.py migrations/env.py

fmt: venv ## Format the code with ruff
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format helpdesk tests bench wsgi.py migrations/env.py

.PHONY: help venv run test bench chaos guard-report mutation lint fmt
