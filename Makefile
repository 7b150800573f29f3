# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3
PORT ?= 8501

.PHONY: install install-dev browser run test test-fast bench eval

install:
	$(PYTHON) -m pip install -q -r requirements.txt

install-dev:
	$(PYTHON) -m pip install -q -r requirements-dev.txt

# Debian's chromium for the end-to-end tests (never `playwright install`).
browser:
	@test -x /usr/lib/chromium/chromium || (apt-get update -q && apt-get install -y -q chromium)

run: install
	$(PYTHON) serve.py dashboard.py --server.port $(PORT) --server.headless true

test: install-dev browser
	SAHEL_REQUIRE_E2E=1 $(PYTHON) -m pytest

test-fast:
	$(PYTHON) -m pytest -m "not e2e"

bench:
	$(PYTHON) bench/bench_import.py
	$(PYTHON) bench/bench_dashboard.py
	$(PYTHON) bench/bench_extract.py

eval:
	$(PYTHON) -m sahel extract ../shared/eval/dev/articles/*.txt ../shared/eval/dev/negatives/*.txt --jsonl /tmp/sahel-eval.jsonl
	$(PYTHON) ../shared/eval/score.py --gold ../shared/eval/dev --pred /tmp/sahel-eval.jsonl --verbose
