"""Files as analysts have them: Excel's dates and encodings, HDX's HXL row, old ACLED layouts."""

import datetime as dt
import io

import pandas as pd
import pytest
from conftest import (
    ACLED_2017,
    ACLED_BASE,
    ACLED_CURRENT,
    ACLED_PRE_2023,
    POPULATION,
    csv_bytes,
    typed,
    xlsx_bytes,
)

from sahel.sources import read_incidents


def read(data: bytes, name: str = "acled.csv"):
    return read_incidents(io.BytesIO(data), name=name)


@pytest.mark.parametrize("text, expected", [
    ("2021-02-16", "2021-02-16"),
    ("16 February 2021", "2021-02-16"),  # ACLED's own
    ("16-Feb-21", "2021-02-16"),  # Excel (English), re-saved as CSV
    ("16-Feb-2021", "2021-02-16"),
    ("2/16/2021", "2021-02-16"),  # Excel, US locale
    ("16/02/2021", "2021-02-16"),  # Excel, French or British locale
    ("16.02.2021", "2021-02-16"),
    ("2021-02-16 00:00:00", "2021-02-16"),
    ("2/16/2021 0:00", "2021-02-16"),
    ("16/02/2021 00:00:00", "2021-02-16"),
    ("2/16/21 12:00 AM", "2021-02-16"),
    ("16-févr.-21", "2021-02-16"),  # Excel, French locale
    ("February 16, 2021", "2021-02-16"),
])
def test_every_date_style_excel_writes_back(acled_csv, text, expected):
    result = read(acled_csv({"event_date": text, "year": "2021"}))
    assert result.rejected.empty, result.rejected["reason"].tolist()
    assert result.incidents["event_date"].iloc[0] == pd.Timestamp(expected)


def test_a_whole_excel_resaved_export_keeps_every_row(acled_csv):
    rows = [{"event_id_cnty": f"MLI{i}", "event_date": f"{i}-Nov-23", "year": "2023"}
            for i in range(1, 29)]
    result = read(acled_csv(*rows))
    assert (result.kept, result.failed) == (28, False)
    assert result.incidents["event_date"].iloc[-1] == pd.Timestamp("2023-11-28")


@pytest.mark.parametrize("others, expected", [
    (["16/02/2021"], "2021-03-02"),  # the file writes day first
    (["2/16/2021"], "2021-02-03"),  # the file writes month first
])
def test_ambiguous_day_and_month_follow_the_file(acled_csv, others, expected):
    rows = [{"event_id_cnty": "A", "event_date": "02/03/2021"},
            *({"event_id_cnty": f"B{i}", "event_date": d} for i, d in enumerate(others))]
    result = read(acled_csv(*rows))
    assert result.rejected.empty
    assert result.incidents["event_date"].iloc[0] == pd.Timestamp(expected)


@pytest.mark.parametrize("others, why", [
    ([], "no date of the file decides"),
    (["16/02/2021", "2/16/2021"], "the file has dates of both orders"),
])
def test_undecidable_day_and_month_are_rejected(acled_csv, others, why):
    rows = [{"event_id_cnty": "A", "event_date": "02/03/2021"},
            *({"event_id_cnty": f"B{i}", "event_date": d} for i, d in enumerate(others))]
    result = read(acled_csv(*rows))
    assert result.rejected["reason"].tolist() == [
        f"ambiguous event_date '02/03/2021' (day or month first? {why})"]
    assert result.kept == len(others)


def test_a_file_with_no_row_kept_failed_with_grouped_reasons(acled_csv):
    rows = [{"event_id_cnty": f"M{i}", "event_date": f"{i}-Smarch-21"} for i in range(1, 4)]
    rows += [{"event_id_cnty": "M9", "latitude": "0", "longitude": "0"},
             {"event_id_cnty": "M9", "latitude": "0", "longitude": "0"}]
    result = read(acled_csv(*rows))
    assert result.failed and result.kept == 0
    assert result.top_reasons(2) == [("unparseable event_date", 3),
                                     ("coordinates 0,0 (a placeholder, not a place)", 2)]
    assert ("duplicate event_id", 1) in result.top_reasons(10)
    assert not read(acled_csv()).failed


HXL = {"event_id_cnty": "#event+code", "event_date": "#date", "year": "#date+year",
       "admin1": "#adm1+name", "fatalities": "#affected+killed", "latitude": "#geo+lat",
       "longitude": "#geo+lon", "country": "#country+name"}


def test_hxl_hashtag_row_is_skipped_in_csv():
    data = csv_bytes(ACLED_CURRENT, [{c: HXL.get(c, "") for c in ACLED_CURRENT},
                                     ACLED_BASE, {**ACLED_BASE, "event_id_cnty": "X",
                                                  "event_date": "soon"}])
    result = read(data)
    assert (result.rows_read, result.kept) == (2, 1)
    assert result.warnings == ["HXL hashtag row skipped (row 2)"]
    assert result.rejected["row"].tolist() == [4]  # line numbers are still the file's


def test_hxl_hashtag_row_is_skipped_in_xlsx():
    rows = [[HXL.get(c, "") for c in ACLED_CURRENT], [ACLED_BASE[c] for c in ACLED_CURRENT]]
    result = read(xlsx_bytes(ACLED_CURRENT, rows), name="acled.xlsx")
    assert (result.container, result.rows_read, result.kept) == ("xlsx", 1, 1)
    assert result.warnings == ["HXL hashtag row skipped (row 2)"]


