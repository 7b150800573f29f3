# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3
PORT ?= 8501

.PHONY: install install-dev browser database team-deps run team team-stop test test-fast bench eval

install:
	$(PYTHON) -m pip install -q -r requirements.txt

install-dev:
	$(PYTHON) -m pip install -q -r requirements-dev.txt

# Debian's chromium for the end-to-end tests (never `playwright install`).
browser:
	@test -x /usr/lib/chromium/chromium || (apt-get update -q && apt-get install -y -q chromium)

# Debian's PostgreSQL and PostGIS for the PostgreSQL store's tests: they start a throwaway
# cluster of their own (tests/conftest.py); nothing here starts a server.
PG_VERSION ?= 15
database:
	@test -x /usr/lib/postgresql/$(PG_VERSION)/bin/initdb \
		-a -f /usr/share/postgresql/$(PG_VERSION)/extension/postgis.control \
		|| (apt-get update -q && apt-get install -y -q postgresql \
		    postgresql-$(PG_VERSION)-postgis-3)

# Debian's nginx for `make team` and its tests. Only the program is used: scripts/team.py runs
# it as the project's own process with a config in .team/ (on a machine with systemd the
# package also enables its own service on port 80, which the team does not use).
team-deps: database
	@test -x /usr/sbin/nginx || (apt-get update -q && apt-get install -y -q nginx)

run: install
	$(PYTHON) serve.py dashboard.py --server.port $(PORT) --server.headless true

# A team on one machine (docs/deploy.md): PostgreSQL + PostGIS, two dashboard replicas and nginx,
# all in .team/; prints the URL and the demo users. `make team-stop` stops them.
team: install team-deps
	$(PYTHON) scripts/team.py start

team-stop:
	$(PYTHON) scripts/team.py stop

# Two processes, each test file whole in one (its module's server, browser and PostgreSQL cluster are
# its own): CI's two cores. pytest-benchmark, where installed, would refuse to run beside xdist.
TEST_WORKERS ?= -n 2 --dist loadfile -p no:benchmark

test: install-dev browser team-deps
	SAHEL_REQUIRE_E2E=1 SAHEL_REQUIRE_POSTGRES=1 SAHEL_REQUIRE_NGINX=1 $(PYTHON) -m pytest $(TEST_WORKERS)

test-fast:
	$(PYTHON) -m pytest -m "not e2e"

bench:
	$(PYTHON) bench/bench_import.py
	$(PYTHON) bench/bench_dashboard.py
	$(PYTHON) bench/bench_extract.py

eval:
	$(PYTHON) -m sahel extract ../shared/eval/dev/articles/*.txt ../shared/eval/dev/negatives/*.txt --jsonl /tmp/sahel-eval.jsonl
	$(PYTHON) ../shared/eval/score.py --gold ../shared/eval/dev --pred /tmp/sahel-eval.jsonl --verbose

# Precision and recall of linking on the labelled set (tests/fixtures/links/, docs/linking.md).
.PHONY: links-eval
links-eval:
	$(PYTHON) -m sahel.link_eval
