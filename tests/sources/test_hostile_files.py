"""Hostile and broken files: each ends as kept rows, rejects with reasons, or one typed error."""

import gzip
import io
import json
import re
import zipfile

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import shapely
from conftest import ACLED_BASE, ACLED_CURRENT, csv_bytes, xlsx_bytes
from hostile import import_safely

from sahel.schema import MAX_CLAIM_FIGURE
from sahel.sources import tabular

CANONICAL = ["event_id", "event_date", "latitude", "longitude", "fatalities", "claims"]
GOOD_ROW = {"event_id": "OK1", "event_date": "2023-11-24", "latitude": "15.9322",
            "longitude": "-3.9906", "fatalities": "3", "claims": ""}
CLAIM = {"by": "JNIM", "role": "armed_group", "kind": "killed", "text": "dix", "low": 10,
         "high": 10}


def acled(*rows: dict) -> bytes:
    return csv_bytes(ACLED_CURRENT, [{}, *rows], ACLED_BASE | {"event_id_cnty": "MLI1"})


def bad_row(**cells: str) -> dict:
    return {"event_id_cnty": "MLI2", **cells}


def read_one_bad(data: bytes, tmp_path, name: str = "x.csv"):
    result = import_safely(data, name, tmp_path / "store")
    assert result is not None
    assert result.kept == 1 and len(result.rejected) == 1
    return result.rejected["reason"].iloc[0]


BAD_CLAIMS = [
    ("{not json", "not valid JSON"), ("[1,2]", "not a JSON object"),
    ('{"by":"x"}', "not a JSON list"), ("null", "not a JSON list"),
    ("[" * 10_000 + "]" * 10_000, "not valid JSON"), ("NaN", "not valid JSON"),
    ('{"type":"Point","coordinates":[1,2]}', "not a JSON list"),
    ('[{"by":"x"}]', "missing or not text"), ("true", "not a JSON list"),
    ('"killed"', "not a JSON list"), ("[" + ",".join(['{}'] * 51) + "]", "more than 50"),
    (json.dumps([CLAIM | {"role": "god"}]), "role"),
    (json.dumps([CLAIM | {"low": -1}]), "outside"),
    (json.dumps([CLAIM | {"low": 20, "high": 10}]), "above"),
    (json.dumps([CLAIM | {"high": 10**30}]), "outside"),
    (json.dumps([CLAIM | {"low": "12"}]), "whole number"),
    (json.dumps([CLAIM | {"extra": 1}]), "unknown field"),
]


@pytest.mark.parametrize("claims, why", BAD_CLAIMS)
def test_a_bad_claims_cell_rejects_its_row_only(tmp_path, claims, why):
    data = csv_bytes(CANONICAL, [GOOD_ROW, GOOD_ROW | {"event_id": "BAD", "claims": claims}])
    reason = read_one_bad(data, tmp_path)
    assert reason.startswith("invalid claims: ") and why in reason


def test_a_valid_claims_cell_is_kept(tmp_path):
    data = csv_bytes(CANONICAL, [GOOD_ROW | {"claims": json.dumps([CLAIM])}])
    result = import_safely(data, "x.csv", tmp_path / "store")
    assert result is not None and result.kept == 1


HOSTILE_NUMBERS = ["inf", "-inf", "nan", "NaN", "1e309", "1e30", "1" * 25, "9" * 5000, "0x1A",
                   "1_000", "TRUE", "12 dead", "١٢"]


@pytest.mark.parametrize("column", ["fatalities", "timestamp", "time_precision",
                                    "geo_precision", "iso", "latitude", "longitude"])
@pytest.mark.parametrize("value", HOSTILE_NUMBERS)
def test_hostile_numbers_reject_their_row(tmp_path, column, value):
    reason = read_one_bad(acled(bad_row(**{column: value})), tmp_path)
    canonical = {"iso": "iso_numeric"}.get(column, column)
    assert canonical in reason or "latitude/longitude" in reason


