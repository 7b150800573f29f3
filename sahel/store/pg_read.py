"""Rows out of PostgreSQL in bulk: COPY as CSV, parsed by Arrow; the incidents in write order.

The first read of the whole store is what every dashboard replica pays at its start, and
`python -m sahel export` and the others pay it too. Two things made it slow (8 s for 1,000,000
incidents where the embedded file reads in 3 s): the server sorted the rows by `written` (an
ORDER BY of 1,000,000 wide rows spills to disk), and one connection did everything in turn, the
server formatting rows while this process waited, then this process parsing while the server
waited. So here:
- the rows come unsorted and are put in write order here, by `written` (a sort of one integer
  column, then each column taken in that order: ~0.4 s for 1,000,000, as the table's pages are
  nearly but not exactly in write order, even after one import: short rows fill gaps);
- a large table is read in READ_PARTS ranges of its pages (TID range scans) over up to
  READ_CONNECTIONS connections sharing one snapshot (`pg_export_snapshot`): the server formats
  one range while this process parses another. A connection that cannot be had leaves its
  share to the others; a database too old for TID range scans (before 14) is read in one piece.
  A server that will not export a snapshot (some poolers and managed services refuse it)
  aborts the read's transaction: `SnapshotRefused` tells the store to read again on one
  connection, every range in turn.
`changes_since`'s rows go through the same reader, in one piece.

Every cell comes back as the server's text, read by Arrow's CSV reader with the column types of
the schema; dates come as text and are converted here, so a date no frame can hold (before
1677, after 2262, BC, infinity: only a hand edit stores one) reaches `stored_rows.sound_rows`,
which skips and reports its row rather than failing the whole read.
"""

from __future__ import annotations

import contextlib
import io
import queue
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import psycopg
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
from psycopg import sql

from sahel.schema import COLUMNS, empty_incidents
from sahel.stored_rows import LoadReport, sound_rows

TABLE_NAME = "incidents table"
# How the stored columns come back from COPY's CSV: Arrow types by schema dtype. Small integers
# are read wide, so a value edited by hand out of range is reported by sound_rows, not raised.
# Dates come as text: see the module's docstring. Text as large strings, as pandas' `str`
# holds it (read as plain strings, every text column was copied once more on its way).
ARROW_TYPES: dict[str, pa.DataType] = {"str": pa.large_string(),
                                       "datetime64[ns]": pa.large_string(),
                                       "Int8": pa.int64(), "Int64": pa.int64(),
                                       "float64": pa.float64()}
INCIDENT_TYPES: dict[str, pa.DataType] = {c.name: ARROW_TYPES[c.dtype] for c in COLUMNS}
DATE_COLUMNS: tuple[str, ...] = tuple(c.name for c in COLUMNS if c.dtype.startswith("datetime"))
# The order of writes, read beside the incident columns and dropped once the rows are in order.
ORDER_COLUMN = "written"
READ_TYPES: dict[str, pa.DataType] = {**INCIDENT_TYPES, ORDER_COLUMN: pa.int64()}
_EXACT_INTEGERS: dict[pa.DataType, Any] = {pa.int64(): pd.Int64Dtype()}
# A table of more pages than this (8 kB each: ~20,000 incidents) is read in parts, in parallel.
PARALLEL_PAGES = 1_000
READ_PARTS = 16
READ_CONNECTIONS = 2
TID_RANGE_SCANS = 140_000  # server_version_num from which `ctid >= …` scans only that range
# The session settings the read depends on, whatever the server's defaults: ISO dates, floats
# in their shortest exact form (0 or less would round them), and a scan of the whole table
# from its first page (a synchronised scan joins another one midway: the rows would come out
# of order, and putting 100,000 back in order costs ~0.1 s).
READ_SETTINGS: tuple[str, ...] = ("SET LOCAL datestyle = 'ISO, YMD'",
                                  "SET LOCAL extra_float_digits = 1",
                                  "SET LOCAL synchronize_seqscans = off")

EXPORT_SNAPSHOT = "SELECT pg_export_snapshot()"

Connection = psycopg.Connection[Any]


class SnapshotRefused(Exception):
    """The server refused to export the read's snapshot; the transaction is aborted."""


