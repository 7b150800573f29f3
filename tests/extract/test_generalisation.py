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
    ("In Burkina Faso, gunmen attacked an army post in Djibo on Wednesday, killing ten soldiers. "
     "Security sources said the assailants belonged to JNIM.", "JNIM", "suspected"),
    ("In Burkina Faso, gunmen attacked an army post in Djibo on Wednesday, killing ten soldiers. "
     "Ansaroul Islam said in a statement that its fighters carried out the attack.",
     "Ansarul Islam", "claimed"),
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


def test_a_victim_named_among_the_dead_is_no_perpetrator() -> None:
    [incident] = _extract("Au Burkina Faso, des hommes armés ont frappé vendredi le village de "
                          "Solenzo, tuant neuf personnes, dont un membre des VDP.")
    assert (incident["group1"], incident["group2"]) == ("Unidentified armed group", "Civilians")


def test_troops_accused_of_killing_civilians_perpetrate_violence_against_civilians() -> None:
    [incident] = _extract("Au Mali, des habitants accusent l'armée d'un massacre à Diafarabé. "
                          "Selon eux, une vingtaine de civils ont été exécutés mardi.")
    assert (incident["group1"], incident["group2"], incident["event_type"]) == (
        "FAMa", "Civilians", "Violence against civilians")


@pytest.mark.parametrize(("text", "published", "day", "precision"), [
    ("Au Mali, dans la nuit de lundi à mardi, vers 3 heures du matin, des hommes armés ont "
     "attaqué le poste de Léré.", "2023-11-25", "2023-11-21", 1),
    ("Au Mali, dans la nuit de lundi à mardi, des hommes armés ont attaqué le poste de Léré.",
     "2023-11-25", "2023-11-20", 1),
    ("Au Mali, selon des témoins, tout a commencé le 3 novembre à Léré. Pendant plusieurs jours, "
     "jusqu'au 6 novembre, des hommes ont été exécutés par des hommes armés à Léré.",
     "2023-11-25", "2023-11-03", 2),
    ("In Mali, gunmen killed 12 villagers in Léré between 14-17 November.", "2023-11-25",
     "2023-11-14", 2),
])
def test_overnight_hours_and_spans_date_the_event(text: str, published: str, day: str,
                                                  precision: int) -> None:
    [incident] = _extract(text, published=published)
    assert (incident["event_date"], incident["time_precision"]) == (day, precision)


@pytest.mark.parametrize("text", [
    "Au Niger, des hommes armés ont tué samedi quarante personnes à Ayorou et douze à Kandadji.",
    "Au Niger, samedi, des hommes armés ont attaqué deux villages : à Ayorou, quarante morts ; "
    "à Kandadji, douze morts.",
])
def test_each_place_of_a_sentence_keeps_its_own_toll(text: str) -> None:
    records = _extract(text)
    assert {r["location"]: (r["fatalities_low"], r["fatalities_high"]) for r in records} == {
        "Ayorou": (40, 40), "Kandadji": (12, 12)}


def test_a_total_over_several_villages_belongs_to_none_of_them() -> None:
    records = _extract("Au Niger, une cinquantaine de civils ont été tués samedi dans des attaques "
                       "contre deux villages. Selon le maire, trente personnes ont été tuées à "
                       "Ayorou et vingt à Kandadji.")
    assert {r["location"]: r["fatalities_high"] for r in records} == {
        "Ayorou": 30, "Kandadji": 20}


@pytest.mark.parametrize("text", [
    "Au Niger, des hommes armés ont tué samedi six villageois à Banibangou, dans le département "
    "de Ouallam.",
    "In Niger, gunmen killed six villagers in Banibangou, in the Ouallam department, on Saturday.",
])
def test_a_department_named_beside_a_village_contains_it(text: str) -> None:
    records = _extract(text)
    assert len(records) == 1 and records[0]["location"] != "Ouallam"


def test_the_department_alone_stands_for_the_place() -> None:
    [incident] = _extract("Au Niger, des hommes armés ont tué samedi six villageois dans le "
                          "département de Ouallam.")
    assert incident["admin2"] == "Ouallam" or incident["location"] == "Ouallam"


