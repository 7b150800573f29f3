"""The incident store: one interface, two backends (see docs/deploy.md).

`embedded` keeps incidents in a GeoParquet file beside the server (the zero-install default).
Every public name of the embedded store is re-exported here, so `from sahel.store import …` reads
the same as before the store became a package.
"""

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

__all__ = ["DELETIONS_FILE", "REJECTS_DIR", "REMOVALS_FILE", "STALE_SECONDS", "STORE_ENV",
           "STORE_FILE", "TEMPORARY", "TOMBSTONE_COLUMNS", "AddSummary", "DeletionSummary",
           "IncidentStore", "RowsRefused", "StoreError", "StoreUnreadable", "default_store_dir",
           "is_in", "read_stored", "remove_stale_temporaries"]
