"""The incident store on disk: one GeoParquet file, replaced atomically, one row per event_id.

Beside it, in the same directory and under the same lock: `datasets.json` (the named imports),
`deletions.parquet` (ACLED's published deletions applied, kept as tombstones) and
`removals.jsonl` (every row removed, when and why); `links.parquet` (the links between records
of different datasets, `sahel.link_upkeep`) and `link_decisions.parquet` (editors' decisions);
`incidents-writes.json`, what the last writes of the incidents file changed (`write_log`), so a
reader follows them from the file's last rows (`changes_since`).
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import time
from collections.abc import Callable, Collection, Hashable, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from sahel import PROJECT_ROOT
from sahel.datasets import REGISTRY_FILE, check_import_name, read_registry, register, registry_bytes
from sahel.schema import COLUMN_NAMES, conform, empty_incidents
from sahel.sources.canonical import write_geoparquet
from sahel.store import link_rows, write_log
from sahel.store.incoming import (
    newest_per_id,
    prepare,
    refuse_unsound,
    unresolved_actors_frame,
    write_report,
)
from sahel.store.interface import (
    AddSummary,
    Changes,
    DeletionSummary,
    Mark,
    Records,
    RowsRefused,
    StoreError,
    StoreUnreadable,
    default_user,
)
from sahel.stored_rows import LoadReport, sound_rows

if TYPE_CHECKING:
    from sahel.sources import ImportResult

try:
    import fcntl
except ImportError:  # Windows: no advisory locks; a single user rarely imports twice at once.
    fcntl = None  # type: ignore[assignment]

STORE_ENV = "SAHEL_STORE_DIR"
STORE_FILE = "incidents.parquet"
DELETIONS_FILE = "deletions.parquet"
REMOVALS_FILE = "removals.jsonl"
REJECTS_DIR = "rejects"
LINKS_FILE = "links.parquet"
DECISIONS_FILE = "link_decisions.parquet"
TOMBSTONE_COLUMNS: tuple[str, ...] = ("event_id", "deleted_timestamp", "file", "recorded_at")
# Rows per row group of the incidents file: the rows a write appended are read from the last
# groups alone (`changes_since`); one group of 100,000 rows took 0.8 s to read for 10 of them.
ROW_GROUP_ROWS = 32_768
# Temporary files of the atomic writes: `.<target stem>-<pid>-<random>.tmp` beside the target.
TEMPORARY = re.compile(r"\.(?:incidents|datasets|deletions|links|link_decisions)-.*\.tmp")
# Without a lock (Windows) a temporary file is only taken as left by a dead writer after this.
STALE_SECONDS = 600


def default_store_dir() -> Path:
    """Return the store directory: `$SAHEL_STORE_DIR`, else `<repo>/store`."""
    configured = os.environ.get(STORE_ENV, "").strip()
    return Path(configured) if configured else PROJECT_ROOT / "store"


__all__ = ["AddSummary", "DeletionSummary", "IncidentStore", "RowsRefused", "StoreError",
           "StoreUnreadable", "default_store_dir", "is_in", "read_stored",
           "remove_stale_temporaries"]


class IncidentStore:
    """Canonical incidents persisted under `directory` (GeoParquet, EPSG:4326); a `Store`."""

    def __init__(self, directory: str | Path, user: str | None = None) -> None:
        self.directory = Path(directory)
        # Who writes: recorded with each import in the registry (the page sets the signed-in
        # name, as for the PostgreSQL store's history).
        self.user = user or default_user()
        self.last_report = LoadReport()
        self.set_aside_report: Path | None = None

    @property
    def path(self) -> Path:
        """Return the path of the store's GeoParquet file."""
        return self.directory / STORE_FILE

    @property
    def location(self) -> str:
        """Return the store file's path, for people."""
        return str(self.path)

    def version(self) -> Hashable:
        """Return the store file's (mtime, size, inode), None when there is none; with the
        links file's after them once links are stored.

        Every write replaces the file by an atomic rename, so a new inode or mtime means new rows
        (or new links: the page's event groups).
        """
        try:
            found = os.stat(self.path)
        except OSError:
            return None
        return self._version_with(write_log.stat_key(found))

    def describe(self) -> Records:
        """Return the store file, the deletions file and the removals log, as paths."""
        return Records(incidents=str(self.path), deletions=str(self.directory / DELETIONS_FILE),
                       removals=str(self.removals_log))

    def load_marked(self) -> tuple[gpd.GeoDataFrame, Mark]:
        """Return every stored incident and the mark of the file read: its version and the
        recorded write that made it (`write_log`; None when none is).

        The version is taken before reading: a write in between is then seen as a change by
        the next `changes_since` (rows read twice, never missed).
        """
        version = self.version()
        found = version[:3] if isinstance(version, tuple) else None
        mark = Mark(version, write_log.position(write_log.read_writes(self.directory), found))
        return self.load(), mark

    def changes_since(self, mark: Mark) -> Changes:
        """Return the ids written, deleted or removed since `mark` and the rows of those ids now.

        Every write of the incidents file records what it touched (`write_log`) and leaves the
        file as the rows before less those ids, then the rows it wrote: when the recorded
        writes lead from the mark's to the file's, the rows changed are the file's last rows,
        read from its last row groups only. Links written alone change the version and nothing
        else. Anything the record cannot vouch for asks for a reload (`Changes.reload`).
        """
        try:
            stream = open(self.path, "rb")  # closed below, by `with`
        except FileNotFoundError:
            now = self.version()
            return Changes(mark) if now == mark.version else Changes(Mark(now), reload=True)
        except OSError:
            return Changes(Mark(self.version()), reload=True)
        with stream:
            found = write_log.stat_key(os.fstat(stream.fileno()))
            now = self._version_with(found)
            return self._changes(mark, now, found, stream)

    def _changes(self, mark: Mark, now: Hashable, found: write_log.Stat,
                 stream: BinaryIO) -> Changes:
        """`changes_since` on the incidents file open as `stream`, whose stat is `found`."""
        marked = mark.version[:3] if isinstance(mark.version, tuple) else None
        writes = write_log.read_writes(self.directory)
        since = mark.position if isinstance(mark.position, str) else None
        # No position: no write is known to have made the mark's file, unless there was none.
        steps = None if writes is None or (since is None and mark.version is not None) \
            else write_log.chain(writes, since, found)
        if not steps:  # no write recorded since the mark's: the file must be the mark's
            if marked != found:
                return Changes(Mark(now, write_log.position(writes, found)), reload=True)
            # The links alone were written, or nothing.
            return Changes(mark) if now == mark.version else Changes(Mark(now, since))
        to = Mark(now, steps[-1].id)
        said = write_log.followed(steps)
        if said is None or steps[0].before != marked:
            return Changes(to, reload=True)
        touched, tail = said
        rows = _last_rows(stream, tail, steps[-1].rows)
        if rows is None:
            return Changes(to, reload=True)
        return Changes(to, touched=touched, rows=rows, report=LoadReport())

    def _version_with(self, found: write_log.Stat) -> Hashable:
        """Return `version` with the incidents file's stat `found` (the links file's after)."""
        try:
            linked = os.stat(self.directory / LINKS_FILE)
        except OSError:
            return found
        return (*found, linked.st_mtime_ns, linked.st_size, linked.st_ino)

    def registry(self) -> list[dict[str, Any]]:
        """Return the registered imports (`datasets.json`), in import order."""
        return read_registry(self.directory)

    def load(self) -> gpd.GeoDataFrame:
        """Return every stored incident (an empty canonical frame when nothing is stored).

        Ids are trimmed of surrounding spaces (older versions kept them), one row per id. A row
        this version cannot read (see `stored_rows.sound_rows`) is skipped, never raised, and
        reported in `last_report`; a file that is not Parquet raises StoreUnreadable.
        """
        frame, self.last_report, _ = self._load_checked()
        return frame

    def _load_checked(self) -> tuple[gpd.GeoDataFrame, LoadReport, pd.DataFrame]:
        if not self.path.exists():
            return empty_incidents(), LoadReport(), pd.DataFrame()
        found = sound_rows(read_stored(self.path), STORE_FILE)
        frame = found.incidents
        frame["event_id"] = frame["event_id"].str.strip()
        return newest_per_id(frame), found.report, found.unsound

    def _load_for_writing(self) -> tuple[gpd.GeoDataFrame, int]:
        """Under the lock: the stored rows; unreadable ones are saved under rejects/ and dropped."""
        frame, self.last_report, unsound = self._load_checked()
        if len(unsound):
            self.set_aside_report = self._write_report(unsound, "stored-rows", "unreadable")
            self._write(frame)
        return frame, len(unsound)

    def load_columns(self, columns: list[str]) -> pd.DataFrame:
        """Return some stored columns only (missing ones empty); ids trimmed, one row per id."""
        if not self.path.exists():
            return pd.DataFrame({c: pd.Series([], dtype="str") for c in columns})
        frame = read_stored(self.path, columns)
        for column in columns:
            if column not in frame.columns:
                frame[column] = pd.Series(None, index=frame.index, dtype="str")
            elif not pd.api.types.is_string_dtype(frame[column].dtype):
                frame[column] = frame[column].astype("object").map(_text_or_none).astype("str")
        frame["event_id"] = frame["event_id"].str.strip()
        return frame.drop_duplicates("event_id", keep="last")[columns]

    def add(self, incidents: pd.DataFrame) -> AddSummary:
        """Merge incidents in: new ids are added; a known id is replaced only by a newer revision.

        The newest `timestamp` wins (a row without one counts as older than any with one); when
        neither row has a timestamp the latest import wins if the content differs. A row whose
        id was deleted (see `apply_deletions`) comes back only as a revision newer than the
        deletion.
        Raises RowsRefused for rows that could not be loaded back (invalid claims, no id…).
        """
        incoming = prepare(refuse_unsound(incidents))
        with self._locked():
            summary = self._merge_in(incoming)
        return summary

    def add_import(self, result: ImportResult, name: str | None = None) -> AddSummary:
        """Merge a read file in as the named dataset (default: its file name) and register it.

        Every row written carries `dataset_name`; the registry (`datasets.json`) records the
        file, its format and source types, its counts and when. One lock for all of it.
        """
        dataset = check_import_name(name if name is not None else result.source_name)
        if result.kept == 0:
            return AddSummary(0, 0, 0, dataset=dataset)  # a failed file is no dataset
        incoming = prepare(refuse_unsound(result.incidents.assign(dataset_name=dataset)))
        types = incoming["dataset"].dropna().value_counts().index.tolist() or [result.format]
        record = {"file": result.source_name, "format": result.format, "source_types": types,
                  "imported_at": datetime.now(UTC).isoformat(timespec="seconds"),
                  "imported_by": self.user,
                  "read": result.rows_read, "kept": result.kept,
                  "rejected": len(result.rejected)}
        with self._locked():
            summary = self._merge_in(incoming, dataset)
            entries = read_registry(self.directory)
            register(entries, dataset, record)
            self._replace(self.directory / REGISTRY_FILE,
                          lambda stream: stream.write(registry_bytes(entries)))
        return summary

    def apply_deletions(self, deletions: pd.DataFrame, file: str) -> DeletionSummary:
        """Apply a deletions list (`event_id`, `deleted_timestamp` in Unix seconds).

        A stored row is removed when its timestamp is not newer than its deletion's (a row
        without a timestamp always is); every deletion is kept as a tombstone, so an older
        export imported later does not bring the event back.
        """
        listed = deletions.assign(event_id=deletions["event_id"].astype("str").str.strip())
        listed = listed.groupby("event_id", sort=False)["deleted_timestamp"].max()
        now = datetime.now(UTC).isoformat(timespec="seconds")
        with self._locked():
            current, _ = self._load_for_writing()
            deleted_at = current["event_id"].map(listed)
            doomed = deleted_at.notna() & ~(current["timestamp"] > deleted_at).fillna(False)
            doomed = doomed.astype(bool)
            if doomed.any():
                self._log_removals(current.loc[doomed], "deletion", file, now)
                self._write(current.loc[~doomed], current.loc[doomed, "event_id"])
            tombstones = _combine_tombstones(self.load_tombstones(), listed, file, now)
            self._replace(self.directory / DELETIONS_FILE,
                          lambda stream: tombstones.to_parquet(stream, index=False))
        present = is_in(listed.index, current["event_id"])
        return DeletionSummary(file=file, listed=len(listed), removed=int(doomed.sum()),
                               not_in_store=int((~present).sum()),
                               newer_kept=int(present.sum() - doomed.sum()))

    def load_tombstones(self) -> pd.DataFrame:
        """Return the deletions applied so far, one row per event_id (its latest deletion)."""
        path = self.directory / DELETIONS_FILE
        if not path.exists():
            return pd.DataFrame({"event_id": pd.Series([], dtype="str"),
                                 "deleted_timestamp": pd.Series([], dtype="Int64"),
                                 "file": pd.Series([], dtype="str"),
                                 "recorded_at": pd.Series([], dtype="str")})
        return read_stored(path, list(TOMBSTONE_COLUMNS))

    def remove_dataset_rows(self, name: str, match_unnamed: bool = False) -> int:
        """Remove the rows of dataset `name` and its registry entry; log them; return how many.

        With `match_unnamed`, rows written before rows carried a dataset name go too.
        """
        now = datetime.now(UTC).isoformat(timespec="seconds")
        with self._locked():
            current, _ = self._load_for_writing()
            names = current["dataset_name"]
            doomed = (names == name).fillna(False).astype(bool)
            if match_unnamed:
                doomed |= names.isna()
            if doomed.any():
                self._log_removals(current.loc[doomed], "dataset removed", name, now)
                self._write(current.loc[~doomed], current.loc[doomed, "event_id"])
            entries = read_registry(self.directory)
            if any(e["name"] == name for e in entries):
                kept = [e for e in entries if e["name"] != name]
                self._replace(self.directory / REGISTRY_FILE,
                              lambda stream: stream.write(registry_bytes(kept)))
        return int(doomed.sum())

    def load_links(self) -> pd.DataFrame:
        """Return the stored links (`links.parquet`), none when there is no file."""
        path = self.directory / LINKS_FILE
        if not path.exists():
            return link_rows.empty_links()
        return link_rows.plain_links(_read_parquet(path))

    def links_kept(self) -> bool:
        """Return whether `links.parquet` exists (written by every relinking, even of none)."""
        return (self.directory / LINKS_FILE).exists()

    def save_links(self, links: pd.DataFrame, replacing: Collection[str] | None) -> None:
        """Replace the links touching `replacing` (all: None) by `links`, under the lock."""
        with self._locked():
            # Every link replaced: the file is not read (it may be one cut short).
            stored = link_rows.empty_links() if replacing is None else self.load_links()
            merged = link_rows.replace_links(stored, links, replacing)
            self._replace(self.directory / LINKS_FILE,
                          lambda stream: merged.to_parquet(stream, index=False))

    def load_decisions(self) -> pd.DataFrame:
        """Return the editors' hand decisions (`link_decisions.parquet`)."""
        path = self.directory / DECISIONS_FILE
        if not path.exists():
            return link_rows.empty_decisions()
        return _read_parquet(path)[list(link_rows.DECISION_COLUMNS)]

    def decide_link(self, first: str, second: str, decision: str | None, by: str) -> None:
        """Record (or, with None, undo) a hand decision on the pair, under the lock."""
        link_rows.check_decision(decision)
        a, b = link_rows.pair_key(first, second)
        now = datetime.now(UTC).isoformat(timespec="seconds")
        with self._locked():
            known = self.load_decisions()
            known = known.loc[~((known["event_id_a"] == a) & (known["event_id_b"] == b))]
            if decision is not None:
                row = pd.DataFrame([{"event_id_a": a, "event_id_b": b, "decision": decision,
                                     "decided_by": by, "decided_at": now}])
                known = pd.concat([known, row], ignore_index=True) if len(known) else row
            frame = known.reset_index(drop=True).astype("object")
            self._replace(self.directory / DECISIONS_FILE,
                          lambda stream: frame.to_parquet(stream, index=False))

    @property
    def removals_log(self) -> Path:
        """Return the path of the log of removed rows (JSON lines)."""
        return self.directory / REMOVALS_FILE

    def write_rejects(self, rejected: pd.DataFrame, source_name: str) -> Path:
        """Write an import's rejected rows as CSV under `<store>/rejects/`; return its path."""
        return self._write_report(rejected, source_name, "rejects")

    def write_unresolved_actors(self, counts: dict[str, int], source_name: str) -> Path:
        """Write an import's unresolved actor names and their row counts as CSV beside rejects."""
        return self._write_report(unresolved_actors_frame(counts), source_name,
                                  "unresolved-actors")

    def _write_report(self, frame: pd.DataFrame, source_name: str, kind: str) -> Path:
        self._make_directory()
        return write_report(self.directory / REJECTS_DIR, frame, source_name, kind)

    def _merge_in(self, incoming: gpd.GeoDataFrame, dataset: str = "") -> AddSummary:
        tombstones = self.load_tombstones()
        incoming, held_back = _hold_back(incoming, tombstones)
        current, set_aside = self._load_for_writing()
        merged, summary = _merge(current, incoming)
        if merged is not None:
            # The rows written (revised, then new) are the merged frame's last ones.
            written = summary.added + summary.updated
            self._write(merged, merged["event_id"].iloc[len(merged) - written:], written)
        return AddSummary(summary.added, summary.updated, summary.unchanged, summary.older,
                          held_back, dataset, set_aside, summary.ids)

    def _log_removals(self, rows: pd.DataFrame, cause: str, source: str, when: str) -> None:
        columns = rows[["event_id", "dataset_name", "timestamp"]].reset_index(drop=True)
        log = pd.concat([pd.DataFrame({"removed_at": when, "cause": cause, "source": source},
                                      index=columns.index), columns], axis=1)
        text = log.to_json(orient="records", lines=True, force_ascii=False)
        with open(self.removals_log, "a", encoding="utf-8") as stream:
            stream.write(text if text.endswith("\n") else text + "\n")
            stream.flush()
            os.fsync(stream.fileno())

    def _write(self, frame: gpd.GeoDataFrame, touched: pd.Series | None = None,
               appended: int = 0) -> None:
        """Replace the incidents file by `frame` (under the lock) and record what changed.

        `frame` must be the rows loaded less the ids `touched`, in order, then `appended` rows,
        those of the last `appended` ids of `touched` (None: not said; readers read it all).
        """
        before = _stat_or_none(self.path)
        ids = None if touched is None else tuple(touched.astype("str"))

        def record(temporary: Path) -> None:
            # Before the rename: a reader never finds a file whose write is not recorded yet
            # (a write recorded but never renamed into place is never followed, write_log).
            new = write_log.Write(secrets.token_hex(8), before,
                                  write_log.stat_key(os.stat(temporary)), len(frame), ids,
                                  appended if ids is not None else 0)
            log = write_log.recorded(write_log.read_writes(self.directory), new)
            with contextlib.suppress(OSError):  # unrecorded: readers read the file again
                self._replace(self.directory / write_log.WRITES_FILE,
                              lambda stream: stream.write(log))

        self._replace(self.path, lambda stream: write_geoparquet(
            frame, stream, row_group_size=ROW_GROUP_ROWS), before_rename=record)

    def _replace(self, target: Path, write: Callable[[BinaryIO], Any],
                 before_rename: Callable[[Path], None] | None = None) -> None:
        self._make_directory()
        handle, temporary = _create_temporary(self.directory, target.stem)
        try:
            with os.fdopen(handle, "wb") as stream:
                write(stream)
                stream.flush()
                os.fsync(stream.fileno())
            if before_rename is not None:
                before_rename(Path(temporary))
            # Same directory, so the rename is atomic: readers see the old or the new file.
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        _fsync_directory(self.directory)

    def _make_directory(self) -> None:
        # The store folder itself is created, not its parents: a mistyped path is an error.
        try:
            self.directory.mkdir(exist_ok=True)
        except FileNotFoundError:
            raise StoreError(f"cannot create the store folder {self.directory}: its parent "
                             "folder does not exist") from None
        except OSError as error:
            raise StoreError(f"cannot create the store folder {self.directory}: "
                             f"{error.strerror}") from None
        if not self.directory.is_dir():
            raise StoreError(f"the store {self.directory} is not a folder")

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        self._make_directory()
        if fcntl is None:
            remove_stale_temporaries(self.directory, locked=False)
            yield
            return
        with open(self.directory / ".lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                remove_stale_temporaries(self.directory, locked=True)
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)