def copy_out(connection: Connection, query: sql.Composable,
             types: dict[str, pa.DataType]) -> pd.DataFrame:
    """Return a query's rows read by COPY as CSV (an empty text cell stays empty, not missing)."""
    table = _parsed(_received(connection, query), types, threads=True)
    if table is None:
        return pd.DataFrame({name: pd.Series([], dtype="object") for name in types})
    # One chunk per column: the reader's blocks (~1 MB each) would stay chunks of every text
    # column, and each filter of the dashboard pays per chunk (2-3x slower at 100,000 rows).
    return table.combine_chunks().to_pandas()


def whole_table(connection: Connection, connect: Callable[[], Connection] | None
                ) -> tuple[gpd.GeoDataFrame, LoadReport]:
    """Return every stored incident in write order (canonical) and the report of rows skipped.

    `connection` is in a repeatable-read transaction (what it sees is what is read); `connect`
    opens another connection to the same database, for the parts read in parallel (None: this
    connection reads them all). SnapshotRefused if the server will not share the snapshot.
    """
    _set_read_settings(connection)
    ranges = _page_ranges(connection)
    if len(ranges) == 1:
        return incidents_frame([_read_part(connection, ranges[0], threads=True)])
    if connect is None:
        return incidents_frame([_read_part(connection, part, threads=True) for part in ranges])
    try:
        # Exported from the transaction itself: PostgreSQL refuses to from a savepoint.
        (snapshot,) = _one(connection, EXPORT_SNAPSHOT)
    except psycopg.Error as error:
        if connection.broken:  # the server went away: not a refusal
            raise
        raise SnapshotRefused(str(error)) from None
    return incidents_frame(_read_parts(connection, connect, str(snapshot), ranges))


def selected_rows(connection: Connection, selection: sql.Composable
                  ) -> tuple[gpd.GeoDataFrame, LoadReport]:
    """Return the stored incidents `selection` (an SQL condition) picks, in write order."""
    _set_read_settings(connection)
    return incidents_frame([_read_part(connection, selection, threads=True)])


def incidents_frame(parts: list[pa.Table | None]) -> tuple[gpd.GeoDataFrame, LoadReport]:
    """Return the rows read (parts in any order of `written`) as the canonical frame, in write
    order, and the report of the rows that do not conform."""
    tables = [part for part in parts if part is not None and part.num_rows]
    if not tables:
        return empty_incidents(), LoadReport()
    table = pa.concat_tables(tables)
    written = table.column(ORDER_COLUMN).to_numpy()
    if len(written) > 1 and not bool(np.all(written[1:] > written[:-1])):
        table = table.take(pa.array(np.argsort(written, kind="stable"), _index_type(written)))
    table = table.drop_columns([ORDER_COLUMN]).combine_chunks()
    for name in DATE_COLUMNS:
        position = table.schema.get_field_index(name)
        with contextlib.suppress(pa.ArrowInvalid):  # left as text: sound_rows reports them
            table = table.set_column(position, name,
                                     pc.cast(table.column(position), pa.timestamp("ns")))
    # Whole numbers as pandas' nullable integers: as floats (where a column has a NULL) those
    # past 2**53 were rounded, and -128 or 127 in a small-integer column skipped.
    found = sound_rows(table.to_pandas(types_mapper=_EXACT_INTEGERS.get), TABLE_NAME)
    return found.incidents, found.report


def _index_type(values: np.ndarray) -> pa.DataType:
    # Arrow's take is ~1.5x faster with 32-bit indices than with numpy's 64-bit ones.
    return pa.int32() if len(values) < 2**31 else pa.int64()


