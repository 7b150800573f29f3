"""Actor names as ACLED and UCDP write them for the region → canonical groups.

The names are written for this test from the datasets' public naming conventions (no rows of
any dataset): named groups in their spellings across vintages, and the systematic names
("<community> Ethnic Militia (<country>)", "Military Forces of <country> (<period>)" …) built from
communities, countries and periods, so the table is checked against the conventions rather than
against a list of examples.
"""

import itertools

import pandas as pd
import pytest

from sahel import actors
from sahel.actors import canonical_group, is_armed_group, resolve_actor_column

COUNTRIES = {"Mali": "FAMa", "Burkina Faso": "Burkina Faso forces", "Niger": "Niger forces",
             "Chad": "Chad forces", "Mauritania": "Mauritania forces",
             "Nigeria": "Nigeria forces", "Benin": "Benin forces", "Togo": "Togo forces",
             "Ivory Coast": "Côte d'Ivoire forces", "Ghana": "Ghana forces",
             "Algeria": "Algeria forces", "Libya": "Libya forces",
             "Cameroon": "Cameroon forces", "Senegal": "Senegal forces",
             "Guinea": "Guinea forces",
             "Central African Republic": "Central African Republic forces",
             "Sudan": "Sudan forces"}
PERIODS = ("", " (1960-)", " (1991-2002)", " (2002-2012)", " (2013-2020)", " (2021-)", " (2022-)",
           " (2023-)", " (2019-2023)")
UNITS = ("", " Prison Guards", " Gendarmerie", " National Guard", " Customs", " Special Forces",
         " Republican Guard")
# Communities as ACLED names them for identity militias (several never listed in aliases.csv).
COMMUNITIES = ("Fulani", "Fula", "Peul", "Dogon", "Bambara", "Bozo", "Mossi", "Tuareg", "Arab",
               "Songhai", "Daoussahak", "Hausa", "Zarma", "Djerma", "Toubou", "Kounta",
               "Ganda Izo", "Kurumba", "Fulse", "Gourmantche", "Bella", "Samo", "Bobo",
               "Minianka", "Senufo", "Dioula", "Marka", "Soninke", "Moor", "Imghad", "Idnane",
               "Ifoghas", "Kel Ansar", "Lobi", "Dagara", "Bissa", "Gurunsi", "Kanuri", "Buduma",
               "Mohamid", "Gorane", "Zaghawa", "Tamasheq", "Haoussa", "Tchadian Arab")
SAHEL = ("Mali", "Burkina Faso", "Niger", "Chad", "Mauritania", "Nigeria", "Benin", "Togo")

STATE_NAMES = [(f"{kind} of {country}{period}{unit}", group)
               for (country, group), period, unit, kind in itertools.product(
                   COUNTRIES.items(), PERIODS[:5] + PERIODS[5:7], UNITS[:4],
                   ("Military Forces", "Police Forces"))]
GOVERNMENTS = [(f"Government of {country}{period}", group)
               for (country, group), period in itertools.product(COUNTRIES.items(), PERIODS[:3])]
MUTINIES = [(f"Mutiny of {kind} of {country}{period}", "Mutineers")
            for kind, country, period in itertools.product(
                ("Military Forces", "Police Forces"), SAHEL, (" (1999-2010)", " (2012)", ""))]
ETHNIC = [(f"{community} {kind} Militia ({country})", "Communal militias")
          for community, kind, country in itertools.product(COMMUNITIES, ("Ethnic", "Communal"),
                                                            SAHEL[:4])
]
UNIDENTIFIED = [(f"{kind} ({country})", "Unidentified armed group")
                for kind, country in itertools.product(
                    ("Unidentified Armed Group", "Unidentified Military Forces",
                     "Islamist Militia", "Unidentified Police Forces"), SAHEL)] + [
    ("Unidentified Armed Group", "Unidentified armed group"),
    ("Unidentified Military Forces", "Unidentified armed group"),
    ("Unidentified Armed Group (International)", "Unidentified armed group"),
]
UNIDENTIFIED_COMMUNAL = [(f"Unidentified Communal Militia ({c})", "Communal militias")
                         for c in SAHEL]
