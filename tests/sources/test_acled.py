import io

import pandas as pd
import pytest
from conftest import ACLED_PRE_2023

from sahel.sources import read_incidents


def read(data: bytes, name: str = "acled.csv"):
    return read_incidents(io.BytesIO(data), name=name)


def test_current_layout_maps_every_canonical_column(acled_csv):
    result = read(acled_csv())
    assert (result.format, result.container, result.rows_read, result.kept) == ("acled", "csv",
                                                                               1, 1)
    row = result.incidents.iloc[0]
    assert row["event_id"] == "MLI90001"
    assert row["event_date"] == pd.Timestamp("2023-11-24")
    assert (row["time_precision"], row["geo_precision"]) == (1, 1)
    assert (row["event_type"], row["sub_event_type"]) == ("Battles", "Armed clash")
    assert row["actor1"] == "JNIM: Group for Support of Islam and Muslims"
    assert (row["group1"], row["group2"]) == ("JNIM", "FAMa")
    assert (row["country"], row["iso3"]) == ("Mali", "MLI")
    assert (row["admin1"], row["admin1_source"]) == ("Tombouctou", "Timbuktu")
    assert (row["admin2"], row["location"]) == ("Niafunke", "Niafunke")
    assert (row["latitude"], row["longitude"]) == (15.9322, -3.9906)
    assert (row["fatalities"], row["timestamp"]) == (12, 1700000000)
    assert row["source"] == "Synthetic Wire; Local Source"
    assert row["dataset"] == "acled"
    assert pd.isna(row["flags"]) and pd.isna(row["claims"])
    assert result.incidents.crs.to_epsg() == 4326
    assert result.incidents.geometry.iloc[0].x == -3.9906


def test_pre_2023_layout_with_numeric_inter_codes(acled_csv):
    data = acled_csv({"inter1": "2", "inter2": "1", "interaction": "12", "iso": "466"},
                     header=ACLED_PRE_2023)
    result = read(data)
    assert result.format == "acled_pre2023"
    row = result.incidents.iloc[0]
    assert (row["event_id"], row["iso3"], row["group1"]) == ("MLI90001", "MLI", "JNIM")


@pytest.mark.parametrize("text, expected", [
    ("2023-11-24", "2023-11-24"),
    ("24 November 2023", "2023-11-24"),
    ("04 March 2019", "2019-03-04"),
    ("4 March 2019", "2019-03-04"),
])
def test_both_date_styles(acled_csv, text, expected):
    result = read(acled_csv({"event_date": text}))
    assert result.incidents["event_date"].iloc[0] == pd.Timestamp(expected)


def test_xlsx_export_with_real_date_cells(acled_csv):
    frame = pd.read_csv(io.BytesIO(acled_csv({}, {"event_id_cnty": "MLI90002"})), dtype=str,
                        keep_default_na=False)
    frame["event_date"] = pd.to_datetime(["2023-11-24", "2023-11-25"])
    buffer = io.BytesIO()
    frame.to_excel(buffer, index=False)
    result = read(buffer.getvalue(), name="acled.xlsx")
    assert (result.format, result.container, result.kept) == ("acled", "xlsx", 2)
    assert result.incidents["event_date"].tolist() == [pd.Timestamp("2023-11-24"),
                                                       pd.Timestamp("2023-11-25")]
    assert result.incidents["latitude"].iloc[0] == 15.9322


def test_reads_a_path_as_well_as_a_file_object(acled_csv, tmp_path):
    path = tmp_path / "export.csv"
    path.write_bytes(acled_csv())
    from_path = read_incidents(path)
    assert from_path.source_name == "export.csv"
    pd.testing.assert_frame_equal(from_path.incidents, read(acled_csv()).incidents)


def test_unknown_actors_are_kept_counted_and_flagged(acled_csv):
    result = read(acled_csv({"actor1": "Invented Brigade of Nowhere"},
                            {"event_id_cnty": "MLI90002", "actor1": "Invented Brigade of Nowhere",
                             "actor2": ""}))
    assert result.unknown_actors == {"Invented Brigade of Nowhere": 2}
    assert result.incidents["group1"].tolist() == ["Invented Brigade of Nowhere"] * 2
    assert result.incidents["flags"].tolist() == ["unknown_actor"] * 2
    assert result.flagged == 2
    assert pd.isna(result.incidents["group2"].iloc[1])


def test_hostile_strings_are_kept_verbatim(acled_csv):
    hostile = {"actor1": "<img src=x onerror=alert(1)>", "notes": "=CMD()",
               "location": "+1-2'\"<script>"}
    row = read(acled_csv(hostile)).incidents.iloc[0]
    assert [row["actor1"], row["notes"], row["location"]] == list(hostile.values())


def test_semicolon_separated_export_from_a_french_spreadsheet(acled_csv):
    text = acled_csv().decode("utf-8")
    frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    result = read(frame.to_csv(sep=";", index=False).encode("utf-8"))
    assert result.kept == 1 and result.incidents["source"].iloc[0] == "Synthetic Wire; Local Source"