def _read_parts(connection: Connection, connect: Callable[[], Connection], snapshot: str,
                ranges: list[sql.Composable]) -> list[pa.Table | None]:
    """Read the ranges over this connection and up to READ_CONNECTIONS - 1 others that import
    `snapshot`; return the tables in the ranges' order."""
    waiting: queue.SimpleQueue[int] = queue.SimpleQueue()
    for index in range(len(ranges)):
        waiting.put(index)
    tables: list[pa.Table | None] = [None] * len(ranges)
    stop = threading.Event()

    def work(on: Connection) -> None:
        while not stop.is_set():
            try:
                index = waiting.get_nowait()
            except queue.Empty:
                return
            # One thread per part: the parallelism is the parts' (Arrow's threads on top
            # cost a third more processor time for the same rows).
            tables[index] = _read_part(on, ranges[index], threads=False)

    def helper() -> None:
        with _sharing(connect, snapshot) as other:
            if other is not None:
                work(other)

    with ThreadPoolExecutor(max_workers=READ_CONNECTIONS - 1,
                            thread_name_prefix="sahel-read") as pool:
        helpers = [pool.submit(helper) for _ in range(READ_CONNECTIONS - 1)]
        try:
            work(connection)
        finally:
            stop.set()  # on an error here, the helpers stop after their current part
        for done in helpers:
            done.result()
    return tables


@contextlib.contextmanager
def _sharing(connect: Callable[[], Connection], snapshot: str) -> Iterator[Connection | None]:
    """Yield another connection whose transaction sees `snapshot`, or None if none can be had
    (a server at its connection limit, a pooler that cannot share snapshots)."""
    try:
        other = connect()
    except Exception:  # noqa: BLE001 - the first connection reads the share of this one
        yield None
        return
    with other:
        try:
            other.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
            other.read_only = True
            other.execute(sql.SQL("SET TRANSACTION SNAPSHOT {}").format(sql.Literal(snapshot)))
            _set_read_settings(other)
        except psycopg.Error:
            other.rollback()
            yield None
            return
        yield other


def _page_ranges(connection: Connection) -> list[sql.Composable]:
    """Return the conditions that read the incidents table: one (all of it) for a small table
    or an old server, else READ_PARTS ranges of its pages, the last open-ended (the table may
    have grown after this transaction's snapshot: those rows are not seen, but must not be
    missed either should the snapshot see them)."""
    pages, version = _one(connection, "SELECT pg_relation_size('incidents') / "
                                      "current_setting('block_size')::int, "
                                      "current_setting('server_version_num')::int")
    if int(pages) <= PARALLEL_PAGES or int(version) < TID_RANGE_SCANS:
        return [sql.SQL("true")]
    edges = [int(pages) * k // READ_PARTS for k in range(READ_PARTS)]
    ranges: list[sql.Composable] = []
    for first, end in zip(edges, [*edges[1:], None], strict=True):
        start = sql.SQL("ctid >= {}::tid").format(sql.Literal(f"({first},0)"))
        ranges.append(start if end is None else sql.SQL("{} AND ctid < {}::tid").format(
            start, sql.Literal(f"({end},0)")))
    return ranges


def _read_part(connection: Connection, selection: sql.Composable, threads: bool
               ) -> pa.Table | None:
    query = sql.SQL("SELECT {} FROM incidents WHERE {}").format(
        sql.SQL(", ").join(sql.Identifier(c) for c in READ_TYPES), selection)
    return _parsed(_received(connection, query), READ_TYPES, threads)


def _received(connection: Connection, query: sql.Composable) -> bytearray:
    data = bytearray()
    statement = sql.SQL("COPY ({}) TO STDOUT WITH (FORMAT csv, HEADER true)").format(query)
    with connection.cursor().copy(statement) as copy:
        for chunk in copy:
            data += chunk
    return data


def _parsed(data: bytearray, types: dict[str, pa.DataType], threads: bool) -> pa.Table | None:
    """Return the CSV rows COPY sent as an Arrow table (None for no rows): NULL (an unquoted
    empty cell) missing, an empty text ("") empty."""
    if not data:
        return None
    return pa_csv.read_csv(
        io.BytesIO(data), read_options=pa_csv.ReadOptions(use_threads=threads),
        parse_options=pa_csv.ParseOptions(newlines_in_values=True),
        convert_options=pa_csv.ConvertOptions(column_types=types, strings_can_be_null=True,
                                              quoted_strings_can_be_null=False,
                                              null_values=[""]))


def _set_read_settings(connection: Connection) -> None:
    for setting in READ_SETTINGS:
        connection.execute(setting)


def _one(connection: Connection, query: str) -> tuple[Any, ...]:
    found = connection.execute(query).fetchone()
    assert found is not None  # an aggregate: always one row
    return tuple(found)