def test_another_event_the_same_day_nearby_stays_apart() -> None:
    records = _extract("Au Mali, un bateau a été pris pour cible jeudi près de Bourem. "
                       "Le même jour, le camp militaire de Bamba a été attaqué par des hommes "
                       "armés.",
                       published="2023-09-08")
    assert sorted(r["location"] for r in records) == ["Bamba", "Bourem"]


def test_soldiers_killed_are_victims_not_perpetrators() -> None:
    [incident] = _extract("Au Burkina Faso, douze soldats tués vendredi dans l'attaque du poste "
                          "de Solenzo par des hommes armés.")
    assert (incident["group1"], incident["group2"]) == (
        "Unidentified armed group", "Burkina Faso forces")


def test_the_next_sentence_says_how_an_attack_was_carried_out() -> None:
    [incident] = _extract("Au Mali, un bateau a été pris pour cible jeudi près de Tonka. "
                          "Des témoins font état de tirs de roquettes sur le navire.",
                          published="2023-09-08")
    assert incident["sub_event_type"] == "Shelling/artillery/missile attack"


def test_a_clash_then_killings_of_civilians_are_two_events() -> None:
    records = _extract("In Mali, Islamic State fighters attacked the town of Ansongo on Tuesday, "
                       "clashing with JNIM militants. After the fighting they shot residents; "
                       "at least 20 civilians were killed.", published="2023-11-24")
    assert sorted((r["event_type"], r["group1"], r["group2"], r["fatalities_low"])
                  for r in records) == [
        ("Battles", "Islamic State Sahel", "JNIM", 0),
        ("Violence against civilians", "Islamic State Sahel", "Civilians", 20)]


def test_civilians_fleeing_a_clash_make_no_second_event() -> None:
    records = _extract("In Mali, JNIM clashed with Islamic State fighters in Ansongo on Tuesday. "
                       "Civilians fled the town.", published="2023-11-24")
    assert [r["event_type"] for r in records] == ["Battles"]


def test_a_region_and_a_month_give_a_region_level_incident() -> None:
    [incident] = _extract("French officials said on Thursday that a senior jihadist commander "
                          "was killed in a strike by French forces in August in the Gao region.",
                          published="2021-09-16")
    assert (incident["location"], incident["geo_precision"], incident["event_date"][:7],
            incident["time_precision"], incident["sub_event_type"]) == (
        "Gao", 3, "2021-08", 3, "Air/drone strike")


def test_the_yardstick_of_a_deadliest_attack_is_background() -> None:
    records = _extract("In Niger, gunmen killed 30 soldiers in Ayorou on Thursday. It was the "
                       "deadliest attack since militants killed 40 soldiers at Torodi in "
                       "December.", published="2020-01-13")
    assert [r["location"] for r in records] == ["Ayorou"]


def test_time_taken_is_no_territory_taken() -> None:
    [incident] = _extract("In Mali, gunmen killed five soldiers in Ansongo on Tuesday. The "
                          "identification had taken several days.", published="2023-11-24")
    assert incident["sub_event_type"] == "Armed clash"


@pytest.mark.parametrize(("text", "low"), [
    ("Au Niger, un soldat a été tué dimanche à Ayorou.", 1),
    ("In Niger, gunmen attacked a post in Ayorou on Sunday, killing a soldier.", 1),
    ("Au Niger, quatorze personnes, dont un soldat, ont été tuées dimanche à Ayorou.", 14),
    ("Au Niger, des hommes armés ont tué dimanche trois soldats à Ayorou, à une quinzaine de "
     "kilomètres de la frontière.", 3),
])
def test_one_person_counts_and_distances_do_not(text: str, low: int) -> None:
    [incident] = _extract(text, published="2023-11-27")
    assert (incident["fatalities_low"], incident["fatalities_high"]) == (low, low)


