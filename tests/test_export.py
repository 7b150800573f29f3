import io
import json

import pandas as pd
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sahel.export import (
    EXPORT_FORMATS,
    claims_text,
    neutralise_cell,
    restore_cell,
    to_csv_bytes,
    to_geojson_bytes,
    to_geoparquet_bytes,
)
from sahel.incidents import load_incidents
from sahel.schema import COLUMN_NAMES, Claim, claims_to_json, conform
from sahel.sources import read_incidents

SEED_CLAIMS = claims_to_json([
    Claim("JNIM", "armed_group", "killed", "plusieurs dizaines", 12, None),
    Claim("sources locales", "local_sources", "killed", "une cinquantaine", 50, 50),
    Claim("armée malienne", "army", "killed", "", None, None),
])


def _frame(**overrides):
    row = {"event_id": "SEED-1", "event_date": "2023-11-24", "location": "Niafunké",
           "latitude": 15.9322, "longitude": -3.9906, "fatalities": 12, "claims": SEED_CLAIMS,
           "iso3": "MLI", "admin1": "Tombouctou"}
    row.update(overrides)
    return conform(pd.DataFrame([row]))


@pytest.mark.parametrize("value, expected", [
    ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),
    ("+33 1 23", "'+33 1 23"),
    ("-2+3", "'-2+3"),
    ("@SUM(A1)", "'@SUM(A1)"),
    ("\tcmd", "'\tcmd"),
    ("\rcmd", "'\rcmd"),
    ("'=already quoted", "''=already quoted"),
    ("Niafunké", "Niafunké"),
    ("l'armée", "l'armée"),
])
def test_neutralise_and_restore_cells(value, expected):
    assert neutralise_cell(value) == expected
    assert restore_cell(neutralise_cell(value)) == value


def test_claims_text_keeps_each_claim_apart():
    text = claims_text(SEED_CLAIMS)
    assert text == ("JNIM (armed group): killed 12+ «plusieurs dizaines» | "
                    "sources locales (local sources): killed 50 «une cinquantaine» | "
                    "armée malienne (army): killed no figure")


def test_csv_is_utf8_with_bom_and_exact_first_columns():
    data = to_csv_bytes(_frame())
    assert data.startswith("\ufeff".encode())
    text = data.decode("utf-8-sig")
    header, row = text.splitlines()[:2]
    assert header.startswith("event_id,event_date,time_precision,disorder_type,event_type,")
    assert header.endswith(",claims_text")
    assert row.startswith("SEED-1,2023-11-24,,,")
    assert "Niafunké" in row and "15.9322,-3.9906" in row


def test_csv_neutralises_hostile_text_but_not_numbers():
    data = to_csv_bytes(_frame(location="=cmd|'/c calc'!A1", notes="@evil"))
    frame = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig")
    assert frame.loc[0, "location"] == "'=cmd|'/c calc'!A1"
    assert frame.loc[0, "notes"] == "'@evil"
    assert frame.loc[0, "longitude"] == pytest.approx(-3.9906)


def test_csv_keeps_the_given_row_order():
    frame = pd.concat([_frame(event_id="B"), _frame(event_id="A")], ignore_index=True)
    lines = to_csv_bytes(frame).decode("utf-8-sig").splitlines()
    assert [line.split(",")[0] for line in lines[1:]] == ["B", "A"]


@pytest.mark.parametrize("claims", [
    "{not json", "[1,2]", '{"by":"x"}', "null", "[" * 10_000 + "]" * 10_000, "NaN",
    '{"type":"Point","coordinates":[0,0]}', None, float("nan"), 7, "x" * 1_000_000,
    '[{"by":"a","role":"army","kind":"killed","text":"","low":-5}]'])
def test_invalid_claims_cells_export_as_no_claims(claims):
    assert claims_text(claims) == ""
    frame = _frame().astype({"claims": "object"})
    frame.loc[0, "claims"] = claims
    exported = pd.read_csv(io.BytesIO(to_csv_bytes(frame)), encoding="utf-8-sig",
                           keep_default_na=False)
    assert exported.loc[0, "claims_text"] == ""


def test_a_row_of_missing_values_and_one_of_huge_strings_export():
    rlo = "\u202e"
    empty = conform(pd.DataFrame([{"event_id": None}]))
    huge = _frame(notes="=" + "x" * 2_000_000, actor1=rlo + "Katiba", location=None)
    frame = pd.concat([_frame(), empty, huge], ignore_index=True)
    exported = pd.read_csv(io.BytesIO(to_csv_bytes(frame)), encoding="utf-8-sig",
                           keep_default_na=False)
    assert len(exported) == 3
    assert exported.loc[2, "notes"] == "'=" + "x" * 2_000_000
    assert exported.loc[2, "actor1"] == rlo + "Katiba"  # the data value itself, unchanged
    assert exported.loc[1, "event_date"] == "" and exported.loc[1, "claims_text"] == ""


