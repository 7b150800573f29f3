"""Place names in text → gazetteer places, roles and precision (sahel.extract.geocode)."""

from __future__ import annotations

import pytest

from sahel.extract import geocode


def _places(text: str) -> list[tuple[str, str, str | None]]:
    ctx = geocode.scan_context(text)
    return [(m.text, m.role, getattr(m.place, "iso3", None) or m.iso3)
            for m in geocode.find_places(text, ctx)]


@pytest.mark.parametrize(("text", "iso3", "admin1"), [
    ("Au Mali, des hommes armés ont attaqué le poste de Boni, dans la région de Mopti.",
     "MLI", "Mopti"),
    ("Au Burkina Faso, des hommes armés ont attaqué Boni, dans la province du Tuy.", "BFA", None),
])
def test_ambiguous_name_follows_the_country_and_region(text: str, iso3: str,
                                                       admin1: str | None) -> None:
    ctx = geocode.scan_context(text)
    [boni] = [m for m in geocode.find_places(text, ctx) if m.text == "Boni"]
    assert boni.place.iso3 == iso3
    if admin1:
        assert boni.place.admin1 == admin1


def test_locating_phrases_do_not_name_the_event_place() -> None:
    text = ("Au Mali, le poste de Boni, entre Douentza et Hombori, à 800 km de Bamako, "
            "a été attaqué.")
    roles = {name: role for name, role, _ in _places(text)}
    assert roles == {"Boni": "event", "Douentza": "between", "Hombori": "between",
                     "Bamako": "locator"}


def test_between_two_towns_gives_a_precision_2_point_when_nothing_else_is_named() -> None:
    from sahel.extract import extract_report, make_report

    [incident] = extract_report(make_report(
        "Au Mali, un véhicule de l'armée a sauté mardi sur une mine entre Boni et Hombori.",
        published="2022-05-12")).records
    assert (incident["location"], incident["geo_precision"]) == ("Boni", 2)


@pytest.mark.parametrize(("text", "expected"), [
    ("In Mali, gunmen attacked a village near Gao, in the Mopti region.",
     [("Gao", "near", "MLI"), ("Mopti", "region", "MLI")]),
    ("Au Mali, des combats ont eu lieu près d'Anefis, dans la région de Kidal.",
     [("Anefis", "near", "MLI"), ("Kidal", "region", "MLI")]),
])
def test_near_and_region_mentions(text: str, expected: list[tuple[str, str, str]]) -> None:
    assert _places(text) == expected


def test_people_countries_and_datelines_are_not_places() -> None:
    text = ("NIAMEY — President Mahamadou Issoufou said Niger and France would act; "
            "Issoufou visited Mali.")
    assert _places(text) == []


def test_province_stands_for_its_places() -> None:
    text = "In Burkina Faso, the attack took place in Sanmatenga province."
    ctx = geocode.scan_context(text)
    [mention] = geocode.find_places(text, ctx)
    assert (mention.place.kind, mention.place.admin1) == ("admin2", "Centre-Nord")


def test_spelling_variant_resolves_within_the_named_region() -> None:
    text = "Au Mali, des combats ont eu lieu dans la région de Ménaka : Adéraboukane et Tamalate."
    ctx = geocode.scan_context(text)
    found = {m.text: m for m in geocode.find_places(text, ctx)}
    assert found["Adéraboukane"].place is not None
    assert geocode.distance_km(found["Adéraboukane"].place.latitude,
                               found["Adéraboukane"].place.longitude, 15.4275, 3.0175) < 25


def test_unknown_place_name_keeps_its_candidates() -> None:
    text = "Au Mali, des hommes armés ont attaqué le village de Inchnane."
    ctx = geocode.scan_context(text)
    [mention] = geocode.find_places(text, ctx)
    assert mention.place is None and mention.candidates
