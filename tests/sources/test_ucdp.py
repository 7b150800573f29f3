import io

import pandas as pd
import pytest

from sahel.sources import read_incidents


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