def test_a_single_hash_in_a_data_row_is_data(acled_csv):
    result = read(acled_csv({"notes": "#BringBackOurGirls"}))
    assert (result.rows_read, result.kept, result.warnings) == (1, 1, [])


@pytest.mark.parametrize("encoding, bom", [("utf-16-le", "\ufeff"), ("utf-16-be", "\ufeff"),
                                           ("utf-16", "")])
def test_unicode_text_as_excel_saves_it(acled_csv, encoding, bom):
    frame = pd.read_csv(io.BytesIO(acled_csv({"location": "Niafunké"})), dtype=str,
                        keep_default_na=False)
    text = frame.to_csv(sep="\t", index=False, lineterminator="\r\n")
    result = read((bom + text).encode(encoding), name="acled.txt")
    assert (result.format, result.kept, result.warnings) == ("acled", 1, [])
    row = result.incidents.iloc[0]
    assert (row["location"], row["source"]) == ("Niafunké", "Synthetic Wire; Local Source")


def test_2017_layout_without_sub_event_type(acled_csv):
    data = acled_csv({"event_date": "04 March 2019", "year": "2019", "inter1": "2",
                      "event_type": "Battle-No change of territory", "inter2": "1",
                      "interaction": "12"}, header=ACLED_2017)
    result = read(data)
    assert (result.format, result.kept) == ("acled_pre2023", 1)
    row = result.incidents.iloc[0]
    assert row["event_date"] == pd.Timestamp("2019-03-04")
    assert pd.isna(row["sub_event_type"])
    assert (row["inter1"], row["inter2"], row["interaction"]) == ("2", "1", "12")
    assert row["source_extra"] == '{"data_id":"1","event_id_no_cnty":"90001"}'


def test_year_is_kept_in_source_extra_only_where_it_disagrees(acled_csv):
    frame = read(acled_csv({}, {"event_id_cnty": "MLI90002", "year": "2022"})).incidents
    assert pd.isna(frame["source_extra"].iloc[0])
    assert frame["source_extra"].iloc[1] == '{"year":"2022"}'


def test_blank_cells_are_missing_and_numbers_parse(acled_csv):
    data = acled_csv({"assoc_actor_2": "", "tags": " ", "population_1km": "",
                      "population_best": "4521", "iso": "466"},
                     header=ACLED_CURRENT + POPULATION)
    row = read(data).incidents.iloc[0]
    for column in ("assoc_actor_1", "assoc_actor_2", "civilian_targeting", "tags",
                   "source_extra"):
        assert pd.isna(row[column]), column
    assert pd.isna(row["population_1km"])
    assert (row["population_best"], row["iso_numeric"]) == (4521, 466)
    bad = read(acled_csv({"population_best": "many"}, header=ACLED_CURRENT + POPULATION))
    assert bad.rejected["reason"].tolist() == ["unparseable population_best 'many'"]


def _typed(column: str, value: str) -> object:
    # What ACLED's XLSX holds: real dates, numbers as numbers, ids and names as text.
    if column == "event_date":
        return dt.datetime.fromisoformat(value)
    if column in ("event_id_cnty", "data_id"):
        return value
    return typed(value)


@pytest.mark.parametrize("header", [ACLED_CURRENT + POPULATION, ACLED_PRE_2023])
def test_xlsx_gives_the_same_values_as_csv(header):
    rows = [{**ACLED_BASE, "population_best": "4521", "data_id": "007"},
            {**ACLED_BASE, "event_id_cnty": "MLI90002", "latitude": "14.5", "fatalities": "0",
             "inter1": "2", "data_id": "008"}]
    from_csv = read(csv_bytes(header, rows))
    workbook = xlsx_bytes(header, [[_typed(c, r.get(c, "")) for c in header] for r in rows])
    from_xlsx = read(workbook, name="acled.xlsx")
    assert from_xlsx.container == "xlsx" and from_xlsx.kept == 2
    pd.testing.assert_frame_equal(from_xlsx.incidents, from_csv.incidents)
    assert from_xlsx.incidents["inter1"].iloc[1] == "2"  # not "2.0"
    if "data_id" in header:
        assert '"data_id":"007"' in from_xlsx.incidents["source_extra"].iloc[0]


@pytest.mark.parametrize("stamps, kept_row, reason", [
    (["1700000000", "1700000500"], 3, "older revision of event_id 'MLI90001' (newer at row 3)"),
    (["1700000500", "1700000000"], 2, "older revision of event_id 'MLI90001' (newer at row 2)"),
    (["1700000000", "1700000000"], 2, "duplicate event_id (first at row 2)"),
    (["", ""], 2, "duplicate event_id (first at row 2)"),
    (["", "1700000000"], 3, "older revision of event_id 'MLI90001' (newer at row 3)"),
])
def test_newest_revision_within_a_file_wins(acled_csv, stamps, kept_row, reason):
    rows = [{"event_id_cnty": " MLI90001", "timestamp": stamps[0], "fatalities": "1"},
            {"event_id_cnty": "MLI90001 ", "timestamp": stamps[1], "fatalities": "2"}]
    result = read(acled_csv(*rows))
    assert result.incidents["event_id"].tolist() == ["MLI90001"]
    assert result.incidents["fatalities"].iloc[0] == kept_row - 1
    assert result.rejected["reason"].tolist() == [reason]