def read_stored(path: Path, columns: list[str] | None = None) -> pd.DataFrame:
    """Return the canonical columns (or `columns`) a Parquet file holds, as plain columns.

    Raises StoreUnreadable, one sentence, when the file is not Parquet (cut short, garbage).
    """
    wanted = list(COLUMN_NAMES) if columns is None else columns
    try:
        present = set(pq.read_schema(path).names)
        # Plain columns: conform rebuilds the points from longitude/latitude, so decoding the
        # stored WKB too doubled the work (0.27 s for 100,000 incidents).
        table = pq.read_table(path, columns=[c for c in wanted if c in present])
    except (pa.ArrowException, OSError, ValueError, TypeError) as error:
        detail = str(error).splitlines()[0][:160] if str(error) else type(error).__name__
        raise StoreUnreadable(
            f"{path} cannot be read as Parquet ({detail}): it was cut short or overwritten; "
            "move it aside (the store then starts without it) and import your files "
            "again") from None
    try:
        return table.to_pandas()
    except (pa.ArrowException, ValueError, TypeError):
        # The pandas metadata an older writer left no longer matches its columns: read each
        # column as Arrow has it; stored_rows judges the values.
        plain = table.replace_schema_metadata(None)
        return pd.DataFrame({name: _plain_column(plain.column(name), path, name)
                             for name in plain.column_names}, index=range(plain.num_rows))


