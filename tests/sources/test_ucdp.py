import io
import json

import pandas as pd
import pytest
from conftest import UCDP_BASE, UCDP_GED, typed, xlsx_bytes

from sahel.sources import read_incidents
from sahel.validation import OUTSIDE, SWAPPED


def read(data: bytes, name: str = "GEDEvent_v25_1.csv"):
    return read_incidents(io.BytesIO(data), name=name)


def test_full_ged_row_maps_to_canonical(ucdp_csv):
    result = read(ucdp_csv())
    assert (result.format, result.kept) == ("ucdp_ged", 1)
    row = result.incidents.iloc[0]
    assert row["event_id"] == "UCDP-990001"
    assert row["event_date"] == pd.Timestamp("2023-11-24")
    assert (row["actor1"], row["actor2"]) == ("Government of Mali", "JNIM")
    assert (row["group1"], row["group2"]) == ("FAMa", "JNIM")
    assert (row["fatalities"], row["fatalities_low"], row["fatalities_high"]) == (3, 2, 5)
    assert (row["admin1_source"], row["admin1"]) == ("Tombouctou region", "Tombouctou")
    assert (row["admin2"], row["location"]) == ("Goundam cercle", "Goundam town")
    assert (row["source"], row["notes"]) == ("Synthetic Agency", "Synthetic headline")
    assert (row["iso3"], row["dataset"]) == ("MLI", "ucdp_ged")


@pytest.mark.parametrize("violence, event_type, sub_event_type", [
    ("1", "Battles", "Armed clash"),
    ("2", "Battles", "Armed clash"),
    ("3", "Violence against civilians", "Attack"),
])
def test_type_of_violence_to_event_type(ucdp_csv, violence, event_type, sub_event_type):
    row = read(ucdp_csv({"type_of_violence": violence})).incidents.iloc[0]
    assert (row["event_type"], row["sub_event_type"]) == (event_type, sub_event_type)


@pytest.mark.parametrize("where_prec, expected", [("1", 1), ("2", 2), ("3", 3), ("4", 3),
                                                  ("5", 3), ("6", 3), ("7", 3)])
def test_where_prec_to_geo_precision(ucdp_csv, where_prec, expected):
    assert read(ucdp_csv({"where_prec": where_prec})).incidents["geo_precision"].iloc[0] == expected


@pytest.mark.parametrize("date_prec, expected", [("1", 1), ("2", 2), ("3", 2), ("4", 3),
                                                 ("5", 3)])
def test_date_prec_to_time_precision(ucdp_csv, date_prec, expected):
    assert read(ucdp_csv({"date_prec": date_prec})).incidents["time_precision"].iloc[0] == expected


@pytest.mark.parametrize("name, dataset", [
    ("GEDEvent_v25_1.csv", "ucdp_ged"),
    ("GEDEvent_v25_0_9.csv", "ucdp_candidate"),
    ("ucdp_candidate_2025.csv", "ucdp_candidate"),
])
def test_candidate_files_are_told_apart_by_name(ucdp_csv, name, dataset):
    result = read(ucdp_csv(), name=name)
    assert result.format == dataset
    assert result.incidents["dataset"].iloc[0] == dataset


def test_reduced_extract_gets_its_region_by_point_in_polygon():
    data = (b"id,conflict_id,latitude,longitude,date,type_of_violence,best,civilian_deaths,"
            b"combatant_deaths,country,region\n"
            b"990002,288,14.4089,-1.5507,2019-01-28,1,4,0,4,Burkina Faso,Africa\n"
            b"990003,288,13.78076,5.2081,2020-10-27,3,1,1,0,Niger,Africa\n")
    result = read(data, name="ucdp_ged_sample.csv")
    assert result.format == "ucdp_ged_extract"
    frame = result.incidents
    assert frame["event_id"].tolist() == ["UCDP-990002", "UCDP-990003"]
    assert frame["admin1"].tolist() == ["Sahel", "Tahoua"]
    assert frame["admin1_source"].isna().all()
    assert frame["iso3"].tolist() == ["BFA", "NER"]
    assert frame["event_type"].tolist() == ["Battles", "Violence against civilians"]
    assert frame["fatalities"].tolist() == [4, 1]


def test_reduced_extract_names_the_side_the_codebook_fixes():
    data = (b"id,latitude,longitude,date,type_of_violence,best,country\n"
            b"990004,14.4089,-1.5507,2019-01-28,1,4,Burkina Faso\n"
            b"990005,13.78076,5.2081,2020-10-27,3,1,Niger\n"
            b"990006,15.93,-3.99,2020-10-27,2,1,Mali\n")
    frame = read(data, name="extract.csv").incidents
    assert frame["group1"].tolist()[0] == "Burkina Faso forces"
    assert frame["group1"].isna().tolist()[1:] == [True, True]
    assert frame["group2"].isna().tolist() == [True, False, True]
    assert frame["group2"].iloc[1] == "Civilians"


def test_sides_dyad_and_conflict_are_kept(ucdp_csv):
    data = ucdp_csv({"dyad_name": "Government of Mali - JNIM",
                     "conflict_name": "Mali: Government", "region": "Africa"})
    row = read(data).incidents.iloc[0]
    assert (row["actor1"], row["actor2"]) == ("Government of Mali", "JNIM")
    assert (row["dyad_name"], row["conflict_name"]) == ("Government of Mali - JNIM",
                                                        "Mali: Government")
    assert row["world_region"] == "Africa"