@pytest.mark.parametrize("column, value, reason", [
    ("fatalities", str(MAX_CLAIM_FIGURE + 1), f"fatalities '100001' above {MAX_CLAIM_FIGURE:,}"),
    ("timestamp", "12", "timestamp '12' outside"),
    ("timestamp", "99999999999", "timestamp '99999999999' outside"),
    ("iso", "4660", "iso_numeric '4660' outside 0–999"),
])
def test_numbers_out_of_their_plausible_range(tmp_path, column, value, reason):
    assert reason in read_one_bad(acled(bad_row(**{column: value})), tmp_path)


def test_population_beyond_the_worlds_is_rejected(tmp_path):
    header = [*ACLED_CURRENT, "population_best"]
    data = csv_bytes(header, [{}, {"event_id_cnty": "MLI2", "population_best": "1e12"}],
                     ACLED_BASE | {"event_id_cnty": "MLI1", "population_best": "5000"})
    assert "population_best" in read_one_bad(data, tmp_path)


@pytest.mark.parametrize("text", ["1677-09-21", "2262-04-12", "0000-01-01", "-0001-01-01",
                                  "10000-01-01", "1800-01-01", "1945-12-31", "9999-12-31",
                                  "2999-01-01", "9" * 30, "31/12/1899"])
def test_dates_outside_the_plausible_range_are_rejected(tmp_path, text):
    reason = read_one_bad(acled(bad_row(event_date=text, year="")), tmp_path)
    assert "event_date" in reason


def test_an_implausible_date_says_the_range(tmp_path):
    reason = read_one_bad(acled(bad_row(event_date="1800-01-01", year="")), tmp_path)
    assert reason.startswith("event_date '1800-01-01' outside 1946-01-01 to ")


def test_control_characters_never_reach_a_reason(tmp_path):
    reason = read_one_bad(acled(bad_row(event_date="\x1b[31mred\u202e" + "x" * 100)), tmp_path)
    assert "\\x1b[31mred\\u202e" in reason and "\x1b" not in reason
    assert len(reason) < 120


def feature(properties: object = None, geometry: object = None) -> object:
    return {"type": "Feature", "properties": properties, "geometry": geometry}


GOOD_PROPERTIES = {"event_id": "G1", "event_date": "2023-11-24", "fatalities": 2}
POINT = {"type": "Point", "coordinates": [-3.9906, 15.9322]}


def geojson(*features: object) -> bytes:
    document = {"type": "FeatureCollection",
                "features": [feature(GOOD_PROPERTIES, POINT), *features]}
    return json.dumps(document).encode()


BAD_FEATURES = [
    ("a string", "feature is text"), (7, "feature is a number"), (None, "feature is null"),
    ([1, 2], "feature is a list"),
    (feature([1], POINT), "properties is a list"), (feature("p", POINT), "properties is text"),
    (feature({"event_id": "B"}, "Point"), "geometry is text"),
    (feature({"event_id": "B"}, {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0]]]}),
     "'Polygon' is not a Point"),
    (feature({"event_id": "B"}, {"type": "Point", "coordinates": ["a", "b"]}), "coordinates"),
    (feature({"event_id": "B"}, {"type": "Point", "coordinates": [[1, 2]]}), "coordinates"),
    (feature({"event_id": "B"}, {"type": "Point"}), "coordinates"),
    (feature({"event_id": "B"}, {"type": "Point", "coordinates": [True, 1]}), "coordinates"),
    (feature({"event_id": "B"}, {"type": 5}), "geometry a number is not a Point"),
    (feature({str(i): i for i in range(1_001)}, POINT), "properties"),
]


@pytest.mark.parametrize("bad, why", BAD_FEATURES)
def test_a_bad_geojson_feature_is_rejected_and_the_others_kept(tmp_path, bad, why):
    result = import_safely(geojson(bad), "x.geojson", tmp_path / "store")
    assert result is not None and result.kept == 1
    assert result.rejected["row"].tolist() == [2]
    assert why in result.rejected["reason"].iloc[0]