@pytest.mark.parametrize(("text", "published", "day", "precision"), [
    ("NIAMEY, Nov 23 (Reuters) - Gunmen killed 12 soldiers in Ayorou on Wednesday, the army "
     "said.", "2023-11-24", "2023-11-22", 1),
    ("Gunmen killed 12 soldiers in Ayorou, Niger, last Thursday, security sources said on "
     "Monday.", "2023-11-27", "2023-11-23", 1),
    ("The army said on Sunday that gunmen had killed 12 soldiers in Ayorou, Niger, on "
     "Saturday.", "2023-11-27", "2023-11-25", 1),
    ("The army said on Sunday that gunmen killed 12 soldiers in Ayorou in western Niger.",
     "2023-11-27", "2023-11-26", 2),
])
def test_event_day_not_announcement_day(text: str, published: str, day: str,
                                        precision: int) -> None:
    [incident] = _extract(text, published=published)
    assert (incident["event_date"], incident["time_precision"]) == (day, precision)


def test_the_sentence_country_decides_between_homonyms() -> None:
    records = _extract("Au Mali, des hommes armés ont tué trois soldats lundi à Ansongo, selon "
                       "l'armée malienne. Au Niger, six humanitaires ont été tués dimanche à "
                       "Kouré.", published="2023-11-28")
    assert {r["location"]: r["iso3"] for r in records}["Kouré"] == "NER"


@pytest.mark.parametrize("text", [
    "In Kongoussi, displaced families wait for help. Fatimata left her village near Kongoussi "
    "after gunmen came and burned the houses, she recalls. \"They killed my husband,\" she said.",
    "À Kaya, les déplacés attendent. Awa se souvient du jour où des hommes armés ont incendié les "
    "maisons de son village, près de Barsalogho. « Ils ont tué mon mari », dit-elle.",
])
def test_a_recollection_in_a_feature_is_background(text: str) -> None:
    extraction = extract_report(make_report(text, published="2023-11-24", source="Test"))
    assert extraction.records == [] and extraction.background


def test_a_raid_on_a_base_and_on_residents_splits_the_dead() -> None:
    records = _extract("In Burkina Faso, JNIM fighters stormed the town of Djibo on Saturday. "
                       "They attacked the army base, then went door to door killing civilians; "
                       "40 civilians and 10 soldiers were killed.", published="2023-11-20")
    assert sorted((r["event_type"], r["group2"], r["fatalities_low"]) for r in records) == [
        ("Battles", "Burkina Faso forces", 10), ("Violence against civilians", "Civilians", 40)]


def test_civilians_caught_in_a_battle_stay_in_the_battle() -> None:
    records = _extract("In Burkina Faso, JNIM fighters attacked the army base in Djibo on "
                       "Saturday; 10 soldiers and two civilians were killed in the crossfire.",
                       published="2023-11-20")
    assert [r["event_type"] for r in records] == ["Battles"]


@pytest.mark.parametrize(("text", "expected"), [
    ("Au Burkina Faso, des hommes armés ont enlevé jeudi une vingtaine de femmes près de Djibo. "
     "Vendredi, une quarantaine d'autres ont été enlevées au même endroit.",
     [("2023-11-23", "Abduction/forced disappearance"),
      ("2023-11-24", "Abduction/forced disappearance")]),
    ("Au Mali, des soldats ont été tués mercredi dans l'attaque de leur camp à Boni. Jeudi, "
     "l'armée a mené des frappes aériennes dans la zone, tuant une vingtaine de terroristes.",
     [("2023-11-22", "Armed clash"), ("2023-11-23", "Air/drone strike")]),
])
def test_another_day_at_the_same_place_is_another_event(
        text: str, expected: list[tuple[str, str]]) -> None:
    records = _extract(text, published="2023-11-24")
    assert sorted((r["event_date"], r["sub_event_type"]) for r in records) == expected


def test_a_second_place_in_its_own_sentence_is_its_own_event() -> None:
    records = _extract("In Mali, gunmen attacked a bus near Douentza on Monday, killing eight "
                       "passengers. Near Boni, a truck was set on fire the same day.")
    assert sorted(r["location"] for r in records) == ["Boni", "Douentza"]


