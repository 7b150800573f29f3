"""What the dashboard and the CLI show: the shipped incidents plus the user's store, canonical."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

import geopandas as gpd
import numpy as np
import pandas as pd

from sahel.datasets import EARLIER_IMPORTS, SHIPPED_DIR, demo_name
from sahel.schema import conform, empty_incidents
from sahel.store import StoreUnreadable, is_in, open_or_use, read_stored
from sahel.stored_rows import LoadReport, SkippedRow, sound_rows

if TYPE_CHECKING:
    from collections.abc import Hashable

    from sahel.store import Changes, Mark, Store

__all__ = ["SHIPPED_DIR", "Change", "LoadedIncidents", "Replica", "combine", "compact",
           "load_incidents",
           "load_incidents_checked", "load_shipped", "load_shipped_checked"]


class LoadedIncidents(NamedTuple):
    """The incidents that loaded and the report of the stored rows that did not."""

    incidents: gpd.GeoDataFrame
    report: LoadReport


def load_shipped(directory: Path = SHIPPED_DIR) -> gpd.GeoDataFrame:
    """Return the incidents shipped in `data/incidents/*.parquet` (see data/README.md).

    Each file is a demonstration dataset: its rows carry `dataset_name` `demo: …`.
    """
    return load_shipped_checked(directory).incidents


def load_shipped_checked(directory: Path = SHIPPED_DIR) -> LoadedIncidents:
    """Return the shipped incidents and what was skipped: unreadable rows, or a whole file."""
    parts, report = [], LoadReport()
    for file in sorted(directory.glob("*.parquet")):
        try:
            frame = read_stored(file)
        except StoreUnreadable:
            report += LoadReport((SkippedRow(file.name, -1, "", "not a readable Parquet file"),))
            continue
        name = pd.Series(demo_name(file.name), index=frame.index)
        given = frame["dataset_name"] if "dataset_name" in frame.columns else name
        frame["dataset_name"] = given.where(given.notna() & given.ne(""), name)
        found = sound_rows(frame, file.name)
        parts.append(found.incidents)
        report += found.report
    parts = [p for p in parts if len(p)]
    return LoadedIncidents(conform(pd.concat(parts, ignore_index=True)) if parts
                           else empty_incidents(), report)


def load_incidents(store_dir: Store | str | Path | None = None) -> gpd.GeoDataFrame:
    """Return shipped + stored incidents, one row per event_id (the store's version wins).

    Stored rows written before rows carried a dataset name belong to "imported earlier". Rows
    that cannot be read are left out (see `load_incidents_checked` for which and why).
    """
    return load_incidents_checked(store_dir).incidents


def load_incidents_checked(store_dir: Store | str | Path | None = None) -> LoadedIncidents:
    """Return shipped + stored incidents and the report of the stored rows left out.

    `store_dir` is a store, or the embedded store's folder (see `sahel.store.open_store`).
    Raises `store.StoreError` when the store cannot be read (a file that is not Parquet at all:
    `StoreUnreadable`; a database out of reach).
    """
    store = open_or_use(store_dir)
    return combine(load_shipped_checked(), store.load(), store.last_report)


def combine(shipped: LoadedIncidents, stored: gpd.GeoDataFrame,
            stored_report: LoadReport) -> LoadedIncidents:
    """Return shipped + stored incidents, one row per event_id: the shipped rows no stored row
    replaces (the last of each id), then the stored rows in their order.

    Both parts are canonical already, so they are put end to end, not conformed again (1.4 s
    for 1,000,000 incidents). Stored rows without a dataset name become "imported earlier".
    """
    return _combined(shipped, (stored,), stored_report)


def _combined(shipped: LoadedIncidents, stored: tuple[gpd.GeoDataFrame, ...],
              stored_report: LoadReport) -> LoadedIncidents:
    """`combine` with the stored rows in parts (one copy of them all, not one per part)."""
    return _combined_showing(shipped, stored, stored_report)[0]


def _combined_showing(shipped: LoadedIncidents, stored: tuple[gpd.GeoDataFrame, ...],
                      stored_report: LoadReport) -> tuple[LoadedIncidents, np.ndarray]:
    """`_combined`, and the labels of the shipped rows shown (ascending)."""
    parts = [_named(part) for part in stored if len(part)]
    ids = (pd.concat([part["event_id"] for part in parts]) if parts
           else pd.Series([], dtype="str"))
    shown = _shown_shipped(shipped.incidents, ids)
    return (LoadedIncidents(_joined(shown, *parts), shipped.report + stored_report),
            shown.index.to_numpy())


def _shown_shipped(shipped: gpd.GeoDataFrame, stored_ids: pd.Series) -> gpd.GeoDataFrame:
    if len(shipped) and not shipped["event_id"].is_unique:
        shipped = shipped.drop_duplicates("event_id", keep="last")
    if len(shipped) and len(stored_ids):
        shipped = shipped.loc[~is_in(shipped["event_id"], stored_ids)]
    return shipped


def _joined(*frames: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Return canonical frames end to end, numbered from 0 (empty canonical if all are)."""
    parts = [f for f in frames if len(f)]
    if not parts:
        return empty_incidents()
    if len(parts) == 1:
        return gpd.GeoDataFrame(parts[0].reset_index(drop=True))
    return gpd.GeoDataFrame(pd.concat(parts, ignore_index=True))


def _named(stored: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    if stored["dataset_name"].isna().any():
        stored = stored.assign(dataset_name=stored["dataset_name"].fillna(EARLIER_IMPORTS))
    return stored


def compact(frame: gpd.GeoDataFrame, most: int = 1) -> gpd.GeoDataFrame:
    """Return `frame` with every text column in at most `most` pieces of memory.

    A text column is an Arrow array in chunks: read from CSV (PostgreSQL's COPY) or put end to
    end, it has many, and every filter pays per chunk (37 chunks at 100,000 incidents made a
    filter 2-3x slower). Columns over `most` are combined into one (a copy of that column).
    """
    combined = {}
    for name in frame.columns:
        values = frame[name].array
        if isinstance(values, pd.arrays.ArrowStringArray):
            chunked = values.__arrow_array__()
            if chunked.num_chunks > most:
                combined[name] = pd.array(chunked.combine_chunks(), dtype=frame[name].dtype)
    return frame.assign(**combined) if combined else frame


# The chunks a text column of the incidents held may be in before they are combined (`compact`).
MOST_CHUNKS = 8
# A write that changes more than this share of the incidents held is not followed row by row
# (`Replica.change_since` says None): what is made from them is made again whole.
SMALL_CHANGE_SHARE = 0.05
# How many of the last changes a replica keeps, for caches a few versions behind.
CHANGES_KEPT = 8


class Change(NamedTuple):
    """How the incidents held at `version` follow from those held at `since` (`Replica`).

    `taken[i]` is the row number, in the incidents at `since`, of row `i` now (the same
    incident, unchanged), or -1 for a row written since (new, revised, or a shipped row shown
    again). `removed_at` are the row numbers at `since` of the rows no longer held as they were
    (revised, deleted, or hidden by a stored row), and `removed` those rows, as they were.
    """

    since: Hashable
    version: Hashable
    taken: np.ndarray
    removed_at: np.ndarray
    removed: pd.DataFrame

    @property
    def added_at(self) -> np.ndarray:
        """Return the row numbers now of the rows written since."""
        return np.flatnonzero(self.taken < 0)

    def then(self, after: Change) -> Change:
        """Return this change followed by `after` (which starts where this one ends)."""
        assert after.since == self.version
        kept = after.taken >= 0
        taken = np.full(len(after.taken), -1, dtype="int64")
        taken[kept] = self.taken[after.taken[kept]]
        # Rows `after` removed that were held at `self.since` too (not written in between).
        origin = self.taken[after.removed_at]
        older = origin >= 0
        return Change(self.since, after.version, taken,
                      np.concatenate([self.removed_at, origin[older]]),
                      pd.concat([self.removed, after.removed.iloc[np.flatnonzero(older)]]))


class Replica:
    """Shipped + stored incidents kept in step with a store, for a dashboard process.

    The store is read whole once (`Store.load_marked`); after that `refresh` applies only what
    the store's writes changed since (`Store.changes_since`: which rows, from PostgreSQL's
    history or the embedded store's record of its writes; a reload when it cannot say).
    `loaded` is never mutated: a refresh makes a new frame, so whoever holds the old one keeps
    a consistent view. Thread-safe: the sessions of
    a Streamlit process share one replica. A small change is remembered (`change_since`), so
    what was made from the incidents before can be brought up to date from the rows changed.
    """

    def __init__(self, store: Store) -> None:
        self.store = store
        self._lock = threading.Lock()
        self._shipped: LoadedIncidents | None = None
        # The incidents held are the shipped rows shown, then the stored rows: the stored part
        # is `_loaded.incidents[_first_stored:]` (not kept apart: 1,000,000 rows are ~0.7 GB).
        self._first_stored = 0
        self._shown = np.zeros(0, dtype="int64")  # the labels of the shipped rows shown
        self._stored_report = LoadReport()
        self._loaded: LoadedIncidents | None = None
        self._mark: Mark | None = None
        # The incidents and their version, set together (read without the lock: `current`).
        self._current: tuple[LoadedIncidents, Hashable] | None = None
        self._changes: tuple[Change, ...] = ()  # the last small changes, oldest first
        self.full_loads = 0  # how often the whole store was read (tests, benchmarks)
        self.updates = 0  # how often changes were applied instead

    @property
    def holds(self) -> bool:
        """Return whether incidents are held (the store was read once at least)."""
        return self._loaded is not None

    @property
    def version(self) -> Hashable | None:
        """Return the store version of the incidents held (None before the first load)."""
        return None if self._mark is None else self._mark.version

    def loaded(self) -> LoadedIncidents:
        """Return the incidents held, reading the store first if nothing is held yet.

        Raises `StoreError` when the store cannot be read (nothing is held then). Never waits
        for a refresh once something is held: the incidents held until it ends are returned.
        """
        return self.current()[0]

    def current(self) -> tuple[LoadedIncidents, Hashable]:
        """Return the incidents held and their version, read together (see `loaded`)."""
        held = self._current
        if held is not None:
            return held
        with self._lock:
            if self._current is None:
                self._reload()
            assert self._current is not None
            return self._current

    def change_since(self, since: Hashable, version: Hashable) -> Change | None:
        """Return how the incidents at `version` follow from those at `since`; None when this
        replica cannot say (a reload in between, a large change, versions it never held)."""
        changes = self._changes
        first = next((k for k, c in enumerate(changes) if c.since == since), None)
        if first is None:
            return None
        found = changes[first]
        for change in changes[first + 1:]:
            if found.version == version:
                break
            if change.since != found.version:
                return None
            found = found.then(change)
        return found if found.version == version else None

    def refresh(self) -> bool:
        """Bring the incidents held up to the store's content; return whether they changed.

        Nothing held yet: nothing is read (the first `loaded` reads). Raises `StoreError` when
        the store cannot be read; what is held stays as it was.
        """
        with self._lock:
            if self._mark is None:
                return False
            changes = self.store.changes_since(self._mark)
            if changes.unchanged:
                self._mark = changes.mark
                if self._current is not None and self._current[1] != changes.mark.version:
                    self._current = (self._current[0], changes.mark.version)
                return False
            if not self._apply(changes):
                self._reload()
            return True

    def _reload(self) -> None:
        if self._shipped is None:
            self._shipped = load_shipped_checked()
        stored, mark = self.store.load_marked()
        self._stored_report = self.store.last_report
        self._changes = ()
        self._hold((stored,), mark)
        self.full_loads += 1

    def _hold(self, stored: tuple[gpd.GeoDataFrame, ...], mark: Mark,
              kept: np.ndarray | None = None) -> None:
        """Hold the shipped rows shown and `stored`; `kept`: the row numbers, in the incidents
        held before, of the stored rows of `stored[0]` (the change is then remembered)."""
        assert self._shipped is not None
        loaded, shown = _combined_showing(self._shipped, stored, self._stored_report)
        # Each update adds chunks to the text columns: combined again once there are a few.
        loaded = loaded._replace(incidents=compact(loaded.incidents, MOST_CHUNKS))
        before, first_before = self._loaded, self._first_stored
        self._first_stored = len(loaded.incidents) - sum(len(part) for part in stored)
        if kept is not None and before is not None and self._mark is not None:
            self._remember(before.incidents, first_before, shown, kept, len(loaded.incidents),
                           mark.version)
        self._shown = shown
        # The incidents first, then their mark: `version` is never newer than `loaded()`.
        self._loaded = loaded
        self._mark = mark
        self._current = (loaded, mark.version)

    def _remember(self, before: gpd.GeoDataFrame, first_before: int, shown: np.ndarray,
                  kept: np.ndarray, rows: int, version: Hashable) -> None:
        """Remember how the incidents now (`rows` of them) follow from `before`."""
        assert self._mark is not None
        taken = np.full(rows, -1, dtype="int64")
        shipped = pd.Index(self._shown).get_indexer(shown)
        taken[:len(shown)] = shipped
        taken[len(shown):len(shown) + len(kept)] = first_before + kept
        held = np.ones(len(before), dtype=bool)
        held[taken[taken >= 0]] = False
        removed_at = np.flatnonzero(held)
        if len(removed_at) + int((taken < 0).sum()) > SMALL_CHANGE_SHARE * max(rows, 1):
            self._changes = ()  # too large to follow: what is made of them is made again
            return
        change = Change(self._mark.version, version, taken, removed_at,
                        pd.DataFrame(before.iloc[removed_at]))
        self._changes = (*self._changes, change)[-CHANGES_KEPT:]

    def _apply(self, changes: Changes) -> bool:
        """Apply changes to the rows held; False when they cannot be (reload instead)."""
        report = changes.report or LoadReport()
        # Skipped rows are reported with their place in the whole table: only a load says it.
        if changes.reload or changes.rows is None or len(report) or len(self._stored_report):
            return False
        assert self._loaded is not None
        stored = self._loaded.incidents.iloc[self._first_stored:]
        keep = ~is_in(stored["event_id"], pd.Index(changes.touched))
        kept = np.flatnonzero(np.asarray(keep, dtype=bool))
        self._hold((stored.iloc[kept], changes.rows), changes.mark, kept)
        self.updates += 1
        return True
