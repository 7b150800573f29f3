"""End to end on the seed report (RFI, 25 Nov 2023; see tests/fixtures/README.md)."""

from __future__ import annotations

from pathlib import Path

import pytest

from sahel.extract import Extraction, extract_report, make_report
from sahel.extract.geocode import distance_km
from sahel.schema import COLUMN_NAMES, claims_from_json

SEED = Path(__file__).resolve().parents[1] / "fixtures" / "rfi_2023-11-25_jnim_niafunke_goundam.txt"
# Where the reader comment starts: everything after it is opinion.
COMMENT = "il n’y a ni JMIN"


@pytest.fixture(scope="module")
def seed() -> Extraction:
    text = SEED.read_text(encoding="utf-8")
    return extract_report(make_report(text, published="2023-11-25", lang="fr", source="RFI",
                                      url="https://www.rfi.fr/"))


def test_exactly_two_incidents_niafunke_and_goundam(seed: Extraction) -> None:
    frame = seed.incidents
    assert list(frame.columns[:-1]) == list(COLUMN_NAMES)
    assert list(frame["location"]) == ["Niafunké", "Goundam"]
    assert set(frame["event_date"].dt.strftime("%Y-%m-%d")) == {"2023-11-24"}
    assert set(frame["admin1"]) == {"Tombouctou"} and set(frame["iso3"]) == {"MLI"}
    assert list(frame["group1"]) == ["JNIM", "JNIM"]
    assert list(frame["group2"]) == ["FAMa", "FAMa"]
    assert list(frame["geo_precision"]) == [1, 1]
    assert set(frame["dataset"]) == {"report"} and set(frame["source"]) == {"RFI"}


@pytest.mark.parametrize(("row", "lat", "lon"), [(0, 15.93, -3.99), (1, 16.41, -3.67)])
def test_coordinates(seed: Extraction, row: int, lat: float, lon: float) -> None:
    incident = seed.incidents.iloc[row]
    assert distance_km(incident["latitude"], incident["longitude"], lat, lon) < 5


def test_niafunke_claims_are_kept_apart(seed: Extraction) -> None:
    claims = claims_from_json(seed.incidents.iloc[0]["claims"])
    killed = {c.role: (c.low, c.high) for c in claims if c.kind == "killed"}
    assert killed == {"armed_group": (10, None), "local_sources": (50, 50),
                      "army": (None, None)}
    assert any(c.kind == "prisoners" and c.low == 2 for c in claims)
    assert any(c.kind == "looting" for c in claims)
    niafunke = seed.incidents.iloc[0]
    # Most conservative figure, never an average of 10 and 50.
    assert (niafunke["fatalities"], niafunke["fatalities_low"], niafunke["fatalities_high"]) == (
        10, 10, 50)


def test_event_types(seed: Extraction) -> None:
    assert list(seed.incidents["event_type"]) == ["Battles", "Explosions/Remote violence"]
    assert seed.incidents.iloc[1]["sub_event_type"] == "Shelling/artillery/missile attack"


def test_kidal_is_background(seed: Extraction) -> None:
    assert [(b["location"], b["event_date"]) for b in seed.background] == [("Kidal", None)]


def test_reader_comment_yields_nothing() -> None:
    comment = SEED.read_text(encoding="utf-8").split(COMMENT, 1)[1]
    extraction = extract_report(make_report(COMMENT + comment, published="2023-11-25", lang="fr"))
    assert extraction.records == [] and extraction.background == []