# Rows an analyst's store holds, at their hardest: quotes, accents, right-to-left text, missing
# values, an uncertain attribution, the source's other columns as JSON.
HARD_ROWS = [
    {"event_id": "SEED-1", "event_date": "2023-11-24", "time_precision": 1,
     "event_type": "Battles", "sub_event_type": "Armed clash", "actor1": "Jnim",
     "actor2": "Fama", "group1": "JNIM", "group2": "FAMa", "location": "Niafunké",
     "latitude": 15.9322, "longitude": -3.9906, "iso3": "MLI", "country": "Mali",
     "admin1": "Tombouctou", "geo_precision": 1, "fatalities": 12, "fatalities_low": 12,
     "fatalities_high": 50, "claims": SEED_CLAIMS, "source": "RFI", "dataset": "report",
     "notes": 'Le Jnim revendique « une attaque » et dit "pris le contrôle du camp".'},
    {"event_id": "ACLED-2", "event_date": "2019-06-02", "event_type": "Violence against civilians",
     "actor1": "JNIM: Group for Support of Islam and Muslims and/or Islamic State (Greater "
               "Sahara)", "group1": "JNIM and/or ISGS", "flags": "uncertain_attribution",
     "location": "Tillabéri", "latitude": 14.2117, "longitude": 1.4531, "iso3": "NER",
     "country": "Niger", "admin1": "Tillabéri", "fatalities": None, "timestamp": 1700000000,
     "iso_numeric": 562, "population_best": 2_500_000_000 // 3, "dataset": "acled",
     "claims": claims_to_json([Claim('l\'armée "nigérienne"', "army", "killed",
                                     "« aucun mort »\n", None, 3)]),
     "source_extra": json.dumps({"event_id_no_cnty": "0090", "note": "a \"quoted\" ‏نص"},
                                ensure_ascii=False)},
    {"event_id": "UCDP-3", "event_date": "2012-01-17", "location": None, "notes": None,
     "latitude": 13.41389, "longitude": -1.05583, "iso3": "BFA", "country": "Burkina Faso",
     "admin1": "Centre-Nord", "claims": None, "fatalities": 0, "dataset": "ucdp_ged",
     "time_precision": 3, "source": "=formula?", "tags": "-2 km"},
]


def _read_back(data: bytes, name: str):
    result = read_incidents(io.BytesIO(data), name=name)
    assert len(result.rejected) == 0, result.rejected.to_dict("records")
    return result


@pytest.mark.parametrize(("writer", "name", "container"), [
    (to_geojson_bytes, "out.geojson", "geojson"),
    (to_geoparquet_bytes, "out.parquet", "geoparquet"),
    (to_csv_bytes, "out.csv", "csv"),
])
def test_every_export_reads_back_as_the_same_rows(writer, name, container):
    frame = conform(pd.DataFrame(HARD_ROWS))
    result = _read_back(writer(frame), name)
    assert (result.format, result.container) == ("canonical", container)
    pd.testing.assert_frame_equal(result.incidents, frame)


@pytest.mark.parametrize("option", ["geojson", "parquet"])
def test_the_shipped_incidents_round_trip(option):
    shipped = load_incidents(None).reset_index(drop=True)
    assert len(shipped) > 100
    result = _read_back(EXPORT_FORMATS[option].write(shipped), "shipped" + option)
    pd.testing.assert_frame_equal(result.incidents, conform(shipped))


def test_geojson_is_rfc_7946():
    document = json.loads(to_geojson_bytes(conform(pd.DataFrame(HARD_ROWS))).decode("utf-8"))
    assert document["type"] == "FeatureCollection" and "crs" not in document
    first = document["features"][0]
    assert first["type"] == "Feature"
    # Longitude first; properties carry every canonical column by its canonical name.
    assert first["geometry"] == {"type": "Point", "coordinates": [-3.9906, 15.9322]}
    assert list(first["properties"]) == list(COLUMN_NAMES)
    assert first["properties"]["event_date"] == "2023-11-24"
    assert first["properties"]["claims"] == SEED_CLAIMS  # the stored JSON text, as it is
    assert document["features"][2]["properties"]["location"] is None
    assert "NaN" not in json.dumps(document)


def test_geoparquet_has_wkb_points_in_epsg_4326_and_canonical_types():
    frame = conform(pd.DataFrame(HARD_ROWS))
    data = to_geoparquet_bytes(frame)
    metadata = json.loads(pq.read_schema(io.BytesIO(data)).metadata[b"geo"])
    column = metadata["columns"][metadata["primary_column"]]
    assert column["encoding"] == "WKB" and column["geometry_types"] == ["Point"]
    assert column["crs"]["id"] == {"authority": "EPSG", "code": 4326}
    back = pd.read_parquet(io.BytesIO(data))
    assert list(back.columns) == [*COLUMN_NAMES, "geometry"]
    assert (back.dtypes.drop("geometry") == frame.dtypes.drop("geometry")).all()