CIVILIANS = [(f"{kind} ({country})", group)
             for (kind, group), country in itertools.product([
                 ("Civilians", "Civilians"), ("Protesters", "Protesters"),
                 ("Rioters", "Rioters"), ("Refugees/IDPs", "Civilians"),
                 ("Labour Group", "Civilians"), ("Labor Group", "Civilians"),
                 ("Journalists", "Civilians"), ("Students", "Civilians"),
                 ("Teachers", "Civilians"), ("Prisoners", "Civilians"),
                 ("Health Workers", "Civilians"), ("Aid Workers", "Civilians"),
                 ("Farmers", "Civilians"), ("Herders", "Civilians"), ("Miners", "Civilians"),
                 ("Women", "Civilians"), ("Traders", "Civilians"), ("Fishers", "Civilians"),
                 ("Lawyers", "Civilians"), ("Judges", "Civilians"),
                 ("Muslim Group", "Civilians"), ("Christian Group", "Civilians"),
                 ("Catholic Christian Group", "Civilians"),
                 ("Protestant Christian Group", "Civilians"),
                 ("Fulani Ethnic Group", "Civilians"), ("Dogon Ethnic Group", "Civilians"),
                 ("Tuareg Ethnic Group", "Civilians"), ("Mossi Ethnic Group", "Civilians"),
                 ("Private Security Forces", "Private security"),
             ], SAHEL[:4])]

