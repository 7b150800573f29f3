"""Arbitrary bytes and cell values through every reader: typed errors only, nothing lost or bad."""

import csv
import io
import json

import openpyxl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sources.hostile import import_safely

HEADER = ["event_id", "event_date", "latitude", "longitude", "fatalities", "timestamp",
          "geo_precision", "claims", "notes"]
GOOD = ["F1", "2023-11-24", "15.9322", "-3.9906", "3", "1700000000", "1", "", "ok"]
FUZZ = settings(max_examples=25, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])

NUMBERS = (st.integers(min_value=-(10**40), max_value=10**40).map(str)
           | st.floats(allow_nan=True, allow_infinity=True).map(repr)
           | st.sampled_from(["inf", "-inf", "nan", "1e309", "1e30", "9" * 5000, "0x1A", "TRUE",
                              "15,5", "", " ", "-0"]))
CELLS = (st.text(max_size=40) | NUMBERS
         | st.sampled_from(["{not json", "[1,2]", "null", "[" * 3000, "\x1b[2J", "\u202e05",
                            "0000-01-01", "1677-09-21", "9999-12-31", '"', "\r\n", "\x00"]))
ROWS = st.lists(st.lists(CELLS, min_size=len(HEADER), max_size=len(HEADER)), max_size=4)


def csv_data(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerows([HEADER, GOOD, *rows])
    return out.getvalue().encode("utf-8", "surrogatepass")


def typed(cell: str) -> object:
    try:
        return json.loads(cell, parse_int=lambda d: int(d) if len(d) < 19 else d)
    except (ValueError, RecursionError):
        return cell


def geojson_data(rows: list[list[str]]) -> bytes:
    features = [{"type": "Feature", "properties": dict(zip(HEADER, map(typed, row), strict=True)),
                 "geometry": None} for row in [GOOD, *rows]]
    return json.dumps({"type": "FeatureCollection", "features": features}).encode(
        "utf-8", "surrogatepass")


def xlsx_data(rows: list[list[str]]) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in [HEADER, GOOD, *rows]:
        # openpyxl refuses control characters in cells, as Excel does.
        sheet.append([c if c.isprintable() else repr(c) for c in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@FUZZ
@given(data=st.binary(max_size=300))
def test_arbitrary_bytes(data, tmp_path):
    import_safely(data, "fuzz.csv", tmp_path / "store")


@FUZZ
@given(data=st.binary(max_size=200), prefix=st.sampled_from(
    [b"PK\x03\x04", b"PAR1", b"{", b'{"features": [', b"\xff\xfe", b"event_id,event_date\n"]))
def test_arbitrary_bytes_after_a_known_start(data, prefix, tmp_path):
    import_safely(prefix + data, "fuzz", tmp_path / "store")


@FUZZ
@given(rows=ROWS, container=st.sampled_from(["csv", "geojson", "xlsx"]))
def test_arbitrary_cells(rows, container, tmp_path):
    build = {"csv": csv_data, "geojson": geojson_data, "xlsx": xlsx_data}[container]
    try:
        data = build(rows)
    except UnicodeEncodeError:  # a lone surrogate cannot be written as UTF-8 at all
        return
    result = import_safely(data, f"fuzz.{container}", tmp_path / "store")
    assert result is not None and result.rows_read == len(rows) + 1
    assert "F1" in set(result.incidents["event_id"]) or len(rows) > 0
