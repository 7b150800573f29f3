"""The PostgreSQL store's reader (sahel.store.pg_read): the frame it gives is the one the reader
before it gave, on a store holding every awkward value and the hostile cells of
test_hostile_store.py that PostgreSQL's column types can hold; read in parallel parts or in one
piece, by `load_marked` or `changes_since`."""

from __future__ import annotations

import io
import json
import threading

import geopandas as gpd
import pandas as pd
import psycopg
import pyarrow as pa
import pyarrow.csv as pa_csv
import pytest
from psycopg import sql
from test_hostile_store import TEXT_CASES

from sahel.schema import COLUMN_NAMES, COLUMNS, Claim, claims_to_json, conform, empty_incidents
from sahel.store import StoreError, pg_read
from sahel.store.postgres import PostgresStore
from sahel.stored_rows import LoadReport, sound_rows
from sahel.synthetic import synthetic_incidents

MODES = ("parts", "one piece")
LOST = ("AWK-full", "AWK-empty")  # see assert_same
NASTY_TEXT = ("quote \" double \"\" and 'single', comma, semicolon; tab\there, "
              "newline\nCRLF\r\nCR\rend, backslash \\ \\N \\\\N \\t, NULL, \"\", ,")
UNICODE_TEXT = "Tombouctou — Tin‑Akof ✓ 𝔘𝔫𝔦 تمبكتو ⵜⵉⵏⴱⵓⴽⵜⵓ 🇲🇱 e\u0301 \u200b"
EVERY_TEXT = [c.name for c in COLUMNS if c.dtype == "str" and c.name != "event_id"]


def todays_reader(url: str, where: str = "true") -> tuple[gpd.GeoDataFrame, LoadReport]:
    """Read as the store did before pg_read (one COPY sorted by the server, dates parsed by
    Arrow as they came): the frame the new reader must give."""
    types = {c.name: {"str": pa.string(), "datetime64[ns]": pa.timestamp("ns"),
                      "Int8": pa.int64(), "Int64": pa.int64(), "float64": pa.float64()}[c.dtype]
             for c in COLUMNS}
    names = sql.SQL(", ").join(sql.Identifier(c) for c in COLUMN_NAMES)
    data = bytearray()
    with psycopg.connect(url) as connection, connection.cursor().copy(sql.SQL(
            "COPY (SELECT {} FROM incidents WHERE {} ORDER BY written) TO STDOUT "
            "WITH (FORMAT csv, HEADER true)").format(names, sql.SQL(where))) as copy:
        for chunk in copy:
            data += chunk
    if not data:
        return empty_incidents(), LoadReport()
    table = pa_csv.read_csv(
        io.BytesIO(data), parse_options=pa_csv.ParseOptions(newlines_in_values=True),
        convert_options=pa_csv.ConvertOptions(column_types=types, strings_can_be_null=True,
                                              quoted_strings_can_be_null=False,
                                              null_values=[""]))
    found = sound_rows(table.combine_chunks().to_pandas(), "incidents table")
    return found.incidents, found.report


def assert_same(got: tuple[gpd.GeoDataFrame, LoadReport],
                expected: tuple[gpd.GeoDataFrame, LoadReport], lost: tuple[str, ...] = ()
                ) -> None:
    """Assert the frames and reports are equal; `lost`: rows the reader before skipped, that
    the new one gives (whole numbers in a column holding a NULL came as floats: 2**63 - 1
    overflowed, -128 and 127 fell outside a small-integer column's strict bounds)."""
    frame, report = got
    before, skipped = expected
    if lost:
        assert sorted(row.event_id for row in skipped.skipped) == sorted(lost)
        frame = frame[~frame["event_id"].isin(lost)].reset_index(drop=True)
        report = LoadReport(tuple(row for row in report.skipped if row.event_id not in lost))
        skipped = LoadReport()
    pd.testing.assert_frame_equal(frame, before, check_exact=True)
    assert list(frame.dtypes) == list(before.dtypes)
    assert frame.crs == before.crs
    assert report == skipped