@pytest.mark.parametrize(("text", "low"), [
    ("In Mali, French forces said on Thursday they had killed Islamic State's Sahel leader in a "
     "drone strike near Ménaka on Tuesday.", 1),
    ("Au Burkina Faso, le chef du village de Tougouri a été tué mardi par des hommes armés.", 1),
    ("In Mali, the leader of the local militia said 20 soldiers were killed in Boni on Tuesday.",
     20),
])
def test_a_leader_killed_counts_one(text: str, low: int) -> None:
    [incident] = _extract(text)
    assert incident["fatalities_low"] == low


@pytest.mark.parametrize(("text", "day"), [
    ("Au Burkina Faso, dans la nuit du 19 au 20 novembre, vers 2 heures du matin, des hommes "
     "armés ont tué douze personnes à Solenzo.", "2023-11-20"),
    ("Au Burkina Faso, dans la nuit du 19 au 20 novembre, des hommes armés ont tué douze "
     "personnes à Solenzo.", "2023-11-19"),
])
def test_a_night_between_two_dated_days(text: str, day: str) -> None:
    [incident] = _extract(text)
    assert (incident["event_date"], incident["time_precision"]) == (day, 1)


@pytest.mark.parametrize(("text", "group"), [
    ("Au Burkina Faso, les assaillants, présumés jihadistes de l'EIGS, ont attaqué mardi le "
     "village de Solenzo, tuant douze personnes.", "Islamic State Sahel"),
    ("Au Burkina Faso, des hommes armés ont attaqué mardi le village de Solenzo, tuant douze "
     "personnes. L'attaque porte la marque du JNIM, selon une source sécuritaire.", "JNIM"),
])
def test_appositions_and_hallmarks_name_the_group(text: str, group: str) -> None:
    [incident] = _extract(text)
    assert (incident["group1"], incident["actor1_qualifier"]) == (group, "suspected")


def test_troops_who_set_the_scene_perpetrate_the_executions_that_follow() -> None:
    [incident] = _extract("Selon des témoins, des militaires maliens, accompagnés de mercenaires "
                          "russes, ont encerclé le marché de Hombori dimanche. Une trentaine de "
                          "civils ont ensuite été exécutés.")
    assert (incident["group1"], incident["group2"], incident["event_type"]) == (
        "FAMa", "Civilians", "Violence against civilians")


def test_a_french_strike_by_a_force_is_an_air_strike_by_it() -> None:
    [incident] = _extract("La ministre a indiqué jeudi que le chef jihadiste avait été tué par une "
                          "frappe de la force Barkhane en août dans la région de Gao, au Mali.",
                          published="2021-09-17")
    assert (incident["group1"], incident["sub_event_type"], incident["fatalities_low"]) == (
        "French forces", "Air/drone strike", 1)


@pytest.mark.parametrize("text", [
    "Depuis le début de l'année, les attaques se sont multipliées dans la région de Mopti. Les "
    "habitants de Bandiagara disent vivre dans la peur.",
    "The junta has promised to retake all territory. In October, JNIM fighters had killed 20 "
    "soldiers in Boni. Analysts say the army lacks helicopters.",
])
def test_trends_and_earlier_events_in_a_feature_are_no_news(text: str) -> None:
    assert _extract(text) == []


def test_one_toll_for_two_places_is_shared_between_them() -> None:
    records = _extract("In Burkina Faso, attacks on Tougouri and Bouroum on Sunday killed 23 "
                       "people, the governor said.")
    assert {r["location"]: (r["fatalities_low"], r["fatalities_high"]) for r in records} == {
        "Tougouri": (11, 23), "Bouroum": (11, 23)}


def test_kilometres_from_a_town_place_the_event_near_it() -> None:
    [incident] = _extract("In Niger, gunmen killed 12 soldiers 20 km from Ayorou on Tuesday.")
    assert (incident["location"], incident["geo_precision"]) == ("Ayorou", 2)


def test_rockets_fired_by_attackers_who_came_in_person_are_a_ground_attack() -> None:
    [incident] = _extract("Au Burkina Faso, des hommes armés ont attaqué mardi la base militaire "
                          "de Djibo. Les assaillants, venus à moto, ont tiré des roquettes sur "
                          "les installations.")
    assert incident["event_type"] == "Battles"
