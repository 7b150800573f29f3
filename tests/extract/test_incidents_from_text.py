"""Short reports written for these tests → incidents: actors in context, types, splitting,
background (sahel.extract.pipeline / split / events / actors_in_text)."""

from __future__ import annotations

from typing import Any

import pytest

from sahel.extract import extract_report, make_report
from sahel.extract.report import parse_report_text


def _extract(text: str, published: str = "2023-11-25", lang: str | None = None
             ) -> list[dict[str, Any]]:
    return extract_report(make_report(text, published=published, lang=lang,
                                      source="Test")).records


@pytest.mark.parametrize(("text", "actor1", "actor2"), [
    ("Au Mali, le Jnim a attaqué vendredi le camp militaire de Goundam.", "JNIM", "FAMa"),
    ("Au Mali, le camp de Goundam a été attaqué vendredi par des jihadistes présumés.",
     "Unidentified armed group", "FAMa"),
    ("Au Mali, des hommes armés non identifiés ont tué vendredi cinq civils à Goundam.",
     "Unidentified armed group", "Civilians"),
    ("In Mali, the army said it had taken Kidal from Tuareg rebels on Tuesday.",
     "FAMa", "Azawad rebels"),
    ("In Burkina Faso, militants killed ten soldiers in Djibo on Friday, "
     "an attack claimed by Islamic State Sahel Province.", "Islamic State Sahel",
     "Burkina Faso forces"),
])
def test_actor_aliases_in_context(text: str, actor1: str, actor2: str) -> None:
    [incident] = _extract(text)
    assert (incident["group1"], incident["group2"]) == (actor1, actor2)


def test_qualifiers_say_suspected_or_claimed() -> None:
    [suspected] = _extract("Au Mali, le camp de Boni a été attaqué vendredi, une attaque "
                           "imputée à des jihadistes présumés.")
    [claimed] = _extract("Au Mali, le Jnim a revendiqué l'attaque de vendredi contre le camp "
                         "de Goundam.")
    assert (suspected["actor1_qualifier"], claimed["actor1_qualifier"]) == ("suspected", "claimed")


@pytest.mark.parametrize(("text", "event_type", "sub_type"), [
    ("Au Mali, des affrontements ont opposé vendredi l'armée aux jihadistes à Boni.",
     "Battles", "Armed clash"),
    ("Au Mali, le Jnim a tiré vendredi des obus de mortier contre le camp de Goundam.",
     "Explosions/Remote violence", "Shelling/artillery/missile attack"),
    ("In Mali, a French air strike hit a wedding in Bounti on Sunday, killing 19 civilians.",
     "Explosions/Remote violence", "Air/drone strike"),
    ("In Niger, gunmen kidnapped an aid worker in Ayorou on Tuesday.",
     "Violence against civilians", "Abduction/forced disappearance"),
    ("Au Burkina Faso, des hommes armés ont tué vendredi douze villageois à Solenzo.",
     "Violence against civilians", "Attack"),
    ("Au Mali, un véhicule de l'armée a sauté vendredi sur une mine près de Douentza.",
     "Explosions/Remote violence", "Remote explosive/landmine/IED"),
    ("In Mali, hundreds of protesters demonstrated in Gao on Friday against the junta.",
     "Protests", "Peaceful protest"),
    ("In Mali, the army retook Kidal from the rebels on Tuesday.",
     "Battles", "Government regains territory"),
])
def test_event_types(text: str, event_type: str, sub_type: str) -> None:
    [incident] = _extract(text)
    assert (incident["event_type"], incident["sub_event_type"]) == (event_type, sub_type)