@pytest.fixture(params=MODES)
def read_mode(request, monkeypatch) -> str:
    """Read a table of any size in parts (several per page range) or in one piece."""
    if request.param == "parts":
        monkeypatch.setattr(pg_read, "PARALLEL_PAGES", 0)
        monkeypatch.setattr(pg_read, "READ_PARTS", 5)
        monkeypatch.setattr(pg_read, "READ_CONNECTIONS", 3)
    else:  # as from a server without TID range scans
        monkeypatch.setattr(pg_read, "TID_RANGE_SCANS", 10**9)
    return request.param


def awkward_rows() -> pd.DataFrame:
    """Rows every column of which holds a value hard to carry as text, as the store takes them."""
    claims = claims_to_json([Claim(by=f"porte-parole {k} «{UNICODE_TEXT}» {NASTY_TEXT}",
                                   role="armed_group", kind="killed", text="x" * 120,
                                   low=k, high=k + 1000) for k in range(50)])
    assert len(claims) < 20_000
    extra = json.dumps({"event_id_no_cnty": 12, "note": NASTY_TEXT, "nested": {"a": [1, None]},
                        "unicode": UNICODE_TEXT}, ensure_ascii=False)
    full = {name: f"{name}: {NASTY_TEXT} {UNICODE_TEXT}" for name in EVERY_TEXT}
    rows = [
        {**full, "event_id": "AWK-full", "event_date": "2023-11-24", "claims": claims,
         "source_extra": extra, "time_precision": 3, "geo_precision": -128,
         "latitude": 15.123456789012345, "longitude": -3.9999999999999996,
         "iso_numeric": 2**63 - 1, "fatalities": 0, "fatalities_low": -(2**63) + 1,
         "fatalities_high": 2**62, "population_1km": 1, "population_best": 9_007_199_254_740_993,
         "timestamp": 1_700_000_000},
        # Every column NULL that may be.
        {"event_id": "AWK-null", "latitude": -90.0, "longitude": 180.0},
        # Every text column empty (not NULL): it must come back empty, not missing.
        {**dict.fromkeys(EVERY_TEXT, ""), "event_id": "AWK-empty", "latitude": 90.0,
         "longitude": -180.0, "event_date": "1677-09-22", "geo_precision": 127},
        {**dict.fromkeys(EVERY_TEXT, " "), "event_id": "AWK-space", "latitude": -0.0,
         "longitude": 5e-324, "event_date": "2262-04-11", "timestamp": -1},
        {**dict.fromkeys(EVERY_TEXT, "\\N"), "event_id": "AWK-backslash-N", "latitude": 1e-300,
         "longitude": 0.1, "event_date": "1970-01-01", "claims": None},
        {**dict.fromkeys(EVERY_TEXT, '"'), "event_id": "AWK-quote", "latitude": 0.0,
         "longitude": 0.0, "event_date": "2000-02-29", "claims": ""},
        {**dict.fromkeys(EVERY_TEXT, "\n"), "event_id": "AWK-newline", "latitude": 1.0,
         "longitude": 1.0, "claims": "[]"},
        {"event_id": "AWK-id ✓ \"q\" \\ é", "latitude": 2.0, "longitude": 2.0,
         "notes": "x" * 100_000},
    ]
    frame = pd.DataFrame(rows)
    for column in COLUMNS:  # exactly: a column of floats would round 2**63 - 1
        if column.dtype == "Int64" and column.name in frame:
            frame[column.name] = pd.array([row.get(column.name) for row in rows], dtype="Int64")
    return conform(frame)


def fill(url: str) -> PostgresStore:
    """Store the awkward rows among 2,000 synthetic ones, then rewrite some (rows updated move
    in the table: its pages are no longer in write order)."""
    store = PostgresStore(url, user="tester")
    synthetic = synthetic_incidents(2_000, seed=5)
    store.add(pd.concat([synthetic.iloc[:1_000], awkward_rows(), synthetic.iloc[1_000:]],
                        ignore_index=True))
    store.add(synthetic.iloc[::7].assign(timestamp=lambda f: f["timestamp"] + 10,
                                         notes="revised\n\"again\""))
    return store