def test_source_extra_holds_every_unmapped_column_in_file_order(ucdp_csv):
    row = read(ucdp_csv({"relid": "MLI-2023-1-990", "year": "2023", "deaths_a": "2",
                         "deaths_b": "1", "deaths_civilians": "0", "date_end": "2023-11-25",
                         "geom_wkt": "POINT (-3.67075 16.41453)"})).incidents.iloc[0]
    assert json.loads(row["source_extra"]) == {
        "relid": "MLI-2023-1-990", "type_of_violence": "1", "where_prec": "1", "date_prec": "1",
        "date_end": "2023-11-25", "deaths_a": "2", "deaths_b": "1", "deaths_civilians": "0"}
    assert list(json.loads(row["source_extra"]))[:2] == ["relid", "type_of_violence"]


def _geojson(rows: list[dict]) -> bytes:
    features = [{"type": "Feature",
                 "properties": {c: typed(r.get(c, "")) for c in UCDP_GED},
                 "geometry": {"type": "Point", "coordinates": [float(r["longitude"]),
                                                               float(r["latitude"])]}}
                for r in rows]
    return json.dumps({"type": "FeatureCollection", "features": features}).encode()


def _xlsx(rows: list[dict]) -> bytes:
    return xlsx_bytes(UCDP_GED, [[typed(r.get(c, "")) for c in UCDP_GED] for r in rows])


BANGUI = {"id": "990010", "side_a": "Government of Central African Republic",
          "side_b": "Civilians", "type_of_violence": "3", "adm_1": "Bangui prefecture",
          "country": "Central African Republic", "latitude": "4.3612", "longitude": "18.555",
          "where_coordinates": "Bangui town", "deaths_civilians": "3", "relid": "CAR-1"}


@pytest.mark.parametrize("name, dataset", [("GEDEvent_v25_1", "ucdp_ged"),
                                           ("GEDEvent_v25_0_9", "ucdp_candidate")])
@pytest.mark.parametrize("container", ["xlsx", "geojson"])
def test_xlsx_and_geojson_give_the_same_incidents_as_csv(ucdp_csv, name, dataset, container):
    rows = [UCDP_BASE, {**UCDP_BASE, **BANGUI}]
    from_csv = read(ucdp_csv(*rows), name=f"{name}.csv")
    data = _xlsx(rows) if container == "xlsx" else _geojson(rows)
    result = read(data, name=f"{name}.{container}")
    assert (result.container, result.format, result.kept) == (container, dataset, 2)
    pd.testing.assert_frame_equal(result.incidents, from_csv.incidents)
    assert result.incidents["admin1"].tolist() == ["Tombouctou", "Bangui"]
    assert result.incidents["iso3"].tolist() == ["MLI", "CAF"]


PLACES_BEYOND = [  # (latitude, longitude, country, adm_1, expected admin1, iso3)
    ("4.3612", "18.555", "Central African Republic", "Bangui", "Bangui", "CAF"),
    ("6.3703", "2.3912", "Benin", "Littoral", "Littoral", "BEN"),  # Cotonou
    ("9.0765", "7.3986", "Nigeria", "Federal Capital Territory", "Federal Capital Territory",
     "NGA"),  # Abuja
    ("-1.2921", "36.8219", "Kenya", "Nairobi province", "Nairobi", "KEN"),  # beyond outlines
    ("-4.3217", "15.3125", "DR Congo (Zaire)", "Kinshasa", "Kinshasa", "COD"),
    ("-11.6647", "27.4794", "DR Congo (Zaire)", "", None, "COD"),  # Lubumbashi, no adm_1
]


@pytest.mark.parametrize("lat, lon, country, adm_1, admin1, iso3", PLACES_BEYOND)
def test_points_on_land_are_kept_wherever_they_are(ucdp_csv, lat, lon, country, adm_1, admin1,
                                                   iso3):
    result = read(ucdp_csv({"latitude": lat, "longitude": lon, "country": country,
                            "adm_1": adm_1, "side_a": "Government of Somewhere"}))
    assert result.rejected.empty, result.rejected["reason"].tolist()
    row = result.incidents.iloc[0]
    assert (row["iso3"], row["country"]) == (iso3, country)
    assert (None if pd.isna(row["admin1"]) else row["admin1"]) == admin1
    flags = set(str(row["flags"]).split(";"))
    assert ("unknown_region" in flags) == (admin1 is None)
    assert "country_mismatch" not in flags


@pytest.mark.parametrize("lat, lon, country, reason", [
    ("10.0", "-30.0", "Mali", OUTSIDE),  # the Atlantic
    ("4.0", "-3.0", "Côte d'Ivoire", OUTSIDE),  # Gulf of Guinea
    ("36.8219", "-1.2921", "Kenya", SWAPPED),  # lands in Algeria; read back, in Kenya
    ("-3.67075", "16.41453", "Mali", SWAPPED),  # lands in Congo; read back, in Mali
    ("16.41453", "-30.0", "Mali", OUTSIDE),  # at sea, and swapped at sea too
])
def test_only_points_at_sea_are_rejected_and_swapped_only_into_the_named_country(
        ucdp_csv, lat, lon, country, reason):
    result = read(ucdp_csv({"latitude": lat, "longitude": lon, "country": country}))
    assert result.rejected["reason"].tolist() == [reason]


def test_a_point_in_another_country_than_named_is_kept_and_flagged(ucdp_csv):
    # Dakar's point on a row naming Mali: read back swapped it is not in Mali either, so it
    # is not "swapped?"; it is kept as given and flagged.
    row = read(ucdp_csv({"latitude": "14.7167", "longitude": "-17.4677",
                         "adm_1": "Dakar"})).incidents.iloc[0]
    assert (row["iso3"], row["admin1"]) == ("MLI", "Dakar")
    assert "country_mismatch" in row["flags"]