def test_two_places_two_incidents_and_unplaced_sentences_join_the_one_in_focus() -> None:
    text = ("Au Mali, le Jnim a attaqué vendredi le camp militaire de Niafunké. "
            "Les jihadistes affirment avoir tué une vingtaine de soldats.\n"
            "Simultanément, des obus ont visé le camp de Goundam. "
            "Aucun bilan n'a été donné pour Goundam.")
    records = _extract(text)
    assert [r["location"] for r in records] == ["Niafunké", "Goundam"]
    niafunke, goundam = records
    assert (niafunke["fatalities_low"], goundam["fatalities_low"]) == (20, 0)
    assert niafunke["event_date"] == goundam["event_date"] == "2023-11-24"


def test_past_events_are_background_not_incidents() -> None:
    text = ("Au Mali, des hommes armés ont attaqué vendredi le camp de Boni. "
            "Cette attaque survient quelques jours seulement après la prise de contrôle de Kidal "
            "par l'armée. En mars dernier, une attaque contre Tamalate avait tué 40 civils.")
    extraction = extract_report(make_report(text, published="2023-11-25"))
    assert [r["location"] for r in extraction.records] == ["Boni"]
    assert sorted(r["location"] for r in extraction.background) == ["Kidal", "Tamalate"]


def test_retrospective_report_gives_only_background() -> None:
    text = ("Three years ago, on March 23, 2019, gunmen attacked the village of Ogossagou in "
            "Mali, killing 160 civilians. It was around 5 a.m. when armed men entered Ogossagou.")
    extraction = extract_report(make_report(text, published="2022-03-23"))
    assert extraction.records == [] and extraction.background


@pytest.mark.parametrize("text", [
    "Opinion\n\nLa France aurait mieux fait de se taire. Les attaques à Kidal le prouvent.",
    "il n'y a ni JMIN ni RMiM! il y a des états qui manipulent des groupes « terroristes ».",
    "Djibo has been at the epicentre of violence that has killed thousands.",
])
def test_opinion_comments_and_general_statements_give_nothing(text: str) -> None:
    report = parse_report_text(f"PUBLISHED: unknown\nLANG: fr\n---\n{text}")
    assert extract_report(report).records == []


def test_protest_days_are_separate_events() -> None:
    records = _extract("In Mali, youths protested at the airport in Kidal on Friday and "
                       "Saturday.", published="2014-05-18")
    assert [r["event_date"] for r in records] == ["2014-05-16", "2014-05-17"]


def test_unresolved_place_is_reported_with_candidates_not_dropped() -> None:
    extraction = extract_report(make_report(
        "Au Mali, des combats ont eu lieu vendredi dans la région de Ménaka : Tamalate et "
        "Inchnane.", published="2022-10-31"))
    assert "Inchnane" in [u.name for u in extraction.unresolved]
    [inchnane] = [r for r in extraction.records if r["location"] == "Inchnane"]
    assert "unresolved_place" in inchnane["flags"]
    assert inchnane["geo_precision"] == 3 and inchnane["latitude"] is not None


def test_same_day_at_the_same_place_can_be_another_event() -> None:
    records = _extract(
        "Au Niger, sept soldats ont été tués jeudi dans une embuscade près de Téra. "
        "Le même jour, un engin explosif a visé un véhicule civil entre Téra et Gothèye, tuant "
        "deux passagers.", published="2024-01-12")
    assert [(r["location"], r["event_type"], r["group2"]) for r in records] == [
        ("Téra", "Battles", "Niger forces"),
        ("Téra", "Explosions/Remote violence", "Civilians")]


def test_habitual_wording_is_not_an_event() -> None:
    assert _extract("La région de Tillabéri est régulièrement la cible d'attaques jihadistes "
                    "contre l'armée nigérienne.", published="2024-01-12") == []


def test_a_pronoun_keeps_the_previous_speaker() -> None:
    [incident] = _extract(
        "Islamist militants attacked a military camp in Mondoro, Mali, on Sunday, killing at "
        "least 10 soldiers, the army said.\n\nIt said 30 assailants were killed.",
        published="2023-03-06")
    roles = [(c["role"], c["low"]) for c in incident["claims_list"] if c["kind"] == "killed"]
    assert roles == [("army", 10), ("army", 30)]