def _plain_column(column: pa.ChunkedArray, path: Path, name: str) -> pd.Series:
    try:
        return column.to_pandas()
    except (pa.ArrowException, ValueError, TypeError):
        pass
    try:
        return pd.Series(column.to_pylist(), dtype="object")
    except (pa.ArrowException, ValueError, TypeError, OverflowError) as error:
        raise StoreUnreadable(f"{path}: column {name} cannot be read ({type(error).__name__}); "
                              "move the file aside and import your files again") from None


def remove_stale_temporaries(directory: Path, locked: bool) -> list[Path]:
    """Remove the temporary files writers killed mid-write left in the store; return them.

    Holding the store lock, every one is stale (writers hold it while writing); without a lock,
    only those untouched for STALE_SECONDS.
    """
    removed = []
    now = time.time()
    with contextlib.suppress(OSError):
        for path in directory.iterdir():
            if not TEMPORARY.fullmatch(path.name):
                continue
            with contextlib.suppress(OSError):
                if locked or now - path.stat().st_mtime > STALE_SECONDS:
                    path.unlink()
                    removed.append(path)
    return removed


def _create_temporary(directory: Path, stem: str) -> tuple[int, str]:
    # Not mkstemp: its files are 0600, so a dashboard running as another user could not read
    # the store. Created like any file instead, 0666 less the umask (0644 under umask 022).
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    while True:
        path = directory / f".{stem}-{os.getpid()}-{secrets.token_hex(6)}.tmp"
        try:
            return os.open(path, flags, 0o666), str(path)
        except FileExistsError:
            continue




