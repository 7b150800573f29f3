import io

import numpy as np
import pandas as pd
import pytest

from sahel.__main__ import main
from sahel.i18n import use_language
from sahel.schema import OTHER_EVENT_TYPE, event_type_choices, event_type_mask
from sahel.sources import read_incidents
from sahel.validation import (
    OUTSIDE,
    SWAPPED,
    ZERO_POINT,
    check_rows,
    event_type_note,
    parse_dates,
    read_dates,
)

GOOD = {"event_id": "A1", "event_date": "2023-11-24", "latitude": "15.9322",
        "longitude": "-3.9906", "fatalities": "12", "geo_precision": "1"}


def check(*changes: dict):
    frame = pd.DataFrame([{**GOOD, "event_id": f"A{i}", **change}
                          for i, change in enumerate(changes)], dtype="str")
    return check_rows(frame, np.arange(2, len(frame) + 2))


@pytest.mark.parametrize("change, reason", [
    ({"event_id": ""}, "missing event_id"),
    ({"event_date": "  "}, "missing event_date"),
    ({"event_date": "31 Febuary 2023"}, "unparseable event_date '31 Febuary 2023'"),
    ({"event_date": "2023-02-30"}, "unparseable event_date '2023-02-30'"),
    ({"latitude": ""}, "missing latitude"),
    ({"longitude": "west"}, "unparseable longitude 'west'"),
    ({"latitude": "95.1"}, "latitude/longitude out of range"),
    ({"longitude": "-181"}, "latitude/longitude out of range"),
    ({"latitude": "-3.9906", "longitude": "15.9322", "country": "Mali"}, SWAPPED),
    ({"latitude": "-20.0", "longitude": "5.0", "country": "Mali"}, OUTSIDE),  # both at sea
    ({"latitude": "48.85", "longitude": "2.35"}, OUTSIDE),  # Paris: not in Africa
    ({"latitude": "4.0", "longitude": "-3.0"}, OUTSIDE),  # Gulf of Guinea
    ({"latitude": "0", "longitude": "0"}, ZERO_POINT),
    ({"fatalities": "a dozen"}, "unparseable fatalities 'a dozen'"),
    ({"fatalities": "-3"}, "negative fatalities"),
    ({"geo_precision": "4"}, "geo_precision not 1, 2 or 3"),
])
def test_each_reject_reason(change, reason):
    checked = check(change)
    assert checked.kept.empty
    assert checked.rejected.to_dict("records") == [{"row": 2, "reason": reason}]


def test_all_reasons_of_a_row_are_given():
    checked = check({"event_id": "", "event_date": "soon"})
    assert checked.rejected["reason"].tolist() == ["missing event_id; unparseable event_date "
                                                   "'soon'"]


def test_duplicate_event_id_names_the_first_row():
    checked = check({}, {"event_id": "A0"}, {"event_id": "A0"})
    assert checked.kept["row"].tolist() == [2]
    assert checked.rejected["reason"].tolist() == ["duplicate event_id (first at row 2)"] * 2
    assert checked.rejected["row"].tolist() == [3, 4]


def test_good_rows_are_parsed_and_located():
    checked = check({}, {"event_date": "24 November 2023", "latitude": "14,4089",
                         "longitude": "-1,5507"})
    kept = checked.kept
    assert checked.rejected.empty
    assert kept["event_date"].tolist() == [pd.Timestamp("2023-11-24")] * 2
    assert kept["latitude"].tolist() == [15.9322, 14.4089]
    assert kept["loc_iso3"].tolist() == ["MLI", "BFA"]
    assert kept["loc_admin1"].tolist() == ["Tombouctou", "Sahel"]
    assert kept["flags"].tolist() == ["", ""]


def test_one_zero_coordinate_is_kept_but_flagged():
    # 0° longitude crosses Burkina Faso: a real point is possible, a filler likely.
    checked = check({"latitude": "12.5", "longitude": "0"})
    assert checked.kept["flags"].tolist() == ["zero_coordinates"]
    assert checked.kept["loc_iso3"].tolist() == ["BFA"]