def test_the_whole_store_reads_as_before_with_every_awkward_value(postgres_url, read_mode):
    store = fill(postgres_url)
    got = store.load_marked()[0], store.last_report
    assert_same(got, todays_reader(postgres_url), lost=LOST)
    assert got[1] == LoadReport()
    frame = got[0].set_index("event_id")
    assert len(frame) == 2_000 + len(awkward_rows())
    written = awkward_rows().set_index("event_id")
    pd.testing.assert_frame_equal(frame.loc[written.index], written, check_exact=True)
    assert frame.loc["AWK-empty", "notes"] == "" and pd.isna(frame.loc["AWK-null", "notes"])


def test_changed_rows_read_as_before(postgres_url, read_mode):
    store = fill(postgres_url)
    _, mark = store.load_marked()
    store.add(awkward_rows().assign(timestamp=1_800_000_000, flags="again"))
    changes = store.changes_since(mark)
    with psycopg.connect(postgres_url) as connection:
        where = sql.SQL("event_id = ANY({})").format(
            sql.Literal(awkward_rows()["event_id"].tolist())).as_string(connection)
    assert_same((changes.rows, changes.report), todays_reader(postgres_url, where), lost=LOST)
    assert set(changes.touched) == set(awkward_rows()["event_id"])


def sql_type(column: str) -> sql.Composable:
    """Return the PostgreSQL type of an incident column (as the migrations make it)."""
    return sql.SQL({"str": "text", "datetime64[ns]": "timestamp", "Int8": "smallint",
                    "Int64": "bigint", "float64": "double precision"}[
        next(c.dtype for c in COLUMNS if c.name == column)])


def storable(url: str, column: str, value: object) -> bool:
    """Return whether the column's PostgreSQL type takes the value (as text; NULL: no, as
    the hostile rows' required columns are NOT NULL)."""
    with psycopg.connect(url) as connection:
        try:
            connection.execute(sql.SQL("SELECT %s::text::{}").format(sql_type(column)), (value,))
        except psycopg.DataError:
            return False
    return value is not None


def hostile_store(url: str, cases: list[tuple[str, object]]) -> PostgresStore:
    """Store good rows and, for each case, a row whose cell was then edited by hand."""
    store = PostgresStore(url, user="tester")
    good = {"event_date": "2023-11-24", "latitude": 15.9, "longitude": -3.9, "group1": "JNIM",
            "fatalities": 2, "dataset": "acled", "dataset_name": "old.csv",
            "timestamp": 1_700_000_000}
    store.add(conform(pd.DataFrame([{**good, "event_id": f"G-{k}"} for k in range(3)]
                                   + [{**good, "event_id": f"BAD-{k}"}
                                      for k in range(len(cases))])))
    with psycopg.connect(url) as connection:
        for k, (column, value) in enumerate(cases):
            connection.execute(sql.SQL("UPDATE incidents SET {} = %s::text::{} "
                                       "WHERE event_id = %s").format(
                sql.Identifier(column), sql_type(column)), (value, f"BAD-{k}"))
    return store


def test_hostile_cells_that_can_be_stored_read_as_before(postgres_url, read_mode):
    cases = [(c, v) for c, v in TEXT_CASES
             if c != "event_date" and storable(postgres_url, c, v)]
    assert {c for c, _ in cases} >= {"claims", "latitude", "time_precision", "event_id"}
    store = hostile_store(postgres_url, cases)
    got = store.load_marked()[0], store.last_report
    assert_same(got, todays_reader(postgres_url))
    assert sorted(got[0]["event_id"]) == ["G-0", "G-1", "G-2"]
    assert len(got[1]) == len(cases)


def test_a_date_no_frame_holds_skips_its_row_where_the_read_failed(postgres_url, read_mode):
    cases = [("event_date", v) for v in ("1500-01-01", "3000-01-01", "12/31/1600", "infinity",
                                         "-infinity", "0044-03-15 BC", "20000-01-01")
             if storable(postgres_url, "event_date", v)]
    assert len(cases) >= 5
    store = hostile_store(postgres_url, cases)
    with pytest.raises(pa.ArrowInvalid):
        todays_reader(postgres_url)
    good = todays_reader(postgres_url, "event_id LIKE 'G-%'")[0]
    pd.testing.assert_frame_equal(store.load(), good, check_exact=True)
    assert [(s.event_id, s.reason) for s in store.last_report.skipped] == [
        (f"BAD-{k}", "event_date not a date from 1677-09-22 to 2262-04-11")
        for k in range(len(cases))]


