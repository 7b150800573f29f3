import io

import pandas as pd
import pytest

from sahel.export import claims_text, neutralise_cell, restore_cell, to_csv_bytes
from sahel.schema import Claim, claims_to_json, conform

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
