import io

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sahel.export import EXPORT_COLUMNS, to_csv_bytes
from sahel.schema import Claim, claims_from_json, claims_to_json, conform
from sahel.sources import UnknownFormatError, UnreadableSourceError, read_incidents
from sahel.sources.canonical import to_geojson_bytes, write_geoparquet

# Points inside the shipped boundaries, with the region and country they fall in.
PLACES = [(15.9322, -3.9906, "MLI", "Mali", "Tombouctou"),
          (13.41389, -1.05583, "BFA", "Burkina Faso", "Centre-Nord"),
          (15.23141, 1.31423, "NER", "Niger", "Tillabéri")]
CLAIMS = claims_to_json([
    Claim("JNIM", "armed_group", "killed", "plusieurs dizaines", 12, None),
    Claim("sources locales", "local_sources", "killed", "une cinquantaine", 50, 50),
    Claim("armée malienne", "army", "killed", "pas de bilan", None, None)])


def incident(event_id: str, place: int = 0, **values) -> dict:
    lat, lon, iso3, country, admin1 = PLACES[place]
    return {"event_id": event_id, "event_date": "2023-11-24", "time_precision": 1,
            "event_type": "Battles", "sub_event_type": "Armed clash", "actor1": "Jnim",
            "actor2": "Fama", "group1": "JNIM", "group2": "FAMa", "country": country,
            "iso3": iso3, "admin1": admin1, "admin1_source": "Tombouctou", "admin2": None,
            "location": "Niafunké", "latitude": lat, "longitude": lon, "geo_precision": 1,
            "fatalities": 12, "fatalities_low": 12, "fatalities_high": 50, "claims": CLAIMS,
            "source": "RFI", "source_url": "https://example.org/a", "notes": "camp attaqué",
            "dataset": "seed", "flags": None, "timestamp": None, **values}


@pytest.fixture
def incidents():
    return conform(pd.DataFrame([
        incident("SEED-1"),
        incident("SEED-2", 1, notes="=CMD()", actor1="<img src=x onerror=alert(1)>",
                 claims=None, fatalities=None, fatalities_low=None, fatalities_high=None),
        incident("SEED-3", 2, flags="unknown_actor", location="-2 km de Inates",
                 timestamp=1700000000, dataset="ucdp_ged", time_precision=3),
    ]))


def write(frame, container: str) -> bytes:
    if container == "csv":
        return to_csv_bytes(frame)
    if container == "geojson":
        return to_geojson_bytes(frame)
    buffer = io.BytesIO()
    write_geoparquet(frame, buffer)
    return buffer.getvalue()


@pytest.mark.parametrize("container", ["csv", "geojson", "geoparquet"])
def test_round_trip_is_lossless_claims_included(incidents, container):
    result = read_incidents(io.BytesIO(write(incidents, container)), name=f"x.{container}")
    assert (result.format, result.container, len(result.rejected)) == ("canonical", container, 0)
    pd.testing.assert_frame_equal(result.incidents, incidents)
    assert claims_from_json(result.incidents["claims"].iloc[0])[0].low == 12


def test_dashboard_csv_claims_text_is_ignored_and_formula_guard_undone(incidents):
    data = to_csv_bytes(incidents)
    assert b"'=CMD()" in data and b"claims_text" in data
    frame = read_incidents(io.BytesIO(data), name="download.csv").incidents
    assert "claims_text" not in frame.columns
    assert frame["notes"].iloc[1] == "=CMD()"
    assert frame["location"].iloc[2] == "-2 km de Inates"


TEXT = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=30).filter(
    lambda s: s.strip() != "")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(st.tuples(TEXT, TEXT, st.integers(0, 2), st.none() | st.integers(0, 999),
                               st.lists(st.tuples(TEXT, st.none() | st.integers(0, 500)),
                                        max_size=3)),
                     min_size=1, max_size=5),
       container=st.sampled_from(["csv", "geojson", "geoparquet"]))