NAMED = [
    # JNIM and its components
    ("JNIM: Group for Support of Islam and Muslims", "JNIM"),
    ("JNIM", "JNIM"),
    ("Jama'at Nusrat al-Islam wal-Muslimin", "JNIM"),
    ("Jama'a Nusrat ul-Islam wa al-Muslimin", "JNIM"),
    ("Ansar Dine", "Ansar Dine"),
    ("Ansar Dine: Defenders of the Faith", "Ansar Dine"),
    ("Ansar al-Din", "Ansar Dine"),
    ("Al Mourabitoune Battalion", "Al-Mourabitoune"),
    ("Al Mourabitoune", "Al-Mourabitoune"),
    ("Al-Mourabitoun", "Al-Mourabitoune"),
    ("Al-Murabitun", "Al-Mourabitoune"),
    ("Katiba Macina", "Katiba Macina"),
    ("FLM: Macina Liberation Front", "Katiba Macina"),
    ("Macina Liberation Front", "Katiba Macina"),
    ("Katiba Serma", "Katiba Serma"),
    ("AQIM: Al Qaeda in the Islamic Maghreb", "AQIM"),
    ("Al-Qaida in the Islamic Maghreb", "AQIM"),
    ("AQIM", "AQIM"),
    ("MUJAO: Movement for Unity and Jihad in West Africa", "MUJAO"),
    ("MUJAO", "MUJAO"),
    ("Ansaroul Islam", "Ansarul Islam"),
    ("Ansarul Islam", "Ansarul Islam"),
    ("Ansarullah", "Ansarul Islam"),
    # Islamic State in the Sahel and the Lake Chad basin
    ("Islamic State (Greater Sahara)", "Islamic State Sahel"),
    ("Islamic State in the Greater Sahara", "Islamic State Sahel"),
    ("ISGS", "Islamic State Sahel"),
    ("Islamic State (West Africa) - Greater Sahara Faction", "Islamic State Sahel"),
    ("Islamic State West Africa Province - Greater Sahara", "Islamic State Sahel"),
    ("Islamic State Sahel Province", "Islamic State Sahel"),
    ("Islamic State (Sahel)", "Islamic State Sahel"),
    ("ISSP", "Islamic State Sahel"),
    ("IS", "Islamic State Sahel"),
    ("Islamic State (West Africa)", "ISWAP"),
    ("Islamic State West Africa Province", "ISWAP"),
    ("ISWAP", "ISWAP"),
    ("Islamic State (West Africa) - Lake Chad Faction", "ISWAP"),
    ("Boko Haram - Wilayat al Sudan al Gharbi", "ISWAP"),
    ("Boko Haram - Jamatu Ahli is-Sunnah lid-Dawatai wal-Jihad", "Boko Haram (JAS)"),
    ("Boko Haram - Jamaatu Ahli is-Sunnah lid-Dawati wal-Jihad", "Boko Haram (JAS)"),
    ("Boko Haram - Jama'atu Ahlis Sunna Lidda'awati wal-Jihad", "Boko Haram (JAS)"),
    ("Jama'atu Ahlis Sunna Lidda'awati wal-Jihad", "Boko Haram (JAS)"),
    ("Boko Haram", "Boko Haram (JAS)"),
    ("JAS", "Boko Haram (JAS)"),
    # Azawad movements across eras
    ("MNLA: National Movement for the Liberation of Azawad", "Azawad rebels"),
    ("MNLA", "Azawad rebels"),
    ("HCUA: High Council for the Unity of Azawad", "Azawad rebels"),
    ("HCUA", "Azawad rebels"),
    ("MAA: Arab Movement of Azawad", "Azawad rebels"),
    ("MAA-CMA", "Azawad rebels"),
    ("MAA-Platform", "GATIA/MSA"),
    ("MAA: Arab Movement of Azawad (Platform)", "GATIA/MSA"),
    ("CMA: Coordination of Azawad Movements", "Azawad rebels"),
    ("CMA", "Azawad rebels"),
    ("CSP-PSD: Permanent Strategic Framework for Peace, Security and Development",
     "Azawad rebels"),
    ("CSP-DPA: Strategic Framework for the Defense of the People of Azawad", "Azawad rebels"),
    ("CSP-DPA", "Azawad rebels"),
    ("FLA: Azawad Liberation Front", "Azawad rebels"),
    ("FLA", "Azawad rebels"),
    ("CJA: Congress for Justice in Azawad", "Azawad rebels"),
    ("GATIA: Imghad Tuareg and Allies Self-Defense Group", "GATIA/MSA"),
    ("GATIA", "GATIA/MSA"),
    ("MSA: Movement for the Salvation of Azawad", "GATIA/MSA"),
    ("MSA-D", "GATIA/MSA"),
    ("Platform", "GATIA/MSA"),
    ("Plateforme", "GATIA/MSA"),
    ("CM-FPR: Coordination of Patriotic Resistance Movements and Forces", "GATIA/MSA"),
    # Niger's and Chad's rebels
    ("MNJ: Niger Movement for Justice", "Niger rebels"),
    ("MNJ: Movement of Nigeriens for Justice", "Niger rebels"),
    ("MNJ", "Niger rebels"),
    ("FFR: Front of Forces for Rectification", "Niger rebels"),
    ("ATNMC: Tuareg Alliance of Niger and Mali for Change", "Niger rebels"),
    ("FARS: Revolutionary Armed Forces of the Sahara", "Niger rebels"),
    ("FPL: Patriotic Liberation Front", "Niger rebels"),
    ("FPJ: Patriotic Front for Justice", "Niger rebels"),
    ("CRR: Council of Resistance for the Republic", "Niger rebels"),
    ("FLAA", "Niger rebels"),
    ("CRA", "Niger rebels"),
    ("FACT: Front for Change and Concord in Chad", "Chadian rebels"),
    ("CCMSR: Military Command Council for the Salvation of the Republic", "Chadian rebels"),
    ("UFR: Union of Resistance Forces", "Chadian rebels"),
    ("MDJT", "Chadian rebels"),
    # state and pro-government forces
    ("VDP: Volunteers for the Defense of the Homeland", "VDP"),
    ("Volunteers for the Defense of the Homeland (VDP)", "VDP"),
    ("Dozo Communal Militia (Mali)", "Dozo militias"),
    ("Dozo Communal Militia (Burkina Faso)", "Dozo militias"),
    ("Dozo Militia", "Dozo militias"),
    ("Koglweogo Militia", "Koglweogo"),
    ("Koglweogo Militia (Burkina Faso)", "Koglweogo"),
    ("Dan Na Ambassagou: Dogon Self-Defense Militia", "Dan Na Ambassagou"),
    ("Dan Na Ambassagou", "Dan Na Ambassagou"),
    ("Ganda Koy", "Communal militias"),
    ("Wagner Group", "Wagner / Africa Corps"),
    ("Africa Corps", "Wagner / Africa Corps"),
    ("Military Forces of Russia (2000-)", "Wagner / Africa Corps"),
    ("Military Forces of France (2017-)", "French forces"),
    ("Military Forces of France (2017-) Operation Barkhane", "French forces"),
    ("Operation Barkhane", "French forces"),
    ("Takuba Task Force", "French forces"),
    ("Military Forces of the United States (2017-2021)", "US forces"),
    ("Military Forces of the United States", "US forces"),
    ("Government of United States of America", "US forces"),
    ("Military Forces of Germany (2021-)", "European forces"),
    ("Military Forces of Italy", "European forces"),
    ("Military Forces of the United Kingdom (2019-)", "European forces"),
    ("EUTM: European Union Training Mission in Mali", "European forces"),
    ("Military Forces of Canada (2015-)", "Other foreign forces"),
    ("Military Forces of Turkey", "Other foreign forces"),
    ("MINUSMA: United Nations Multidimensional Integrated Stabilization Mission in Mali",
     "MINUSMA"),
    ("UN: United Nations", "MINUSMA"),
    ("MINUSCA: United Nations Multidimensional Integrated Stabilization Mission in the Central "
     "African Republic", "Other UN missions"),
    ("MINURCAT", "Other UN missions"),
    ("G5 Sahel Joint Force", "G5 Sahel"),
    ("Military Forces of G5 Sahel", "G5 Sahel"),
    ("MNJTF: Multinational Joint Task Force", "Multinational forces"),
    ("AFISMA: African-led International Support Mission to Mali", "Multinational forces"),
    ("Sole Perpetrator (Mali)", "Unidentified armed group"),
    # UCDP side names
    ("Government of Mali (2021-)", "FAMa"),
    ("Government of Burkina Faso (2022-)", "Burkina Faso forces"),
    ("Government of Niger (2023-)", "Niger forces"),
    ("Ganda Izo Ethnic Militia (Mauritania)", "Communal militias"),
    ("Women (Mauritania)", "Civilians"),
    ("Government of France", "French forces"),
    ("Government of Russia (Soviet Union)", "Wagner / Africa Corps"),
    ("Fulani", "Communal militias"),
    ("Dogon", "Communal militias"),
    ("Dozo", "Dozo militias"),
    ("Civilians", "Civilians"),
    ("Tuareg", "Communal militias"),
    ("Jama'atu Ahlis Sunna Lidda'awati wa'l-Jihad", "Boko Haram (JAS)"),
    # named groups whose description looks like a systematic name
    ("Dan Na Ambassagou: Dogon Ethnic Militia", "Dan Na Ambassagou"),
    ("Islamic State (West Africa) - Lake Chad Province", "ISWAP"),
    ("MINUSMA: United Nations Multidimensional Integrated Stabilization Mission in Mali "
     "(2013-2023)", "MINUSMA"),
    ("Military Forces of Burkina Faso (2022-) Rapid Intervention Battalion",
     "Burkina Faso forces"),
    ("CNSP: National Council for the Safeguard of the Homeland", "Niger forces"),
    # non-armed actors beside them
    ("Koranic Students (Mali)", "Civilians"),
    ("Moto-Taxi Drivers (Burkina Faso)", "Civilians"),
    ("Civilians (International)", "Civilians"),
    ("Refugees/IDPs", "Civilians"),
    ("Students", "Civilians"),
    ("Sufi Muslim Group (Mali)", "Civilians"),
]