def test_a_lone_surrogate_in_a_frame_not_conformed_still_exports_as_utf8():
    # Canonical frames cannot hold one (Arrow strings); a plain frame from elsewhere may.
    frame = pd.DataFrame(conform(pd.DataFrame(HARD_ROWS[:1]))).astype({"location": "object"})
    frame.loc[0, "location"] = "Bad\udcff name"
    document = json.loads(to_geojson_bytes(frame).decode("utf-8"))
    assert document["features"][0]["properties"]["location"] == "Bad\udcff name"


TEXT = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=25)
NAME = TEXT.filter(lambda text: text.strip() == text and text != "")


@settings(max_examples=30, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(st.fixed_dictionaries({
    "notes": st.none() | TEXT.filter(str.strip),
    "source": st.none() | NAME,
    "fatalities": st.none() | st.integers(0, 10_000),
    "claims": st.lists(st.builds(
        Claim, by=NAME, role=st.sampled_from(["army", "armed_group", "local_sources"]),
        kind=st.sampled_from(["killed", "wounded"]), text=TEXT,
        low=st.none() | st.integers(0, 99), high=st.none() | st.integers(100, 999)),
        max_size=3),
    "extra": st.dictionaries(NAME, TEXT, max_size=3),
}), min_size=1, max_size=4), option=st.sampled_from(["geojson", "parquet"]))
def test_any_values_round_trip(rows, option):
    frame = conform(pd.DataFrame([
        {**HARD_ROWS[0], "event_id": f"R{i}", "notes": row["notes"], "source": row["source"],
         "fatalities": row["fatalities"], "claims": claims_to_json(row["claims"]) or None,
         "source_extra": json.dumps(row["extra"], ensure_ascii=False) if row["extra"] else None}
        for i, row in enumerate(rows)]))
    result = _read_back(EXPORT_FORMATS[option].write(frame), "x." + option)
    pd.testing.assert_frame_equal(result.incidents, frame)


# Event groups (sahel.link_upkeep.current_groups): two records of one event, one on its own.
GROUPS = pd.DataFrame({"event_id": ["SEED-1", "RPT-1"], "event_group": ["RPT-1", "RPT-1"],
                       "dataset_key": ["demo: seed report", "report: rfi [858ac8]"]})


def _grouped():
    frame = pd.concat([
        _frame(dataset_name="demo: seed report", dataset="seed", geo_precision=1),
        _frame(event_id="RPT-1", dataset_name="report: rfi [858ac8]", dataset="report",
               fatalities=10, fatalities_low=10, fatalities_high=50, location="=Niafunké",
               geo_precision=2),
        _frame(event_id="OTHER-1", dataset_name="acled", location="Gao")], ignore_index=True)
    return conform(frame)


def test_every_export_has_event_group_after_the_canonical_columns():
    frame = _grouped()
    csv = pd.read_csv(io.BytesIO(to_csv_bytes(frame, groups=GROUPS)), encoding="utf-8-sig",
                      keep_default_na=False)
    assert list(csv.columns) == [*COLUMN_NAMES, "claims_text", "event_group"]
    assert csv["event_group"].tolist() == ["RPT-1", "RPT-1", ""]
    features = json.loads(to_geojson_bytes(frame, groups=GROUPS))["features"]
    assert [f["properties"]["event_group"] for f in features] == ["RPT-1", "RPT-1", None]
    table = pq.read_table(io.BytesIO(to_geoparquet_bytes(frame, groups=GROUPS)))
    assert table.column("event_group").to_pylist() == ["RPT-1", "RPT-1", None]
    # Without groups, the downloads are as before.
    assert b"event_group" not in to_csv_bytes(frame)
    for option in ("csv", "geojson", "parquet"):
        data = EXPORT_FORMATS[option].write(frame, groups=GROUPS)
        assert read_incidents(io.BytesIO(data), name=f"x.{option}").kept == 3


def test_once_rows_count_each_event_once_and_list_the_sources():
    from sahel.export import once_rows

    once = once_rows(_grouped(), GROUPS)  # the group's most precise record stands for it
    assert sorted(once["event_id"]) == ["OTHER-1", "SEED-1"]
    event = once.set_index("event_id").loc["SEED-1"]
    assert event["event_group"] == "RPT-1" and event["group_records"] == 2
    assert event["sources"] == "demo: seed report: SEED-1; report: rfi [858ac8]: RPT-1"
    # The coded record's toll (12) stands; the range runs over every figure and claim.
    assert (event["fatalities"], event["fatalities_low"], event["fatalities_high"]) == (
        12, 10, 50)
    alone = once.set_index("event_id").loc["OTHER-1"]
    assert pd.isna(alone["event_group"]) and alone["sources"] == "acled: OTHER-1"
    csv = pd.read_csv(io.BytesIO(to_csv_bytes(once)), encoding="utf-8-sig",
                      keep_default_na=False)
    assert list(csv.columns)[-4:] == ["event_group", "group_records", "group_datasets",
                                      "sources"]
    assert csv.loc[csv["event_id"] == "SEED-1", "group_records"].tolist() == [2]
