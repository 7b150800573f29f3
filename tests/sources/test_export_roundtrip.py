"""An ACLED export read in and written out again holds every ACLED column's imported value."""

import io

import pandas as pd
from conftest import ACLED_BASE, ACLED_CURRENT, POPULATION, csv_bytes

from sahel.export import to_csv_bytes
from sahel.sources import read_incidents
from sahel.sources.acled import ACLED_TO_CANONICAL, CONSUMED

ROWS = [
    {**ACLED_BASE, "assoc_actor_1": "Katiba Macina; Ansar Dine", "civilian_targeting": "",
     "tags": "crowd size=no report", "population_1km": "1204", "population_2km": "2311",
     "population_5km": "9050", "population_best": "2311"},
    {**ACLED_BASE, "event_id_cnty": "BFA70002", "event_date": "3 January 2019", "year": "2019",
     "time_precision": "2", "disorder_type": "Political violence",
     "event_type": "Violence against civilians", "sub_event_type": "Attack",
     "actor1": "Islamic State (Greater Sahara)", "inter1": "Rebel group",
     "actor2": "Civilians (Burkina Faso)", "assoc_actor_2": "Fulani Ethnic Group (Burkina Faso)",
     "inter2": "Civilians", "interaction": "Rebel group-Civilians",
     "civilian_targeting": "Civilian targeting", "iso": "854", "country": "Burkina Faso",
     "admin1": "Sahel", "admin2": "Soum", "admin3": "Arbinda", "location": "Arbinda",
     "latitude": "14.2306", "longitude": "-0.8681", "geo_precision": "2",
     "source_scale": "National", "fatalities": "0", "timestamp": "1650000000",
     "population_best": ""},
]


def _value(column: str, cell: str) -> object:
    # The value an ACLED cell stands for, in the form the export writes.
    if cell == "":
        return None
    if column in ("event_date",):
        return pd.Timestamp(cell).strftime("%Y-%m-%d")
    if column in ("latitude", "longitude"):
        return float(cell)
    if column in ("time_precision", "geo_precision", "fatalities", "timestamp", "iso",
                  *POPULATION):
        return int(cell)
    return cell


def test_every_acled_column_survives_import_and_export():
    header = ACLED_CURRENT + POPULATION
    result = read_incidents(io.BytesIO(csv_bytes(header, ROWS)), name="acled.csv")
    assert result.kept == len(ROWS)
    exported = pd.read_csv(io.BytesIO(to_csv_bytes(result.incidents)), dtype=str,
                           keep_default_na=False, encoding="utf-8-sig")
    assert set(header) <= set(ACLED_TO_CANONICAL)
    for i, row in enumerate(ROWS):
        out = exported.iloc[i]
        for column in header:
            canonical = ACLED_TO_CANONICAL[column]
            if column == "year":
                assert out["event_date"][:4] == row["year"]
                continue
            expected = _value(column, row.get(column, ""))
            assert _value(column, out[canonical]) == expected, (i, column)
    assert exported["source_extra"].eq("").all()  # current layout: every column consumed
    assert CONSUMED == set(ACLED_TO_CANONICAL) - {"year"}
