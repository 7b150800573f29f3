"""End-to-end fixtures: the dashboard as `make run` starts it, and a page with no internet.

- `app_store_dir` (module): an empty store directory for this test module's app.
- `app_url` (module): base URL of the dashboard started as `make run` does (`python serve.py
  dashboard.py` with the Makefile's flags) on a free loopback port and
  `SAHEL_STORE_DIR=app_store_dir`; health-checked.
- `browser_page` (function): a `harness.BlockedPage` — `.page` is a Playwright page whose every
  non-loopback request is aborted and recorded in `.external`; `.disallowed()` lists those that are
  not OpenStreetMap tiles (assert it is empty).

Without chromium or playwright these tests are skipped, unless `SAHEL_REQUIRE_E2E=1` (`make test`,
CI), when they fail instead.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Iterator
from pathlib import Path

import harness  # tests/e2e is on sys.path (pytest rootdir-less conftest import)
import pytest


def _missing() -> str | None:
    if importlib.util.find_spec("playwright") is None:
        return "playwright (python) is not installed"
    if not harness.CHROMIUM.exists():
        return f"Debian chromium is not installed at {harness.CHROMIUM} (make browser)"
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark everything here e2e; without a browser skip it (fail it under SAHEL_REQUIRE_E2E=1)."""
    missing = _missing()
    required = os.environ.get("SAHEL_REQUIRE_E2E") == "1"
    for item in items:
        if "tests/e2e/" not in item.nodeid.replace("\\", "/"):
            continue
        item.add_marker(pytest.mark.e2e)
        if missing and not required:
            item.add_marker(pytest.mark.skip(reason=missing))


@pytest.fixture(scope="session")
def _browser_ready() -> None:
    missing = _missing()
    if missing:
        pytest.fail(f"end-to-end tests required (SAHEL_REQUIRE_E2E=1) but {missing}")


@pytest.fixture(scope="module")
def app_store_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return an empty store directory used by this module's app."""
    return tmp_path_factory.mktemp("store")


@pytest.fixture(scope="module")
def app_url(app_store_dir: Path) -> Iterator[str]:
    """Start the dashboard as the Makefile does, on a free loopback port; yield its URL."""
    with harness.running_app(app_store_dir) as url:
        yield url


@pytest.fixture(scope="session")
def _chromium(_browser_ready: None) -> Iterator[object]:
    with harness.chromium() as browser:
        yield browser


@pytest.fixture
def browser_page(_chromium: object) -> Iterator[harness.BlockedPage]:
    """Yield a page (`.page`) with outside requests aborted and recorded (`.external`)."""
    with harness.blocked_page(_chromium) as blocked:
        yield blocked
