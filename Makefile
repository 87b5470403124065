# The two commands: `make run` (set up everything and serve the demo) and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(VENV)/bin/pip
STAMP  := $(VENV)/.installed
export DJANGO_SETTINGS_MODULE ?= cms_site.settings.dev

.PHONY: run test install lint migrate demo clean messages bench-journey fuzz

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP)

migrate: install
	$(PY) manage.py migrate --noinput

demo: migrate
	$(PY) manage.py demo

run: demo
	$(PY) manage.py rundev

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports
	$(PY) .ci/import_report.py
	DJANGO_SETTINGS_MODULE=cms_site.settings.test $(PY) manage.py makemigrations --check --dry-run

test: lint
	DJANGO_SETTINGS_MODULE=cms_site.settings.test $(VENV)/bin/pytest $(PYTEST_ARGS)

# Hostile input at every public form, the voting journey, the SMS webhook, the JSON API and
# the admins' list filters: 10,000 cases per form, no 5xx allowed (docs/operations.md «Bad
# input»). `make test` runs 30 per form. FUZZ_EXAMPLES=n changes the count.
fuzz: install
	HYPOTHESIS_PROFILE=fuzz DJANGO_SETTINGS_MODULE=cms_site.settings.test $(VENV)/bin/pytest tests/fuzz -p no:cacheprovider -q $(PYTEST_ARGS)

# The voting journey under load (bench/README.md): needs PostgreSQL and Redis on 127.0.0.1.
bench-journey: install
	$(PY) bench/journey_bench.py $(BENCH_ARGS)

clean:
	rm -rf var/db.sqlite3 var/celery var/outbox var/media var/static

# Regenerate the English catalogue after adding interface strings, then translate the
# new entries in locale/en/LC_MESSAGES/django.po and run `make messages` again.
messages: install
	$(PY) manage.py makemessages -l en --ignore=.venv --ignore=var --ignore=tests --no-obsolete
	$(PY) manage.py compilemessages --ignore=.venv
