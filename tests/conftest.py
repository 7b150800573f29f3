"""Fixtures shared by the store tests: both backends, and a PostgreSQL cluster of our own.

- `postgres_cluster` (session): a throwaway PostgreSQL + PostGIS cluster in a temporary folder
  on a free loopback port (`sahel.store.local_cluster`), started once (~2–3 s) and deleted after.
- `postgres_url` (function): an empty, migrated store database on that cluster.
- every test runs without `SAHEL_DATABASE_URL` (the embedded store) unless it sets it, and
  ends with the thread's language set back to English.
- `new_store` (function, parametrised `embedded` / `postgresql`): a factory of store objects on
  one fresh store (the embedded one in `tmp_path`); each call opens the same store anew, as
  another process would. Reports go to `tmp_path / "rejects"` for both.

Without PostgreSQL or PostGIS the `postgresql` cases are skipped, unless
`SAHEL_REQUIRE_POSTGRES=1` (`make test`, CI), when they fail instead.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from sahel.i18n import use_language
from sahel.store import DATABASE_ENV, IncidentStore, Store
from sahel.store.local_cluster import ClusterUnavailable, LocalCluster, throwaway_cluster

REQUIRE_ENV = "SAHEL_REQUIRE_POSTGRES"
TEST_DATABASE = "sahel_test"
BACKENDS = ("embedded", "postgresql")


@pytest.fixture(autouse=True)
def _embedded_store_unless_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    # A developer's own SAHEL_DATABASE_URL must never receive the tests' rows.
    monkeypatch.delenv(DATABASE_ENV, raising=False)


@pytest.fixture(autouse=True)
def _english_after_each_test() -> Iterator[None]:
    # The page's language is the thread's (sahel.i18n.use_language): a test that switches to
    # French must not leave the next test, in another file, speaking it.
    yield
    use_language("en")


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[LocalCluster]:
    """Yield a running throwaway cluster (skip without PostgreSQL, fail if it is required)."""
    try:
        started = throwaway_cluster()
        cluster = started.__enter__()
    except ClusterUnavailable as error:
        if os.environ.get(REQUIRE_ENV) == "1":
            pytest.fail(f"PostgreSQL tests required ({REQUIRE_ENV}=1) but {error}")
        pytest.skip(str(error))
    try:
        yield cluster
    finally:
        started.__exit__(None, None, None)


@pytest.fixture(scope="session")
def _migrated_database(postgres_cluster: LocalCluster) -> str:
    import psycopg

    from sahel.store import migrate

    with psycopg.connect(postgres_cluster.url(), autocommit=True) as connection:
        connection.execute(f"CREATE DATABASE {TEST_DATABASE}")
    url = postgres_cluster.url(TEST_DATABASE)
    migrate.upgrade(url)
    return url


@pytest.fixture
def postgres_url(_migrated_database: str) -> str:
    """Return the URL of the migrated test database, emptied for this test."""
    import psycopg

    from sahel.store.postgres import STORE_TABLES

    emptied = ", ".join(t for t in STORE_TABLES if t != "store_state")
    with psycopg.connect(_migrated_database) as connection:
        connection.execute(f"TRUNCATE {emptied} RESTART IDENTITY")
        connection.execute("ALTER SEQUENCE incidents_written RESTART")
        connection.execute("UPDATE store_state SET version = 0")
    return _migrated_database


@pytest.fixture(params=BACKENDS)
def new_store(request: pytest.FixtureRequest, tmp_path: Path) -> Callable[[], Store]:
    """Return a factory of store objects on one fresh store of the parametrised backend."""
    if request.param == "embedded":
        return lambda: IncidentStore(tmp_path)
    from sahel.store.postgres import PostgresStore

    url = request.getfixturevalue("postgres_url")
    return lambda: PostgresStore(url, user="tester", reports_dir=tmp_path / "rejects")
