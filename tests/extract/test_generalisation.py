"""Patterns found on reports the rules were not built on, each on a short text written here
(sahel.extract: attribution, actors in context, dates, tolls, splitting)."""

from __future__ import annotations

from typing import Any

import pytest

from sahel.extract import extract_report, make_report


def _extract(text: str, published: str = "2023-11-25", lang: str | None = None
             ) -> list[dict[str, Any]]:
    return extract_report(make_report(text, published=published, lang=lang,
                                      source="Test")).records


@pytest.mark.parametrize(("text", "group", "qualifier"), [
    ("Au Mali, des hommes armés ont attaqué vendredi le camp militaire de Goundam. "
     "Le lendemain, l'Etat islamique a revendiqué l'attaque dans un communiqué.",
     "Islamic State Sahel", "claimed"),
    ("In Burkina Faso, gunmen stormed an army post in Djibo on Friday, killing eight soldiers. "
     "The government blamed JNIM for the raid.", "JNIM", "suspected"),
    ("In Niger, unidentified attackers raided the gendarmerie post of Ayorou on Friday. "
     "Al-Mourabitoun claimed responsibility on Saturday.", "Al-Mourabitoune", "claimed"),
])
def test_a_later_claim_or_blame_names_the_perpetrator(text: str, group: str,
                                                      qualifier: str) -> None:
    [incident] = _extract(text)
    assert (incident["group1"], incident["actor1_qualifier"]) == (group, qualifier)


@pytest.mark.parametrize("text", [
    "Au Mali, des hommes armés ont attaqué vendredi le camp de Goundam. L'attaque n'a pas été "
    "revendiquée, mais la zone est un fief de l'Etat islamique.",
    "Au Mali, des hommes armés ont attaqué vendredi le camp de Goundam. En 2019, une attaque "
    "contre le camp de Dioura avait été revendiquée par le JNIM.",
])
def test_unclaimed_or_older_claims_attribute_nothing(text: str) -> None:
    [incident] = _extract(text)
    assert incident["group1"] == "Unidentified armed group"


def test_a_claim_naming_a_place_covers_that_place_only() -> None:
    records = _extract("Au Mali, des hommes armés ont attaqué vendredi le camp de Goundam. "
                       "Le même jour, des hommes armés ont attaqué le poste de Léré. "
                       "Le JNIM a revendiqué l'attaque de Léré.")
    assert {r["location"]: r["group1"] for r in records} == {
        "Goundam": "Unidentified armed group", "Léré": "JNIM"}


def test_fighters_from_a_group_are_that_group() -> None:
    [incident] = _extract("Fighters from Islamic State's Sahel branch attacked the town of "
                          "Ansongo in Mali on Tuesday.", published="2023-11-24")
    assert incident["group1"] == "Islamic State Sahel"