ALL_NAMES = (NAMED + STATE_NAMES + GOVERNMENTS + MUTINIES + ETHNIC + UNIDENTIFIED
             + UNIDENTIFIED_COMMUNAL + CIVILIANS)
NOT_ARMED = {"unidentified", "civilians", "other"}


def test_the_list_is_long_and_has_no_repeats():
    names = [n for n, _ in ALL_NAMES]
    assert len(names) >= 1000
    assert len(set(names)) == len(names)


@pytest.mark.parametrize(("name", "expected"), ALL_NAMES)
def test_acled_and_ucdp_names_resolve(name, expected):
    assert canonical_group(name) == expected


@pytest.mark.parametrize(("name", "expected"), NAMED)
def test_names_resolve_in_a_column_with_dates_and_countries(name, expected):
    groups, unknown = resolve_actor_column(pd.Series([name] * 3, dtype="str"),
                                           on=pd.Series(pd.to_datetime(
                                               ["2014-01-01", "2019-06-01", "2024-06-01"])),
                                           iso3=pd.Series(["MLI", "BFA", "NER"]))
    assert set(groups) == {expected} and unknown == {}


def test_coverage_of_armed_and_state_actors():
    """At least 99 % of the armed or state actor names resolve to a group or "unidentified"."""
    kinds = {g.name: g.kind for g in actors.all_groups()}
    armed = [n for n, g in ALL_NAMES
             if kinds[g] not in NOT_ARMED or g == "Unidentified armed group"]
    groups, unknown = resolve_actor_column(pd.Series(armed, dtype="str"))
    resolved = groups.isin(list(kinds)).mean()
    assert resolved >= 0.99, sorted(unknown)
    assert all(is_armed_group(n) for n, g in ALL_NAMES if kinds[g] not in NOT_ARMED)
    assert not any(is_armed_group(n) for n, g in ALL_NAMES if kinds[g] in NOT_ARMED)