@pytest.mark.parametrize("properties, why", [
    ({"fatalities": True}, "fatalities"), ({"fatalities": 10**30}, "fatalities"),
    ({"latitude": 12345678}, "latitude"), ({"timestamp": 1e300}, "timestamp"),
    ({"claims": [CLAIM]}, "claims is not text"), ({"claims": {"a": 1}}, "claims"),
    ({"event_date": "0000-01-01"}, "event_date"), ({"event_date": 20231124}, "event_date"),
    ({"event_date": None}, "missing event_date"), ({"fatalities": [1, [2]]}, "fatalities"),
])
def test_typed_geojson_values_are_checked(tmp_path, properties, why):
    bad = feature({**GOOD_PROPERTIES, "event_id": "B", **properties}, POINT)
    data = geojson(bad).replace(b"12345678", b"1" + b"0" * 4999)  # json.dumps cannot
    reason = read_one_bad(data, tmp_path, "x.geojson")
    assert why in reason


def test_nan_and_infinity_literals_in_geojson_are_rejected(tmp_path):
    text = geojson(feature({**GOOD_PROPERTIES, "event_id": "B", "fatalities": 0}, POINT))
    text = text.replace(b'"fatalities": 0', b'"fatalities": Infinity')
    assert "fatalities" in read_one_bad(text, tmp_path, "x.geojson")


def test_a_feature_nested_too_deep_is_rejected_alone(tmp_path):
    deep = "[" * 100_000 + "]" * 100_000
    text = geojson("PLACEHOLDER").decode().replace('"PLACEHOLDER"', deep)
    result = import_safely(text.encode(), "x.geojson", tmp_path / "store")
    assert result is not None and result.kept == 1
    assert result.rejected["reason"].tolist() == ["feature nested too deeply to read"]


@pytest.mark.parametrize("data, message", [
    (b'{"type": "FeatureCollection", "features": {"a": 1}}', "without a `features` list"),
    (b'[1, 2, 3]', "a JSON list without a `features` list"),
    (b'{"features": [' + b"[" * 100_000, "broken GeoJSON|nested too deeply"),
    (b'{"crs": ' + b"[" * 100_000 + b"]" * 100_000 + b', "features": []}', "nested too deeply"),
    (b'{"type": "FeatureCollection", "features": [}', "broken GeoJSON"),
    (b'{"a": "\xff"}', "not UTF-8"),
])
def test_a_document_that_is_not_geojson_is_one_clear_error(data, message):
    assert import_safely(data, "x.geojson") is None
    with pytest.raises(tabular.UnreadableSourceError, match=message):
        from sahel.sources import read_incidents
        read_incidents(io.BytesIO(data), name="x.geojson")


def geoparquet(geometries: list[object]) -> bytes:
    frame = pd.DataFrame({"event_id": [f"P{i}" for i in range(len(geometries))],
                          "event_date": "2023-11-24", "geometry": geometries})
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False)
    return buffer.getvalue()


def test_geoparquet_rows_with_bad_geometry_are_rejected(tmp_path):
    good = shapely.to_wkb(shapely.Point(-3.9906, 15.9322))
    polygon = shapely.to_wkb(shapely.box(0, 0, 1, 1))
    data = geoparquet([good, polygon, b"\x01\x02not wkb", good[:7], None])
    result = import_safely(data, "x.parquet", tmp_path / "store")
    assert result is not None and result.kept == 1
    reasons = dict(zip(result.rejected["row"], result.rejected["reason"], strict=True))
    assert "'Polygon' is not a Point" in reasons[2]
    assert reasons[3] == reasons[4] == "undecodable geometry (not WKB nor WKT)"
    assert "missing latitude" in reasons[5]


def test_a_geoparquet_geometry_written_as_wkt_text_is_read(tmp_path):
    data = geoparquet(["POINT (-3.9906 15.9322)", "POINT (nonsense)", "LINESTRING (0 0, 1 1)"])
    result = import_safely(data, "x.parquet", tmp_path / "store")
    assert result is not None and result.kept == 1
    assert (result.incidents["longitude"].iloc[0], result.incidents["latitude"].iloc[0]) == (
        -3.9906, 15.9322)
    assert result.rejected["reason"].tolist() == ["undecodable geometry (not WKB nor WKT)",
                                                  "geometry 'LineString' is not a Point"]