@pytest.mark.parametrize(("text", "published", "location", "event_type"), [
    # An inquiry published weeks later: the lead is still the report's news.
    ("Malian troops and foreign fighters killed around 500 people in Moura in late March, the "
     "U.N. human rights office said on Friday.", "2023-05-12", "Moura",
     "Violence against civilians"),
    ("Thousands of people took to the streets of Niamey on Sunday to support the junta.",
     "2023-08-21", "Niamey", "Protests"),
    ("Boko Haram fighters killed nine soldiers in an attack on an army post in Kaiga Kindjiria, "
     "in Chad's Lac province, on Monday night, the army said.", "2022-08-10", "Kaïga Kindjiria",
     "Battles"),
])
def test_more_report_shapes(text: str, published: str, location: str, event_type: str) -> None:
    [incident] = _extract(text, published=published)
    assert (incident["location"], incident["event_type"]) == (location, event_type)


def test_day_after_another_attack_told_later() -> None:
    records = _extract("Au Burkina Faso, quatre soldats ont été tués à Nassoumbou au lendemain "
                       "d'une autre attaque. Dimanche, dix civils ont été tués à Sikiré.",
                       published="2019-01-29")
    assert [(r["location"], r["event_date"]) for r in records] == [
        ("Nassoumbou", "2019-01-28"), ("Sikiré", "2019-01-27")]


def test_headline_toll_goes_to_the_lead_incident() -> None:
    report = parse_report_text("PUBLISHED: 2019-01-29\nLANG: fr\nTITLE: Burkina Faso : quatre "
                               "soldats tués\n---\nIls ont été tués lundi lors de l'attaque de la "
                               "base militaire de Nassoumbou.")
    [incident] = extract_report(report).records
    assert (incident["location"], incident["fatalities_low"]) == ("Nassoumbou", 4)


@pytest.mark.parametrize(("text", "published", "expected"), [
    ("Des soldats maliens et des paramilitaires russes ont exécuté dimanche des dizaines de "
     "civils à Moura, selon des témoins.", "2022-04-02",
     ("FAMa", "Civilians", "Violence against civilians", 10)),
    ("L'armée malienne affirme avoir neutralisé mardi une trentaine de terroristes lors d'une "
     "opération à Boulkessi.", "2022-05-20", ("FAMa", None, "Battles", 30)),
    ("Soldiers killed 20 suspected jihadists near Djibo in northern Burkina Faso on Wednesday.",
     "2023-06-02", ("Burkina Faso forces", "Unidentified armed group", "Battles", 20)),
    ("Le JNIM a revendiqué l'enlèvement vendredi de trois ressortissants étrangers près de "
     "Koutiala.", "2022-04-12",
     ("JNIM", "Civilians", "Violence against civilians", 0)),
])
def test_state_perpetrators_and_abductions(text: str, published: str,
                                           expected: tuple[str, str | None, str, int]) -> None:
    [incident] = _extract(text, published=published)
    assert (incident["group1"], incident["group2"], incident["event_type"],
            incident["fatalities_low"]) == expected


def test_near_spelling_in_the_reports_country_is_taken_and_flagged() -> None:
    [incident] = _extract("A drone strike by the Burkinabe army killed dozens of civilians at a "
                          "market in Tiéfoura on Saturday.", published="2023-08-07")
    assert (incident["location"], incident["geo_precision"]) == ("Tiéfora", 2)
    assert "fuzzy_place" in incident["flags"]


def test_only_the_country_is_known() -> None:
    [incident] = _extract("Gunmen killed 12 soldiers in northern Burkina Faso on Sunday, security "
                          "sources said.", published="2023-05-02")
    assert (incident["location"], incident["iso3"], incident["geo_precision"]) == (
        "Burkina Faso", "BFA", 3)
    assert "country_only" in incident["flags"] and incident["latitude"] is not None