def _stat_or_none(path: Path) -> write_log.Stat | None:
    try:
        return write_log.stat_key(os.stat(path))
    except FileNotFoundError:
        return None


def _last_rows(stream: BinaryIO, ids: Sequence[str], rows: int) -> gpd.GeoDataFrame | None:
    """Return the last rows of the incidents file open as `stream`, as `load` gives them: None
    unless it holds `rows` rows, the last ones sound and of exactly `ids`, in order.

    Only the row groups holding them are read (ROW_GROUP_ROWS rows each).
    """
    try:
        file = pq.ParquetFile(stream)
        meta = file.metadata
        if meta.num_rows != rows or len(ids) > rows:
            return None
        if not ids:
            return empty_incidents()
        first, held = meta.num_row_groups, 0
        while held < len(ids):
            first -= 1
            held += meta.row_group(first).num_rows
        present = set(file.schema_arrow.names)
        table = file.read_row_groups(list(range(first, meta.num_row_groups)),
                                     columns=[c for c in COLUMN_NAMES if c in present])
        raw = table.slice(table.num_rows - len(ids)).to_pandas()
    except (pa.ArrowException, OSError, ValueError, TypeError):
        return None
    found = sound_rows(raw, STORE_FILE)
    if len(found.report):
        return None  # a load reports skipped rows by their place in the whole file
    frame = found.incidents
    frame["event_id"] = frame["event_id"].str.strip()
    if frame["event_id"].tolist() != list(ids):
        return None
    return frame