def test_kept_plus_rejected_is_rows_read_on_a_mixed_table():
    rng = np.random.default_rng(7)
    changes = [{}, {"event_id": ""}, {"latitude": "99"}, {"event_date": "x"},
               {"latitude": "-3.9906", "longitude": "15.9322", "country": "Mali"},
               {"fatalities": "n/a"}]
    picks = [changes[i] for i in rng.integers(0, len(changes), 300)]
    checked = check(*picks)
    assert len(checked.kept) + len(checked.rejected) == 300
    assert set(checked.kept["row"]).isdisjoint(checked.rejected["row"])
    assert len(checked.kept) == sum(1 for p in picks if p == {})


@pytest.mark.parametrize("text, expected", [
    ("2023-11-24", "2023-11-24"),
    ("24 November 2023", "2023-11-24"),
    ("2 January 2019", "2019-01-02"),
    ("2023-11-24 00:00:00", "2023-11-24"),
    ("2023-11-24T13:45:00", "2023-11-24"),
    ("24 Nov 2023", "2023-11-24"),
    ("2023-11-24T00:00:00.000Z", "2023-11-24"),
    ("2023-11-24T13:45:00+01:00", "2023-11-24"),
    ("24/11/2023", "2023-11-24"),
    ("", None),
])
def test_parse_dates(text, expected):
    parsed = parse_dates(pd.Series([text], dtype="str")).iloc[0]
    assert (None if pd.isna(parsed) else parsed) == (pd.Timestamp(expected) if expected
                                                      else None)


@pytest.mark.parametrize("text, year, expected", [
    ("16-Feb-21", None, "2021-02-16"),  # 00–29 → 20xx
    ("16-Feb-31", None, "1931-02-16"),  # 30–99 → 19xx
    ("16-Feb-31", "2031", "2031-02-16"),  # the year column decides the century
    ("1-Jan-99", "1999", "1999-01-01"),
    ("16-Feb-21", "1921", "1921-02-16"),
    ("16-Feb-21", "2020", "2021-02-16"),  # a year that does not fit: the usual rule
    ("2/16/21", "2021", "2021-02-16"),
    ("29/02/2023", None, None),  # not a leap year
    ("29/02/2024", None, "2024-02-29"),
    ("16-Smarch-21", None, None),
    ("12/13/14/15", None, None),
    ("01/01/9999", None, None),  # beyond what a date column holds
])
def test_two_digit_years_and_real_days(text, year, expected):
    years = None if year is None else pd.Series([year], dtype="str")
    parsed = parse_dates(pd.Series([text], dtype="str"), years).iloc[0]
    assert (None if pd.isna(parsed) else parsed) == (pd.Timestamp(expected) if expected
                                                      else None)


def test_day_month_order_is_decided_by_the_files_unambiguous_dates():
    texts = pd.Series(["02/03/2021", "13/03/2021", "03/03/2021", "4/5/2021"], dtype="str")
    assert parse_dates(texts).dt.strftime("%Y-%m-%d").tolist() == [
        "2021-03-02", "2021-03-13", "2021-03-03", "2021-05-04"]
    alone = read_dates(pd.Series(["02/03/2021", "03/03/2021"], dtype="str"))
    assert alone.dates.isna().tolist() == [True, False]
    assert alone.ambiguous.tolist() == ["day or month first? no date of the file decides", ""]


def test_ids_are_trimmed_and_revisions_ordered_by_timestamp():
    checked = check({"event_id": " X ", "timestamp": "1700000005"},
                    {"event_id": "X", "timestamp": "1700000009"},
                    {"event_id": "X", "timestamp": ""},
                    {"event_id": "X", "timestamp": "1700000009"})
    assert checked.kept["row"].tolist() == [3]
    assert checked.kept["event_id"].tolist() == ["X"]
    assert checked.rejected["reason"].tolist() == [
        "older revision of event_id 'X' (newer at row 3)",
        "older revision of event_id 'X' (newer at row 3)",
        "duplicate event_id (first at row 3)"]


