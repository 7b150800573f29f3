"""The incident store in PostgreSQL + PostGIS, for a team: one database every dashboard shares.

The tables come from the Alembic migrations (`python -m sahel db upgrade`). Rows travel by COPY
in CSV both ways (100,000 incidents in about a second; the reading is `sahel.store.pg_read`).
Every write is one transaction holding the store's write lock (a transaction-level advisory
lock): writers queue one after another as with the embedded file's lock, readers never wait.
Within it the rule of the embedded store holds: the newest `timestamp` of an event wins, a
recorded deletion holds older revisions back.
Every write is recorded in `incident_history`: who, when, from which file or report, and the
row as it was before.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Collection, Hashable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import geopandas as gpd
import pandas as pd
import psycopg
import pyarrow as pa
import pyarrow.csv as pa_csv
from psycopg import sql
from psycopg.types.json import Jsonb

from sahel.datasets import check_import_name, register
from sahel.schema import COLUMN_NAMES
from sahel.store import link_rows, pg_read
from sahel.store.embedded import REJECTS_DIR, default_store_dir
from sahel.store.incoming import prepare, refuse_unsound, unresolved_actors_frame, write_report
from sahel.store.interface import (  # noqa: F401 - USER_ENV, default_user: the store's names
    USER_ENV,
    AddSummary,
    Changes,
    DeletionSummary,
    Mark,
    Records,
    StoreError,
    default_user,
)
from sahel.store.pg_read import copy_out
from sahel.stored_rows import LoadReport

if TYPE_CHECKING:
    from sahel.sources import ImportResult

DATABASE_URL_NAME = "SAHEL_DATABASE_URL"
CONNECT_TIMEOUT = 10  # seconds, unless the URL says otherwise
# Any constant: the key of the advisory lock every write holds (see the module's docstring).
WRITE_LOCK = 7_316_016_000
# Compared to decide whether an undated row changed (the dataset name alone is no change).
CONTENT_COLUMNS: tuple[str, ...] = tuple(c for c in COLUMN_NAMES
                                         if c not in ("event_id", "dataset_name"))
HISTORY_COLUMNS: tuple[str, ...] = ("id", "event_id", "action", "changed_at", "changed_by",
                                    "changed_from", "into_dataset", "revision")
# The row before a write, kept in the history under the incident columns' own names.
PREVIOUS_COLUMNS: tuple[str, ...] = COLUMN_NAMES[1:]
STORE_TABLES: tuple[str, ...] = ("incidents", "tombstones", "datasets", "incident_history",
                                 "incident_links", "link_decisions", "link_state",
                                 "store_state")
# How the stored links come back from COPY's CSV (booleans as 0/1: COPY writes t and f).
LINK_TYPES: dict[str, pa.DataType] = {
    column: {"text": pa.string(), "float": pa.float64(), "bool": pa.int64(),
             "int": pa.int64()}[kind] for column, kind in link_rows.LINK_KINDS.items()}
NOT_MIGRATED = ("the database {where} has no incident tables yet (or an older layout): run "
                "`python -m sahel db upgrade` with SAHEL_DATABASE_URL set")


class PostgresStore:
    """Canonical incidents in a PostgreSQL + PostGIS database (EPSG:4326); a `Store`.

    `url` is a libpq connection URL (`postgresql://user:password@host:5432/database`); `user`
    is who the history names as writer; `reports_dir` is where CSV reports of imports go (on the
    machine that imports; default: `rejects/` of the embedded store's folder).
    """

    def __init__(self, url: str, user: str | None = None,
                 reports_dir: str | Path | None = None) -> None:
        self.url = url
        self.user = user or default_user()
        self.reports_dir = (Path(reports_dir) if reports_dir is not None
                            else default_store_dir() / REJECTS_DIR)
        self.last_report = LoadReport()
        self.set_aside_report: Path | None = None

    @property
    def location(self) -> str:
        """Return the database as `postgresql://user@host:port/database` (never the password)."""
        try:
            info = psycopg.conninfo.conninfo_to_dict(self.url)
        except psycopg.ProgrammingError:
            return "PostgreSQL (unreadable SAHEL_DATABASE_URL)"
        user = f"{info['user']}@" if info.get("user") else ""
        port = f":{info['port']}" if info.get("port") else ""
        return f"postgresql://{user}{info.get('host', '')}{port}/{info.get('dbname', '')}"

    def load(self) -> gpd.GeoDataFrame:
        """Return every stored incident in write order (unreadable rows skipped, last_report)."""
        return self.load_marked()[0]

    def load_marked(self) -> tuple[gpd.GeoDataFrame, Mark]:
        """Return every stored incident in write order and the mark of that content: the
        version and the last history row, read in the same snapshot as the rows."""
        try:
            with self._session(snapshot=True) as connection:
                mark = _mark(connection)
                frame, self.last_report = pg_read.whole_table(connection, self._connect)
        except pg_read.SnapshotRefused:  # read again, on this connection alone
            with self._session(snapshot=True) as connection:
                mark = _mark(connection)
                frame, self.last_report = pg_read.whole_table(connection, None)
        return frame, mark

    def changes_since(self, mark: Mark) -> Changes:
        """Return the rows written and the ids removed since `mark`, from the history.

        Every write of an incident adds history rows (ids from a sequence) in a transaction
        holding the write lock, so writes commit in the order of their history ids: the rows
        after the mark's position are exactly what changed since. Two indexed lookups; the
        rows come in write order, as `load` gives them. A mark this database cannot have given
        (its version or history behind the mark: another database, or one restored) asks for
        a reload.
        """
        with self._session(snapshot=True) as connection:
            now = _mark(connection)
            if now == mark:
                return Changes(mark)
            version, position = mark.version, mark.position
            if (not isinstance(version, int) or not isinstance(position, int)
                    or _behind(now, version, position)):
                return Changes(now, reload=True)
            since = sql.SQL("SELECT event_id FROM incident_history WHERE id > {} AND id <= {}"
                            ).format(sql.Literal(position), sql.Literal(now.position))
            touched = tuple(row[0] for row in connection.execute(
                sql.SQL("SELECT DISTINCT event_id FROM ({}) AS since").format(since)))
            if not touched:  # a write that changed no incident (a registry entry)
                return Changes(now)
            rows, report = pg_read.selected_rows(
                connection, sql.SQL("event_id IN ({})").format(since))
        return Changes(now, touched=touched, rows=rows, report=report)

    def load_columns(self, columns: list[str]) -> pd.DataFrame:
        """Return some stored columns only, as text (missing ones empty); one row per id."""
        known = [c for c in columns if c in COLUMN_NAMES]
        query = sql.SQL("SELECT {} FROM incidents ORDER BY written").format(_names(known))
        with self._session() as connection:
            frame = copy_out(connection, query, dict.fromkeys(known, pa.string()))
        for column in columns:
            if column not in frame.columns:
                frame[column] = pd.Series(None, index=frame.index, dtype="str")
        return frame[columns]

    def add(self, incidents: pd.DataFrame) -> AddSummary:
        """Merge incidents in by event_id, the newest revision winning (see IncidentStore.add).

        The history names each row's dataset as its source. Raises RowsRefused for rows that
        could not be loaded back.
        """
        incoming = prepare(refuse_unsound(incidents))
        with self._writing() as connection:
            return self._merge_in(connection, incoming, None)

    def add_import(self, result: ImportResult, name: str | None = None) -> AddSummary:
        """Merge a read file in as the named dataset and register it, in one transaction."""
        dataset = check_import_name(name if name is not None else result.source_name)
        if result.kept == 0:
            return AddSummary(0, 0, 0, dataset=dataset)  # a failed file is no dataset
        incoming = prepare(refuse_unsound(result.incidents.assign(dataset_name=dataset)))
        types = incoming["dataset"].dropna().value_counts().index.tolist() or [result.format]
        with self._writing() as connection:
            summary = self._merge_in(connection, incoming, result.source_name, dataset)
            record = {"file": result.source_name, "format": result.format,
                      "source_types": types, "read": result.rows_read, "kept": result.kept,
                      "rejected": len(result.rejected),
                      "imported_at": _now_text(connection), "imported_by": self.user}
            found = connection.execute("SELECT files FROM datasets WHERE name = %s",
                                       (dataset,)).fetchone()
            entries = [{"name": dataset, "files": found[0]}] if found else []
            register(entries, dataset, record)
            connection.execute(
                "INSERT INTO datasets (name, files) VALUES (%s, %s) "
                "ON CONFLICT (name) DO UPDATE SET files = EXCLUDED.files",
                (dataset, Jsonb(entries[0]["files"])))
            _count_write(connection)
        return summary

    def apply_deletions(self, deletions: pd.DataFrame, file: str) -> DeletionSummary:
        """Apply a deletions list (`event_id`, `deleted_timestamp` in Unix seconds).

        A stored row not newer than its deletion is removed (recorded in the history with the
        row as it was); every deletion is kept as a tombstone (the latest per id).
        """
        listed = deletions.assign(event_id=deletions["event_id"].astype("str").str.strip())
        latest = listed.groupby("event_id", sort=False)["deleted_timestamp"].max()
        frame = pd.DataFrame({"event_id": latest.index.astype("str"),
                              "deleted_timestamp": latest.to_numpy()})
        with self._writing() as connection:
            connection.execute("CREATE TEMP TABLE listed (event_id text PRIMARY KEY, "
                               "deleted_timestamp bigint) ON COMMIT DROP")
            _copy_in(connection, "listed", frame.astype({"deleted_timestamp": "Int64"}))
            (present,) = _one(connection, "SELECT count(*) FROM listed JOIN incidents "
                                          "USING (event_id)")
            removed = _record_removal(
                connection, "deleted", file, self.user,
                "FROM incidents s USING listed l WHERE s.event_id = l.event_id "
                "AND l.deleted_timestamp IS NOT NULL "
                "AND NOT coalesce(s.timestamp > l.deleted_timestamp, false)", ())
            connection.execute(
                "INSERT INTO tombstones (event_id, deleted_timestamp, file) "
                "SELECT event_id, deleted_timestamp, %s FROM listed "
                "ON CONFLICT (event_id) DO UPDATE SET deleted_timestamp = "
                "EXCLUDED.deleted_timestamp, file = EXCLUDED.file, recorded_at = now() "
                # The latest deletion of an id wins; an undated one never beats a dated one.
                "WHERE tombstones.deleted_timestamp IS NULL "
                "OR EXCLUDED.deleted_timestamp >= tombstones.deleted_timestamp", (file,))
            _count_write(connection)
        return DeletionSummary(file=file, listed=len(frame), removed=removed,
                               not_in_store=len(frame) - present, newer_kept=present - removed)

    def load_tombstones(self) -> pd.DataFrame:
        """Return the deletions applied so far, one row per event_id (its latest deletion)."""
        query = sql.SQL("SELECT event_id, deleted_timestamp, file, "
                        "to_char(recorded_at AT TIME ZONE 'UTC', "
                        "'YYYY-MM-DD\"T\"HH24:MI:SS\"+00:00\"') AS recorded_at "
                        "FROM tombstones ORDER BY recorded_at, event_id")
        types = {"event_id": pa.string(), "deleted_timestamp": pa.int64(), "file": pa.string(),
                 "recorded_at": pa.string()}
        with self._session() as connection:
            frame = copy_out(connection, query, types)
        return frame.astype({"deleted_timestamp": "Int64"})

    def registry(self) -> list[dict[str, Any]]:
        """Return the registered imports, in the order they were first registered."""
        with self._session() as connection:
            rows = connection.execute("SELECT name, files FROM datasets "
                                      "ORDER BY registered").fetchall()
        return [{"name": name, "files": files} for name, files in rows]

    def remove_dataset_rows(self, name: str, match_unnamed: bool = False) -> int:
        """Remove dataset `name`'s rows (recorded in the history) and its registry entry.

        With `match_unnamed`, rows without a dataset name go too.
        """
        with self._writing() as connection:
            removed = _record_removal(
                connection, "removed", name, self.user,
                "FROM incidents s WHERE s.dataset_name = %s OR (%s AND s.dataset_name IS NULL)",
                (name, match_unnamed))
            connection.execute("DELETE FROM datasets WHERE name = %s", (name,))
            _count_write(connection)
        return removed

    def write_rejects(self, rejected: pd.DataFrame, source_name: str) -> Path:
        """Write an import's rejected rows as CSV under `reports_dir`; return its path."""
        return self._write_report(rejected, source_name, "rejects")

    def write_unresolved_actors(self, counts: dict[str, int], source_name: str) -> Path:
        """Write an import's unresolved actor names and their row counts as CSV."""
        return self._write_report(unresolved_actors_frame(counts), source_name,
                                  "unresolved-actors")

    def _write_report(self, frame: pd.DataFrame, source_name: str, kind: str) -> Path:
        # As the embedded store makes its folder: the folder above `rejects/`, not its parents.
        folder = self.reports_dir.parent
        try:
            folder.mkdir(exist_ok=True)
        except FileNotFoundError:
            raise StoreError(f"cannot create the folder {folder} for import reports: its "
                             "parent folder does not exist") from None
        return write_report(self.reports_dir, frame, source_name, kind)

    def version(self) -> Hashable:
        """Return the store's write counter: every committed write adds one."""
        with self._session() as connection:
            (version,) = _one(connection, "SELECT version FROM store_state")
        return int(version)

    def describe(self) -> Records:
        """Return where the incidents, the deletions applied and the removals are kept."""
        return Records(incidents=self.location,
                       deletions=f"the tombstones table of {self.location}",
                       removals=f"the history of {self.location} "
                                "(python -m sahel history EVENT_ID)")

    def history(self, event_id: str) -> pd.DataFrame:
        """Return every recorded write of one event, oldest first.

        Columns: id, event_id, action (added, updated, deleted, removed), changed_at (UTC),
        changed_by, changed_from (file, report or deletions list), into_dataset and revision (what
        the write wrote), previous (the row before as a dict, None for an event added).
        """
        query = sql.SQL("SELECT {}, {} FROM incident_history WHERE event_id = %s "
                        "ORDER BY id").format(_names(HISTORY_COLUMNS), _names(PREVIOUS_COLUMNS))
        with self._session() as connection:
            rows = connection.execute(query, (event_id.strip(),)).fetchall()
        size = len(HISTORY_COLUMNS)
        frame = pd.DataFrame([row[:size] for row in rows], columns=list(HISTORY_COLUMNS))
        frame["previous"] = [None if action == "added" else
                             {"event_id": row[1], **dict(zip(PREVIOUS_COLUMNS, row[size:],
                                                             strict=True))}
                             for action, row in zip(frame["action"], rows, strict=True)]
        return frame

    def load_row(self, event_id: str) -> dict[str, Any] | None:
        """Return one stored row as a dict of Python values (as `history`'s previous), or None."""
        with self._session() as connection:
            found = connection.execute(
                sql.SQL("SELECT {} FROM incidents WHERE event_id = %s").format(
                    _names(COLUMN_NAMES)), (event_id.strip(),)).fetchone()
        return None if found is None else dict(zip(COLUMN_NAMES, found, strict=True))

    def load_links(self) -> pd.DataFrame:
        """Return the stored links (`incident_links`)."""
        columns = sql.SQL(", ").join(
            sql.SQL("{0}::int AS {0}").format(sql.Identifier(c)) if kind == "bool"
            else sql.Identifier(c) for c, kind in link_rows.LINK_KINDS.items())
        query = sql.SQL("SELECT {} FROM incident_links ORDER BY score DESC NULLS FIRST, "
                        "event_id_a, event_id_b").format(columns)
        with self._session() as connection:
            frame = copy_out(connection, query, LINK_TYPES)
        return link_rows.plain_links(frame)

    def links_kept(self) -> bool:
        """Return whether links were ever stored (`link_state` holds its row)."""
        with self._session() as connection:
            (kept,) = _one(connection, "SELECT EXISTS (SELECT 1 FROM link_state)")
        return bool(kept)

    def save_links(self, links: pd.DataFrame, replacing: Collection[str] | None) -> None:
        """Replace the links touching `replacing` (all: None) by `links`, in one transaction."""
        fresh = link_rows.plain_links(links)
        with self._writing() as connection:
            if replacing is None:
                connection.execute("DELETE FROM incident_links")
            elif replacing:
                connection.execute("CREATE TEMP TABLE replacing (event_id text PRIMARY KEY) "
                                   "ON COMMIT DROP")
                _copy_in(connection, "replacing", pd.DataFrame(
                    {"event_id": sorted({str(i) for i in replacing})}))
                connection.execute("ANALYZE replacing")
                # Two deletes, each on its own index (an OR of both would scan the table).
                for side in ("event_id_a", "event_id_b"):
                    connection.execute(sql.SQL(
                        "DELETE FROM incident_links l USING replacing r WHERE l.{} = r.event_id"
                    ).format(sql.Identifier(side)))
            if len(fresh):
                _copy_in(connection, "incident_links", fresh)
            connection.execute("INSERT INTO link_state DEFAULT VALUES ON CONFLICT DO NOTHING")
            _count_write(connection)

    def load_decisions(self) -> pd.DataFrame:
        """Return the editors' hand decisions (`link_decisions`), oldest first."""
        with self._session() as connection:
            rows = connection.execute(
                "SELECT event_id_a, event_id_b, decision, decided_by, "
                "to_char(decided_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"+00:00\"') "
                "FROM link_decisions ORDER BY decided_at, event_id_a, event_id_b").fetchall()
        if not rows:
            return link_rows.empty_decisions()
        return pd.DataFrame(rows, columns=list(link_rows.DECISION_COLUMNS), dtype="object")

    def decide_link(self, first: str, second: str, decision: str | None, by: str) -> None:
        """Record (or, with None, undo) a hand decision on the pair."""
        link_rows.check_decision(decision)
        a, b = link_rows.pair_key(first, second)
        with self._writing() as connection:
            if decision is None:
                connection.execute("DELETE FROM link_decisions WHERE event_id_a = %s "
                                   "AND event_id_b = %s", (a, b))
            else:
                connection.execute(
                    "INSERT INTO link_decisions (event_id_a, event_id_b, decision, decided_by) "
                    "VALUES (%s, %s, %s, %s) ON CONFLICT (event_id_a, event_id_b) DO UPDATE "
                    "SET decision = EXCLUDED.decision, decided_by = EXCLUDED.decided_by, "
                    "decided_at = now()", (a, b, decision, by))
            _count_write(connection)

    def _merge_in(self, connection: psycopg.Connection[Any], incoming: gpd.GeoDataFrame,
                  source: str | None, dataset: str = "") -> AddSummary:
        connection.execute(sql.SQL("CREATE TEMP TABLE incoming ON COMMIT DROP AS "
                                   "SELECT {} FROM incidents WITH NO DATA").format(
            _names(COLUMN_NAMES)))
        _copy_in(connection, "incoming", pd.DataFrame(incoming.drop(columns="geometry")))
        # Temporary tables have no statistics until analysed: without them the joins below
        # ran as nested loops (minutes at 100,000 rows).
        connection.execute("ANALYZE incoming (event_id, timestamp)")
        held_back = connection.execute(
            "DELETE FROM incoming i USING tombstones t WHERE t.event_id = i.event_id "
            "AND t.deleted_timestamp IS NOT NULL "
            "AND (i.timestamp IS NULL OR i.timestamp <= t.deleted_timestamp)").rowcount
        connection.execute(sql.SQL(
            "CREATE TEMP TABLE plan ON COMMIT DROP AS SELECT i.event_id, CASE "
            "WHEN s.event_id IS NULL THEN 'added' WHEN {replaces} THEN 'updated' "
            "WHEN {older} THEN 'older' ELSE 'unchanged' END AS outcome "
            "FROM incoming i LEFT JOIN incidents s ON s.event_id = i.event_id").format(
            replaces=_replaces("i", "s"), older=_older("i", "s")))
        connection.execute("ANALYZE plan (event_id, outcome)")
        counts = dict(connection.execute("SELECT outcome, count(*) FROM plan "
                                         "GROUP BY outcome").fetchall())
        origin = sql.Literal(source) if source else sql.SQL("coalesce(i.dataset_name, 'added')")
        connection.execute(sql.SQL(
            "INSERT INTO incident_history (event_id, action, changed_by, changed_from, "
            "into_dataset, revision, {previous}) "
            "SELECT i.event_id, p.outcome, {who}, {origin}, i.dataset_name, i.timestamp, {old} "
            "FROM incoming i JOIN plan p USING (event_id) "
            "LEFT JOIN incidents s ON s.event_id = i.event_id "
            "WHERE p.outcome IN ('added', 'updated')").format(
            previous=_names(PREVIOUS_COLUMNS), who=sql.Literal(self.user), origin=origin,
            old=sql.SQL(", ").join(sql.Identifier("s", c) for c in PREVIOUS_COLUMNS)))
        names = _names(COLUMN_NAMES)
        updates = sql.SQL(", ").join(
            sql.SQL("{0} = EXCLUDED.{0}").format(sql.Identifier(c)) for c in COLUMN_NAMES[1:])
        connection.execute(sql.SQL(
            "INSERT INTO incidents ({names}) SELECT {picked} FROM incoming i "
            "JOIN plan p USING (event_id) WHERE p.outcome IN ('added', 'updated') "
            "ORDER BY i.event_id "
            "ON CONFLICT (event_id) DO UPDATE SET {updates}, written = DEFAULT "
            # The rule again, so that the upsert is right even without the plan.
            "WHERE {replaces}").format(
            names=names, picked=sql.SQL(", ").join(sql.Identifier("i", c) for c in COLUMN_NAMES),
            updates=updates, replaces=_replaces("excluded", "incidents")))
        changed: tuple[str, ...] = ()
        if counts.get("added") or counts.get("updated"):
            _count_write(connection)
            changed = tuple(row[0] for row in connection.execute(
                "SELECT event_id FROM plan WHERE outcome IN ('added', 'updated')"))
        return AddSummary(added=counts.get("added", 0), updated=counts.get("updated", 0),
                          unchanged=counts.get("unchanged", 0), older=counts.get("older", 0),
                          held_back=held_back, dataset=dataset, ids=changed)

    @contextlib.contextmanager
    def _session(self, snapshot: bool = False) -> Iterator[psycopg.Connection[Any]]:
        """Yield a connection in a transaction (committed at the end, rolled back on error);
        with `snapshot`, a read-only one whose statements all see the same committed writes."""
        connection = self._connect()
        if snapshot:
            connection.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
            connection.read_only = True
        try:
            with connection:
                yield connection
        except psycopg.errors.UndefinedTable as error:
            if not _names_a_store_table(error):
                raise
            raise StoreError(NOT_MIGRATED.format(where=self.location)) from None
        except psycopg.OperationalError as error:  # the server went away mid-way
            raise StoreError(f"lost the database {self.location}: "
                             f"{_first_line(error)}") from None

    def _connect(self) -> psycopg.Connection[Any]:
        """Return a new connection to the database (StoreError if it cannot be had)."""
        try:
            settings = psycopg.conninfo.conninfo_to_dict(self.url)
            # A server that never answers (a dropped route) must not hang a page for good.
            settings.setdefault("connect_timeout", CONNECT_TIMEOUT)
            return psycopg.connect(psycopg.conninfo.make_conninfo("", **settings),
                                   application_name="sahel")
        except psycopg.ProgrammingError as error:
            raise StoreError(f"{DATABASE_URL_NAME} is not a PostgreSQL connection URL "
                             f"({_first_line(error)})") from None
        except psycopg.OperationalError as error:
            raise StoreError(f"cannot reach the database {self.location}: "
                             f"{_first_line(error)}") from None

    @contextlib.contextmanager
    def _writing(self) -> Iterator[psycopg.Connection[Any]]:
        """Yield a connection holding the write lock, in a transaction committed at the end."""
        with self._session() as connection:
            connection.execute("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK,))
            # Sorting and hashing 100,000 rows in memory, not in temporary files.
            connection.execute("SET LOCAL work_mem = '64MB'")
            yield connection


def _mark(connection: psycopg.Connection[Any]) -> Mark:
    """Return the store's version and its last history row, as this transaction sees them."""
    version, position = _one(connection, "SELECT version, (SELECT coalesce(max(id), 0) "
                                         "FROM incident_history) FROM store_state")
    return Mark(int(version), int(position))


def _behind(now: Mark, version: int, position: int) -> bool:
    """Return whether the database is behind a mark (another database, or one restored)."""
    # `_mark` made `now`: its version and position are ints.
    return cast(int, now.version) < version or cast(int, now.position) < position


def _count_write(connection: psycopg.Connection[Any]) -> None:
    """Record in the store's version that this transaction changed what readers see."""
    connection.execute("UPDATE store_state SET version = version + 1, changed_at = now()")


def _names(columns: tuple[str, ...] | list[str]) -> sql.Composable:
    return sql.SQL(", ").join(sql.Identifier(c) for c in columns)


def _replaces(new: str, old: str) -> sql.Composable:
    """Return the SQL test that row `new` replaces row `old` (see IncidentStore.add)."""
    n, o = sql.Identifier(new, "timestamp"), sql.Identifier(old, "timestamp")
    differs = sql.SQL("ROW({}) IS DISTINCT FROM ROW({})").format(
        sql.SQL(", ").join(sql.Identifier(new, c) for c in CONTENT_COLUMNS),
        sql.SQL(", ").join(sql.Identifier(old, c) for c in CONTENT_COLUMNS))
    return sql.SQL("({n} > {o} OR ({o} IS NULL AND {n} IS NOT NULL) "
                   "OR ({o} IS NULL AND {n} IS NULL AND {differs}))").format(
        n=n, o=o, differs=differs)


def _older(new: str, old: str) -> sql.Composable:
    n, o = sql.Identifier(new, "timestamp"), sql.Identifier(old, "timestamp")
    return sql.SQL("({n} < {o} OR ({o} IS NOT NULL AND {n} IS NULL))").format(n=n, o=o)


def _record_removal(connection: psycopg.Connection[Any], action: str, source: str, who: str,
                    selection: str, parameters: tuple[object, ...]) -> int:
    """Delete the rows `selection` (`FROM incidents s …`) picks; record each; return how many."""
    query = sql.SQL(
        "WITH gone AS (DELETE {selection} RETURNING s.*) "
        "INSERT INTO incident_history (event_id, action, changed_by, changed_from, "
        "into_dataset, revision, {previous}) SELECT event_id, {action}, {who}, {source}, "
        "dataset_name, timestamp, {previous} FROM gone").format(
        selection=sql.SQL(selection), action=sql.Literal(action), who=sql.Literal(who),
        source=sql.Literal(source), previous=_names(PREVIOUS_COLUMNS))
    return connection.execute(query, parameters).rowcount


def _copy_in(connection: psycopg.Connection[Any], table: str, frame: pd.DataFrame) -> None:
    """COPY `frame` into `table` (its columns by name) as CSV: NULL unquoted, text quoted."""
    buffer = io.BytesIO()
    pa_csv.write_csv(pa.Table.from_pandas(frame, preserve_index=False), buffer,
                     pa_csv.WriteOptions(include_header=False, quoting_style="all_valid"))
    data = buffer.getvalue()
    # PostgreSQL text cannot hold U+0000; a file may (XLSX, GeoJSON): it becomes U+FFFD. In
    # UTF-8 a zero byte is only ever that character, and one search of the bytes is ~10 ms.
    if b"\x00" in data:
        data = data.replace(b"\x00", "\ufffd".encode())
    statement = sql.SQL("COPY {} ({}) FROM STDIN WITH (FORMAT csv)").format(
        sql.Identifier(table), _names(list(frame.columns)))
    with connection.cursor().copy(statement) as copy:
        copy.write(data)


def _one(connection: psycopg.Connection[Any], query: str) -> tuple[Any, ...]:
    found = connection.execute(query).fetchone()
    assert found is not None  # an aggregate or the single state row: always one row
    return tuple(found)


def _now_text(connection: psycopg.Connection[Any]) -> str:
    """Return the transaction's time as the registry writes it (ISO 8601, seconds, UTC)."""
    (text,) = _one(connection, "SELECT to_char(now() AT TIME ZONE 'UTC', "
                               "'YYYY-MM-DD\"T\"HH24:MI:SS\"+00:00\"')")
    return str(text)


def _names_a_store_table(error: psycopg.Error) -> bool:
    message = error.diag.message_primary or ""
    return any(f'relation "{table}" does not exist' in message for table in STORE_TABLES)


def _first_line(error: BaseException) -> str:
    lines = str(error).strip().splitlines()
    return lines[0][:300] if lines else type(error).__name__
