"""Synthetic rows in ACLED's and UCDP's exact layouts (invented values, never real ACLED rows)."""

import csv
import io

import openpyxl
import pytest

ACLED_CURRENT = (
    "event_id_cnty,event_date,year,time_precision,disorder_type,event_type,sub_event_type,actor1,"
    "assoc_actor_1,inter1,actor2,assoc_actor_2,inter2,interaction,civilian_targeting,iso,region,"
    "country,admin1,admin2,admin3,location,latitude,longitude,geo_precision,source,source_scale,"
    "notes,fatalities,tags,timestamp").split(",")
ACLED_PRE_2023 = (
    "data_id,iso,event_id_cnty,event_id_no_cnty,event_date,year,time_precision,event_type,"
    "sub_event_type,actor1,assoc_actor_1,inter1,actor2,assoc_actor_2,inter2,interaction,region,"
    "country,admin1,admin2,admin3,location,latitude,longitude,geo_precision,source,source_scale,"
    "notes,fatalities,timestamp,iso3").split(",")
# 2017–2019 exports: the pre-2023 columns without sub_event_type (and older event types).
ACLED_2017 = [c for c in ACLED_PRE_2023 if c != "sub_event_type"]
POPULATION = ["population_1km", "population_2km", "population_5km", "population_best"]
UCDP_GED = (
    "id,relid,year,active_year,code_status,type_of_violence,conflict_dset_id,conflict_new_id,"
    "conflict_name,dyad_dset_id,dyad_new_id,dyad_name,side_a_dset_id,side_a_new_id,side_a,"
    "side_b_dset_id,side_b_new_id,side_b,number_of_sources,source_article,source_office,"
    "source_date,source_headline,source_original,where_prec,where_coordinates,where_description,"
    "adm_1,adm_2,latitude,longitude,geom_wkt,priogrid_gid,country,country_id,region,"
    "event_clarity,date_prec,date_start,date_end,deaths_a,deaths_b,deaths_civilians,"
    "deaths_unknown,best,high,low,gwnoa,gwnob").split(",")

# An invented attack near Niafunké (Tombouctou region, Mali): the values every test varies.
ACLED_BASE = {
    "event_id_cnty": "MLI90001", "event_date": "2023-11-24", "year": "2023", "time_precision": "1",
    "disorder_type": "Political violence", "event_type": "Battles",
    "sub_event_type": "Armed clash", "actor1": "JNIM: Group for Support of Islam and Muslims",
    "assoc_actor_1": "", "inter1": "Rebel group", "actor2": "Military Forces of Mali (2021-)",
    "assoc_actor_2": "Wagner Group", "inter2": "State forces",
    "interaction": "Rebel group-State forces", "civilian_targeting": "", "iso": "466",
    "region": "Western Africa", "country": "Mali", "admin1": "Timbuktu", "admin2": "Niafunke",
    "admin3": "Niafunke", "location": "Niafunke", "latitude": "15.9322", "longitude": "-3.9906",
    "geo_precision": "1", "source": "Synthetic Wire; Local Source", "source_scale": "Other",
    "notes": "Synthetic test row: an attack on a camp, then an assault.", "fatalities": "12",
    "tags": "", "timestamp": "1700000000",
    # pre-2023 only
    "data_id": "1", "event_id_no_cnty": "90001", "iso3": "MLI",
}
UCDP_BASE = {c: "" for c in UCDP_GED} | {
    "id": "990001", "type_of_violence": "1", "side_a": "Government of Mali", "side_b": "JNIM",
    "source_office": "Synthetic Agency", "source_headline": "Synthetic headline",
    "where_prec": "1", "where_coordinates": "Goundam town", "adm_1": "Tombouctou region",
    "adm_2": "Goundam cercle", "latitude": "16.41453", "longitude": "-3.67075",
    "country": "Mali", "date_prec": "1", "date_start": "2023-11-24", "date_end": "2023-11-24",
    "best": "3", "high": "5", "low": "2"}


def csv_bytes(header: list[str], rows: list[dict], base: dict | None = None) -> bytes:
    """Return CSV bytes in `header` order; each row overrides `base`."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        values = {**(base or {}), **row}
        writer.writerow([values.get(c, "") for c in header])
    return out.getvalue().encode("utf-8")


def typed(value: str) -> object:
    """Return a CSV cell as a typed file holds it: numbers as numbers, an empty cell as null."""
    for kind in (int, float):
        try:
            return kind(value)
        except ValueError:
            pass
    return value or None


def xlsx_bytes(header: list[str], rows: list[list[object]]) -> bytes:
    """Return an XLSX workbook (first sheet) holding typed cells, as Excel or ACLED writes it."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def acled_csv():
    """Build an ACLED CSV (current layout unless `header` says otherwise)."""
    def build(*rows: dict, header: list[str] = ACLED_CURRENT) -> bytes:
        return csv_bytes(header, list(rows) or [{}], ACLED_BASE)
    return build


@pytest.fixture
def ucdp_csv():
    """Build a UCDP GED CSV with all 49 columns."""
    def build(*rows: dict) -> bytes:
        return csv_bytes(UCDP_GED, list(rows) or [{}], UCDP_BASE)
    return build