def _read_parquet(path: Path) -> pd.DataFrame:
    try:
        return pq.read_table(path).to_pandas()
    except (pa.ArrowException, OSError, ValueError, TypeError) as error:
        raise StoreUnreadable(f"{path} cannot be read as Parquet ({type(error).__name__}): "
                              "`python -m sahel links --recompute` makes the links again "
                              "(a decisions file cut short: move it aside, its decisions are "
                              "lost)") from None


def _text_or_none(value: object) -> str | None:
    return None if value is None or (isinstance(value, float) and value != value) else str(value)


def is_in(values: pd.Series | pd.Index, pool: pd.Series | pd.Index) -> np.ndarray:
    """Return a boolean array: which `values` are in `pool` (text, e.g. event ids)."""
    # Arrow's is_in: pandas' isin on Arrow-backed strings took ~1 s for 100,000 ids.
    found = pc.is_in(pa.array(values, type=pa.string()),
                     value_set=pa.array(pool, type=pa.string()))
    return found.to_numpy(zero_copy_only=False).astype(bool)






def _hold_back(incoming: gpd.GeoDataFrame,
               tombstones: pd.DataFrame) -> tuple[gpd.GeoDataFrame, int]:
    if tombstones.empty:
        return incoming, 0
    deleted_at = incoming["event_id"].map(
        tombstones.set_index("event_id")["deleted_timestamp"])
    held = deleted_at.notna() & ~(incoming["timestamp"] > deleted_at).fillna(False)
    held = held.astype(bool)
    return incoming.loc[~held].reset_index(drop=True), int(held.sum())


