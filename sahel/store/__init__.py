"""The incident store: one interface (`Store`), two backends, chosen here (docs/deploy.md).

`embedded.IncidentStore` keeps incidents in a GeoParquet file beside the server: the
zero-install default. `postgres.PostgresStore` keeps them in PostgreSQL + PostGIS, for a team:
it is used when `SAHEL_DATABASE_URL` is set. Every public name of the embedded store is
re-exported here, so `from sahel.store import …` reads the same as before the store became a
package.
"""

from __future__ import annotations

import os
from pathlib import Path

from sahel.store.embedded import (
    DELETIONS_FILE,
    REJECTS_DIR,
    REMOVALS_FILE,
    STALE_SECONDS,
    STORE_ENV,
    STORE_FILE,
    TEMPORARY,
    TOMBSTONE_COLUMNS,
    AddSummary,
    DeletionSummary,
    IncidentStore,
    RowsRefused,
    StoreError,
    StoreUnreadable,
    default_store_dir,
    is_in,
    read_stored,
    remove_stale_temporaries,
)
from sahel.store.interface import Changes, Mark, Records, Store

DATABASE_ENV = "SAHEL_DATABASE_URL"

__all__ = ["DELETIONS_FILE", "REJECTS_DIR", "REMOVALS_FILE", "STALE_SECONDS", "STORE_ENV",
           "STORE_FILE", "TEMPORARY", "TOMBSTONE_COLUMNS", "AddSummary", "DeletionSummary",
           "IncidentStore", "RowsRefused", "StoreError", "StoreUnreadable", "default_store_dir",
           "is_in", "read_stored", "remove_stale_temporaries", "DATABASE_ENV", "Changes", "Mark",
           "Records", "Store",
           "database_url", "open_or_use", "open_store"]


def database_url() -> str | None:
    """Return `$SAHEL_DATABASE_URL` (a libpq URL), or None when the embedded store is used."""
    configured = os.environ.get(DATABASE_ENV, "").strip()
    return configured or None


def open_store(directory: str | Path | None = None, url: str | None = None) -> Store:
    """Return the configured store: PostgreSQL at `url` or `$SAHEL_DATABASE_URL` when given,
    else the embedded store in `directory` (default: `$SAHEL_STORE_DIR` or `<repo>/store`).

    The one place the backend is chosen. With PostgreSQL, `directory` only holds the CSV
    reports of imports (under `rejects/`).
    """
    chosen = url or database_url()
    folder = Path(directory) if directory is not None else default_store_dir()
    if chosen:
        from sahel.store.postgres import PostgresStore  # psycopg only where PostgreSQL is used

        return PostgresStore(chosen, reports_dir=folder / REJECTS_DIR)
    return IncidentStore(folder)


def open_or_use(store: Store | str | Path | None) -> Store:
    """Return `store` itself when it is a store, else the configured store (`open_store`)."""
    if store is None or isinstance(store, (str, Path)):
        return open_store(store)
    return store
