"""What every incident store offers (`Store`), what its writes return, and the errors it raises.

Two backends satisfy `Store`: `embedded.IncidentStore` (GeoParquet beside the server) and
`postgres.PostgresStore` (PostgreSQL + PostGIS, for a team). `sahel.store.open_store` picks one.
"""

from __future__ import annotations

import getpass
import os
from collections.abc import Collection, Hashable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

    from sahel.sources import ImportResult
    from sahel.stored_rows import LoadReport


USER_ENV = "SAHEL_USER"


def default_user() -> str:
    """Return who writes (the history, hand decisions on links): `$SAHEL_USER`, else the
    operating-system login."""
    configured = os.environ.get(USER_ENV, "").strip()
    if configured:
        return configured
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return "unknown"


class StoreError(OSError):
    """The store cannot be created, read or written; the message is one sentence for people."""


class StoreUnreadable(StoreError):
    """A store file (or a shipped one) is not Parquet at all: truncated, overwritten, garbage."""


class RowsRefused(StoreError, ValueError):
    """Rows were refused because storing them would break every later load (e.g. bad claims)."""


@dataclass(frozen=True)
class AddSummary:
    """What an import did to the store, row by row.

    `added` new event_ids; `updated` rows replaced by a newer revision; `unchanged` rows already
    there (same revision); `older` rows older than the stored revision (not written); `held_back`
    rows a recorded deletion holds back; `dataset` the dataset name the written rows carry;
    `set_aside` stored rows this version cannot read (written by an older one), removed from the
    store and saved under `rejects/` (see `IncidentStore.load`); `ids` the event_ids added or
    updated (what `sahel.link_upkeep.after_write` links anew; left out of comparisons).
    """

    added: int
    updated: int
    unchanged: int
    older: int = 0
    held_back: int = 0
    dataset: str = ""
    set_aside: int = 0
    ids: tuple[str, ...] = field(default=(), compare=False, repr=False)


@dataclass(frozen=True)
class DeletionSummary:
    """What applying a deletions list did: ids listed, rows removed, ids not in the store.

    `newer_kept` counts stored rows revised after their deletion (kept).
    """

    file: str
    listed: int
    removed: int
    not_in_store: int
    newer_kept: int


@dataclass(frozen=True)
class Records:
    """Where a store keeps what it holds, in words for people (messages of the CLI and the page).

    `incidents` the incidents (a file, or a database sans password); `deletions` the published
    deletions applied (tombstones); `removals` the record of every row removed.
    """

    incidents: str
    deletions: str
    removals: str


@dataclass(frozen=True)
class Mark:
    """Where a reader of a store stands: the store's `version` when it read, and `position`, a
    place in the store's writes the backend can follow from (None: it cannot; read again).
    PostgreSQL: the last history id; embedded: the id of the recorded write that made the file."""

    version: Hashable
    position: Hashable = None


@dataclass(frozen=True)
class Changes:
    """What a store's writes changed since a reader's mark (`Store.changes_since`).

    `mark` is where the reader stands once it has applied them. With `reload` the store cannot
    say what changed (a mark it no longer knows; for the embedded store, also a write its record
    cannot vouch for, `write_log`): read it all again (`load_marked`). Otherwise `touched` are
    the event_ids written, deleted or removed since (none: nothing changed), and `rows` the
    stored rows of those ids now, in write order, as
    `load` returns them: a reader drops every touched id, then appends `rows`. `report` says
    which of those rows could not be read (as `last_report` after `load`).
    """

    mark: Mark
    reload: bool = False
    touched: tuple[str, ...] = ()
    rows: gpd.GeoDataFrame | None = None
    report: LoadReport | None = None

    @property
    def unchanged(self) -> bool:
        """Return whether there is nothing to apply (same content as at the mark)."""
        return not self.reload and not self.touched


@runtime_checkable
class Store(Protocol):
    """An incident store: one row per event_id, the newest revision wins, deletions remembered.

    `last_report` says which stored rows the last load skipped; `set_aside_report` is where the
    last write saved stored rows it could not read (None when it saved none).
    """

    last_report: LoadReport
    set_aside_report: Path | None

    @property
    def location(self) -> str:
        """Return where the incidents are kept, for people (a file, or a database sans password)."""
        ...

    def load(self) -> gpd.GeoDataFrame:
        """Return every stored incident, canonical (unreadable rows skipped, see last_report)."""
        ...

    def load_columns(self, columns: list[str]) -> pd.DataFrame:
        """Return some stored columns only, as text; one row per event_id."""
        ...

    def add(self, incidents: pd.DataFrame) -> AddSummary:
        """Merge incidents in by event_id: a known id is replaced only by a newer revision."""
        ...

    def add_import(self, result: ImportResult, name: str | None = None) -> AddSummary:
        """Merge a read file in as the named dataset (default: its file name) and register it."""
        ...

    def apply_deletions(self, deletions: pd.DataFrame, file: str) -> DeletionSummary:
        """Remove the listed rows not newer than their deletion; remember every deletion."""
        ...

    def load_tombstones(self) -> pd.DataFrame:
        """Return the deletions applied so far, one row per event_id (its latest deletion)."""
        ...

    def registry(self) -> list[dict[str, Any]]:
        """Return the registered imports (`datasets.json`'s entries), in import order."""
        ...

    def remove_dataset_rows(self, name: str, match_unnamed: bool = False) -> int:
        """Remove a dataset's rows and its registry entry, recording the act; return how many."""
        ...

    def write_rejects(self, rejected: pd.DataFrame, source_name: str) -> Path:
        """Write an import's rejected rows as a spreadsheet-safe CSV; return its path."""
        ...

    def write_unresolved_actors(self, counts: dict[str, int], source_name: str) -> Path:
        """Write an import's unresolved actor names with their row counts as CSV."""
        ...

    def version(self) -> Hashable:
        """Return what identifies the stored content now: it changes with every write."""
        ...

    def describe(self) -> Records:
        """Return where the incidents, the deletions applied and the removals are kept."""
        ...

    def load_marked(self) -> tuple[gpd.GeoDataFrame, Mark]:
        """Return every stored incident (as `load`) and the mark of that content."""
        ...

    def changes_since(self, mark: Mark) -> Changes:
        """Return what changed since `mark` (from `load_marked` or an earlier `changes_since`)."""
        ...

    def load_links(self) -> pd.DataFrame:
        """Return the stored links (`link_rows.LINK_COLUMNS`): accepted ones and those rejected
        by hand, as the last relinking left them (`sahel.link_upkeep`)."""
        ...

    def save_links(self, links: pd.DataFrame, replacing: Collection[str] | None) -> None:
        """Drop the stored links touching an event_id of `replacing` (every link: None), then
        keep `links`; one write, atomic."""
        ...

    def links_kept(self) -> bool:
        """Return whether links were ever stored (no: the store was never linked whole)."""
        ...

    def load_decisions(self) -> pd.DataFrame:
        """Return the editors' hand decisions: `event_id_a` < `event_id_b`, `decision`
        ("confirmed" or "rejected"), `decided_by`, `decided_at` (ISO 8601, UTC)."""
        ...

    def decide_link(self, first: str, second: str, decision: str | None, by: str) -> None:
        """Record a hand decision on the pair ("confirmed", "rejected"; None undoes it)."""
        ...