def _combine_tombstones(old: pd.DataFrame, listed: pd.Series, file: str,
                        when: str) -> pd.DataFrame:
    new = pd.DataFrame({"event_id": listed.index.astype("str"),
                        "deleted_timestamp": listed.to_numpy(), "file": file, "recorded_at": when})
    both = pd.concat([old, new], ignore_index=True).astype({"deleted_timestamp": "Int64"})
    both = both.sort_values("deleted_timestamp", kind="stable", na_position="first")
    return both.drop_duplicates("event_id", keep="last")[list(TOMBSTONE_COLUMNS)].reset_index(
        drop=True)


def _merge(current: gpd.GeoDataFrame,
           incoming: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame | None, AddSummary]:
    """Return the merged frame (None when nothing changes) and what the merge did."""
    if current.empty:
        return (incoming if len(incoming) else None), AddSummary(
            len(incoming), 0, 0, ids=tuple(incoming["event_id"].astype("str")))
    known = is_in(incoming["event_id"], current["event_id"])
    fresh = incoming.loc[~known]
    overlap = incoming.loc[known].set_index("event_id")
    old = current.set_index("event_id").loc[overlap.index]
    old_stamp, new_stamp = old["timestamp"], overlap["timestamp"]
    # A missing timestamp counts as older than any: an undated row never replaces a dated one.
    newer = ((new_stamp > old_stamp) | (old_stamp.isna() & new_stamp.notna()))
    newer = newer.fillna(False).astype(bool).to_numpy()
    older = ((new_stamp < old_stamp) | (old_stamp.notna() & new_stamp.isna()))
    older = older.fillna(False).astype(bool).to_numpy()
    undated = (old_stamp.isna() & new_stamp.isna()).to_numpy()
    replace = newer.copy()
    if undated.any():
        replace[undated] = _differs(old.loc[undated], overlap.loc[undated]).to_numpy()
    changed = (*fresh["event_id"].astype("str"), *overlap.index[replace].astype("str"))
    summary = AddSummary(added=len(fresh), updated=int(replace.sum()),
                         unchanged=int((~replace & ~older).sum()), older=int(older.sum()),
                         ids=tuple(changed))
    if not (summary.added or summary.updated):
        return None, summary
    kept = current.loc[~is_in(current["event_id"], overlap.index[replace])]
    updates = overlap.loc[replace].reset_index()
    parts = [p for p in (kept, updates, fresh) if len(p)]
    return conform(pd.concat(parts, ignore_index=True)), summary


def _differs(old: pd.DataFrame, new: pd.DataFrame) -> pd.Series:
    differs = pd.Series(False, index=new.index)
    for column in COLUMN_NAMES:
        if column in ("event_id", "dataset_name"):
            continue  # the same content under another dataset name is the same row
        a, b = old[column], new[column]
        same = (a == b).fillna(False).astype(bool) | (a.isna() & b.isna())
        differs |= ~same.to_numpy()
    return differs


def _fsync_directory(directory: Path) -> None:
    # Makes the rename itself durable; not possible on every platform.
    with contextlib.suppress(OSError):
        descriptor = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