def test_any_text_and_claims_round_trip(rows, container):
    frame = conform(pd.DataFrame([
        incident(f"R{i}", place, notes=notes, location=location, fatalities=deaths,
                 claims=claims_to_json(Claim(by, "other", "killed", by, low, low)
                                       for by, low in claims) or None)
        for i, (notes, location, place, deaths, claims) in enumerate(rows)]))
    result = read_incidents(io.BytesIO(write(frame, container)), name=f"x.{container}")
    pd.testing.assert_frame_equal(result.incidents, frame)


def test_unknown_header_names_the_missing_columns_of_the_closest_format():
    data = b"event_id_cnty,event_date,latitude,longitude,actor1\nX,2023-01-01,15,-3,JNIM\n"
    with pytest.raises(UnknownFormatError) as caught:
        read_incidents(io.BytesIO(data), name="odd.csv")
    assert caught.value.closest == "acled"
    assert "event_type" in caught.value.missing and "fatalities" in caught.value.missing
    assert "event_type" in str(caught.value)
    assert isinstance(caught.value, ValueError)


@pytest.mark.parametrize("data, message", [
    (b"", "empty file"),
    (b"  \n\n", "empty file"),
    (b"event_id,event_date\n\x81\x8d\xff\n", "not UTF-8"),
    (b'"event_id,event_date,latitude,longitude\nA,2023-01-01,15,-3\n', "broken CSV header"),
    (b"PK\x03\x04not really a workbook", "damaged ZIP archive or XLSX"),
    (b"PAR1 not really parquet", "Parquet"),
    (b'{"type": "FeatureCollection"', "GeoJSON"),
])
def test_broken_files_raise_a_clear_typed_error(data, message):
    with pytest.raises(UnreadableSourceError, match=message):
        read_incidents(io.BytesIO(data), name="broken")


def test_ragged_rows_are_rejected_with_their_row_number(incidents):
    lines = to_csv_bytes(incidents).decode("utf-8").splitlines()
    lines.insert(2, "short,row")
    lines.append(lines[1] + ",extra")
    result = read_incidents(io.BytesIO("\n".join(lines).encode()), name="ragged.csv")
    assert result.rejected["row"].tolist() == [3, 6]
    assert result.rejected["reason"].str.contains(
        f"cells where the header has {len(EXPORT_COLUMNS)}").all()
    assert result.kept + len(result.rejected) == result.rows_read == 5


def test_windows_1252_text_is_decoded_with_a_warning(incidents):
    text = to_csv_bytes(incidents).decode("utf-8-sig")
    result = read_incidents(io.BytesIO(text.encode("cp1252")), name="excel.csv")
    assert result.incidents["location"].iloc[0] == "Niafunké"
    assert result.warnings == ["not UTF-8: decoded as Windows-1252 (cp1252)"]


@pytest.mark.parametrize("notes, blank", [("one line", ""), ("two\nlines", ""),
                                          ("one line", "\n")])
def test_row_numbers_are_the_line_where_a_record_starts(incidents, notes, blank):
    frame = incidents.copy()
    frame.loc[0, "notes"] = notes
    text = to_csv_bytes(frame).decode("utf-8")
    header, rest = text.split("\n", 1)
    data = f"{header}\n{blank}{rest}short,row\n{blank}x,2023-01-01\n"
    result = read_incidents(io.BytesIO(data.encode()), name="lines.csv")
    first_bad = 2 + len(blank) + notes.count("\n") + 3
    assert result.rejected["row"].tolist() == [first_bad, first_bad + 1 + len(blank)]
    assert result.incidents["notes"].iloc[0] == notes
    assert result.kept == 3


@pytest.mark.parametrize("data, container", [
    (b"event_id,event_date,latitude,longitude\n", "csv"),
    (b"event_id,event_date,latitude,longitude", "csv"),
    (b'{"type": "FeatureCollection", "features": []}', "geojson"),
])
def test_files_without_rows_give_an_empty_canonical_frame(data, container):
    result = read_incidents(io.BytesIO(data), name="empty")
    assert (result.container, result.rows_read, result.kept) == (container, 0, 0)
    assert list(result.incidents.columns) == list(conform(pd.DataFrame()).columns)
