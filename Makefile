# hazledger — `make help` lists the targets.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
HOST   ?= 127.0.0.1
PORT   ?= 5000
#: The server's live checks judge overspeed and deviation by the roads driven (docs/live-map-matching.md).
MAP_MATCH ?= true
CATALOGUES := app/translations
#: The functions whose literal arguments are text to translate (docs/translations.md).
KEYWORDS := -k t -k translate -k localize -k N_ -k Text -k L_:1c,2 -k error:2 -k problem:2 -k DomainError -k NotFound \
	-k Conflict -k ValidationFailed -k PermissionDenied -k Unauthenticated -k MalformedBody -k PreconditionFailed \
	-k CsrfFailed -k UnsupportedMediaType -k BodyTooLarge -k checked_by:2

.DEFAULT_GOAL := help
.PHONY: help install run test lint docs bench db-upgrade db-check revision clean translations screenshots

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

install: $(STAMP) ## Create the virtualenv and install the project with its dev extras

$(STAMP): setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e ".[dev]"
	$(BIN)/pybabel -q compile -d $(CATALOGUES)
	touch $(STAMP)

translations: install ## Extract the pages' and the API's text, update the catalogues (app/translations), compile them
	$(BIN)/pybabel -q extract -F babel.cfg $(KEYWORDS) --no-location --sort-output --omit-header \
		-o $(CATALOGUES)/messages.pot .
	$(BIN)/pybabel -q update -i $(CATALOGUES)/messages.pot -d $(CATALOGUES) --no-fuzzy-matching --ignore-obsolete
	$(BIN)/pybabel -q compile -d $(CATALOGUES)

run: install ## Migrate the embedded database, load the demo, serve on http://127.0.0.1:5000 (make run PORT=5077 HOST=0.0.0.0)
	$(BIN)/hazledger db upgrade
	$(BIN)/hazledger demo load
	HAZLEDGER_MONITOR_MAP_MATCH=$(MAP_MATCH) $(BIN)/hazledger serve --host $(HOST) --port $(PORT)

test: install ## Run the whole suite (SQLite and a throw-away PostgreSQL the harness starts)
	$(BIN)/python -m pytest -n 2

lint: install ## flake8 over the sources and tests; the docs site built strict (a broken page fails)
	$(BIN)/flake8 app models routing migrations tests bench
	$(BIN)/mkdocs build --strict --quiet

docs: install ## Build the documentation site (docs/, mkdocs.yml) into site/; open site/index.html
	$(BIN)/mkdocs build --strict

screenshots: install ## Write the role guides' screenshots (docs/guides/img) by the workflow browser tests
	HAZLEDGER_SCREENSHOTS=docs/guides/img $(BIN)/python -m pytest -q -p no:cacheprovider tests/web/test_workflow_browser.py

bench: install ## Run the benchmarks; each prints its figures
	@for b in bench/bench_*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

db-upgrade: install ## Migrate the database (HAZLEDGER_DATABASE_URL) to the latest schema
	$(BIN)/hazledger db upgrade

db-check: install ## Fail if the models and the migrations differ
	$(BIN)/hazledger db check

revision: install ## Draft an Alembic revision from model changes: make revision MSG="add permits" (review it!)
	@test -n "$(MSG)" || (echo 'usage: make revision MSG="what changed"'; exit 2)
	rm -f instance/revision.db
	$(BIN)/python -c "import sys; from alembic import command; from app.migrate import alembic_config, upgrade; \
	url = 'sqlite:///instance/revision.db'; upgrade(url); \
	command.revision(alembic_config(url), message=sys.argv[1], autogenerate=True)" "$(MSG)"
	rm -f instance/revision.db

clean: ## Remove the virtualenv, caches and the embedded database
	rm -rf $(VENV) instance site .pytest_cache *.egg-info