def test_a_parquet_binary_column_is_read_as_text_or_rejects_its_row(tmp_path):
    # A bytes cell that is not UTF-8 failed the whole import (UnicodeDecodeError in the rejects).
    table = pa.table({"event_id": [b"A", b"B", b"C"], "event_date": ["2023-11-24"] * 3,
                      "latitude": [15.9322] * 3, "longitude": [-3.9906] * 3,
                      "notes": [b"caf\xc3\xa9", b"\xff\xfe", None]})
    buffer = io.BytesIO()
    pq.write_table(table, buffer)
    result = import_safely(buffer.getvalue(), "x.parquet", tmp_path / "store")
    assert result is not None
    assert result.incidents["event_id"].tolist() == ["A", "C"]
    assert result.incidents["notes"].iloc[0] == "café"
    assert result.rejected["reason"].tolist() == ["binary data in 'notes', not UTF-8 text"]


def test_parquet_lists_and_structs_are_kept_as_json_text(tmp_path):
    table = pa.table({"event_id": ["A"], "event_date": ["2023-11-24"], "latitude": [15.9322],
                      "longitude": [-3.9906], "actor1": pa.array([["JNIM", "ISSP"]]),
                      "notes": pa.array([{"text": "x", "n": 1}])})
    buffer = io.BytesIO()
    pq.write_table(table, buffer)
    result = import_safely(buffer.getvalue(), "x.parquet", tmp_path / "store")
    assert result is not None
    assert result.incidents[["actor1", "notes"]].iloc[0].tolist() == [
        '["JNIM", "ISSP"]', '{"text": "x", "n": 1}']


def test_geoparquet_dates_beyond_nanoseconds_are_rejected(tmp_path):
    table = pd.DataFrame({"event_id": ["A", "B"], "latitude": [15.9322, 15.9322],
                          "longitude": [-3.9906, -3.9906],
                          "event_date": pd.array([np.datetime64("2023-11-24", "s"),
                                                  np.datetime64("0001-01-01", "s")])})
    buffer = io.BytesIO()
    table.to_parquet(buffer, index=False)
    assert "outside 1946-01-01" in read_one_bad(buffer.getvalue(), tmp_path, "x.parquet")


def test_a_corrupt_parquet_file_is_one_clear_error():
    data = geoparquet([None])
    assert import_safely(data[:40] + b"\x00" * 50 + data[90:], "x.parquet") is None


def test_an_xlsx_cell_over_excels_limit_rejects_its_row(tmp_path):
    rows = [[ACLED_BASE.get(c, "") for c in ACLED_CURRENT] for _ in range(2)]
    rows[1][0] = "MLI2"
    rows[1][ACLED_CURRENT.index("notes")] = "LONG"
    # openpyxl cuts what it writes at Excel's limit: write the long cell into the XML instead.
    data = rezip(xlsx_bytes(ACLED_CURRENT, rows), lambda name, part: part.replace(
        b">LONG<", b">" + b"x" * (tabular.MAX_CELL_CHARS + 1) + b"<"))
    reason = read_one_bad(data, tmp_path, "x.xlsx")
    assert reason == "a cell longer than 32,767 characters"


def rezip(data: bytes, change) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            target.writestr(info.filename, change(info.filename, source.read(info)))
    return out.getvalue()


@pytest.mark.parametrize("ref", [b"A1:AE1500001", b"A1:ZZZZ2", b"A1:B99999999999"])
def test_an_xlsx_declaring_a_huge_sheet_is_refused_before_parsing(ref):
    data = xlsx_bytes(["a"], [["b"]])

    def declare(name: str, part: bytes) -> bytes:
        return re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="' + ref + b'"', part)
    with pytest.raises(tabular.UnreadableSourceError, match="workbook declares"):
        tabular.read_xlsx_table(rezip(data, declare))


def test_an_xlsx_part_over_its_cap_is_refused(monkeypatch):
    monkeypatch.setattr(tabular, "MAX_XLSX_PART_BYTES", 100)
    with pytest.raises(tabular.UnreadableSourceError, match="unpacks to .* zip bomb"):
        tabular.read_xlsx_table(xlsx_bytes(["a"] * 50, [["b"] * 50]))


