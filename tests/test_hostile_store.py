"""A store an older version (or a hand edit) poisoned: every load, export and import still works.

Each case writes the store file by hand (pyarrow, bypassing `IncidentStore.add`) with good rows
and one row holding a hostile value, then asserts: the load never raises, the good rows survive,
the bad row is reported with its column, the CSV export and the map payload are made, and the
CLI's `export` exits 0 with one warning line and no traceback.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import math

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from sahel.__main__ import main
from sahel.export import to_csv_bytes
from sahel.incidents import load_incidents_checked
from sahel.map_payload import incident_payload
from sahel.schema import conform
from sahel.store import IncidentStore

GOOD_IDS = ["G-1", "G-2", "G-3"]
DEEP = "[" * 10_000 + "]" * 10_000


def _claim(**fields: object) -> str:
    base = {"by": "a", "role": "army", "kind": "killed", "text": "", "low": 1, "high": 2}
    return json.dumps([{**base, **fields}])


# (column, hostile value): text cells as an older version could have written them.
TEXT_CASES: list[tuple[str, object]] = [
    *[("claims", v) for v in ("{not json", "[1,2]", '{"by":"x"}', "null", DEEP, "NaN",
                              '{"type":"Point","coordinates":[0,0]}', "x" * 30_000,
                              "[" + ",".join(['{"by":"a"}'] * 60) + "]",
                              _claim(low=-1), _claim(low=5, high=1), _claim(role="pope"),
                              _claim(low=1).replace('"low": 1', '"low": 1e309'),
                              _claim(extra=1), _claim(low=True))],
    *[(c, v) for c in ("fatalities", "timestamp", "fatalities_high", "population_best")
      for v in ("inf", "1e309", "-1e309", "1e30", "9" * 25, "abc", "nan?", "1,5")],
    *[(c, v) for c in ("time_precision", "geo_precision") for v in ("300", "-129", "x")],
    *[("event_date", v) for v in ("1500-01-01", "3000-01-01", "0000-01-01", "-0005-01-01",
                                  "garbage", "2023-02-30", "12/31/1600")],
    *[("event_id", v) for v in ("", "   ", None)],
    *[(c, v) for c in ("latitude", "longitude") for v in (None, "north", "inf", "1e400", "500")],
]


def good_table() -> pd.DataFrame:
    """Three canonical rows as the store writes them (dtypes and all)."""
    return conform(pd.DataFrame([
        {"event_id": k, "event_date": "2023-11-24", "latitude": 15.9, "longitude": -3.9,
         "group1": "JNIM", "fatalities": 2, "dataset": "acled", "dataset_name": "old.csv",
         "timestamp": 1_700_000_000} for k in GOOD_IDS])).drop(columns="geometry")


def write_store(directory, column: str, value: object) -> None:
    """Write good rows plus row "BAD" whose `column` holds `value`, as text cells."""
    frame = good_table()
    bad = frame.iloc[[0]].assign(event_id="BAD")
    table = pd.concat([frame, bad], ignore_index=True).astype({column: "object"})
    # Text in a number or date column is itself a wrong dtype an older version could write.
    table[column] = [None if pd.isna(v) else str(v) for v in table[column]]
    table.loc[3, column] = value
    directory.mkdir(exist_ok=True)
    pq.write_table(pa.Table.from_pandas(table, preserve_index=False),
                   directory / "incidents.parquet")


def check_loads(directory, column: str, bad_id: str = "BAD") -> None:
    store = IncidentStore(directory)
    loaded = store.load()
    assert sorted(loaded["event_id"]) == GOOD_IDS
    (skipped,) = store.last_report.skipped
    assert skipped.event_id in (bad_id, "", " " * len(bad_id))
    assert column in skipped.reason or (column == "claims" and "claim" in skipped.reason)
    assert store.last_report.message().startswith("1 stored row was skipped (incidents.parquet)")
    exported = pd.read_csv(io.BytesIO(to_csv_bytes(loaded)), encoding="utf-8-sig")
    assert sorted(exported["event_id"]) == GOOD_IDS
    assert incident_payload(loaded)["n"] == 3


@pytest.mark.parametrize(("column", "value"), TEXT_CASES,
                         ids=[f"{c}-{str(v)[:24]!r}" for c, v in TEXT_CASES])
def test_a_poisoned_cell_skips_its_row_only(tmp_path, column, value):
    write_store(tmp_path, column, value)
    check_loads(tmp_path, column, "BAD" if column != "event_id" else str(value or ""))


# Arrow types an older writer could have given a column: not the canonical ones.
TYPED_CASES: list[tuple[str, pa.Array]] = [
    ("event_date", pa.array([dt.datetime(2023, 11, 24)] * 3 + [dt.datetime(3000, 1, 1)],
                            pa.timestamp("us"))),
    ("event_date", pa.array([dt.date(2023, 11, 24)] * 3 + [dt.date(1, 1, 1)], pa.date32())),
    ("fatalities", pa.array([2.0, 2.0, 2.0, math.inf])),
    ("fatalities", pa.array([2, 2, 2, 2**64 - 1], pa.uint64())),
    ("latitude", pa.array([15.9, 15.9, 15.9, math.nan])),
    ("geo_precision", pa.array([1, 1, 1, 30_000], pa.int32())),
    ("claims", pa.array([None, None, None, {"by": "x", "low": 1}])),
    ("claims", pa.array([None, None, None, [1, 2]])),
    ("event_id", pa.array(["G-1", "G-2", "G-3", None])),
]


@pytest.mark.parametrize(("column", "array"), TYPED_CASES,
                         ids=[f"{c}-{a.type}" for c, a in TYPED_CASES])
def test_a_column_of_another_type_skips_only_what_does_not_fit(tmp_path, column, array):
    frame = good_table()
    table = pa.Table.from_pandas(pd.concat([frame, frame.iloc[[0]].assign(event_id="BAD")],
                                           ignore_index=True), preserve_index=False)
    table = table.set_column(table.schema.get_field_index(column), column, array)
    pq.write_table(table, tmp_path / "incidents.parquet")
    check_loads(tmp_path, column, "BAD" if column != "event_id" else "")


@pytest.mark.parametrize(("column", "value"), [
    ("claims", "{not json"), ("fatalities", "1e309"), ("event_date", "0000-01-01"),
    ("latitude", None), ("event_id", "  ")])
def test_the_cli_exports_and_imports_into_a_poisoned_store(tmp_path, capsys, column, value):
    store = tmp_path / "store"
    write_store(store, column, value)
    out_csv = tmp_path / "out.csv"
    assert main(["export", "--store", str(store), "--no-demo", "--csv", str(out_csv)]) == 0
    err = capsys.readouterr().err
    assert "Traceback" not in err
    (warning,) = [line for line in err.splitlines() if "warning" in line]
    assert warning.startswith("export: warning: 1 stored row was skipped")
    assert sorted(pd.read_csv(out_csv, encoding="utf-8-sig")["event_id"]) == GOOD_IDS
    incidents, report = load_incidents_checked(store)
    assert set(GOOD_IDS) <= set(incidents["event_id"]) and len(report) == 1
    other = tmp_path / "other.csv"
    other.write_text("event_id,event_date,latitude,longitude,actor1\n"
                     "NEW-1,2023-11-25,15.9,-3.9,JNIM\n", encoding="utf-8")
    assert main(["import", str(other), "--store", str(store)]) == 0
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    assert "1 stored row this version cannot read removed" in captured.out
    # The import set the bad row aside (under rejects/): the store is clean again.
    store_now = IncidentStore(store)
    assert sorted(store_now.load()["event_id"]) == [*GOOD_IDS, "NEW-1"]
    assert not len(store_now.last_report)
    assert len(list((store / "rejects").glob("stored-rows-*-unreadable.csv"))) == 1


@pytest.mark.parametrize("content", [b"", b"PAR1", b"garbage\x00" * 100, b"PAR1" + b"\x00" * 64])
def test_a_store_file_that_is_not_parquet_exits_2_in_one_line(tmp_path, capsys, content):
    store = tmp_path / "store"
    store.mkdir()
    (store / "incidents.parquet").write_bytes(content)
    assert main(["export", "--store", str(store), "--csv", str(tmp_path / "o.csv")]) == 2
    captured = capsys.readouterr()
    assert captured.err.count("\n") == 1 and "Traceback" not in captured.err
    assert "cannot be read as Parquet" in captured.err