def test_the_server_s_own_date_and_float_styles_change_nothing(postgres_url, read_mode):
    fill(postgres_url)
    styled = PostgresStore(postgres_url + "?options=-c%20datestyle%3DSQL,DMY"
                           "%20-c%20extra_float_digits%3D-3")
    assert_same((styled.load(), styled.last_report), todays_reader(postgres_url), lost=LOST)


def test_the_parts_read_one_snapshot_even_when_a_write_lands_between(postgres_url,
                                                                     monkeypatch):
    monkeypatch.setattr(pg_read, "PARALLEL_PAGES", 0)
    store = fill(postgres_url)
    before = todays_reader(postgres_url)
    connect, read_part = store._connect, pg_read._read_part
    wrote, helper_read = threading.Event(), threading.Event()

    def write_then_connect():
        if threading.current_thread() is not threading.main_thread():
            # A helper's connection: first another process writes and commits.
            PostgresStore(postgres_url).add(awkward_rows().iloc[[1]].assign(event_id="LATE"))
            wrote.set()
        return connect()

    def helper_first(connection, selection, threads):
        if threading.current_thread() is threading.main_thread():
            assert helper_read.wait(timeout=30)  # the helper reads after the write
        table = read_part(connection, selection, threads)
        helper_read.set()
        return table

    monkeypatch.setattr(store, "_connect", write_then_connect)
    monkeypatch.setattr(pg_read, "_read_part", helper_first)
    frame, mark = store.load_marked()
    assert wrote.is_set() and "LATE" not in set(frame["event_id"])
    assert_same((frame, store.last_report), before, lost=LOST)
    assert mark.version == PostgresStore(postgres_url).version() - 1


def test_a_large_table_is_read_in_parts_over_several_connections(postgres_url, monkeypatch):
    monkeypatch.setattr(pg_read, "PARALLEL_PAGES", 0)
    store = fill(postgres_url)
    read_part, readers, helper_read = pg_read._read_part, [], threading.Event()

    def noted(connection, selection, threads):
        if threading.current_thread() is threading.main_thread():
            helper_read.wait(timeout=30)  # else the first connection may read every part
        readers.append((connection.info.backend_pid, selection.as_string(connection)))
        table = read_part(connection, selection, threads)
        helper_read.set()
        return table

    monkeypatch.setattr(pg_read, "_read_part", noted)
    store.load_marked()
    assert len(readers) == pg_read.READ_PARTS
    assert all("ctid" in selection for _, selection in readers)
    assert len({pid for pid, _ in readers}) > 1


def test_the_first_connection_reads_every_part_when_no_other_can_be_had(postgres_url,
                                                                       monkeypatch):
    monkeypatch.setattr(pg_read, "PARALLEL_PAGES", 0)
    store = fill(postgres_url)
    connect, made = store._connect, []

    def first_only():
        if made:
            raise StoreError("too many connections")
        made.append(1)
        return connect()

    monkeypatch.setattr(store, "_connect", first_only)
    assert_same((store.load_marked()[0], store.last_report), todays_reader(postgres_url),
                lost=LOST)


def test_an_empty_store_reads_as_the_empty_frame(postgres_url, read_mode):
    store = PostgresStore(postgres_url)
    assert_same((store.load(), store.last_report), (empty_incidents(), LoadReport()))


def test_a_server_that_will_not_export_a_snapshot_is_read_on_one_connection(postgres_url,
                                                                           monkeypatch):
    # As a pooler or managed service that refuses pg_export_snapshot: a real server error,
    # which aborts the read's transaction.
    monkeypatch.setattr(pg_read, "PARALLEL_PAGES", 0)
    monkeypatch.setattr(pg_read, "EXPORT_SNAPSHOT", "SELECT sahel_no_such_export()")
    store = fill(postgres_url)
    connect, made = store._connect, []

    def counted():
        made.append(1)
        return connect()

    monkeypatch.setattr(store, "_connect", counted)
    frame, mark = store.load_marked()
    assert_same((frame, store.last_report), todays_reader(postgres_url), lost=LOST)
    assert mark == PostgresStore(postgres_url).load_marked()[1]
    assert len(made) == 2  # the refused read, then the read again: no helper connection