def test_an_xlsx_with_more_rows_than_the_cap_is_refused(monkeypatch):
    monkeypatch.setattr(tabular, "MAX_XLSX_ROWS", 3)
    data = rezip(xlsx_bytes(["a"], [["b"]] * 5),
                 lambda name, part: re.sub(rb"<dimension [^>]*/>", b"", part))
    with pytest.raises(tabular.UnreadableSourceError, match="more than 3 rows"):
        tabular.read_xlsx_table(data)


def test_an_xlsx_with_more_cells_than_the_cap_is_refused(monkeypatch):
    monkeypatch.setattr(tabular, "MAX_XLSX_CELLS", 20)
    with pytest.raises(tabular.UnreadableSourceError, match="more than 20 cells"):
        tabular.read_xlsx_table(xlsx_bytes(["a", "b", "c"], [["1", "2", "3"]] * 10))


def test_a_csv_cell_over_the_limit_rejects_its_row(tmp_path):
    data = acled(bad_row(notes="x" * 200_000), {"event_id_cnty": "MLI3"})
    result = import_safely(data, "x.csv", tmp_path / "store")
    assert result is not None and result.kept == 2
    assert result.rejected["reason"].tolist() == ["a cell longer than 32,767 characters"]


def test_a_csv_cut_off_mid_file_keeps_its_complete_rows(tmp_path):
    data = acled({"event_id_cnty": "MLI2"}, {"event_id_cnty": "MLI3", "notes": "cut, here"})
    cut = data[: data.rindex(b"cut") + 3]
    assert cut.count(b'"') % 2 == 1
    result = import_safely(cut, "x.csv", tmp_path / "store")
    assert result is not None and result.kept == 2
    assert result.rejected["row"].tolist() == [4]
    assert "ends inside a quoted cell" in result.rejected["reason"].iloc[0]


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40