@pytest.mark.parametrize("column, cell", [("fatalities", "1,5"), ("fatalities", "2.5"),
                                          ("geo_precision", "1.5"), ("population_best", "10.2")])
def test_a_fractional_count_is_rejected_not_rounded(column, cell):
    frame = pd.DataFrame({"event_id": ["A"], "event_date": ["2023-11-24"],
                          "latitude": ["15.93"], "longitude": ["-3.99"], column: [cell]})
    checked = check_rows(frame, np.array([2]))
    assert checked.kept.empty
    assert "is not a whole number" in checked.rejected["reason"].iloc[0]


# An event type outside ACLED's taxonomy: kept, flagged, counted, grouped under one filter option.
UNICORN_CSV = (
    b"event_id,event_date,event_type,latitude,longitude,country\n"
    b"U1,2023-11-24,Unicorn attack,15.9322,-3.9906,Mali\n"
    b"U2,2023-11-24,Unicorn attack,15.9322,-3.9906,Mali\n"
    b"U3,2023-11-25,  battles ,15.9322,-3.9906,Mali\n"
    b"U4,2023-11-25,Riots,15.9322,-3.9906,Mali\n"
    b"U5,2023-11-25,,15.9322,-3.9906,Mali\n")


@pytest.fixture
def unicorns():
    return read_incidents(io.BytesIO(UNICORN_CSV), name="unicorns.csv")


def test_an_event_type_outside_acleds_taxonomy_is_kept_and_flagged(unicorns):
    frame = unicorns.incidents.set_index("event_id")
    assert len(unicorns.rejected) == 0
    assert frame.loc["U1", "event_type"] == "Unicorn attack"  # the source's value, kept
    flagged = frame["flags"].fillna("").str.contains("unknown_event_type")
    assert flagged.to_dict() == {"U1": True, "U2": True, "U3": False, "U4": False, "U5": False}
    assert frame.loc["U3", "event_type"] == "Battles"  # ACLED's type in another spelling
    assert unicorns.unknown_event_types == {"Unicorn attack": 2}


def test_the_event_type_filter_offers_other_not_each_unknown_type(unicorns):
    types = unicorns.incidents["event_type"]
    assert event_type_choices(types) == ("Battles", "Riots", OTHER_EVENT_TYPE)
    chosen = unicorns.incidents[event_type_mask(types, {OTHER_EVENT_TYPE})]
    assert sorted(chosen["event_id"]) == ["U1", "U2"]
    assert event_type_choices(types[types.ne("Unicorn attack")]) == ("Battles", "Riots")


@pytest.mark.parametrize(("language", "expected"), [
    ("en", "2 rows have an event type outside ACLED's taxonomy (“Unicorn attack”): kept, "
           "flagged unknown_event_type, and offered as “Other (not in ACLED's taxonomy)” in the "
           "Event type filter."),
    ("fr", "2 lignes ont un type d’événement hors de la typologie d’ACLED (“Unicorn attack”) : "
           "conservées, signalées unknown_event_type et proposées sous « Autre (hors typologie "
           "ACLED) » dans le filtre Type d’événement."),
])
def test_the_import_message_counts_the_unknown_event_types(unicorns, language, expected):
    use_language(language)
    try:
        assert event_type_note(unicorns.unknown_event_types) == expected
    finally:
        use_language("en")
    assert event_type_note({}) == ""
    many = event_type_note({f"type {n}": 1 for n in range(5)})
    assert many.startswith("5 rows") and "“type 2” and 2 more" in many


def test_the_cli_import_says_how_many_rows_had_an_unknown_event_type(tmp_path, capsys):
    source = tmp_path / "unicorns.csv"
    source.write_bytes(UNICORN_CSV)
    assert main(["import", str(source), "--store", str(tmp_path / "store")]) == 0
    out = capsys.readouterr().out
    assert "warning: 2 rows have an event type outside ACLED's taxonomy (“Unicorn attack”)" in out
