"""Failure classes found on the second held-out set (tests/fixtures/holdout2/A), each on short
texts written here, not taken from the fixtures (sahel.extract: dates, places, actors, types,
splitting, attribution)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from sahel.extract import extract_report, make_report
from sahel.extract.dates import find_dates


def _extract(text: str, published: str, lang: str | None = None, title: str = ""
             ) -> list[dict[str, Any]]:
    report = make_report(text, published=published, lang=lang, source="Test", title=title)
    return extract_report(report).records


def _places(records: list[dict[str, Any]]) -> set[str]:
    return {r["location"] for r in records}


# Dates -----------------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "published", "day"), [
    ("le mardi 9 courant, des hommes armés ont attaqué", date(2022, 6, 12), date(2022, 6, 7)),
    ("Le 4 courant, le poste a été attaqué.", date(2021, 3, 10), date(2021, 3, 4)),
    # A day after publication is of the month before ("le 28 courant" read on 2 May).
    ("Le 28 courant, le poste a été attaqué.", date(2021, 5, 2), date(2021, 4, 28)),
])
def test_a_day_of_the_current_month(text: str, published: date, day: date) -> None:
    [mention] = find_dates(text, published)
    assert (mention.day, mention.reported) == (day, False)


def test_a_date_after_naming_the_source_dates_the_event() -> None:
    [mention] = find_dates("Selon la gendarmerie, le dimanche 6 courant, un car a été attaqué.",
                           date(2022, 3, 9))
    assert (mention.day, mention.reported) == (date(2022, 3, 6), False)
    [mention] = find_dates("According to the statement, on Friday gunmen attacked the post.",
                           date(2022, 3, 9))
    assert (mention.day, mention.reported) == (date(2022, 3, 4), False)


def test_the_day_losses_were_admitted_is_not_the_day_of_the_attack() -> None:
    [incident] = _extract("Au Burkina Faso, l'état-major a reconnu mercredi la perte de onze "
                          "soldats lors de l'attaque, lundi, du détachement de Gorom-Gorom.",
                          published="2022-10-13", lang="fr")
    assert incident["event_date"] == "2022-10-10"


def test_a_day_in_the_words_of_a_prosecutor_s_communique() -> None:
    [incident] = _extract("Le procureur du Faso près le tribunal de Kaya annonce l'ouverture "
                          "d'une enquête. Selon le communiqué, le mardi 14 courant, le village "
                          "de Zimtenga a été attaqué par des hommes armés, qui ont tué une "
                          "trentaine de personnes.", published="2023-02-17", lang="fr")
    assert (incident["location"], incident["event_date"]) == ("Zimtenga", "2023-02-14")


# Background ------------------------------------------------------------------------------------

def test_an_event_told_in_the_pluperfect_days_before_the_news_is_context() -> None:
    records = _extract("Au Mali, des hommes armés ont attaqué samedi le poste de Nampala, tuant "
                       "six soldats. Le 2 mars, quatre gendarmes avaient été tués près de Diabaly.",
                       published="2020-03-09", lang="fr")
    assert _places(records) == {"Nampala"}


def test_the_night_before_in_the_pluperfect_is_still_news() -> None:
    records = _extract("Au Niger, des hommes armés ont attaqué samedi le village de Tongo "
                       "Tongo, tuant neuf personnes. Quelques heures plus tôt, vendredi soir, "
                       "un autre groupe avait attaqué le village de Bangou, tuant cinq personnes.",
                       published="2020-05-11", lang="fr")
    assert _places(records) == {"Tongo Tongo", "Bangou"}


def test_a_part_of_a_month_is_no_place_and_its_pluperfect_event_is_context() -> None:
    records = _extract("Au Mali, des jihadistes ont attaqué lundi le camp de Boni. Fin mai, le "
                       "camp de Hombori avait été visé par des obus.",
                       published="2022-06-14", lang="fr")
    assert _places(records) == {"Boni"}


@pytest.mark.parametrize("text", [
    "Il y a vingt ans, l'attaque de la gare de Kayes. Le 3 juin 2004, des hommes armés "
    "attaquaient la gare et tuaient six personnes. Vingt ans plus tard, une cérémonie s'est "
    "tenue ce lundi devant la gare.",
    "La région de Ségou est confrontée depuis plusieurs années aux attaques des groupes armés.",
])
def test_anniversaries_in_words_and_states_over_years_open_nothing(text: str) -> None:
    assert _extract(text, published="2024-06-03", lang="fr") == []


# Places ----------------------------------------------------------------------------------------

def test_the_faso_is_the_country_and_a_survivor_s_refuge_is_not_the_event() -> None:
    records = _extract("Au Burkina Faso, des hommes armés ont attaqué jeudi le village de "
                       "Zimtenga, tuant douze personnes, selon le procureur du Faso. « Ils ont "
                       "tué les hommes », raconte un rescapé réfugié à Kaya.",
                       published="2023-02-17", lang="fr")
    assert _places(records) == {"Zimtenga"}


def test_evacuations_and_a_communique_s_signature_are_not_events() -> None:
    records = _extract("Le lundi 12 juin 2023, un détachement des FDS a été pris dans une "
                       "embuscade près de Makalondi, au Niger. Côté ami : huit (8) militaires "
                       "tués, quatre blessés évacués sur Niamey. Fait à Niamey, le 13 juin 2023",
                       published="2023-06-13", lang="fr")
    [incident] = records
    assert (incident["location"], incident["fatalities"]) == ("Makalondi", 8)


# Actors ----------------------------------------------------------------------------------------

def test_defence_and_security_forces_are_the_country_s_own() -> None:
    [incident] = _extract("Au Niger, des terroristes ont attaqué mardi une patrouille des Forces "
                          "de défense et de sécurité (FDS) près de Tera.",
                          published="2023-05-18", lang="fr")
    assert incident["group2"] == "Niger forces"


def test_a_strike_by_a_country_s_armed_forces_killing_at_least_n() -> None:
    [incident] = _extract("A drone strike by Burkina Faso's armed forces killed at least nine "
                          "civilians at a market in Bidi on Friday, residents said.",
                          published="2024-02-12", lang="en")
    assert (incident["group1"], incident["sub_event_type"]) == (
        "Burkina Faso forces", "Air/drone strike")


def test_soldiers_who_were_killed_are_not_the_perpetrators() -> None:
    [incident] = _extract("In Mali, gunmen attacked the post of Dioura on Sunday. Six soldiers "
                          "were killed and the attackers fled.", published="2019-03-19",
                          lang="en")
    assert incident["group1"] == "Unidentified armed group"


def test_a_claim_of_one_operation_does_not_cover_an_incident_told_after_it() -> None:
    records = _extract("Au Mali, des hommes armés ont attaqué vendredi le poste de Tabankort. "
                       "Le JNIM a revendiqué l'attaque samedi. Samedi matin, un engin explosif a "
                       "tué deux soldats près d'Ansongo.", published="2019-11-23", lang="fr")
    assert {r["location"]: r["group1"] for r in records} == {
        "Tabankort": "JNIM", "Ansongo": "Unidentified armed group"}


# Event types -----------------------------------------------------------------------------------

def test_an_ambushed_self_defence_group_is_a_battle() -> None:
    [incident] = _extract("In Niger, 23 members of a self-defense group were killed in an ambush "
                          "near Tillia on Monday, officials said. The gunmen had been raiding "
                          "villages.", published="2021-03-24", lang="en")
    assert (incident["event_type"], incident["sub_event_type"]) == ("Battles", "Armed clash")


def test_protesters_who_storm_and_burn_riot_in_one_incident() -> None:
    records = _extract("À Niamey, vendredi, des manifestants ont pris d'assaut le siège d'un "
                       "parti, qui a été pillé et incendié. Samedi soir, des heurts ont éclaté "
                       "à Talladjé, où des jeunes s'étaient rassemblés.",
                       published="2021-02-22", lang="fr")
    assert sorted((r["event_date"], r["event_type"], r["sub_event_type"]) for r in records) == [
        ("2021-02-19", "Riots", "Violent demonstration"),
        ("2021-02-20", "Riots", "Violent demonstration")]


def test_a_football_report_has_no_incident() -> None:
    assert _extract("Les Étalons ont battu le Cap-Vert mercredi soir à Bouaké. L'attaque "
                    "burkinabè a longtemps buté sur la défense, avant un penalty à l'heure de "
                    "jeu. À Ouagadougou et à Bobo-Dioulasso, les supporters ont fêté la victoire.",
                    published="2024-01-18", lang="fr") == []