def zip_of(name: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        # A fixed date: the bytes (and so the test's id) are the same in every process.
        archive.writestr(zipfile.ZipInfo(name, date_time=(2023, 11, 25, 0, 0, 0)), "x")
    return out.getvalue()


@pytest.mark.parametrize("data, what", [
    (PNG, "a PNG image"), (b"%PDF-1.7\n%\xe2\xe3", "a PDF document"),
    (gzip.compress(b"a,b\n1,2\n", mtime=0), "a gzip archive"), (b"\x7fELF\x02\x01\x01" + b"\0" * 50,
                                                      "an executable"),
    (zip_of("data.csv"), "a ZIP archive, not an XLSX"), (zip_of("word/document.xml"), "Word"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 50, ".xls workbook"),
    (b"event_id,event_date\nA,\x00\x00\n", "binary data"),
])
def test_a_misnamed_binary_file_says_what_it_is(data, what):
    from sahel.sources import UnreadableSourceError, read_incidents
    with pytest.raises(UnreadableSourceError, match=re.escape(what)):
        read_incidents(io.BytesIO(data), name="incidents.csv")


def test_misnamed_tables_are_read_by_what_they_are(tmp_path):
    rows = [[ACLED_BASE.get(c, "") for c in ACLED_CURRENT]]
    result = import_safely(xlsx_bytes(ACLED_CURRENT, rows), "really.csv", tmp_path / "s")
    assert result is not None and (result.container, result.kept) == ("xlsx", 1)
    parquet = geoparquet([shapely.to_wkb(shapely.Point(-3.9906, 15.9322))])
    result = import_safely(parquet, "really.json", tmp_path / "s")
    assert result is not None and (result.container, result.kept) == ("geoparquet", 1)


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_without_a_bom_is_read(tmp_path, encoding):
    data = acled().decode().encode(encoding)
    result = import_safely(data, "x.csv", tmp_path / "store")
    assert result is not None and result.kept == 1
    assert "without a byte-order mark" in result.warnings[0]


@pytest.mark.parametrize("event_id", ["MLI1\u200b", "\u200eMLI1", "ML\u00adI1", "MLI1\ufeff",
                                      "\u202eMLI1", "MLI\x001", "MLI1\u2066", "MLI\x1b1"])
def test_an_id_with_an_invisible_character_is_rejected_not_a_second_event(tmp_path, event_id):
    # "MLI1" pasted from a web page with a zero-width space was stored beside MLI1: one event
    # counted twice, and no way to tell the two apart on the page.
    data = csv_bytes(CANONICAL, [GOOD_ROW | {"event_id": "MLI1"},
                                 GOOD_ROW | {"event_id": event_id}])
    result = import_safely(data.replace(b"\x00", b"\x01"), "x.csv", tmp_path / "store")
    assert result is not None and result.incidents["event_id"].tolist() == ["MLI1"]
    assert result.rejected["reason"].tolist() == [
        "event_id with an invisible or control character"]


def test_ids_trimmed_of_unicode_spaces_are_one_event(tmp_path):
    data = csv_bytes(CANONICAL, [GOOD_ROW | {"event_id": "MLI1"},
                                 GOOD_ROW | {"event_id": "\u00a0MLI1\u3000"}])
    result = import_safely(data, "x.csv", tmp_path / "store")
    assert result is not None and result.kept == 1
    assert result.rejected["reason"].str.startswith("duplicate event_id").all()


def test_headers_differing_only_by_case_are_two_columns(tmp_path):
    data = csv_bytes([*ACLED_CURRENT, "NOTES"], [{"NOTES": "other"}], ACLED_BASE)
    result = import_safely(data, "x.csv", tmp_path / "store")
    assert result is not None and result.kept == 1


def test_a_csv_header_wider_than_excels_is_refused_at_once():
    # 100,000 columns in a 1 MB file took ~20 s to read.
    from sahel.sources import UnreadableSourceError, read_incidents
    header = ",".join(["event_id", "event_date", "latitude", "longitude"]
                      + [f"c{i}" for i in range(tabular.MAX_XLSX_COLUMNS)])
    data = (header + "\nA,2023-11-24,15.93,-3.99" + "," * tabular.MAX_XLSX_COLUMNS).encode()
    with pytest.raises(UnreadableSourceError, match="more than 16,384 columns"):
        read_incidents(io.BytesIO(data), name="x.csv")


@pytest.mark.parametrize("low, best, high, reason", [
    ("2", "9", "5", "fatalities above fatalities_high"),
    ("4", "1", "5", "fatalities_low above fatalities"),
    ("6", "", "5", "fatalities_low above fatalities_high"),
])
def test_ucdp_counts_out_of_order_reject_their_row(tmp_path, low, best, high, reason):
    # UCDP's low <= best <= high: best 9 with high 5 was kept, no range at all.
    from conftest import UCDP_BASE, UCDP_GED
    data = csv_bytes(UCDP_GED, [{}, {"id": "2", "low": low, "best": best, "high": high}],
                     UCDP_BASE)
    assert read_one_bad(data, tmp_path, "ged.csv") == reason


def test_ucdp_counts_in_order_or_partly_missing_are_kept(tmp_path):
    from conftest import UCDP_BASE, UCDP_GED
    rows = [{"id": str(i), "low": low, "best": best, "high": high}
            for i, (low, best, high) in enumerate([("2", "2", "2"), ("", "9", "5"), ("1", "3", ""),
                                                   ("", "", "")])]
    rows[1]["high"] = "10"
    result = import_safely(csv_bytes(UCDP_GED, rows, UCDP_BASE), "ged.csv", tmp_path / "s")
    assert result is not None and result.kept == 4


def test_a_canonical_file_keeps_counts_out_of_order_as_the_store_holds_them(tmp_path):
    # Only UCDP's codebook orders them: an export of the store must read back whole.
    data = csv_bytes([*CANONICAL, "fatalities_low", "fatalities_high"],
                     [GOOD_ROW | {"fatalities": "0", "fatalities_low": "12",
                                  "fatalities_high": "5"}])
    result = import_safely(data, "x.csv", tmp_path / "store")
    assert result is not None and result.kept == 1