@pytest.mark.parametrize("text", [
    "Burkina Faso's junta leader vowed on Friday to retake all territory lost to jihadists, "
    "after a wave of attacks in the north.",
    "Mali's army said on Tuesday it had received two new drones to fight jihadists in the "
    "Mopti region.",
])
def test_statements_and_purchases_are_not_events(text: str) -> None:
    assert _extract(text, published="2023-03-03") == []


def test_dateline_city_is_not_the_event_place() -> None:
    [incident] = _extract("Niamey, 12 janvier (AFP) - Au moins sept soldats nigériens ont été tués "
                          "jeudi dans une embuscade près de Téra.", published="2024-01-12")
    assert incident["location"] == "Téra"


ROUNDUP = """Au moins 30 personnes ont été tuées ce week-end dans plusieurs attaques dans le nord et l'est du Burkina Faso, selon des sources sécuritaires.

Samedi, des hommes armés ont attaqué le village de Kodyel, dans la province de la Komondjari, tuant 18 civils, a indiqué un élu local.

Le même jour, un détachement militaire a été visé à Tin-Akoff, dans la province de l'Oudalan. Sept soldats et cinq VDP ont été tués, selon une source sécuritaire.

Dimanche, un engin explosif improvisé a frappé un bus sur l'axe Dori-Gorom-Gorom, faisant au moins cinq morts parmi les passagers."""  # noqa: E501


def test_roundup_of_several_attacks() -> None:
    records = _extract(ROUNDUP, published="2022-05-30")
    assert [(r["location"], r["event_date"], r["event_type"], r["fatalities"])
            for r in records] == [
        ("Kodyèl", "2022-05-28", "Violence against civilians", 18),
        ("Tin-Akoff", "2022-05-28", "Battles", 12),
        ("Dori", "2022-05-29", "Explosions/Remote violence", 5),
    ]
    assert records[2]["geo_precision"] == 2


@pytest.mark.parametrize(("text", "published", "expected"), [
    ("Rebels from the CSP clashed with Malian soldiers and Wagner mercenaries near Tinzaouaten "
     "on Thursday, the rebel coalition said.", "2024-07-27", ("Azawad rebels", "FAMa", "Battles")),
    ("Hier, une embuscade tendue par des éléments de l'EIGS contre une patrouille des FAMa près "
     "d'Ansongo a fait trois morts parmi les soldats.", "2019-11-02",
     ("Islamic State Sahel", "FAMa", "Battles")),
])
def test_named_groups_behind_generic_words(
        text: str, published: str, expected: tuple[str, str | None, str]) -> None:
    [incident] = _extract(text, published=published)
    assert (incident["group1"], incident["group2"], incident["event_type"]) == expected


def test_angry_crowds_are_riots() -> None:
    [incident] = _extract("Angry youths set fire to the town hall in Kaya on Tuesday, police said.",
                          published="2022-09-08")
    assert (incident["group1"], incident["event_type"], incident["sub_event_type"]) == (
        "Rioters", "Riots", "Mob violence")


def test_containing_units_do_not_become_incidents() -> None:
    records = _extract("Au Niger, soixante-dix personnes ont été tuées samedi à Tchoma Bangou, "
                       "dans le département de Ouallam (région de Tillabéri).",
                       published="2021-01-03")
    assert [r["location"] for r in records] == ["Tchoma Bangou"]


def test_a_lone_burning_does_not_open_an_incident() -> None:
    assert _extract("In Kaya, families wait for a way home. \"The rest was burned,\" she said.",
                    published="2023-03-02") == []


def test_a_name_in_quotes_is_not_a_place() -> None:
    [incident] = _extract("Au Mali, le bateau « Tombouctou » a été pris pour cible jeudi près "
                          "de Gourma-Rharous.", published="2023-09-08")
    assert incident["location"] != "Timbuktu" and incident["geo_precision"] == 2
