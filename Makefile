# The two commands a new machine needs: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PORT ?= 8000
BIN := $(VENV)/bin
PY := $(BIN)/python
# Reinstall only when a requirements file changed.
STAMP := $(VENV)/.installed-$(shell cat requirements.txt | cksum | cut -d' ' -f1)
DEV_STAMP := $(VENV)/.installed-dev-$(shell cat requirements.txt requirements-dev.txt | cksum | cut -d' ' -f1)

.PHONY: run test lint check-migrations demo clean serve release worker backup restore bench bench-wagtail

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): requirements.txt | $(PY)
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(DEV_STAMP): requirements.txt requirements-dev.txt | $(PY)
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

# The demo: migrate, load the demo archive, make sure `editor` exists (its
# password is printed), then serve on http://127.0.0.1:$(PORT)/.
run: $(STAMP)
	DEBUG=1 $(PY) manage.py migrate --no-input
	DEBUG=1 $(PY) manage.py load_demo
	DEBUG=1 $(PY) manage.py ensure_editor
	@echo "Serving on http://127.0.0.1:$(PORT)/  (admin: http://127.0.0.1:$(PORT)/admin/)"
	DEBUG=1 $(PY) manage.py runserver 127.0.0.1:$(PORT)

demo: $(STAMP)
	DEBUG=1 $(PY) manage.py migrate --no-input
	DEBUG=1 $(PY) manage.py load_demo

# The suite, on SQLite and the local-memory cache unless DATABASE_URL /
# CACHE_URL say otherwise.
test: $(DEV_STAMP)
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(DEV_STAMP)
	$(BIN)/ruff check .

check-migrations: $(DEV_STAMP)
	DEBUG=1 $(PY) manage.py makemigrations --check --dry-run

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache

# --- Production (README "Production") -------------------------------------------
# `make serve`: the production server (granian, WSGI; see the README for why)
# with the environment's settings (DEBUG off: SECRET_KEY and ALLOWED_HOSTS are
# required). MIGRATE=0 on all but one app server; `make release` does the
# once-per-deploy steps alone.
HOST ?= 127.0.0.1
WORKERS ?= 2
# Threads per worker that run requests (granian's blocking threads; more
# requests wait for one). Each thread keeps its own database connection, so
# the server opens at most WORKERS x THREADS: left to granian, a fast burst
# (every page from the cache while Redis was down) grew past PostgreSQL's
# default of 100 ("too many clients", 503s in the CI faults leg).
THREADS ?= 32
MIGRATE ?= 1
serve: $(STAMP)
	@if [ "$(MIGRATE)" = 1 ]; then $(PY) manage.py migrate --no-input; fi
	$(PY) manage.py collectstatic --no-input -v0
	exec $(BIN)/granian --interface wsgi --host $(HOST) --port $(PORT) \
	  --workers $(WORKERS) --blocking-threads $(THREADS) \
	  --respawn-failed-workers --workers-kill-timeout 30 --no-ws cms.wsgi:application

release: $(STAMP)
	$(PY) manage.py migrate --no-input
	$(PY) manage.py collectstatic --no-input -v0
	$(PY) manage.py check --deploy --fail-level WARNING

# The background worker for TASK_BACKEND=database.
worker: $(STAMP)
	exec $(PY) manage.py run_worker

# Backups of the embedded defaults (SQLite + media folder) into var/backups/;
# `make restore BACKUP=var/backups/cms-….tar.gz` into an empty database.
backup: $(STAMP)
	$(PY) manage.py backup_site

restore: $(STAMP)
	@test -n "$(BACKUP)" || { echo "usage: make restore BACKUP=var/backups/cms-....tar.gz"; exit 2; }
	$(PY) manage.py restore_site "$(BACKUP)"

# `make bench [N=5000]`: a synthetic archive of N articles (built once, then
# reused), served by granian with 2 workers, measured with wrk (installed here
# if missing, else a Python load generator); writes bench/RESULTS.md and
# bench/results.json. SQLite by default; PostgreSQL/Redis with DATABASE_URL /
# CACHE_URL. 100 000+: `make bench N=100000` (see README "Benchmarks").
N ?= 5000
bench: $(STAMP)
	@command -v wrk >/dev/null || (apt-get install -y -q wrk >/dev/null 2>&1) \
	  || (apt-get update -q >/dev/null 2>&1 && apt-get install -y -q wrk >/dev/null 2>&1) \
	  || echo "wrk is not available: using the Python load generator."
	$(PY) bench/run.py --articles $(N)

# `make bench-wagtail` (after `make bench N=...` on PostgreSQL, with the same
# DATABASE_URL): the same archive served by a Wagtail news site beside ours,
# Wagtail in its own virtualenv under var/bench/; writes bench/WAGTAIL.md.
bench-wagtail: $(STAMP)
	@test -n "$(DATABASE_URL)" || { echo "usage: DATABASE_URL=postgres://.../bench make bench-wagtail"; exit 2; }
	$(PY) bench/wagtail_compare.py
