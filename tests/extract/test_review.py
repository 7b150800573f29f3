"""Analyst edits applied to proposed incidents (sahel.extract.review)."""

from __future__ import annotations

from datetime import date

import pytest

from sahel.extract import Extraction, extract_report, make_report
from sahel.extract.review import KEEP, apply_review, candidate_label, review_table

TEXT = ("Au Mali, le Jnim a attaqué vendredi le camp militaire de Goundam. "
        "Des combats ont aussi eu lieu vendredi dans la région de Ménaka : Tamalate et Inchnane.")


@pytest.fixture(scope="module")
def extraction() -> Extraction:
    return extract_report(make_report(TEXT, published="2023-11-25", url="https://example.org/x"))


def test_unedited_review_gives_the_proposals(extraction: Extraction) -> None:
    incidents = apply_review(extraction, review_table(extraction))
    assert list(incidents["location"]) == [r["location"] for r in extraction.records]
    assert list(incidents["event_id"]) == [r["event_id"] for r in extraction.records]


def test_moving_a_point_fixing_a_date_and_dropping_a_row(extraction: Extraction) -> None:
    table = review_table(extraction)
    table.loc[0, ["latitude", "longitude"]] = [14.4843, -4.1960]  # Mopti town
    table.loc[0, "event_date"] = date(2023, 11, 23)
    table.loc[1:, "add"] = False
    [row] = apply_review(extraction, table).to_dict("records")
    assert (row["admin1"], row["iso3"]) == ("Mopti", "MLI")
    assert row["event_date"].date() == date(2023, 11, 23)
    assert row["event_id"] != extraction.records[0]["event_id"]


def test_picking_a_gazetteer_candidate_for_an_unresolved_place(extraction: Extraction) -> None:
    [unresolved] = [u for u in extraction.unresolved if u.name == "Inchnane"]
    table = review_table(extraction)
    row = [r["location"] for r in extraction.records].index("Inchnane")
    choice = unresolved.candidates[0]
    table.loc[row, "place_choice"] = candidate_label(choice)
    picked = apply_review(extraction, table).iloc[row]
    assert (picked["location"], picked["latitude"]) == (choice.name, choice.latitude)
    assert "unresolved_place" not in picked["flags"]
    assert table.loc[0, "place_choice"] == KEEP


def test_ids_are_stable_per_report_and_differ_between_reports() -> None:
    text = "Au Mali, le Jnim a attaqué vendredi le camp militaire de Goundam."
    first = extract_report(make_report(text, published="2023-11-25")).records[0]["event_id"]
    again = extract_report(make_report(text, published="2023-11-25")).records[0]["event_id"]
    other = extract_report(make_report(text + " Deux soldats ont été tués.",
                                       published="2023-11-25")).records[0]["event_id"]
    assert first == again != other and first.startswith("RPT-")
